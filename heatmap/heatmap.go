// Package heatmap turns tile scores into images: a grid image with one pixel
// per tile (the viewer's overlay layer), and a stand-alone PNG of a slide
// thumbnail with the heatmap and its legend (for `tessera analyze`).
package heatmap

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"slices"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"tessera/inference"
	"tessera/internal/colormap"
)

// ThumbSide is the longest side, in pixels, of the slide image under a
// composed heatmap (heatmap.png, report pages).
const ThumbSide = 1200

// ThumbSideFor is the slide image's longest side under a composed heatmap
// of a cols × rows tile grid: 48 pixels per tile, between 640 and
// ThumbSide. The heatmap has one value per tile, so a small slide (a
// biopsy of a few dozen tiles) needs no 1200-pixel image, which would cost
// more to read and encode than its analysis.
func ThumbSideFor(cols, rows int) int {
	return min(ThumbSide, max(640, 48*max(cols, rows)))
}

// Style says how scores become colours.
type Style struct {
	Map       colormap.Map
	Lo, Hi    float64 // score range mapped onto the colormap
	Threshold float64 // tiles scoring below are not drawn (use math.Inf(-1) for all)
	Opacity   float64 // 0–1
}

// StyleFor fits the range to what the scores mean: symmetric around 0 for
// signed evidence, from 0 for attention, [0, 1] for probabilities; viridis,
// 55 % opacity, every tile shown.
func StyleFor(meaning inference.ScoreMeaning, lo, hi float32) Style {
	st := Style{Map: colormap.Viridis, Threshold: math.Inf(-1), Opacity: 0.55}
	switch meaning {
	case inference.ScoreSignedEvidence:
		m := math.Max(math.Abs(float64(lo)), math.Abs(float64(hi)))
		if m == 0 {
			m = 1
		}
		st.Lo, st.Hi = -m, m
	case inference.ScoreAttention:
		st.Lo, st.Hi = 0, math.Max(float64(hi), 1e-9)
	default:
		st.Lo, st.Hi = 0, 1
	}
	return st
}

// Normalise maps a score into [0, 1] of the style's range.
func (s Style) Normalise(v float64) float64 {
	if s.Hi == s.Lo {
		return 0.5
	}
	return (v - s.Lo) / (s.Hi - s.Lo)
}

// GridImage renders one pixel per grid cell (cols × rows): each scored tile
// in its colour at the style's opacity; cells without a tile, or below the
// threshold, transparent. Pixel (c, r) covers level-0 pixels
// [c·side0, (c+1)·side0) × [r·side0, (r+1)·side0).
func GridImage(cols, rows int, tiles []inference.TileScore, st Style) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, max(cols, 1), max(rows, 1)))
	alpha := uint8(math.Round(math.Min(math.Max(st.Opacity, 0), 1) * 255))
	for _, t := range tiles {
		if t.Col < 0 || t.Row < 0 || t.Col >= cols || t.Row >= rows || float64(t.Score) < st.Threshold {
			continue
		}
		c := st.Map.At(st.Normalise(float64(t.Score)))
		c.A = alpha
		img.SetNRGBA(t.Col, t.Row, c)
	}
	return img
}

// Legend wording: what a pathologist needs to read the colours, not the
// model's vocabulary.

// TitleOf says what the colours mean for scores of meaning, with the class
// names (negative, positive), for the colour bar's low and high ends.
func TitleOf(meaning inference.ScoreMeaning, negative, positive string) string {
	switch meaning {
	case inference.ScoreSignedEvidence:
		return fmt.Sprintf("Right end: tiles pushing the result towards %q; left end: towards %q", positive, negative)
	case inference.ScoreAttention:
		return "Where the model looked (attention), not a tumour map"
	}
	return fmt.Sprintf("Probability of %q for each tile", positive)
}

// ScalingNote states how the colours were scaled ("" for plain values).
func ScalingNote(meaning inference.ScoreMeaning, rank bool) string {
	if rank {
		return "colours rank the tiles within this slide (percentile), not absolute values"
	}
	if meaning == inference.ScoreAttention {
		return "colours are raw attention weights"
	}
	return ""
}

// RankScores returns tiles with each score replaced by its percentile rank
// within tiles (0 the lowest, 1 the highest; ties share the lower rank), so
// that the structure of near-equal scores shows.
func RankScores(tiles []inference.TileScore) []inference.TileScore {
	out := append([]inference.TileScore(nil), tiles...)
	if len(out) < 2 {
		for i := range out {
			out[i].Score = 1
		}
		return out
	}
	sorted := make([]float32, len(tiles))
	for i, t := range tiles {
		sorted[i] = t.Score
	}
	slices.Sort(sorted)
	n := float32(len(sorted) - 1)
	for i := range out {
		r, _ := slices.BinarySearch(sorted, out[i].Score)
		out[i].Score = float32(r) / n
	}
	return out
}

// Compose draws thumb (the whole slide at downsample ds, level-0 pixels per
// thumbnail pixel) with the tiles coloured by st over it and legend below:
// colour bar, range, meaning, result and caveats. tiles are r's, or their
// ranks (Layer.Compose decides).
func Compose(thumb image.Image, ds float64, r *inference.Result, tiles []inference.TileScore, st Style, legend string) *image.NRGBA {
	tb := thumb.Bounds()
	legendH := 96 + 16*len(r.Caveats())
	w := max(tb.Dx(), 420)
	out := image.NewNRGBA(image.Rect(0, 0, w, tb.Dy()+legendH))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(out, tb.Sub(tb.Min), Overlaid(thumb, ds, GridOf(r), tiles, st), image.Point{}, draw.Src)
	drawLegend(out, image.Rect(0, tb.Dy(), w, tb.Dy()+legendH), r, st, legend)
	return out
}

// Overlaid returns thumb (the whole slide at downsample ds, level-0 pixels
// per thumbnail pixel) with the tiles of grid g coloured by st over it: each
// thumbnail pixel blends the colour of the grid cell under its centre.
func Overlaid(thumb image.Image, ds float64, g Grid, tiles []inference.TileScore, st Style) *image.NRGBA {
	tb := thumb.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, tb.Dx(), tb.Dy()))
	draw.Draw(out, out.Bounds(), thumb, tb.Min, draw.Src)
	grid := GridImage(g.Cols, g.Rows, tiles, st)
	for y := 0; y < tb.Dy(); y++ {
		gy := int((float64(y) + 0.5) * ds / g.Side0)
		for x := 0; x < tb.Dx(); x++ {
			gx := int((float64(x) + 0.5) * ds / g.Side0)
			if gx >= g.Cols || gy >= g.Rows {
				continue
			}
			if c := grid.NRGBAAt(gx, gy); c.A > 0 {
				blend(out, x, y, c)
			}
		}
	}
	return out
}

func blend(img *image.NRGBA, x, y int, c color.NRGBA) {
	i := img.PixOffset(x, y)
	a := float64(c.A) / 255
	for k, v := range []uint8{c.R, c.G, c.B} {
		img.Pix[i+k] = uint8(float64(img.Pix[i+k])*(1-a) + float64(v)*a + 0.5)
	}
}

func drawLegend(img *image.NRGBA, area image.Rectangle, r *inference.Result, st Style, title string) {
	x0, y0 := area.Min.X+10, area.Min.Y+8
	barW := min(area.Dx()-20, 300)
	for x := 0; x < barW; x++ {
		c := st.Map.At(float64(x) / float64(barW-1))
		for y := 0; y < 14; y++ {
			img.SetNRGBA(x0+x, y0+y, c)
		}
	}
	text(img, x0, y0+28, fmt.Sprintf("%.3g", st.Lo))
	hiText := fmt.Sprintf("%.3g", st.Hi)
	text(img, x0+barW-7*len(hiText), y0+28, hiText)
	text(img, x0, y0+44, title)
	if r.Withheld() {
		text(img, x0, y0+60, r.Headline())
	} else {
		text(img, x0, y0+60, fmt.Sprintf("%s: p=%.3f vs threshold %.2f", r.Headline(), r.Probability, r.Threshold))
	}
	text(img, x0, y0+76, fmt.Sprintf("%s %s (%.12s)", r.Model.Name, r.Model.Version, r.Model.SHA256))
	y := y0 + 92
	for _, c := range r.Caveats() {
		text(img, x0, y, "! "+c.Short)
		y += 16
	}
}

// text draws s in black with a 7×13 bitmap font; y is the baseline.
func text(img *image.NRGBA, x, y int, s string) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13,
		Dot: fixed.P(x, y)}
	d.DrawString(s)
}

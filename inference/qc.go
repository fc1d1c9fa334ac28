package inference

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// QCFlags are the quality-control findings on one tile, as a bit set.
type QCFlags uint8

// Quality-control findings on a tile, measured on the pixels the model
// reads (at the model's µm/px).
const (
	// QCBlur: out of focus (variance of the Laplacian below QCBlurBelow).
	QCBlur QCFlags = 1 << iota
	// QCInk: pen or marker ink: a green or blue line crossing the tile
	// (more than QCColourInkAbove of it), a black one (QCBlackInkAbove), or
	// any ink on more than QCInkAbove.
	QCInk
	// QCEmpty: glass or background on more than QCEmptyAbove of the tile.
	QCEmpty
	// QCDark: very dark on more than QCDarkAbove of the tile (folds,
	// debris, bubbles' edges).
	QCDark
	// QCOutlier: the tile's features are farther from the bundle's
	// [reference] than 99 % of the reference tiles. Not an artefact: such
	// tiles stay in the score; many of them put the result in doubt.
	QCOutlier
)

// artefactFlags are the flags of tiles that are not tissue as the model
// should read it (left out of the score when the bundle says so).
const artefactFlags = QCBlur | QCInk | QCEmpty | QCDark

// Quality-control thresholds, measured on real tiles (CMU-1-Small-Region
// sharp, blurred with σ = 4 level-0 pixels, and marked with pens; see
// qc_test.go).
const (
	QCBlurBelow = 60.0 // variance of the 4-neighbour Laplacian of grey (0–255)
	QCInkAbove  = 0.25 // share of the tile's pixels
	// QCColourInkAbove: green or blue, which H&E never is: a marker line
	// crossing a tile covers a few percent of it (measured: qc_test.go).
	QCColourInkAbove = 0.03
	// QCBlackInkAbove: neutral near-black, which dense nuclei can approach.
	QCBlackInkAbove = 0.06
	QCEmptyAbove    = 0.85
	QCDarkAbove     = 0.50
)

// qcNames are the flags' stable names (in result.json), words, and what
// to do about an artefact that withholds a result.
var qcNames = []struct {
	flag                QCFlags
	code, words, advice string
}{
	{QCBlur, "blur", "out of focus", "rescan"},
	{QCInk, "ink", "covered by pen or marker ink", "clean the slide and rescan"},
	{QCEmpty, "empty", "mostly glass", "check the scan area"},
	{QCDark, "dark", "very dark (folds or debris)", "check the section"},
	{QCOutlier, "outlier", "unlike the tiles the model was built on", ""},
}

// Codes returns the flags' names in a fixed order.
func (f QCFlags) Codes() []string {
	var out []string
	for _, n := range qcNames {
		if f&n.flag != 0 {
			out = append(out, n.code)
		}
	}
	return out
}

// Words returns the flags in words, joined by "and".
func (f QCFlags) Words() string {
	var out []string
	for _, n := range qcNames {
		if f&n.flag != 0 {
			out = append(out, n.words)
		}
	}
	return strings.Join(out, " and ")
}

// MarshalJSON writes the flags as a list of names.
func (f QCFlags) MarshalJSON() ([]byte, error) {
	codes := f.Codes()
	if codes == nil {
		codes = []string{}
	}
	return json.Marshal(codes)
}

// UnmarshalJSON reads a list of names; unknown names are an error.
func (f *QCFlags) UnmarshalJSON(b []byte) error {
	var codes []string
	if err := json.Unmarshal(b, &codes); err != nil {
		return err
	}
	*f = 0
	for _, c := range codes {
		found := false
		for _, n := range qcNames {
			if n.code == c {
				*f |= n.flag
				found = true
			}
		}
		if !found {
			return fmt.Errorf("unknown quality-control flag %q", c)
		}
	}
	return nil
}

// TileQC is what quality control measured on one tile.
type TileQC struct {
	Focus     float32    // variance of the Laplacian of the green channel
	Ink       float32    // share of pixels that look like pen ink (any colour)
	ColourInk float32    // share of green or blue ink pixels
	BlackInk  float32    // share of black ink pixels
	Empty     float32    // share of glass pixels
	Dark      float32    // share of very dark pixels
	OD        [3]float32 // mean optical density of the stained pixels, R, G, B
	Eosin     float32    // share of the stained pixels that are eosin pink (colour deconvolution, stain.go)
	DAB       float32    // share of the stained pixels that are DAB brown
	Distance  float32    // feature distance to the reference (0: none declared)
	Flags     QCFlags
}

// QCTile is a flagged tile in a result: grid cell, level-0 corner, flags.
type QCTile struct {
	Col      int     `json:"col"`
	Row      int     `json:"row"`
	X        float64 `json:"x"` // level-0 pixels
	Y        float64 `json:"y"`
	Flags    QCFlags `json:"flags"`
	Focus    float32 `json:"focus"`              // variance of the Laplacian
	Distance float32 `json:"distance,omitempty"` // feature distance to the reference
}

// QCSummary is quality control of a whole slide, in the result.
type QCSummary struct {
	Checked  bool           `json:"checked"`  // false: not run (fluorescence slide, or turned off)
	Tiles    []QCTile       `json:"tiles"`    // flagged tiles only
	Counts   map[string]int `json:"counts"`   // flagged tiles per flag name
	Excluded int            `json:"excluded"` // flagged tiles left out of the slide score
	// StainOD is the median over tissue tiles of their mean optical
	// density per channel (R, G, B); zero when no tile was stained.
	StainOD [3]float64 `json:"stain_od"`
	// Stain is what colour deconvolution found (DAB, eosin).
	Stain StainSummary `json:"stain"`
}

// Artefacts returns the number of tiles with an artefact flag (blur, ink,
// glass, dark; not outliers).
func (q *QCSummary) Artefacts() int {
	n := 0
	for _, t := range q.Tiles {
		if t.Flags&artefactFlags != 0 {
			n++
		}
	}
	return n
}

// Flagged returns the number of tiles with any flag.
func (q *QCSummary) Flagged() int { return len(q.Tiles) }

// measureQC measures one RGBA tile of side ts (pixels at pix with the given
// stride). Colour shares are sampled on every fourth row and column (3,136
// pixels of a 224-pixel tile), the Laplacian on every other row and column
// (it uses the full-resolution neighbours) of the green channel (where both haematoxylin
// and eosin absorb, so it carries the detail): quality control then costs
// a few percent of a fast encoder's time.
func measureQC(pix []uint8, stride, ts int) TileQC {
	var colourInk, blackInk, empty, dark, sampled, stained, dab, eosin int
	var od [3]float32
	var sum, sumSq, m int64
	for y := 0; y < ts; y += 4 {
		row := pix[y*stride : y*stride+4*ts]
		for x := 0; x < ts; x += 4 {
			r, g, b := int32(row[4*x]), int32(row[4*x+1]), int32(row[4*x+2])
			mx, mn := max(r, g, b), min(r, g, b)
			sampled++
			switch {
			case mx < 60 && mx-mn < 25:
				// Neutral near-black: black marker (folds and debris keep
				// the stain's colour).
				blackInk++
			case isInkColour(r, g, b, mx, mn):
				colourInk++
			case mx < 70:
				dark++
			case mn > 215 && mx-mn < 18:
				empty++
			default:
				stained++
				odR, odG, odB := opticalDensity[r], opticalDensity[g], opticalDensity[b]
				od[0] += odR
				od[1] += odG
				od[2] += odB
				isDAB, isEosin := stainOfPixel(odR, odG, odB)
				if isDAB {
					dab++
				} else if isEosin {
					eosin++
				}
			}
		}
	}
	for y := 1; y < ts-1; y += 2 {
		o := y*stride + 1 // green of pixel (0, y)
		for x := 1; x < ts-1; x += 2 {
			i := o + 4*x
			l := int64(pix[i-4]) + int64(pix[i+4]) + int64(pix[i-stride]) + int64(pix[i+stride]) - 4*int64(pix[i])
			sum += l
			sumSq += l * l
			m++
		}
	}
	q := TileQC{}
	if stained > 0 {
		for c := range od {
			q.OD[c] = od[c] / float32(stained)
		}
		q.Eosin, q.DAB = float32(eosin)/float32(stained), float32(dab)/float32(stained)
	}
	if sampled > 0 {
		n := float32(sampled)
		q.ColourInk, q.BlackInk = float32(colourInk)/n, float32(blackInk)/n
		q.Ink, q.Empty, q.Dark = q.ColourInk+q.BlackInk, float32(empty)/n, float32(dark)/n
	}
	if m > 0 {
		mean := float64(sum) / float64(m)
		q.Focus = float32(float64(sumSq)/float64(m) - mean*mean)
	}
	switch {
	case float64(q.Empty) > QCEmptyAbove:
		q.Flags |= QCEmpty // glass is smooth: its focus says nothing
	case float64(q.Ink) > QCInkAbove || float64(q.ColourInk) > QCColourInkAbove || float64(q.BlackInk) > QCBlackInkAbove:
		q.Flags |= QCInk
	case float64(q.Dark) > QCDarkAbove:
		q.Flags |= QCDark
	case float64(q.Focus) < QCBlurBelow:
		q.Flags |= QCBlur
	}
	return q
}

// isInkColour reports whether a pixel has the hue, saturation and
// lightness of green or blue marker ink, which H&E never has: eosin is
// pink-red and haematoxylin purple (hue above about 242°). Green (hue 70°–
// 180°) needs a saturation of 0.30 and a maximum channel of 100; blue
// (180°–242°) a saturation of 0.50 and a maximum of 150: a haematoxylin
// counterstain can be pale blue, and dense nuclei dark blue (on the shared
// H&E and Ki67 slides), while blue ink over tissue stays lighter and more
// saturated (qc_test.go). Without a division.
func isInkColour(r, g, b, mx, mn int32) bool {
	c := mx - mn
	if c*100 < mx*30 || c == 0 {
		return false
	}
	switch mx {
	case r: // hue 300°–60°: reds, pinks, yellows
		return false
	case g: // hue = 120° + 60°(b−r)/c ≥ 70°
		return 6*(b-r) >= -5*c && mx >= 100
	default: // hue = 240° + 60°(r−g)/c ≤ 242°
		return 30*(r-g) <= c && c*100 >= mx*50 && mx >= 150
	}
}

// summariseQC lists the flagged tiles among the grid tiles idx.
func summariseQC(g *Grid, qc []TileQC, idx []int, excluded int) QCSummary {
	s := QCSummary{Checked: true, Counts: map[string]int{}, Excluded: excluded, Tiles: []QCTile{}}
	s.StainOD, _ = medianOD(qc, idx)
	s.Stain = summariseStain(qc, idx)
	for _, i := range idx {
		q := qc[i]
		if q.Flags == 0 {
			continue
		}
		t := g.Tiles[i]
		s.Tiles = append(s.Tiles, QCTile{Col: t.Col, Row: t.Row, X: t.X, Y: t.Y, Flags: q.Flags, Focus: q.Focus, Distance: q.Distance})
		for _, c := range q.Flags.Codes() {
			s.Counts[c]++
		}
	}
	return s
}

// qcCountsWords says the flagged shares in words, largest first:
// "18 % of tissue tiles are out of focus, 4 % covered by pen or marker ink".
func qcCountsWords(counts map[string]int, total int) string {
	type share struct {
		words string
		n     int
	}
	var shares []share
	for _, n := range qcNames {
		if c := counts[n.code]; c > 0 && n.flag&artefactFlags != 0 {
			shares = append(shares, share{n.words, c})
		}
	}
	sort.SliceStable(shares, func(i, j int) bool { return shares[i].n > shares[j].n })
	var parts []string
	for i, s := range shares {
		p := fmt.Sprintf("%s %s", percentText(s.n, total), s.words)
		if i == 0 {
			p = fmt.Sprintf("%s of tissue tiles are %s", percentText(s.n, total), s.words)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

// percentText is n/total as a whole percentage, "<1 %" for a few.
func percentText(n, total int) string {
	if total <= 0 {
		return "0 %"
	}
	return percentOf(float64(n) / float64(total))
}

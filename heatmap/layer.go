package heatmap

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"tessera/cases"
	"tessera/inference"
	"tessera/internal/colormap"
	"tessera/viewer"
)

// Names and drawing order of the layers the app puts on a SlideView.
const (
	LayerName   = "heatmap"        // the tile-score heatmap
	LayerZ      = 10               // above the tiles
	OutlineName = "tissue-outline" // the tissue detection's outline
	OutlineZ    = 20               // above the heatmap
)

// Grid is the tile grid a layer's scores live on: Cols × Rows cells of
// Side0 level-0 pixels, starting at the slide's origin.
type Grid struct {
	Cols, Rows int
	Side0      float64 // level-0 pixels
}

// GridOf returns the grid of a result.
func GridOf(r *inference.Result) Grid {
	return Grid{Cols: r.Grid.Cols, Rows: r.Grid.Rows, Side0: r.Grid.Side0}
}

// Look is everything a user can change about how a heatmap is drawn; saved
// views keep it. The zero Look is not useful: start from DefaultLook.
type Look struct {
	Visible   bool
	Opacity   float64 // 0–1
	Colormap  string  // colormap.ByName
	Threshold float64 // 0–1 of the range; 0 shows every tile
	Smooth    bool    // interpolate between tiles
	AutoRange bool    // fit the range to the scores and their meaning
	Lo, Hi    float64 // the range when !AutoRange, in score units
	// Rank colours each tile by its percentile rank within the slide
	// instead of its value (the default for attention weights, whose
	// values are often near-equal); the range is then 0–1.
	Rank bool
}

// DefaultLook is how a new heatmap is drawn.
func DefaultLook() Look {
	return Look{Visible: true, Opacity: 0.55, Colormap: colormap.Viridis.Name, AutoRange: true}
}

// LookFromSaved reads a saved view's heatmap look (older case files lack
// the range: it stays automatic).
func LookFromSaved(s cases.Layer) Look {
	l := DefaultLook()
	l.Visible, l.Threshold, l.Smooth, l.Rank = s.Visible, s.Threshold, s.Smooth, s.Rank
	if s.Opacity > 0 {
		l.Opacity = s.Opacity
	}
	if _, ok := colormap.ByName(s.Colormap); ok {
		l.Colormap = s.Colormap
	}
	if len(s.Range) == 2 && s.Range[1] > s.Range[0] {
		l.AutoRange, l.Lo, l.Hi = false, s.Range[0], s.Range[1]
	}
	return l
}

// Saved is the look as a saved view stores it.
func (l Look) Saved() cases.Layer {
	s := cases.Layer{Visible: l.Visible, Opacity: l.Opacity, Colormap: l.Colormap, Threshold: l.Threshold, Smooth: l.Smooth, Rank: l.Rank}
	if !l.AutoRange {
		s.Range = []float64{l.Lo, l.Hi}
	}
	return s
}

// Layer is a slide's heatmap as a value: its grid, one score per tile
// (merged as an analysis streams them), what the scores mean, the result
// once there is one, and the look. It has no widgets: the app binds
// controls to it and hands its Overlay and Legend to the viewer. Not safe
// for concurrent use; the owner (the UI goroutine) serialises access.
type Layer struct {
	grid     Grid
	meaning  inference.ScoreMeaning
	negative string // the negative class's name
	positive string // the positive class's name
	tiles    []inference.TileScore
	index    map[[2]int]int // (col, row) → index into tiles
	result   *inference.Result
	look     Look
}

// NewLayer returns an empty layer on grid g for scores of the given
// meaning; classes names the [negative, positive] classes. Its look is
// DefaultLookFor the meaning.
func NewLayer(g Grid, meaning inference.ScoreMeaning, classes [2]string) *Layer {
	return &Layer{grid: g, meaning: meaning, negative: classes[0], positive: classes[1], index: map[[2]int]int{}, look: DefaultLookFor(meaning)}
}

// DefaultLookFor is DefaultLook, ranked for attention weights.
func DefaultLookFor(meaning inference.ScoreMeaning) Look {
	l := DefaultLook()
	l.Rank = meaning == inference.ScoreAttention
	return l
}

// FromResult returns the layer of a finished (or partial) result.
func FromResult(r *inference.Result) *Layer {
	l := NewLayer(GridOf(r), r.Model.ScoreMeaning, classNames(r))
	l.Merge(r.Tiles)
	l.result = r
	return l
}

func classNames(r *inference.Result) [2]string {
	if len(r.Classes) == 2 {
		return [2]string{r.Classes[0], r.Classes[1]}
	}
	return [2]string{"low", "high"}
}

// Meaning returns what the layer's scores mean.
func (l *Layer) Meaning() inference.ScoreMeaning { return l.meaning }

// Merge adds scores, replacing those of tiles already present.
func (l *Layer) Merge(scores []inference.TileScore) {
	for _, t := range scores {
		k := [2]int{t.Col, t.Row}
		if i, ok := l.index[k]; ok {
			l.tiles[i] = t
			continue
		}
		l.index[k] = len(l.tiles)
		l.tiles = append(l.tiles, t)
	}
}

// SetResult marks the layer as showing r (its scores replace the layer's).
func (l *Layer) SetResult(r *inference.Result) {
	look := l.look
	*l = *FromResult(r)
	l.look = look
}

// Result returns the result the layer shows, or nil while an analysis streams.
func (l *Layer) Result() *inference.Result { return l.result }

// Tiles returns the scored tiles; the caller must not modify them.
func (l *Layer) Tiles() []inference.TileScore { return l.tiles }

// Empty reports whether no tile is scored yet.
func (l *Layer) Empty() bool { return len(l.tiles) == 0 || l.grid.Side0 <= 0 }

// Look returns how the layer is drawn.
func (l *Layer) Look() Look { return l.look }

// SetLook changes how the layer is drawn.
func (l *Layer) SetLook(k Look) { l.look = k }

// Range returns the score range mapped onto the colours: the look's, or
// one fitted to the scores and their meaning.
func (l *Layer) Range() (lo, hi float64) {
	if l.look.Rank {
		return 0, 1
	}
	if !l.look.AutoRange {
		return l.look.Lo, l.look.Hi
	}
	a, b := inference.ScoreRange(l.tiles)
	st := StyleFor(l.meaning, a, b)
	return st.Lo, st.Hi
}

// Style returns the colouring the look stands for, at opacity (baked into
// the image's pixels).
func (l *Layer) Style(opacity float64) Style {
	m, ok := colormap.ByName(l.look.Colormap)
	if !ok {
		m = colormap.Viridis
	}
	lo, hi := l.Range()
	st := Style{Map: m, Lo: lo, Hi: hi, Threshold: math.Inf(-1), Opacity: opacity}
	if l.look.Threshold > 0 {
		st.Threshold = lo + l.look.Threshold*(hi-lo)
	}
	return st
}

// Overlay returns the layer's image for the viewer: one pixel per grid
// cell at full alpha (the view applies the look's opacity, ViewStyle), or
// nil while the layer is empty.
func (l *Layer) Overlay() *viewer.Overlay {
	if l.Empty() {
		return nil
	}
	return &viewer.Overlay{Image: GridImage(l.grid.Cols, l.grid.Rows, l.displayTiles(), l.Style(1)), Cell: l.grid.Side0, Smooth: l.look.Smooth}
}

// displayTiles are the tiles as coloured: their scores, or their ranks.
func (l *Layer) displayTiles() []inference.TileScore {
	if l.look.Rank {
		return RankScores(l.tiles)
	}
	return l.tiles
}

// ViewStyle is the viewer layer style of the look.
func (l *Layer) ViewStyle() viewer.LayerStyle {
	return viewer.LayerStyle{Hidden: !l.look.Visible, Opacity: l.look.Opacity}
}

// ViewLayer is the layer whole, for a headless view.
func (l *Layer) ViewLayer() viewer.ViewLayer {
	return viewer.ViewLayer{Name: LayerName, Z: LayerZ, Overlay: l.Overlay(), Style: l.ViewStyle()}
}

// Legend says what the colours mean, with the result's caveats (partial,
// demonstration…), the progress of a running analysis and the threshold.
func (l *Layer) Legend() viewer.LegendContent {
	st := l.Style(1)
	c := viewer.LegendContent{Map: st.Map, LoText: fmt.Sprintf("%.3g", st.Lo), HiText: fmt.Sprintf("%.3g", st.Hi),
		Title: TitleOf(l.meaning, l.negative, l.positive)}
	if l.look.Rank {
		c.LoText, c.HiText = "lowest", "highest"
	}
	c.Note = ScalingNote(l.meaning, l.look.Rank)
	if l.result != nil {
		if l.result.Withheld() {
			c.Note = joinNote(c.Note, "RESULT WITHHELD: outside the model's domain")
		}
		c.Note = joinNote(c.Note, l.result.CaveatsShort())
	} else {
		c.Note = joinNote(c.Note, fmt.Sprintf("analysing: %d tiles so far", len(l.tiles)))
	}
	if l.look.Threshold > 0 {
		what := fmt.Sprintf("showing scores ≥ %.3g", st.Threshold)
		if l.look.Rank {
			what = fmt.Sprintf("showing the top %.0f %% of tiles", 100*(1-l.look.Threshold))
		}
		c.Note = joinNote(c.Note, what)
	}
	return c
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// ScoreAt returns the score of the tile under level-0 point (x, y).
func (l *Layer) ScoreAt(x, y float64) (float32, bool) {
	if l.grid.Side0 <= 0 || x < 0 || y < 0 {
		return 0, false
	}
	i, ok := l.index[[2]int{int(x / l.grid.Side0), int(y / l.grid.Side0)}]
	if !ok {
		return 0, false
	}
	return l.tiles[i].Score, true
}

// Overlaid is thumb (the whole slide at downsample ds) with the layer over
// it as the look says, without a legend (Overlaid).
func (l *Layer) Overlaid(thumb image.Image, ds float64) *image.NRGBA {
	return Overlaid(thumb, ds, l.grid, l.displayTiles(), l.Style(l.look.Opacity))
}

// LegendBar samples the look's colour map from low to high in n colours.
func (l *Layer) LegendBar(n int) []color.NRGBA {
	m := l.Style(1).Map
	out := make([]color.NRGBA, n)
	for i := range out {
		out[i] = m.At(float64(i) / float64(max(n-1, 1)))
	}
	return out
}

// Compose draws thumb (the whole slide at downsample ds) with the layer
// over it and its legend below, as the look says (Compose, at the look's
// opacity). The layer must show a result.
func (l *Layer) Compose(thumb image.Image, ds float64) *image.NRGBA {
	return Compose(thumb, ds, l.result, l.displayTiles(), l.Style(l.look.Opacity), TitleOf(l.meaning, l.negative, l.positive))
}

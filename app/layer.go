package app

import (
	"fmt"
	"math"
	"strconv"

	"fyne.io/fyne/v2"

	"tessera/inference"
	"tessera/internal/heatmap"
	"tessera/slide"
	"tessera/viewer"
)

// The heatmap layer of a slide: built from the tiles scored so far and the
// panel's controls, with its legend, plus the tissue outline.

// applyRange reads the range entries and fixes the colour range.
func (a *analysisPanel) applyRange() {
	lo, err1 := strconv.ParseFloat(a.rangeLo.Text, 64)
	hi, err2 := strconv.ParseFloat(a.rangeHi.Text, 64)
	if err1 != nil || err2 != nil || !(hi > lo) {
		a.pane.ui.showError(fmt.Errorf("the range needs two numbers, the first smaller than the second (got %q and %q)", a.rangeLo.Text, a.rangeHi.Text))
		return
	}
	a.autoRange = false
	a.style.Lo, a.style.Hi = lo, hi
	a.redraw()
}

// redraw rebuilds the heatmap layer and its legend from the scores and the controls.
func (a *analysisPanel) redraw() {
	if len(a.tiles) == 0 || a.side0 <= 0 {
		return
	}
	if a.autoRange {
		lo, hi := inference.ScoreRange(a.tiles)
		auto := heatmap.StyleFor(a.meaning, lo, hi)
		a.style.Lo, a.style.Hi = auto.Lo, auto.Hi
		a.rangeLo.SetText(fmt.Sprintf("%.3g", a.style.Lo))
		a.rangeHi.SetText(fmt.Sprintf("%.3g", a.style.Hi))
	}
	a.style.Threshold = math.Inf(-1)
	if a.thresholdF > 0 {
		a.style.Threshold = a.style.Lo + a.thresholdF*(a.style.Hi-a.style.Lo)
	}
	a.pane.view.SetOverlay(overlayOf(a.cols, a.rows, a.side0, a.tiles, a.style, a.smooth.Checked))
	a.updateLegend()
}

// overlayOf is the heatmap layer for tiles on a cols×rows grid of side0
// level-0 pixels.
func overlayOf(cols, rows int, side0 float64, tiles []inference.TileScore, st heatmap.Style, smooth bool) *viewer.Overlay {
	return &viewer.Overlay{Image: heatmap.GridImage(cols, rows, tiles, st), Cell: side0, Smooth: smooth}
}

// fillLegend sets a legend's colour bar, range and meaning.
func fillLegend(l *viewer.Legend, st heatmap.Style, meaning inference.ScoreMeaning, positive string) {
	l.Map = st.Map
	l.LoText, l.HiText = fmt.Sprintf("%.3g", st.Lo), fmt.Sprintf("%.3g", st.Hi)
	l.Title = "Tile scores: " + heatmap.MeaningOf(meaning, positive)
}

// HeatmapLayer builds the overlay and legend of a result, as the window
// shows them (used by headless snapshots).
func HeatmapLayer(r *inference.Result, st heatmap.Style, smooth bool) (*viewer.Overlay, *viewer.Legend) {
	l := viewer.NewLegend()
	fillLegend(l, st, r.Model.ScoreMeaning, r.Classes[1])
	if r.Partial {
		l.Note = fmt.Sprintf("PARTIAL: %d of %d tiles", len(r.Tiles), r.TilesTotal)
	}
	return overlayOf(r.Grid.Cols, r.Grid.Rows, r.Grid.Side0, r.Tiles, st, smooth), l
}

func (a *analysisPanel) updateLegend() {
	l := a.legend
	fillLegend(l, a.style, a.meaning, a.positive)
	l.Note = ""
	switch {
	case a.result != nil && a.result.Partial:
		l.Note = fmt.Sprintf("PARTIAL: %d of %d tiles", len(a.result.Tiles), a.result.TilesTotal)
	case a.result == nil:
		l.Note = fmt.Sprintf("analysing: %d tiles so far", len(a.tiles))
	}
	if a.thresholdF > 0 {
		l.Note = joinNote(l.Note, fmt.Sprintf("showing scores ≥ %.3g", a.style.Threshold))
	}
	l.Show()
	l.Refresh()
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// outlineMaskSide sizes the mask drawn as an outline so that a mask pixel
// is about 8 µm: fine enough to follow the tissue, coarse enough that the
// outline traces its edge rather than every gap in the stroma.
func outlineMaskSide(s slide.Slide) int {
	l0 := s.Levels()[0]
	mpp := s.MPP().Mean()
	if mpp == 0 {
		mpp = 0.5
	}
	side := int(float64(max(l0.Width, l0.Height)) * mpp / 8)
	return min(max(side, 128), inference.TissueMaskSide)
}

// showOutline draws or removes the outline of the tissue the analysis
// looks for (detected in the background on first use).
func (a *analysisPanel) showOutline(on bool) {
	v := a.pane.view
	if !on {
		v.SetOutline(nil)
		return
	}
	s := a.pane.slide
	go func() {
		mask, err := inference.DetectTissueAt(s, outlineMaskSide(s))
		fyne.Do(func() {
			if a.pane.closed || !a.outline.Checked {
				return
			}
			if err != nil {
				a.pane.ui.showError(fmt.Errorf("the tissue could not be detected: %w", err))
				a.outline.SetChecked(false)
				return
			}
			v.SetOutline(&viewer.Overlay{Image: heatmap.TissueOutline(mask), Cell: mask.Downsample})
		})
	}()
}

// toggleVisible flips the heatmap (the H key).
func (a *analysisPanel) toggleVisible() {
	a.visible.SetChecked(!a.visible.Checked)
}

// scoreText describes the tile under level-0 point pt, or "".
func (a *analysisPanel) scoreText(pt viewer.Level0Point) string {
	if a.side0 <= 0 || pt.X < 0 || pt.Y < 0 {
		return ""
	}
	c, r := int(pt.X/a.side0), int(pt.Y/a.side0)
	if s, ok := a.scoreAt[[2]int{c, r}]; ok {
		return fmt.Sprintf("tile score %.3g", s)
	}
	return ""
}

package app

import (
	"context"
	"fmt"
	"image/color"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tessera/heatmap"
	"tessera/inference"
	"tessera/slide"
	"tessera/viewer"
)

// The analysis panel's binding to its heatmap.Layer: the controls edit the
// look; redraw hands the layer's image, style and legend to the view. The
// tissue outline is a second view layer.

// editLook applies a change of the controls to the look and redraws.
func (a *analysisPanel) editLook(change func(*heatmap.Look)) {
	if a.binding {
		return // the controls are being set from the look
	}
	change(&a.look)
	a.redraw()
	a.pane.ui.focusSlide()
}

// setLayer shows l, colouring by rank where its scores call for it
// (attention) and by value otherwise; the rest of the look is kept.
func (a *analysisPanel) setLayer(l *heatmap.Layer) {
	a.layer = l
	a.look.Rank = heatmap.DefaultLookFor(l.Meaning()).Rank
	a.bindLook()
}

// setLook replaces the look (a saved view) and shows it on the controls.
func (a *analysisPanel) setLook(l heatmap.Look) {
	a.look = l
	a.bindLook()
	a.redraw()
}

// bindLook shows the look on the controls without feeding back.
func (a *analysisPanel) bindLook() {
	a.binding = true
	defer func() { a.binding = false }()
	a.visible.SetChecked(a.look.Visible)
	a.opacity.SetValue(a.look.Opacity)
	a.colormapSel.SetSelected(a.look.Colormap)
	a.threshold.SetValue(a.look.Threshold)
	a.smooth.SetChecked(a.look.Smooth)
	a.rank.SetChecked(a.look.Rank)
}

// enableLayerControls enables the heatmap's controls only when there is a
// heatmap to control (the tissue outline works without one).
func (a *analysisPanel) enableLayerControls(on bool) {
	for _, w := range []fyne.Disableable{a.visible, a.smooth, a.rank, a.opacity, a.colormapSel, a.threshold, a.rangeLo, a.rangeHi, a.autoBtn} {
		if on {
			w.Enable()
		} else {
			w.Disable()
		}
	}
}

// applyRange reads the range entries and fixes the colour range.
func (a *analysisPanel) applyRange() {
	lo, err1 := strconv.ParseFloat(a.rangeLo.Text, 64)
	hi, err2 := strconv.ParseFloat(a.rangeHi.Text, 64)
	if err1 != nil || err2 != nil || !(hi > lo) {
		a.pane.ui.showError(fmt.Errorf("the range needs two numbers, the first smaller than the second (got %q and %q)", a.rangeLo.Text, a.rangeHi.Text))
		return
	}
	a.editLook(func(l *heatmap.Look) { l.AutoRange, l.Lo, l.Hi = false, lo, hi })
}

// redraw hands the layer to the view and its legend to the legend widget.
// scoresHidden reports whether the tile scores (heatmap, legend, range,
// evidence) are hidden: the result waits for the pathologist's first read,
// or it is withheld and its direction has not been asked for ("Show the
// withheld class…"): the heatmap shows which way the model leant as much
// as the class does.
func (a *analysisPanel) scoresHidden() bool { return a.blinded || a.withheldHidden }

func (a *analysisPanel) redraw() {
	v := a.pane.view
	hidden := a.scoresHidden()
	v.SetLayerStyle(heatmap.LayerName, viewer.LayerStyle{Hidden: !a.look.Visible || hidden, Opacity: a.look.Opacity})
	a.enableLayerControls(a.layer != nil && !a.layer.Empty() && !hidden)
	if a.layer == nil || a.layer.Empty() {
		return
	}
	a.layer.SetLook(a.look)
	lo, hi := a.layer.Range()
	a.rangeLo.SetText(fmt.Sprintf("%.3g", lo))
	a.rangeHi.SetText(fmt.Sprintf("%.3g", hi))
	if hidden { // the range would hint at the scores
		a.rangeLo.SetText("")
		a.rangeHi.SetText("")
	}
	v.SetLayer(heatmap.LayerName, heatmap.LayerZ, a.layer.Overlay())
	a.legend.SetContent(a.layer.Legend())
	a.legend.Hidden = !a.look.Visible || hidden // the legend hides with the heatmap
	a.legend.Refresh()
	if pr := a.pane.ui.presenting; pr != nil && pr.pane == a.pane {
		pr.show(a.pane) // the presentation's legend follows the look
	}
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
		v.SetLayer(heatmap.OutlineName, heatmap.OutlineZ, nil)
		return
	}
	s := a.pane.slide
	a.pane.work.Go(func(context.Context) func() {
		mask, err := inference.DetectTissueAt(s, outlineMaskSide(s))
		return func() {
			if !a.outline.Checked {
				return
			}
			if err != nil {
				a.pane.ui.showError(fmt.Errorf("the tissue could not be detected: %w", err))
				a.outline.SetChecked(false)
				return
			}
			v.SetLayer(heatmap.OutlineName, heatmap.OutlineZ, &viewer.Overlay{Image: heatmap.TissueOutline(mask), Cell: mask.Downsample})
		}
	})
}

// showQC draws the quality-control layer when its box is ticked and lists
// the flags with their colours and counts; the box is disabled when the
// result has no flagged tile (or quality control did not run).
func (a *analysisPanel) showQC() {
	r := a.pane.ref.Result
	a.qcLegend.RemoveAll()
	switch {
	case r == nil:
		a.qcCheck.Disable()
	case !r.QC.Checked:
		a.qcCheck.Disable()
		a.qcLegend.Add(widget.NewLabel("Not run on this slide (fluorescence)."))
	case r.QC.Flagged() == 0: // nothing to draw
		a.qcCheck.Disable()
		a.qcLegend.Add(widget.NewLabel(fmt.Sprintf("No artefact found in the %d tissue tiles.", r.TilesTotal)))
	default:
		a.qcCheck.Enable()
		for _, c := range heatmap.QCColours {
			code := c.Flag.Codes()[0]
			if n := r.QC.Counts[code]; n > 0 {
				swatch := canvas.NewRectangle(color.Transparent)
				swatch.StrokeColor, swatch.StrokeWidth = c.Colour, 3
				swatch.SetMinSize(fyne.NewSize(16, 16))
				a.qcLegend.Add(container.NewBorder(nil, nil, container.NewCenter(swatch), nil,
					widget.NewLabel(fmt.Sprintf("%s: %s", c.Flag.Words(), inference.Count(n, "tile")))))
			}
		}
		if r.QC.Excluded > 0 {
			a.qcLegend.Add(widget.NewLabel(fmt.Sprintf("%d flagged tiles were left out of the score.", r.QC.Excluded)))
		}
	}
	var ov *viewer.Overlay
	if a.qcCheck.Checked && !a.qcCheck.Disabled() {
		ov = heatmap.QCOverlay(r)
	}
	a.pane.view.SetLayer(heatmap.QCName, heatmap.QCZ, ov)
}

// toggleQC flips the quality-control layer (the Q key).
func (a *analysisPanel) toggleQC() {
	if !a.qcCheck.Disabled() {
		a.qcCheck.SetChecked(!a.qcCheck.Checked)
	}
}

// toggleVisible flips the heatmap (the H key).
func (a *analysisPanel) toggleVisible() {
	a.visible.SetChecked(!a.visible.Checked)
}

// scoreText describes the tile under level-0 point pt, or "".
func (a *analysisPanel) scoreText(pt viewer.Level0Point) string {
	if a.layer == nil || a.scoresHidden() {
		return ""
	}
	if s, ok := a.layer.ScoreAt(pt.X, pt.Y); ok {
		return fmt.Sprintf("tile score %.3g", s)
	}
	return ""
}

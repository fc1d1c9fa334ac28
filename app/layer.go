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
	"tessera/internal/colormap"
	"tessera/slide"
	"tessera/viewer"
)

// heatmapControls are the analysis panel's layer controls: the heatmap's
// look (shown, opacity, colours, range, threshold, smoothing, rank), the
// tissue outline and the quality-control layer, bound to the pane's
// heatmap.Layer. The controls edit the look; redraw hands the layer's
// image, style and legend to the view. The analysis run (analysis.go)
// hands it layers and results; it never starts or stops one. UI goroutine
// only.
type heatmapControls struct {
	pane *slidePane
	// hidden reports whether the scores must stay hidden (a first read
	// pending, a withheld result not asked for): analysisPanel.scoresHidden.
	hidden func() bool

	legend      *viewer.Legend
	opacity     *keySlider
	threshold   *keySlider
	colormapSel *keySelect
	smooth      *keyCheck
	rank        *keyCheck
	autoBtn     *widget.Button
	visible     *keyCheck
	outline     *keyCheck
	qcCheck     *keyCheck       // the quality-control layer
	qcLegend    *fyne.Container // its colours and counts
	rangeLo     *widget.Entry
	rangeHi     *widget.Entry
	content     fyne.CanvasObject // the panel's "Heatmap layer" and "Quality control" sections

	// layer is the heatmap being shown (nil before the first grid or
	// result); look is how it is drawn, kept while layers come and go.
	layer   *heatmap.Layer
	look    heatmap.Look
	binding bool // the controls are being set from look
}

// newHeatmapControls builds the controls of pane p's layers; toSlide takes
// the characters the controls do not use (keyboard shortcuts).
func newHeatmapControls(p *slidePane, hidden func() bool, toSlide func(rune)) *heatmapControls {
	c := &heatmapControls{pane: p, hidden: hidden, legend: viewer.NewLegend(), look: heatmap.DefaultLook()}
	c.visible = newKeyCheck("Show heatmap (H)", func(on bool) { c.editLook(func(l *heatmap.Look) { l.Visible = on }) }, toSlide)
	c.opacity = newKeySlider(0, 1, toSlide)
	c.opacity.Step = 0.05
	c.opacity.OnChanged = func(v float64) { c.editLook(func(l *heatmap.Look) { l.Opacity = v }) }
	c.colormapSel = newKeySelect(colormap.Names(), func(name string) {
		c.editLook(func(l *heatmap.Look) { l.Colormap = name })
	}, toSlide)
	c.threshold = newKeySlider(0, 1, toSlide)
	c.threshold.Step = 0.01
	c.threshold.OnChanged = func(v float64) { c.editLook(func(l *heatmap.Look) { l.Threshold = v }) }
	c.smooth = newKeyCheck("Smooth (interpolate between tiles)", func(on bool) { c.editLook(func(l *heatmap.Look) { l.Smooth = on }) }, toSlide)
	c.rank = newKeyCheck("Colour by rank within the slide", func(on bool) { c.editLook(func(l *heatmap.Look) { l.Rank = on }) }, toSlide)
	c.outline = newKeyCheck("Tissue outline", c.showOutline, toSlide)
	c.qcCheck = newKeyCheck("Quality-control flags (Q)", func(bool) { c.showQC() }, toSlide)
	c.qcLegend = container.NewVBox()
	c.rangeLo, c.rangeHi = widget.NewEntry(), widget.NewEntry()
	c.rangeLo.OnSubmitted = func(string) { c.applyRange() }
	c.rangeHi.OnSubmitted = func(string) { c.applyRange() }
	c.autoBtn = widget.NewButton("Auto", func() { c.editLook(func(l *heatmap.Look) { l.AutoRange = true }) })
	c.bindLook()
	form := widget.NewForm(
		widget.NewFormItem("Opacity", c.opacity),
		widget.NewFormItem("Colours", c.colormapSel),
		widget.NewFormItem("Range", container.NewBorder(nil, nil, nil, c.autoBtn, container.NewGridWithColumns(2, c.rangeLo, c.rangeHi))),
		widget.NewFormItem("Show above", c.threshold),
	)
	c.content = container.NewVBox(
		widget.NewLabelWithStyle("Heatmap layer", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		c.visible, c.smooth, c.rank, c.outline, form,
		widget.NewSeparator(),
		widget.NewLabelWithStyle("Quality control", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		c.qcCheck, c.qcLegend,
	)
	c.legend.Hide()
	c.enableLayerControls(false)
	c.showQC()
	return c
}

// editLook applies a change of the controls to the look and redraws.
func (c *heatmapControls) editLook(change func(*heatmap.Look)) {
	if c.binding {
		return // the controls are being set from the look
	}
	change(&c.look)
	c.redraw()
	c.pane.ui.focusSlide()
}

// setLayer shows l, colouring by rank where its scores call for it
// (attention) and by value otherwise; the rest of the look is kept.
func (c *heatmapControls) setLayer(l *heatmap.Layer) {
	c.layer = l
	c.look.Rank = heatmap.DefaultLookFor(l.Meaning()).Rank
	c.bindLook()
}

// setLook replaces the look (a saved view) and shows it on the controls.
func (c *heatmapControls) setLook(l heatmap.Look) {
	c.look = l
	c.bindLook()
	c.redraw()
}

// bindLook shows the look on the controls without feeding back.
func (c *heatmapControls) bindLook() {
	c.binding = true
	defer func() { c.binding = false }()
	c.visible.SetChecked(c.look.Visible)
	c.opacity.SetValue(c.look.Opacity)
	c.colormapSel.SetSelected(c.look.Colormap)
	c.threshold.SetValue(c.look.Threshold)
	c.smooth.SetChecked(c.look.Smooth)
	c.rank.SetChecked(c.look.Rank)
}

// enableLayerControls enables the heatmap's controls only when there is a
// heatmap to control (the tissue outline works without one).
func (c *heatmapControls) enableLayerControls(on bool) {
	for _, w := range []fyne.Disableable{c.visible, c.smooth, c.rank, c.opacity, c.colormapSel, c.threshold, c.rangeLo, c.rangeHi, c.autoBtn} {
		if on {
			w.Enable()
		} else {
			w.Disable()
		}
	}
}

// applyRange reads the range entries and fixes the colour range.
func (c *heatmapControls) applyRange() {
	lo, err1 := strconv.ParseFloat(c.rangeLo.Text, 64)
	hi, err2 := strconv.ParseFloat(c.rangeHi.Text, 64)
	if err1 != nil || err2 != nil || !(hi > lo) {
		c.pane.ui.showError(fmt.Errorf("the range needs two numbers, the first smaller than the second (got %q and %q)", c.rangeLo.Text, c.rangeHi.Text))
		return
	}
	c.editLook(func(l *heatmap.Look) { l.AutoRange, l.Lo, l.Hi = false, lo, hi })
}

// redraw hands the layer to the view and its legend to the legend widget.
func (c *heatmapControls) redraw() {
	v := c.pane.view
	hidden := c.hidden()
	v.SetLayerStyle(heatmap.LayerName, viewer.LayerStyle{Hidden: !c.look.Visible || hidden, Opacity: c.look.Opacity})
	c.enableLayerControls(c.layer != nil && !c.layer.Empty() && !hidden)
	if c.layer == nil || c.layer.Empty() {
		return
	}
	c.layer.SetLook(c.look)
	lo, hi := c.layer.Range()
	c.rangeLo.SetText(fmt.Sprintf("%.3g", lo))
	c.rangeHi.SetText(fmt.Sprintf("%.3g", hi))
	if hidden { // the range would hint at the scores
		c.rangeLo.SetText("")
		c.rangeHi.SetText("")
	}
	v.SetLayer(heatmap.LayerName, heatmap.LayerZ, c.layer.Overlay())
	c.legend.SetContent(c.layer.Legend())
	c.legend.Hidden = !c.look.Visible || hidden // the legend hides with the heatmap
	c.legend.Refresh()
	if pr := c.pane.ui.presenting; pr != nil && pr.pane == c.pane {
		pr.show(c.pane) // the presentation's legend follows the look
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
func (c *heatmapControls) showOutline(on bool) {
	v := c.pane.view
	if !on {
		v.SetLayer(heatmap.OutlineName, heatmap.OutlineZ, nil)
		return
	}
	s := c.pane.slide
	c.pane.work.Go(func(context.Context) func() {
		mask, err := inference.DetectTissueAt(s, outlineMaskSide(s))
		return func() {
			if !c.outline.Checked {
				return
			}
			if err != nil {
				c.pane.ui.showError(fmt.Errorf("the tissue could not be detected: %w", err))
				c.outline.SetChecked(false)
				return
			}
			v.SetLayer(heatmap.OutlineName, heatmap.OutlineZ, &viewer.Overlay{Image: heatmap.TissueOutline(mask), Cell: mask.Downsample})
		}
	})
}

// showQC draws the quality-control layer when its box is ticked and lists
// the flags with their colours and counts; the box is disabled when the
// result has no flagged tile (or quality control did not run).
func (c *heatmapControls) showQC() {
	r := c.pane.ref.Result
	c.qcLegend.RemoveAll()
	switch {
	case r == nil:
		c.qcCheck.Disable()
	case !r.QC.Checked:
		c.qcCheck.Disable()
		c.qcLegend.Add(widget.NewLabel("Not run on this slide (fluorescence)."))
	case r.QC.Flagged() == 0: // nothing to draw
		c.qcCheck.Disable()
		c.qcLegend.Add(widget.NewLabel(fmt.Sprintf("No artefact found in the %d tissue tiles.", r.TilesTotal)))
	default:
		c.qcCheck.Enable()
		for _, qc := range heatmap.QCColours {
			code := qc.Flag.Codes()[0]
			if n := r.QC.Counts[code]; n > 0 {
				swatch := canvas.NewRectangle(color.Transparent)
				swatch.StrokeColor, swatch.StrokeWidth = qc.Colour, 3
				swatch.SetMinSize(fyne.NewSize(16, 16))
				c.qcLegend.Add(container.NewBorder(nil, nil, container.NewCenter(swatch), nil,
					widget.NewLabel(fmt.Sprintf("%s: %s", qc.Flag.Words(), inference.Count(n, "tile")))))
			}
		}
		if r.QC.Excluded > 0 {
			c.qcLegend.Add(widget.NewLabel(fmt.Sprintf("%d flagged tiles were left out of the score.", r.QC.Excluded)))
		}
	}
	var ov *viewer.Overlay
	if c.qcCheck.Checked && !c.qcCheck.Disabled() {
		ov = heatmap.QCOverlay(r)
	}
	c.pane.view.SetLayer(heatmap.QCName, heatmap.QCZ, ov)
}

// toggleQC flips the quality-control layer (the Q key).
func (c *heatmapControls) toggleQC() {
	if !c.qcCheck.Disabled() {
		c.qcCheck.SetChecked(!c.qcCheck.Checked)
	}
}

// toggleVisible flips the heatmap (the H key).
func (c *heatmapControls) toggleVisible() {
	c.visible.SetChecked(!c.visible.Checked)
}

// scoreText describes the tile under level-0 point pt, or "".
func (c *heatmapControls) scoreText(pt viewer.Level0Point) string {
	if c.layer == nil || c.hidden() {
		return ""
	}
	if s, ok := c.layer.ScoreAt(pt.X, pt.Y); ok {
		return fmt.Sprintf("tile score %.3g", s)
	}
	return ""
}

package app

import (
	"context"
	"fmt"
	"image/color"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"tessera/app/annotate"
	"tessera/cases"
	"tessera/colour"
	"tessera/session"
	"tessera/slide"
	"tessera/viewer"
)

// slidePane is one open slide: the view, its overview, the status line and
// the properties panel. It owns the slide and closes it with the pane.
type slidePane struct {
	ui       *UI
	desk     *caseDesk // the case the slide belongs to (the window's one desk)
	slide    slide.Slide
	ref      *session.Slide // this slide in the open case: µm/px, model, result
	view     *viewer.SlideView
	overview *viewer.Overview
	status   *widget.Label
	cursor   string
	viewNote string // the saved view shown (N/P), until the view moves
	evidence int    // the evidence region last shown by ] / [ (0: none yet)

	pointer       viewer.Level0Point // under the mouse pointer, when pointerInside
	pointerInside bool

	icc     *colour.Transform // the slide's ICC profile to sRGB, nil without one
	iccNote string            // what the status line says about colour management
	notice  string            // a confirmation (where a file was saved), until the view moves
	// keepNoticeUntil keeps the notice through the view changes of the zoom
	// it explains (an animation), until then.
	keepNoticeUntil time.Time
	props           fyne.CanvasObject
	analysis        *analysisPanel
	side            *container.AppTabs
	sideTabs        struct{ analysis, props, channels, annotations *container.TabItem }
	channels        *channelPanel     // nil for slides without channels
	annots          *annotate.Tools   // the slide's annotations, the ruler and the drawing tools
	region          *regionDialog     // the open Analyze Inside Annotations dialog; nil when none
	coverage        *reviewCoverage   // where the pathologist looked at 10× or more (coverage.go)
	stage           fyne.CanvasObject // the view with its floating panels
	twin            *twinView         // the side-by-side view; nil when not side by side
	split           *container.Split
	content         fyne.CanvasObject
	work            *backgroundWork // the pane's goroutines, closed with the pane
}

func newSlidePane(ui *UI, s slide.Slide, ref *session.Slide) *slidePane {
	p := &slidePane{ui: ui, desk: ui.desk, slide: s, ref: ref, status: widget.NewLabel(""), work: newBackgroundWork(ui.post)}
	// A long notice wraps onto a second line instead of widening the
	// window past the screen (a 1280-pixel screen clipped the side panel).
	p.status.Wrapping = fyne.TextWrapWord
	// The case's channel settings, before anything reads a tile.
	if err := cases.ApplyChannels(s, ref.Channels); err != nil {
		ui.showError(fmt.Errorf("%s: %w", filepath.Base(ref.Path), err))
		ref.Channels = nil
	}
	p.view = viewer.NewSlideView(s, viewer.Options{Cache: ui.cache})
	p.setUpColour()
	p.overview = viewer.NewOverview(p.view)
	p.overview.Hidden = ui.overviewHidden
	p.view.OnViewChanged = func(vp viewer.Viewport) {
		if p.coverage != nil {
			p.coverage.viewMoved(vp)
		}
		p.viewNote = ""
		if time.Now().After(p.keepNoticeUntil) {
			p.notice = ""
		}
		p.overview.Refresh()
		p.updateStatus()
		if p.twin != nil {
			p.twin.follow(p.view, p.twin.view)
		}
	}
	p.view.OnOtherKey = func(ev *fyne.KeyEvent) { ui.handleWindowKey(ev) }
	p.view.OnOtherRune = func(r rune) { ui.handleWindowRune(r) }
	p.view.OnZoomLimit = func(mag, shown float64) {
		if mag < shown {
			p.notice = fmt.Sprintf("%g× would show the slide smaller than half the view: shown at %.2g×", mag, shown)
		} else {
			p.notice = fmt.Sprintf("%g× is deeper than the zoom limit: shown at %.2g×", mag, shown)
		}
		p.keepNoticeUntil = time.Now().Add(2 * time.Second)
		p.updateStatus()
	}
	p.view.OnCursor = func(pt viewer.Level0Point, inside bool) {
		p.cursor = ""
		p.pointer, p.pointerInside = pt, inside
		if inside {
			p.cursor = formatPosition(pt, p.view.Calibration())
			if score := p.analysis.layers.scoreText(pt); score != "" {
				p.cursor += "   ·   " + score
			}
		}
		p.updateStatus()
	}
	p.work.Go(func(context.Context) func() {
		thumb, err := viewer.Thumbnail(s, viewer.OverviewSize)
		return func() {
			if err != nil {
				p.status.SetText("overview unavailable: " + err.Error())
				return
			}
			p.overview.SetThumbnail(thumb)
		}
	})

	if p.ref.AnnotationsError != "" {
		ui.showError(fmt.Errorf("%s: the case file's annotations could not be read (%s); they are kept in the case file unchanged", p.fileName(), p.ref.AnnotationsError))
	}
	l0 := s.Levels()[0]
	p.annots = annotate.New(annotationHost{p}, p.view, p.ref, l0.Width, l0.Height)
	p.coverage = newReviewCoverage(p, func(r rune) { p.view.TypedRune(r) })
	p.analysis = newAnalysisPanel(p)
	stage := viewer.NewStage(p.view, viewer.Panels{TopLeft: p.analysis.layers.legend, TopRight: p.overview})
	p.stage = stage
	p.props = p.buildProperties()
	p.sideTabs.analysis = container.NewTabItem("Analysis", p.analysis.content)
	p.sideTabs.props = container.NewTabItem("Properties", p.props)
	p.sideTabs.annotations = container.NewTabItem("Annotations", p.annots.List().Content())
	p.side = container.NewAppTabs(p.sideTabs.analysis, p.sideTabs.annotations, p.sideTabs.props)
	if p.channels = newChannelPanel(p); p.channels != nil {
		p.sideTabs.channels = container.NewTabItem("Channels", p.channels.content)
		p.side.Append(p.sideTabs.channels)
		p.side.Select(p.sideTabs.channels) // what a fluorescence slide needs first
	}
	p.split = container.NewHSplit(stage, p.side)
	p.split.Offset = sideOffset
	statusBar := container.NewStack(canvas.NewRectangle(color.NRGBA{0, 0, 0, 20}), p.status)
	p.content = container.NewBorder(nil, statusBar, nil, nil, p.split)
	if ref.MPP > 0 {
		p.analysis.setUserMPP(ref.MPP)
	}
	p.updateStatus()
	p.analysis.loadCached()
	return p
}

// fileName is the slide's file name (no folders).
func (p *slidePane) fileName() string { return filepath.Base(p.slide.Path()) }

// sideOffset is the share of the pane's width the slide gets beside the side panel.
const sideOffset = 0.72

// close stops the pane's background work (an analysis is cancelled), waits
// for it, and closes the view and the slide.
func (p *slidePane) close() {
	if p.twin != nil {
		p.closeTwin()
	}
	p.work.close()
	p.analysis.run = nil
	p.view.Close()
	p.slide.Close()
}

// toggleProperties shows the properties tab of the side panel, or hides
// the side panel when that tab is already shown.
func (p *slidePane) toggleProperties() {
	p.toggleSide(p.sideTabs.props)
}

// toggleSide shows tab in the side panel, or hides the panel if tab is showing.
func (p *slidePane) toggleSide(tab *container.TabItem) {
	if p.side.Visible() && p.side.Selected() == tab {
		p.side.Hide()
		p.split.Offset = 1
	} else {
		p.side.Show()
		p.side.Select(tab)
		p.split.Offset = sideOffset
	}
	p.split.Refresh()
}

// updateStatus shows magnification, zoom, cursor position and read errors.
func (p *slidePane) updateStatus() {
	vp := p.view.Viewport()
	cal := p.view.Calibration()
	parts := []string{}
	if m := cal.FormatMagnification(vp.Downsample); m != "" {
		parts = append(parts, m)
	}
	parts = append(parts, fmt.Sprintf("zoom %s", formatZoom(vp.Downsample)))
	if p.viewNote != "" {
		parts = append(parts, p.viewNote)
	}
	if p.notice != "" {
		parts = append([]string{p.notice}, parts...) // first: it is what just happened
	}
	if !cal.MPP.Known() {
		parts = append(parts, "uncalibrated (no µm/px): positions in pixels")
	}
	if vp.Rotation != 0 {
		parts = append(parts, fmt.Sprintf("rotated %d°", 90*vp.Rotation))
	}
	if p.iccNote != "" {
		parts = append(parts, p.iccNote)
	}
	if p.annots != nil {
		if a := p.annots.Status(); a != "" {
			parts = append(parts, a)
		}
	}
	if vp.Downsample < 1 {
		parts = append(parts, fmt.Sprintf("past the scan's resolution: each scanned pixel is %.3g screen pixels wide", 1/vp.Downsample))
	}
	if p.cursor != "" {
		parts = append(parts, p.cursor)
	}
	if err := p.view.LastError(); err != nil {
		parts = append(parts, "some regions could not be read: "+err.Error())
	}
	p.status.SetText(strings.Join(parts, "   ·   "))
}

// formatZoom renders the ratio of screen pixels to level-0 pixels.
func formatZoom(ds float64) string {
	if ds <= 0 {
		return "–"
	}
	if ds >= 1 {
		return fmt.Sprintf("1:%.3g", ds)
	}
	return fmt.Sprintf("%.3g:1", 1/ds)
}

// formatPosition renders a level-0 position in µm when calibrated, else pixels.
func formatPosition(pt viewer.Level0Point, cal viewer.Calibration) string {
	if cal.MPP.Known() {
		return fmt.Sprintf("x %.1f µm, y %.1f µm", pt.X*cal.MPP.X, pt.Y*cal.MPP.Y)
	}
	return fmt.Sprintf("x %.0f px, y %.0f px", pt.X, pt.Y)
}

// identifyingImages are associated images that may show patient identity.
var identifyingImages = map[string]bool{"label": true, "macro": true}

// buildProperties lists the slide's metadata. Label and macro images are
// not shown until the user explicitly asks, because they often carry the
// patient's name.
func (p *slidePane) buildProperties() fyne.CanvasObject {
	info := slide.Describe(p.slide)
	rows := [][2]string{
		{"Format", info.Format},
		{"Size", fmt.Sprintf("%d × %d px", info.Width, info.Height)},
		{"Levels", fmt.Sprint(len(info.Levels))},
		{"µm/px", p.slide.MPP().String()},
		{"Objective", objectiveText(info.ObjectivePower)},
		{"Fingerprint", info.Fingerprint[:min(len(info.Fingerprint), 19)] + "…"},
	}
	for i, l := range info.Levels {
		rows = append(rows, [2]string{fmt.Sprintf("Level %d", i), fmt.Sprintf("%d × %d (÷%.4g)", l.Width, l.Height, l.Downsample)})
	}
	props := p.slide.Properties()
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rows = append(rows, [2]string{k, props[k]})
	}
	table := widget.NewTable(
		func() (int, int) { return len(rows), 2 },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			l.Truncation = fyne.TextTruncateEllipsis
			l.SetText(rows[id.Row][id.Col])
		})
	table.SetColumnWidth(0, 190)
	table.SetColumnWidth(1, 320)

	images := container.NewVBox()
	for _, name := range info.AssociatedImages {
		images.Add(p.associatedImageButton(name))
	}
	header := container.NewVBox(widget.NewLabelWithStyle("Slide properties", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), images)
	return container.NewBorder(header, nil, nil, nil, table)
}

func objectiveText(v float64) string {
	if v <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%g×", v)
}

// associatedImageButton shows one associated image on request, asking for
// confirmation first when it may identify the patient.
func (p *slidePane) associatedImageButton(name string) fyne.CanvasObject {
	show := func() {
		img, err := p.slide.AssociatedImage(name)
		if err != nil {
			p.ui.showError(fmt.Errorf("the %s image cannot be read: %w", name, err))
			return
		}
		ci := canvas.NewImageFromImage(img)
		ci.FillMode = canvas.ImageFillContain
		ci.SetMinSize(fyne.NewSize(480, 360))
		dialog.ShowCustom(strings.ToUpper(name[:1])+name[1:]+" image", "Close", ci, p.ui.win)
	}
	label := "Show " + name + " image"
	if identifyingImages[name] {
		label += " (may identify the patient)…"
		return widget.NewButton(label, func() {
			dialog.ShowConfirm("Show "+name+" image?",
				"The "+name+" image often shows the patient's name or accession number.\nShow it on this screen?",
				func(ok bool) {
					if ok {
						show()
					}
				}, p.ui.win)
		})
	}
	return widget.NewButton(label, show)
}

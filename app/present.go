package app

import (
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tessera/storyboard"
	"tessera/viewer"
)

// presentationScale enlarges the card, the legend and the scale bar for a
// room: their smallest text (11–12 points) becomes at least 24 px, legible
// from the back of a room on a 1080p screen.
const presentationScale = 2.2

// presentation is the full-screen tumour-board view: the slide, its heatmap
// legend, scale bar and case card as clean overlays, no menus, tabs, panels
// or file names. Label and macro images never appear; file names appear on
// the card only when the user turned identifiers on for this session.
type presentation struct {
	ui      *UI
	pane    *slidePane
	notice  string // said on the card until the next step ("" for none)
	caption string // the saved view's caption, shown large ("" when not at a saved view)
}

// startPresentation enters presentation mode on the current slide, fitted.
func (ui *UI) startPresentation() {
	if ui.desk.refuseWhileBlinded("presenting") {
		return
	}
	p := ui.current()
	if p == nil || ui.presenting != nil {
		return
	}
	ui.presenting = &presentation{ui: ui}
	ui.desk.nextView = 0 // N starts the storyboard at view 1
	ui.win.SetMainMenu(nil)
	ui.win.SetFullScreen(true)
	p.view.Fit()
	ui.presenting.show(p)
}

// stopPresentation returns to the normal window.
func (ui *UI) stopPresentation() {
	if ui.presenting == nil {
		return
	}
	p := ui.presenting.pane
	ui.presenting = nil
	ui.win.SetFullScreen(false)
	ui.win.SetMainMenu(ui.mainMenu)
	ui.win.SetContent(ui.tabs)
	if p != nil {
		p.view.SetOverlayScale(1)
		p.content.Refresh()
		ui.win.Canvas().Focus(p.view)
	}
}

// show presents slide pane p: the view with its scale bar enlarged, the
// heatmap legend built from the layer (at the same scale) and the card.
func (pr *presentation) show(p *slidePane) {
	if pr.pane != nil && pr.pane != p {
		pr.pane.view.SetOverlayScale(1)
	}
	pr.pane = p
	ui := pr.ui
	p.view.SetOverlayScale(presentationScale)
	var legend fyne.CanvasObject
	if l := p.analysis.layers.layer; l != nil && !l.Empty() && p.analysis.layers.look.Visible {
		lw := viewer.NewLegend() // the layer whole, not the panel's widget
		lw.TextScale = presentationScale
		lw.SetContent(l.Legend())
		legend = lw
	}
	var caption fyne.CanvasObject
	if pr.caption != "" {
		caption = captionBox(pr.caption)
	}
	ui.win.SetContent(viewer.NewStage(p.view, viewer.Panels{TopLeft: legend, TopRight: caption, BottomRight: pr.card(p)}))
	ui.win.Canvas().Focus(p.view)
}

// captionBox is a saved view's caption as a tumour board reads it: large
// (24 points on a 1080p screen and more), light on dark, wrapped to a
// third of the screen.
func captionBox(text string) fyne.CanvasObject {
	l := widget.NewRichTextWithText(text)
	l.Wrapping = fyne.TextWrapWord
	for _, seg := range l.Segments {
		if t, ok := seg.(*widget.TextSegment); ok {
			t.Style.SizeName = theme.SizeNameHeadingText
		}
	}
	box := container.NewStack(canvas.NewRectangle(storyboard.CardBackground), container.NewPadded(l))
	return container.NewGridWrap(fyne.NewSize(640, l.MinSize().Height*2+24), box)
}

// card is the presentation card of p: the result, or a note that the slide
// has not been analysed, with the notice (first or last slide) if any.
func (pr *presentation) card(p *slidePane) fyne.CanvasObject {
	ui := pr.ui
	title := fmt.Sprintf("Slide %d of %d", ui.desk.tabIndex(p)+1, len(ui.tabs.Items))
	if ui.desk.session.Label != "" {
		title = ui.desk.session.Label + "   ·   " + title
	}
	if ui.showIdentifiers {
		title += "   ·   " + p.fileName()
	}
	var card fyne.CanvasObject
	if r := p.ref.Result; r != nil {
		card = storyboard.ResultCard(r, title, presentationScale)
	} else {
		t := canvas.NewText(title+"   ·   not analysed", storyboard.CardText)
		t.TextSize = 14 * presentationScale
		card = container.NewStack(canvas.NewRectangle(storyboard.CardBackground), container.New(layout.NewCustomPaddedLayout(8, 8, 12, 12), t))
	}
	box := func(text string, c color.Color, bold bool) fyne.CanvasObject {
		t := canvas.NewText(text, c)
		t.TextSize = 11 * presentationScale
		t.TextStyle.Bold = bold
		return container.NewStack(canvas.NewRectangle(storyboard.CardBackground), container.New(layout.NewCustomPaddedLayout(8, 8, 12, 12), t))
	}
	parts := []fyne.CanvasObject{}
	if pr.notice != "" {
		parts = append(parts, box(pr.notice, storyboard.CardWarning, true))
	}
	parts = append(parts, card)
	if line := storyboard.PatientLine(ui.desk.session.Patient()); line != "" && !p.analysis.blinded {
		parts = append(parts, box(line, storyboard.CardText, true))
	}
	return container.NewVBox(parts...)
}

// step moves to the next (+1) or previous (−1) slide, fitted; at either
// end it stays and says so instead of wrapping round.
func (pr *presentation) step(delta int) {
	ui := pr.ui
	n := len(ui.tabs.Items)
	if n == 0 {
		return
	}
	i := ui.desk.tabIndex(pr.pane) + delta
	pr.notice, pr.caption = "", ""
	switch {
	case i >= n:
		pr.notice = fmt.Sprintf("This is the last slide (%d of %d)", n, n)
		pr.show(pr.pane)
		return
	case i < 0:
		pr.notice = fmt.Sprintf("This is the first slide (1 of %d)", n)
		pr.show(pr.pane)
		return
	}
	ui.tabs.SelectIndex(i)
	p := ui.panes[ui.tabs.Items[i]]
	p.view.Fit()
	pr.show(p)
}

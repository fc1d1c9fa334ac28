package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"tessera/viewer"
)

// presentationScale enlarges the card's type for a room.
const presentationScale = 1.6

// presentation is the full-screen tumour-board view: the slide, its heatmap
// legend, scale bar and case card as clean overlays, no menus, tabs, panels
// or file names. Label and macro images never appear; file names appear on
// the card only when the user turned identifiers on for this session.
type presentation struct {
	ui   *UI
	pane *slidePane
}

// startPresentation enters presentation mode on the current slide.
func (ui *UI) startPresentation() {
	p := ui.current()
	if p == nil || ui.presenting != nil {
		return
	}
	ui.presenting = &presentation{ui: ui}
	ui.win.SetMainMenu(nil)
	ui.win.SetFullScreen(true)
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
		p.content.Refresh()
		ui.win.Canvas().Focus(p.view)
	}
}

// show presents slide pane p.
func (pr *presentation) show(p *slidePane) {
	pr.pane = p
	ui := pr.ui
	var legend fyne.CanvasObject
	if l := p.analysis.layer; l != nil && !l.Empty() && p.analysis.look.Visible {
		lw := viewer.NewLegend() // the layer whole, not the panel's widget
		lw.SetContent(l.Legend())
		legend = lw
	}
	pr.ui.win.SetContent(viewer.NewStage(p.view, viewer.Panels{TopLeft: legend, BottomRight: pr.card(p)}))
	ui.win.Canvas().Focus(p.view)
}

// card is the presentation card of p: the result, or a note that the slide
// has not been analysed.
func (pr *presentation) card(p *slidePane) fyne.CanvasObject {
	ui := pr.ui
	title := fmt.Sprintf("Slide %d of %d", ui.tabIndex(p)+1, len(ui.tabs.Items))
	if ui.session.Label != "" {
		title = ui.session.Label + "   ·   " + title
	}
	if ui.showIdentifiers {
		title += "   ·   " + p.fileName()
	}
	if r := p.ref.Result; r != nil {
		return ResultCard(r, title, presentationScale)
	}
	t := canvas.NewText(title+"   ·   not analysed", cardText)
	t.TextSize = 14 * presentationScale
	bg := canvas.NewRectangle(cardBackground)
	return container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(8, 8, 12, 12), t))
}

// step moves to the next (+1) or previous (−1) slide.
func (pr *presentation) step(delta int) {
	ui := pr.ui
	n := len(ui.tabs.Items)
	if n == 0 {
		return
	}
	i := (ui.tabIndex(pr.pane) + delta + n) % n
	ui.tabs.SelectIndex(i)
	pr.show(ui.panes[ui.tabs.Items[i]])
}

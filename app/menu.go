package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"tessera/viewer"
)

// Controls lists every mouse and keyboard control, shown by Help ▸ Controls
// and kept in the README.
var Controls = [][2]string{
	{"Drag with the mouse", "pan"},
	{"Mouse wheel", "zoom in or out around the pointer"},
	{"Horizontal trackpad scroll", "pan sideways"},
	{"Double-click", "zoom in 2× at the pointer"},
	{"Arrow keys", "pan by an eighth of the view"},
	{"+ / −", "zoom in or out 2× around the centre"},
	{"0 or Home", "fit the whole slide"},
	{"1 2 3 4 5 6", "magnification 1.25× 2.5× 5× 10× 20× 40× (when the slide is calibrated)"},
	{"Click or drag in the overview", "move the view there"},
	{"Ctrl+O", "open a slide"},
	{"Ctrl+W", "close the current slide"},
	{"Ctrl+I", "show or hide the slide properties panel"},
	{"Ctrl+R", "analyze the slide with the chosen model (Analysis panel)"},
	{"H", "show or hide the heatmap"},
	{"F1", "this help"},
	{"Esc", "close the dialog on screen"},
	{"Drop files on the window", "open them as slides"},
}

func (ui *UI) buildMenu() *fyne.MainMenu {
	ui.recent = fyne.NewMenuItem("Open Recent", nil)
	ui.refreshRecentMenu()
	file := fyne.NewMenu("File",
		&fyne.MenuItem{Label: "Open…", Action: ui.showOpenDialog, Shortcut: ctrl(fyne.KeyO)},
		ui.recent,
		fyne.NewMenuItemSeparator(),
		&fyne.MenuItem{Label: "Close Slide", Action: ui.closeCurrent, Shortcut: ctrl(fyne.KeyW)},
	)
	mags := make([]*fyne.MenuItem, len(viewer.MagnificationPresets))
	for i, m := range viewer.MagnificationPresets {
		mags[i] = fyne.NewMenuItem(fmt.Sprintf("%g×", m), func() { ui.withView(func(v *viewer.SlideView) { v.ZoomToMagnification(m) }) })
	}
	magItem := fyne.NewMenuItem("Magnification", nil)
	magItem.ChildMenu = fyne.NewMenu("", mags...)
	ui.magItem = magItem
	view := fyne.NewMenu("View",
		fyne.NewMenuItem("Fit Slide", func() { ui.withView((*viewer.SlideView).Fit) }),
		fyne.NewMenuItem("Zoom In", func() { ui.withView(func(v *viewer.SlideView) { v.TypedRune('+') }) }),
		fyne.NewMenuItem("Zoom Out", func() { ui.withView(func(v *viewer.SlideView) { v.TypedRune('-') }) }),
		magItem,
		fyne.NewMenuItemSeparator(),
		&fyne.MenuItem{Label: "Slide Properties", Action: ui.toggleProperties, Shortcut: ctrl(fyne.KeyI)},
	)
	analysis := fyne.NewMenu("Analysis",
		&fyne.MenuItem{Label: "Analyze Slide", Action: ui.analyzeCurrent, Shortcut: ctrl(fyne.KeyR)},
		fyne.NewMenuItem("Cancel Analysis", func() { ui.withPane(func(p *slidePane) { p.analysis.cancel() }) }),
		fyne.NewMenuItem("Show or Hide Heatmap (H)", func() { ui.withPane(func(p *slidePane) { p.analysis.toggleVisible() }) }),
	)
	help := fyne.NewMenu("Help",
		fyne.NewMenuItem("Controls", ui.showHelp),
		fyne.NewMenuItem("About Tessera", ui.showAbout),
	)
	return fyne.NewMainMenu(file, view, analysis, help)
}

func ctrl(k fyne.KeyName) fyne.Shortcut {
	return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}
}

func (ui *UI) installShortcuts() {
	c := ui.win.Canvas()
	c.AddShortcut(ctrl(fyne.KeyO).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.showOpenDialog() })
	c.AddShortcut(ctrl(fyne.KeyW).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.closeCurrent() })
	c.AddShortcut(ctrl(fyne.KeyI).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.toggleProperties() })
	c.AddShortcut(ctrl(fyne.KeyR).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.analyzeCurrent() })
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if !ui.handleWindowKey(ev) {
			// Keys typed while nothing has focus go to the current slide.
			ui.withView(func(v *viewer.SlideView) { v.TypedKey(ev) })
		}
	})
	c.SetOnTypedRune(func(r rune) {
		if v := ui.CurrentView(); v != nil {
			v.TypedRune(r) // unused runes come back through OnOtherRune
		}
	})
}

// handleWindowKey handles keys that act on the whole window; it reports
// whether the key was used.
func (ui *UI) handleWindowKey(ev *fyne.KeyEvent) bool {
	switch ev.Name {
	case fyne.KeyF1:
		ui.showHelp()
		return true
	case fyne.KeyEscape:
		if ui.dialog != nil {
			ui.dialog.Hide()
			ui.dialog = nil
			return true
		}
	}
	return false
}

// handleWindowRune handles character keys that act on the current slide
// beyond navigation.
func (ui *UI) handleWindowRune(r rune) {
	if r == 'h' || r == 'H' {
		ui.withPane(func(p *slidePane) { p.analysis.toggleVisible() })
	}
}

// analyzeCurrent starts the analysis of the current slide.
func (ui *UI) analyzeCurrent() {
	ui.withPane(func(p *slidePane) {
		if !p.side.Visible() || p.side.Selected() != p.sideTabs.analysis {
			p.toggleSide(p.sideTabs.analysis)
		}
		p.analysis.start()
	})
}

func (ui *UI) withPane(f func(*slidePane)) {
	if p := ui.current(); p != nil {
		f(p)
	}
}

func (ui *UI) withView(f func(*viewer.SlideView)) {
	if v := ui.CurrentView(); v != nil {
		f(v)
	}
}

func (ui *UI) toggleProperties() {
	if p := ui.current(); p != nil {
		p.toggleProperties()
	}
}

// updateMenus enables the magnification presets only for a calibrated slide.
func (ui *UI) updateMenus() {
	v := ui.CurrentView()
	disabled := v == nil || !v.Calibration().HasMagnification()
	if ui.magItem != nil && ui.magItem.Disabled != disabled {
		ui.magItem.Disabled = disabled
		if m := ui.win.MainMenu(); m != nil {
			m.Refresh()
		}
	}
}

func (ui *UI) refreshRecentMenu() {
	if ui.recent == nil {
		return
	}
	var items []*fyne.MenuItem
	for _, p := range ui.recentPaths() {
		items = append(items, fyne.NewMenuItem(p, func() { ui.OpenPath(p) }))
	}
	if len(items) == 0 {
		items = append(items, &fyne.MenuItem{Label: "(none yet)", Disabled: true})
	}
	ui.recent.ChildMenu = fyne.NewMenu("", items...)
}

func (ui *UI) showHelp() {
	grid := container.NewGridWithColumns(2)
	for _, c := range Controls {
		grid.Add(widget.NewLabelWithStyle(c[0], fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		grid.Add(widget.NewLabel(c[1]))
	}
	d := dialog.NewCustom("Controls", "Close", container.NewVScroll(grid), ui.win)
	d.Resize(fyne.NewSize(720, 560))
	ui.showDialog(d)
}

func (ui *UI) showAbout() {
	ui.showDialog(dialog.NewInformation("About Tessera",
		"Tessera views whole-slide images and runs AI models on this workstation, offline.\n"+
			"Slides are read with OpenSlide. Nothing leaves this computer.", ui.win))
}

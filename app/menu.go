package app

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"tessera/app/annotate"
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
	{"Ctrl+O", "open a slide (File ▸ Open Several Slides… for more at once)"},
	{"Ctrl+S", "save the case (the open slides, label and saved views)"},
	{"Ctrl+D", "save the current view (place, zoom, heatmap look) under a name"},
	{"N / P", "go to the next / previous saved view"},
	{"F5", "presentation mode: full screen, de-identified"},
	{"Page Down / Page Up", "next / previous slide in presentation mode"},
	{"Ctrl+W", "close the current slide"},
	{"Ctrl+Page Down / Up", "next / previous slide tab (also Ctrl+Tab / Ctrl+Shift+Tab)"},
	{"Ctrl+I", "show or hide the slide properties panel"},
	{"Ctrl+R", "analyze the slide with the chosen model (Analysis panel)"},
	{"Ctrl+Enter", "record your first read (when the AI result waits for it), else sign off the slide's result: choose the decision with ← →, Tab to the reason, Shift+Enter records"},
	{"Ctrl+Shift+Enter", "sign off the patient-level result"},
	{"Ctrl+Shift+L", "leave the slide out of the patient result, with a reason (or count it again); recorded in the case log"},
	{"Ctrl+Shift+H", "show a withheld result's class and heatmap (asked first; recorded)"},
	{"X", "show or hide where you looked at 10× or more (the sign-off warns about evidence regions you never viewed)"},
	{"Ctrl+E", "write the PDF report"},
	{"H", "show or hide the heatmap"},
	{"Q", "show or hide the quality-control flags (blur, ink, glass, dark tiles)"},
	{"O", "show or hide the overview (top right)"},
	{"R / Shift+R", "rotate the slide 90° clockwise / counter-clockwise"},
	{"] / [", "next / previous region that drove the result (evidence), shown whole"},
	{"T", "inspect the tile under the pointer: as the model saw it, score, rank, quality control"},
	{"M", "ruler on or off: drag to measure (µm or mm; pixels when uncalibrated)"},
	{"Enter", "keep the ruler's line as an annotation with its length"},
	{"B / E / G / F / W / .", "draw rectangles / ellipses / polygons (click corners, Enter closes) / freehand / with the brush (start inside an annotation to add to it) / count points, in the current class (C changes it); Esc stops"},
	{"Shift+W", "eraser: drag to take the band away from the annotation the stroke starts on (or first reaches)"},
	{"Delete", "remove the annotation under the pointer"},
	{"V", "move: drag a corner, or inside an annotation to move it whole; a click selects it; a double click adds a corner on an edge or removes the corner"},
	{"/ and ,", "next / previous annotation (the Annotations tab lists them: class, name, note, delete)"},
	{"S", "side by side: the slide with and without the heatmap (View ▸ Side by Side With… for another slide); the views move together"},
	{"L", "side by side: keep the current offset between the views, or follow by position again"},
	{"K", "side by side: align the views by two landmarks (click a structure left, the same right, twice; rotation, scale, position); kept in the case"},
	{"A", "show or hide the annotations (Annotations ▸ Import… for QuPath GeoJSON, ImageScope or ASAP XML)"},
	{"Ctrl+Z / Ctrl+Shift+Z", "undo / redo an annotation change"},
	{"F1", "this help"},
	{"Esc", "close the dialog on screen, clear the ruler, or leave presentation mode"},
	{"Drop files on the window", "open them as slides"},
}

func (ui *UI) buildMenu() *fyne.MainMenu {
	ui.recent = fyne.NewMenuItem("Open Recent", nil)
	ui.refreshRecentMenu()
	file := fyne.NewMenu("File",
		&fyne.MenuItem{Label: "Open…", Action: ui.showOpenDialog, Shortcut: ctrl(fyne.KeyO)},
		fyne.NewMenuItem("Open Several Slides…", ui.showOpenSlidesDialog),
		ui.recent,
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Open Case…", ui.showOpenCaseDialog),
		fyne.NewMenuItem("Open Folder as Case…", ui.showOpenFolderDialog),
		&fyne.MenuItem{Label: "Save Case", Action: ui.SaveCase, Shortcut: ctrl(fyne.KeyS)},
		fyne.NewMenuItem("Case Label…", ui.desk.askCaseLabel),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Export Annotated Snapshot…", ui.exportSnapshot),
		&fyne.MenuItem{Label: "Export PDF Report…", Action: ui.exportReport, Shortcut: ctrl(fyne.KeyE)},
		fyne.NewMenuItemSeparator(),
		&fyne.MenuItem{Label: "Close Slide", Action: ui.closeCurrent, Shortcut: ctrl(fyne.KeyW)},
	)
	mags := make([]*fyne.MenuItem, len(viewer.MagnificationPresets))
	for i, m := range viewer.MagnificationPresets {
		mags[i] = fyne.NewMenuItem(fmt.Sprintf("%g×", m), func() { ui.withView(func(v *viewer.SlideView) { v.ZoomToMagnification(m) }) })
	}
	ui.viewsItem = fyne.NewMenuItem("Saved Views", nil)
	ui.overviewItem = fyne.NewMenuItem("Show Overview (O)", ui.toggleOverview)
	ui.overviewItem.Checked = true
	identifiers := fyne.NewMenuItem("Show File Names in Presentations (this session)", nil)
	identifiers.Action = func() {
		ui.showIdentifiers = !ui.showIdentifiers
		identifiers.Checked = ui.showIdentifiers
		ui.mainMenu.Refresh()
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
		&fyne.MenuItem{Label: "Save View…", Action: ui.desk.askSaveView, Shortcut: ctrl(fyne.KeyD)},
		ui.viewsItem,
		fyne.NewMenuItemSeparator(),
		&fyne.MenuItem{Label: "Slide Properties", Action: ui.toggleProperties, Shortcut: ctrl(fyne.KeyI)},
		ui.overviewItem,
		fyne.NewMenuItem("Rotate 90° Clockwise (R)", func() { ui.withView(func(v *viewer.SlideView) { v.SetRotation(v.Rotation() + 1) }) }),
		fyne.NewMenuItem("Rotate 90° Counter-clockwise (Shift+R)", func() { ui.withView(func(v *viewer.SlideView) { v.SetRotation(v.Rotation() + 3) }) }),
		fyne.NewMenuItem("Display Adjustments… (brightness, contrast, gamma)", ui.showDisplayDialog),
		fyne.NewMenuItem("Use the Slide's Colour Profile (ICC)", ui.toggleColourManagement),
		fyne.NewMenuItem("Presentation Mode (F5)", ui.startPresentation),
		fyne.NewMenuItem("Side by Side: AI and Raw (S)", func() { ui.withPane(func(p *slidePane) { p.toggleSideBySide() }) }),
		ui.sideBySideItem(),
		fyne.NewMenuItem("Align Side by Side by Two Landmarks (K)", func() { ui.withPane(func(p *slidePane) { p.alignSideBySide() }) }),
		identifiers,
	)
	ui.firstReadItem = fyne.NewMenuItem("AI After First Read", func() { ui.setFirstReadMode(!ui.desk.firstReadMode()) })
	ui.firstReadItem.Checked = ui.desk.firstReadMode()
	analysis := fyne.NewMenu("Analysis",
		&fyne.MenuItem{Label: "Analyze Slide", Action: ui.analyzeCurrent, Shortcut: ctrl(fyne.KeyR)},
		fyne.NewMenuItem("Analyze Inside Annotations…", func() { ui.withPane(func(p *slidePane) { p.analyzeInside() }) }),
		fyne.NewMenuItem("Cancel Analysis", func() { ui.withPane(func(p *slidePane) { p.analysis.cancel() }) }),
		fyne.NewMenuItem("Show or Hide Heatmap (H)", func() { ui.withPane(func(p *slidePane) { p.analysis.layers.toggleVisible() }) }),
		fyne.NewMenuItem("Show or Hide Where I Looked at 10× (X)", func() { ui.withPane(func(p *slidePane) { p.coverage.toggle() }) }),
		fyne.NewMenuItemSeparator(),
		&fyne.MenuItem{Label: "Record My First Read, or Sign Off This Slide's Result…", Action: ui.reviewKey, Shortcut: ctrl(fyne.KeyReturn)},
		&fyne.MenuItem{Label: "Sign Off the Patient Result…", Action: ui.signOffPatient, Shortcut: ctrlShift(fyne.KeyReturn)},
		&fyne.MenuItem{Label: "Leave This Slide Out of the Patient Result (or Count It Again)…", Action: ui.leaveOutCurrent, Shortcut: ctrlShift(fyne.KeyL)},
		&fyne.MenuItem{Label: "Show the Withheld Class…", Action: ui.revealCurrent, Shortcut: ctrlShift(fyne.KeyH)},
		ui.firstReadItem,
	)
	annotations := fyne.NewMenu("Annotations",
		fyne.NewMenuItem("Import Annotations… (GeoJSON, ImageScope or ASAP XML)", ui.importAnnotations),
		fyne.NewMenuItem("Export Annotations as GeoJSON…", ui.exportAnnotations),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Ruler (M)", func() { ui.withPane(func(p *slidePane) { p.annots.ToggleRuler() }) }),
		fyne.NewMenuItem("Rectangle (B)", func() { ui.withPane(func(p *slidePane) { p.annots.UseShape(annotate.ShapeRectangle) }) }),
		fyne.NewMenuItem("Ellipse (E)", func() { ui.withPane(func(p *slidePane) { p.annots.UseShape(annotate.ShapeEllipse) }) }),
		fyne.NewMenuItem("Polygon (G; Enter closes)", func() { ui.withPane(func(p *slidePane) { p.annots.UseShape(annotate.ShapePolygon) }) }),
		fyne.NewMenuItem("Freehand (F)", func() { ui.withPane(func(p *slidePane) { p.annots.UseShape(annotate.ShapeFreehand) }) }),
		fyne.NewMenuItem("Brush (W)", func() { ui.withPane(func(p *slidePane) { p.annots.UseShape(annotate.ShapeBrush) }) }),
		fyne.NewMenuItem("Eraser (Shift+W)", func() { ui.withPane(func(p *slidePane) { p.annots.UseShape(annotate.ShapeEraser) }) }),
		fyne.NewMenuItem("Count Points (.)", func() { ui.withPane(func(p *slidePane) { p.annots.UseShape(annotate.ShapePoints) }) }),
		fyne.NewMenuItem("Move Annotations and Corners (V)", func() { ui.withPane(func(p *slidePane) { p.annots.ToggleMove() }) }),
		fyne.NewMenuItem("Next Class (C)", func() { ui.withPane(func(p *slidePane) { p.annots.NextClass() }) }),
		fyne.NewMenuItem("Delete the Annotation under the Pointer (Delete)", func() { ui.withPane(func(p *slidePane) { p.annots.DeleteUnderPointer() }) }),
		fyne.NewMenuItem("Show or Hide Annotations (A)", func() { ui.withPane(func(p *slidePane) { p.annots.ToggleVisible() }) }),
		&fyne.MenuItem{Label: "Undo", Action: func() { ui.withPane(func(p *slidePane) { p.annots.UndoLast() }) }, Shortcut: ctrl(fyne.KeyZ)},
		&fyne.MenuItem{Label: "Redo", Action: func() { ui.withPane(func(p *slidePane) { p.annots.RedoLast() }) }, Shortcut: ctrlShift(fyne.KeyZ)},
	)
	help := fyne.NewMenu("Help",
		fyne.NewMenuItem("Controls", ui.showHelp),
		fyne.NewMenuItem("About Tessera", ui.showAbout),
	)
	m := fyne.NewMainMenu(file, view, analysis, annotations, help)
	ui.mainMenu = m
	ui.refreshViewsMenu()
	return m
}

func ctrl(k fyne.KeyName) fyne.Shortcut {
	return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}
}

func ctrlShift(k fyne.KeyName) fyne.Shortcut {
	return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}
}

func (ui *UI) installShortcuts() {
	c := ui.win.Canvas()
	c.AddShortcut(ctrl(fyne.KeyO).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.showOpenDialog() })
	c.AddShortcut(ctrl(fyne.KeyW).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.closeCurrent() })
	c.AddShortcut(ctrl(fyne.KeyI).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.toggleProperties() })
	c.AddShortcut(ctrl(fyne.KeyR).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.analyzeCurrent() })
	c.AddShortcut(ctrl(fyne.KeyS).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.SaveCase() })
	c.AddShortcut(ctrl(fyne.KeyD).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.desk.askSaveView() })
	c.AddShortcut(ctrl(fyne.KeyZ).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.withPane(func(p *slidePane) { p.annots.UndoLast() }) })
	c.AddShortcut(ctrl(fyne.KeyPageDown).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.nextTab(1) })
	c.AddShortcut(ctrl(fyne.KeyTab).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.nextTab(1) })
	c.AddShortcut(ctrlShift(fyne.KeyTab).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.nextTab(-1) })
	c.AddShortcut(ctrl(fyne.KeyPageUp).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.nextTab(-1) })
	c.AddShortcut(ctrlShift(fyne.KeyZ).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.withPane(func(p *slidePane) { p.annots.RedoLast() }) })
	c.AddShortcut(ctrl(fyne.KeyE).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.exportReport() })
	for _, enter := range []fyne.KeyName{fyne.KeyReturn, fyne.KeyEnter} {
		c.AddShortcut(ctrl(enter).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.reviewKey() })
		c.AddShortcut(ctrlShift(enter).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.signOffPatient() })
	}
	c.AddShortcut(ctrlShift(fyne.KeyL).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.leaveOutCurrent() })
	c.AddShortcut(ctrlShift(fyne.KeyH).(*desktop.CustomShortcut), func(fyne.Shortcut) { ui.revealCurrent() })
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if !ui.handleWindowKey(ev) && !ui.dialogOpen() {
			// Keys typed while nothing has focus go to the current slide.
			ui.withView(func(v *viewer.SlideView) { v.TypedKey(ev) })
		}
	})
	c.SetOnTypedRune(func(r rune) {
		if v := ui.CurrentView(); v != nil && !ui.dialogOpen() {
			v.TypedRune(r) // unused runes come back through OnOtherRune
		}
	})
}

// dialogOpen reports whether a dialog (or a pop-up) is over the window: the
// slide's keys are then not the slide's.
// isMessage reports whether d only says something (an information or
// error dialog: OK closes it), so that Enter may close it; forms, questions
// and file dialogs take Enter themselves or must be answered.
func isMessage(d dialog.Dialog) bool {
	switch d.(type) {
	case *dialog.FormDialog, *dialog.ConfirmDialog, *dialog.FileDialog, *dialog.CustomDialog, *dialog.ColorPickerDialog, *dialog.EntryDialog:
		return false
	}
	return true
}

func (ui *UI) dialogOpen() bool { return ui.win.Canvas().Overlays().Top() != nil }

// focusSlide gives the keyboard back to the current slide after a control
// of a side panel was used, so that H, 1–6, +/− act on the slide at once.
func (ui *UI) focusSlide() {
	if v := ui.CurrentView(); v != nil && !ui.dialogOpen() {
		ui.win.Canvas().Focus(v)
	}
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
		if p := ui.current(); p != nil && p.annots.ClearRuler() {
			p.notice = "Ruler cleared"
			p.updateStatus()
			return true
		}
		if p := ui.current(); p != nil && p.twin != nil && p.twin.align != nil {
			p.twin.startAligning() // cancels
			return true
		}
		if p := ui.current(); p != nil && p.annots.Busy() {
			p.annots.StopTools()
			p.notice = "Drawing off"
			p.updateStatus()
			return true
		}
		if ui.presenting != nil {
			ui.stopPresentation()
			return true
		}
	case fyne.KeyF5:
		ui.startPresentation()
		return true
	case fyne.KeyReturn, fyne.KeyEnter:
		if ui.dialog != nil && ui.dialogOpen() && isMessage(ui.dialog) {
			ui.dialog.Hide() // a message's OK
			ui.dialog = nil
			return true
		}
		if p := ui.current(); p != nil && p.annots.PinRuler() {
			return true
		}
		if p := ui.current(); p != nil && p.annots.FinishShape() {
			return true
		}
	case fyne.KeyDelete:
		if p := ui.current(); p != nil {
			p.annots.DeleteUnderPointer()
			return true
		}
	case fyne.KeyPageDown, fyne.KeySpace:
		if ui.presenting != nil {
			ui.presenting.step(+1)
			return true
		}
	case fyne.KeyPageUp, fyne.KeyBackspace:
		if ui.presenting != nil {
			ui.presenting.step(-1)
			return true
		}
	}
	return false
}

// handleWindowRune handles character keys that act on the current slide
// beyond navigation.
func (ui *UI) handleWindowRune(r rune) {
	switch r {
	case 'h', 'H':
		ui.withPane(func(p *slidePane) { p.analysis.layers.toggleVisible() })
	case 'o', 'O':
		ui.toggleOverview()
	case 't', 'T':
		ui.withPane(func(p *slidePane) { p.inspectPointer() })
	case 'q', 'Q':
		ui.withPane(func(p *slidePane) { p.analysis.layers.toggleQC() })
	case 'x', 'X':
		ui.withPane(func(p *slidePane) { p.coverage.toggle() })
	case ']':
		ui.withPane(func(p *slidePane) { p.stepEvidence(+1) })
	case '[':
		ui.withPane(func(p *slidePane) { p.stepEvidence(-1) })
	case 'r':
		ui.withView(func(v *viewer.SlideView) { v.SetRotation(v.Rotation() + 1) })
	case 'R':
		ui.withView(func(v *viewer.SlideView) { v.SetRotation(v.Rotation() + 3) })
	case 'a', 'A':
		ui.withPane(func(p *slidePane) { p.annots.ToggleVisible() })
	case 'm', 'M':
		ui.withPane(func(p *slidePane) { p.annots.ToggleRuler() })
	case 'b', 'B':
		ui.withPane(func(p *slidePane) { p.annots.UseShape(annotate.ShapeRectangle) })
	case 'e', 'E':
		ui.withPane(func(p *slidePane) { p.annots.UseShape(annotate.ShapeEllipse) })
	case 'g', 'G':
		ui.withPane(func(p *slidePane) { p.annots.UseShape(annotate.ShapePolygon) })
	case 'f', 'F':
		ui.withPane(func(p *slidePane) { p.annots.UseShape(annotate.ShapeFreehand) })
	case 'w':
		ui.withPane(func(p *slidePane) { p.annots.UseShape(annotate.ShapeBrush) })
	case 'W':
		ui.withPane(func(p *slidePane) { p.annots.UseShape(annotate.ShapeEraser) })
	case '.':
		ui.withPane(func(p *slidePane) { p.annots.UseShape(annotate.ShapePoints) })
	case 'c', 'C':
		ui.withPane(func(p *slidePane) { p.annots.NextClass() })
	case 's', 'S':
		ui.withPane(func(p *slidePane) { p.toggleSideBySide() })
	case 'v', 'V':
		ui.withPane(func(p *slidePane) { p.annots.ToggleMove() })
	case '/':
		ui.withPane(func(p *slidePane) { p.annots.List().Step(+1) })
	case ',':
		ui.withPane(func(p *slidePane) { p.annots.List().Step(-1) })
	case 'l', 'L':
		ui.withPane(func(p *slidePane) {
			if p.twin != nil {
				p.twin.toggleLock()
			}
		})
	case 'k', 'K':
		ui.withPane(func(p *slidePane) { p.alignSideBySide() })
	case 'n', 'N':
		ui.goToView(ui.desk.nextView)
	case 'p', 'P':
		if n := len(ui.desk.session.Views); n > 0 {
			ui.goToView((ui.desk.nextView - 2 + 2*n) % n)
		}
	}
}

// sideBySideItem is View ▸ Side by Side With: the other open slides.
func (ui *UI) sideBySideItem() *fyne.MenuItem {
	item := fyne.NewMenuItem("Side by Side With…", func() {
		p := ui.current()
		if p == nil {
			return
		}
		var names []string
		var paths []string
		for i, it := range ui.tabs.Items {
			if q := ui.panes[it]; q != nil && q != p {
				names = append(names, fmt.Sprintf("Slide %d: %s", i+1, q.fileName()))
				paths = append(paths, q.slide.Path())
			}
		}
		if len(paths) == 0 {
			ui.showError(errors.New("open another slide of the case first (side by side shows two slides)"))
			return
		}
		choice := widget.NewSelect(names, nil)
		choice.SetSelectedIndex(0)
		d := dialog.NewCustomConfirm("Side by side with", "Show", "Cancel", choice, func(ok bool) {
			if ok {
				p.sideBySideWith(paths[choice.SelectedIndex()])
			}
		}, ui.win)
		ui.showDialog(d)
	})
	return item
}

// toggleOverview shows or hides the overview of every slide (O).
func (ui *UI) toggleOverview() {
	ui.overviewHidden = !ui.overviewHidden
	for _, p := range ui.panes {
		p.overview.Hidden = ui.overviewHidden
		p.overview.Refresh()
	}
	ui.overviewItem.Checked = !ui.overviewHidden
	if m := ui.win.MainMenu(); m != nil {
		m.Refresh()
	}
}

// nextTab selects the slide tab step tabs away, wrapping round (Ctrl+Page
// Down / Ctrl+Page Up, as in browsers and QuPath).
func (ui *UI) nextTab(step int) {
	n := len(ui.tabs.Items)
	if n < 2 || ui.dialogOpen() {
		return
	}
	ui.tabs.SelectIndex(((ui.tabs.SelectedIndex()+step)%n + n) % n)
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
	// Keys in a column as wide as the widest, what they do wrapped beside
	// them (a grid of equal columns cut the long descriptions off).
	grid := container.New(layout.NewFormLayout())
	for _, c := range Controls {
		grid.Add(widget.NewLabelWithStyle(c[0], fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		what := widget.NewLabel(c[1])
		what.Wrapping = fyne.TextWrapWord
		grid.Add(what)
	}
	d := dialog.NewCustom("Controls", "Close", container.NewVScroll(grid), ui.win)
	d.Resize(fyne.NewSize(900, 640))
	ui.showDialog(d)
}

func (ui *UI) showAbout() {
	ui.showDialog(dialog.NewInformation("About Tessera",
		"Tessera views whole-slide images and runs AI models on this workstation, offline.\n"+
			"Slides are read with OpenSlide. Nothing leaves this computer.", ui.win))
}

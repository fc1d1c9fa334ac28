package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"tessera/cases"
	"tessera/inference"
	"tessera/session"
)

// OpenCase opens the slides of a case file or a folder of slides.
func (ui *UI) OpenCase(path string) {
	var c *cases.Case
	var err error
	if st, statErr := os.Stat(path); statErr == nil && st.IsDir() {
		c, err = cases.FromFolder(path)
	} else {
		c, err = cases.Load(path)
	}
	if err != nil {
		ui.showError(err)
		return
	}
	for _, item := range slices.Clone(ui.tabs.Items) {
		ui.closeTab(item)
	}
	filePath := ""
	if !isDir(path) {
		filePath = path
	}
	ui.session = session.FromFile(c, filePath)
	ui.checkCaseLog(len(c.Slides))
	ui.nextView = 0
	paths, mpps := make([]string, len(c.Slides)), make([]float64, len(c.Slides))
	for i, ref := range c.Slides {
		paths[i], mpps[i] = ref.Path, ref.MPP
	}
	ui.openSlides(paths, mpps)
	ui.updateTitle()
	ui.refreshViewsMenu()
	ui.updatePatientResult()
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// SaveCase writes the case file (asking where the first time).
func (ui *UI) SaveCase() {
	if len(ui.tabs.Items) == 0 {
		ui.showError(errors.New("open the case's slides first: a case needs at least one slide"))
		return
	}
	if ui.session.Path != "" {
		ui.saveCaseTo(ui.session.Path)
		return
	}
	ui.askSavePath("case"+cases.Extension, func(path string) {
		if !strings.HasSuffix(path, ".json") {
			path += cases.Extension
		}
		ui.saveCaseTo(path)
	})
}

func (ui *UI) saveCaseTo(path string) {
	if err := ui.session.File().Save(path); err != nil {
		ui.showError(fmt.Errorf("the case was not saved (%v); any earlier version of the file is unchanged", err))
		return
	}
	ui.session.Path = path
	ui.session.IsCase = true // saved as one patient's case
	ui.notify("Case saved to " + path)
	ui.updateTitle()
	ui.updatePatientResult()
}

// askCaseLabel lets the user type the case label (never read from slides).
func (ui *UI) askCaseLabel() {
	entry := widget.NewEntry()
	entry.SetText(ui.session.Label)
	entry.SetPlaceHolder("e.g. Tumour board 27 Nov, case 3")
	d := dialog.NewForm("Case label", "Set", "Cancel", []*widget.FormItem{widget.NewFormItem("Label", entry)}, func(ok bool) {
		if ok {
			ui.session.Label = strings.TrimSpace(entry.Text)
			ui.session.IsCase = true // labelled as one patient's case
			ui.updateTitle()
			ui.updatePatientResult()
		}
	}, ui.win)
	entry.OnSubmitted = func(string) { d.Submit() } // Enter
	d.Resize(fyne.NewSize(480, 180))
	ui.showDialog(d)
	ui.win.Canvas().Focus(entry)
}

// updateTitle shows the case label in the window title.
func (ui *UI) updateTitle() {
	title := "Tessera"
	if ui.session.Label != "" {
		title += " - " + ui.session.Label
	}
	ui.win.SetTitle(title)
}

// askSaveView names the current view of the current slide.
func (ui *UI) askSaveView() {
	p := ui.current()
	if p == nil {
		return
	}
	entry := widget.NewEntry()
	entry.SetText(fmt.Sprintf("View %d", len(ui.session.Views)+1))
	caption := widget.NewMultiLineEntry()
	caption.SetPlaceHolder("what the tumour board should see here (optional)")
	caption.SetMinRowsVisible(3)
	d := dialog.NewForm("Save view", "Save", "Cancel", []*widget.FormItem{widget.NewFormItem("Name", entry), widget.NewFormItem("Caption", caption)}, func(ok bool) {
		if ok {
			ui.saveView(p, strings.TrimSpace(entry.Text))
			ui.session.Views[len(ui.session.Views)-1].Caption = strings.TrimSpace(caption.Text)
		}
	}, ui.win)
	entry.OnSubmitted = func(string) { d.Submit() } // Enter
	d.Resize(fyne.NewSize(520, 300))
	ui.showDialog(d)
	ui.win.Canvas().Focus(entry)
}

// saveView records p's view (centre, zoom, heatmap look) under name.
func (ui *UI) saveView(p *slidePane, name string) {
	ui.session.Views = append(ui.session.Views, p.captureView(name, ui.tabIndex(p)))
	ui.refreshViewsMenu()
}

// tabIndex is p's place in the case (the tabs keep the case's order).
func (ui *UI) tabIndex(p *slidePane) int { return ui.session.Index(p.ref) }

// goToView shows saved view i: its slide, place, zoom and heatmap look.
func (ui *UI) goToView(i int) {
	if i < 0 || i >= len(ui.session.Views) {
		return
	}
	v := ui.session.Views[i]
	if v.Slide < 0 || v.Slide >= len(ui.tabs.Items) {
		ui.showError(fmt.Errorf("saved view %q belongs to slide %d, which is not open", v.Name, v.Slide+1))
		return
	}
	ui.tabs.SelectIndex(v.Slide)
	p := ui.panes[ui.tabs.Items[v.Slide]]
	p.applyView(v)
	ui.nextView = (i + 1) % len(ui.session.Views)
	p.viewNote = fmt.Sprintf("saved view %q (%d of %d)", v.Name, i+1, len(ui.session.Views))
	p.updateStatus()
	if ui.presenting != nil {
		ui.presenting.caption = v.CaptionText()
		ui.presenting.show(p)
	}
}

// refreshViewsMenu lists the saved views under View ▸ Saved Views.
func (ui *UI) refreshViewsMenu() {
	if ui.viewsItem == nil {
		return
	}
	var items []*fyne.MenuItem
	for i, v := range ui.session.Views {
		items = append(items, fyne.NewMenuItem(fmt.Sprintf("%d. %s", i+1, v.Name), func() { ui.goToView(i) }))
	}
	if len(items) == 0 {
		items = append(items, &fyne.MenuItem{Label: "(none yet: View ▸ Save View…)", Disabled: true})
	} else {
		items = append(items, fyne.NewMenuItemSeparator(),
			fyne.NewMenuItem("Move the Last Shown View Earlier", func() { ui.moveView(-1) }),
			fyne.NewMenuItem("Move the Last Shown View Later", func() { ui.moveView(+1) }))
	}
	ui.viewsItem.ChildMenu = fyne.NewMenu("", items...)
	if m := ui.win.MainMenu(); m != nil {
		m.Refresh()
	}
}

// moveView moves the view last shown one place earlier (−1) or later (+1)
// in the storyboard (the order presentation mode and the report follow).
func (ui *UI) moveView(delta int) {
	n := len(ui.session.Views)
	if n < 2 {
		return
	}
	i := (ui.nextView - 1 + n) % n // the last shown
	j := i + delta
	if j < 0 || j >= n {
		return
	}
	ui.session.Views[i], ui.session.Views[j] = ui.session.Views[j], ui.session.Views[i]
	ui.nextView = (j + 1) % n
	ui.refreshViewsMenu()
	if p := ui.current(); p != nil {
		p.notice = fmt.Sprintf("View %q is now number %d of %d", ui.session.Views[j].Name, j+1, n)
		p.updateStatus()
	}
}

// showOpenCaseDialog asks for a case file.
func (ui *UI) showOpenCaseDialog() {
	ui.askOpenFile("Open case", []string{".json"}, func(path string) { ui.confirmReplaceCase(func() { ui.OpenCase(path) }) })
}

// confirmReplaceCase runs open at once when no slide is open, and otherwise
// after the user agreed to close the open slides, warned of what would be
// lost (hand-entered µm/px, saved views) when the case was never saved.
func (ui *UI) confirmReplaceCase(open func()) {
	n := len(ui.tabs.Items)
	if n == 0 {
		open()
		return
	}
	msg := fmt.Sprintf("Opening a case closes the %d open slide(s).", n)
	if ui.session.Path == "" {
		var typed []string
		for i, s := range ui.session.Slides() {
			if s.MPP > 0 {
				typed = append(typed, fmt.Sprintf("slide %d", i+1))
			}
		}
		if len(typed) > 0 {
			msg += "\nThe µm/px entered by hand for " + strings.Join(typed, ", ") + " is not saved: save the case first (Ctrl+S) to keep it."
		}
		if len(ui.session.Views) > 0 {
			msg += fmt.Sprintf("\n%d saved view(s) are not saved in a case file.", len(ui.session.Views))
		}
	}
	d := dialog.NewConfirm("Close the open slides?", msg, func(ok bool) {
		if ok {
			open()
		}
	}, ui.win)
	d.SetConfirmText("Close and open")
	ui.showDialog(d)
}

// showOpenFolderDialog opens every slide of a folder as one case.
func (ui *UI) showOpenFolderDialog() {
	d := dialog.NewFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil {
			ui.showError(err)
			return
		}
		if dir != nil {
			path := dir.Path()
			ui.app.Preferences().SetString(lastFolderKey, filepath.Dir(path))
			ui.confirmReplaceCase(func() { ui.OpenCase(path) })
		}
	}, ui.win)
	d.SetTitleText("Open a folder of slides as one patient's case")
	if dir, err := storage.ListerForURI(storage.NewFileURI(ui.lastFolder())); err == nil {
		d.SetLocation(dir)
	}
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

// updatePatientResult shows the case's patient-level result on every
// slide's card (session.Case.Patient: only for a case, only from one model).
func (ui *UI) updatePatientResult() {
	pat := ui.session.Patient()
	text := patientText(pat)
	for _, pane := range ui.panes {
		card := pane.analysis.card
		card.patient.SetText(text)
		card.patient.Hidden = text == "" || pane.analysis.blinded
		card.patient.Refresh()
		card.leaveOut.SetText(leaveOutLabel(pane.ref.LeftOut))
		card.leaveOut.Hidden = !ui.session.IsCase || pat.Total < 2 || pane.analysis.blinded
	}
	ui.refreshSignOffs()
}

// patientText is the case card's patient section: the combined result and
// each slide's, or why there is none; "" when there is nothing to say (not
// a case, a single slide, nothing analysed).
func patientText(p session.Patient) string {
	if p.Total < 2 || p.Analysed == 0 || (!p.Available && p.Why == "") {
		return ""
	}
	var lines []string
	if p.Available {
		lines = append(lines, fmt.Sprintf("Patient (%s of %s): %s, p = %.3f\nModel: %s", p.RuleText(), inference.Count(p.Analysed, "slide"), p.ClassLabel, p.Probability, p.Model))
		if prov := p.ProvisionalText(); prov != "" {
			lines = append(lines, "! "+prov)
		}
		for _, c := range p.Caveats {
			lines = append(lines, "! "+c)
		}
	} else {
		lines = append(lines, p.Why)
	}
	for _, s := range p.Slides {
		line := fmt.Sprintf("Slide %d: %s (p = %.3f, %s)", s.Index+1, s.ClassLabel, s.Probability, s.Model)
		if s.Withheld {
			line = fmt.Sprintf("Slide %d: %s (%s)", s.Index+1, s.ClassLabel, s.Model)
		}
		if s.LeftOut != "" {
			line += " - left out: " + s.LeftOut
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

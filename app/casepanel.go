package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"tessera/cases"
	"tessera/heatmap"
	"tessera/inference"
	"tessera/report"
	"tessera/viewer"
)

// caseState is the case the window is working on: its label, its saved
// views and where it was saved. The slides are the open tabs. UI goroutine.
type caseState struct {
	label string
	views []cases.SavedView
	path  string // the case file, once saved or opened
	next  int    // the saved view the next N goes to
}

// caseFromWindow builds the case file content from the open slides.
func (ui *UI) caseFromWindow() *cases.Case {
	c := &cases.Case{Schema: cases.Schema, Label: ui.caseInfo.label}
	index := map[*slidePane]int{}
	for _, item := range ui.tabs.Items {
		p := ui.panes[item]
		index[p] = len(c.Slides)
		c.Slides = append(c.Slides, cases.SlideRef{Path: p.slide.Path(), MPP: p.analysis.mpp})
		if c.Model == "" {
			c.Model = p.analysis.modelPath
		}
	}
	c.Views = append([]cases.SavedView(nil), ui.caseInfo.views...)
	return c
}

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
	for item := range ui.panes {
		ui.closeTab(item)
	}
	paths := make([]string, len(c.Slides))
	for i, s := range c.Slides {
		paths[i] = s.Path
	}
	ui.OpenPaths(paths)
	for i, item := range ui.tabs.Items {
		p := ui.panes[item]
		if i < len(c.Slides) && c.Slides[i].MPP > 0 {
			p.analysis.setUserMPP(c.Slides[i].MPP)
		}
		if c.Model != "" {
			p.analysis.rememberBundle(c.Model)
			p.analysis.modelChoice.SetSelected(c.Model)
		}
	}
	ui.caseInfo = caseState{label: c.Label, views: c.Views}
	if !strings.HasSuffix(path, string(filepath.Separator)) && !isDir(path) {
		ui.caseInfo.path = path
	}
	ui.updateTitle()
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
	if ui.caseInfo.path != "" {
		ui.saveCaseTo(ui.caseInfo.path)
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
	if err := ui.caseFromWindow().Save(path); err != nil {
		ui.showError(fmt.Errorf("the case was not saved (%v); any earlier version of the file is unchanged", err))
		return
	}
	ui.caseInfo.path = path
	ui.updateTitle()
}

// askCaseLabel lets the user type the case label (never read from slides).
func (ui *UI) askCaseLabel() {
	entry := widget.NewEntry()
	entry.SetText(ui.caseInfo.label)
	entry.SetPlaceHolder("e.g. Tumour board 27 Nov, case 3")
	d := dialog.NewForm("Case label", "Set", "Cancel", []*widget.FormItem{widget.NewFormItem("Label", entry)}, func(ok bool) {
		if ok {
			ui.caseInfo.label = strings.TrimSpace(entry.Text)
			ui.updateTitle()
		}
	}, ui.win)
	d.Resize(fyne.NewSize(480, 180))
	ui.showDialog(d)
}

// updateTitle shows the case label in the window title.
func (ui *UI) updateTitle() {
	title := "Tessera"
	if ui.caseInfo.label != "" {
		title += " - " + ui.caseInfo.label
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
	entry.SetText(fmt.Sprintf("View %d", len(ui.caseInfo.views)+1))
	d := dialog.NewForm("Save view", "Save", "Cancel", []*widget.FormItem{widget.NewFormItem("Name", entry)}, func(ok bool) {
		if ok {
			ui.saveView(p, strings.TrimSpace(entry.Text))
		}
	}, ui.win)
	d.Resize(fyne.NewSize(420, 180))
	ui.showDialog(d)
}

// saveView records p's view (centre, zoom, heatmap look) under name.
func (ui *UI) saveView(p *slidePane, name string) {
	vp := p.view.Viewport()
	ui.caseInfo.views = append(ui.caseInfo.views, cases.SavedView{
		Name: name, Slide: ui.tabIndex(p), CenterX: vp.Center.X, CenterY: vp.Center.Y, Downsample: vp.Downsample,
		Heatmap: p.analysis.look.Saved(),
	})
	ui.refreshViewsMenu()
}

func (ui *UI) tabIndex(p *slidePane) int {
	for i, item := range ui.tabs.Items {
		if ui.panes[item] == p {
			return i
		}
	}
	return -1
}

// goToView shows saved view i: its slide, place, zoom and heatmap look.
func (ui *UI) goToView(i int) {
	if i < 0 || i >= len(ui.caseInfo.views) {
		return
	}
	v := ui.caseInfo.views[i]
	if v.Slide < 0 || v.Slide >= len(ui.tabs.Items) {
		ui.showError(fmt.Errorf("saved view %q belongs to slide %d, which is not open", v.Name, v.Slide+1))
		return
	}
	ui.tabs.SelectIndex(v.Slide)
	p := ui.panes[ui.tabs.Items[v.Slide]]
	p.view.SetView(viewer.Level0Point{X: v.CenterX, Y: v.CenterY}, v.Downsample)
	p.analysis.setLook(heatmap.LookFromSaved(v.Heatmap))
	ui.caseInfo.next = (i + 1) % len(ui.caseInfo.views)
	if ui.presenting != nil {
		ui.presenting.show(p)
	}
}

// refreshViewsMenu lists the saved views under View ▸ Saved Views.
func (ui *UI) refreshViewsMenu() {
	if ui.viewsItem == nil {
		return
	}
	var items []*fyne.MenuItem
	for i, v := range ui.caseInfo.views {
		items = append(items, fyne.NewMenuItem(v.Name, func() { ui.goToView(i) }))
	}
	if len(items) == 0 {
		items = append(items, &fyne.MenuItem{Label: "(none yet: View ▸ Save View…)", Disabled: true})
	}
	ui.viewsItem.ChildMenu = fyne.NewMenu("", items...)
	if m := ui.win.MainMenu(); m != nil {
		m.Refresh()
	}
}

// showOpenCaseDialog asks for a case file.
func (ui *UI) showOpenCaseDialog() { ui.askOpenFile(ui.OpenCase) }

// showOpenFolderDialog opens every slide of a folder as one case.
func (ui *UI) showOpenFolderDialog() {
	d := dialog.NewFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil {
			ui.showError(err)
			return
		}
		if dir != nil {
			ui.OpenCase(dir.Path())
		}
	}, ui.win)
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

// updatePatientResult shows, on every slide's card, the patient-level
// result: the analysed slides combined by the model manifest's rule, and
// each slide's own class. It shows only when two or more slides have results.
func (ui *UI) updatePatientResult() {
	var results []*inference.Result
	var lines []string
	rule := "max"
	for i, item := range ui.tabs.Items {
		r := ui.panes[item].analysis.result
		if r == nil {
			continue
		}
		if man := ui.modelManifest(ui.panes[item].analysis.modelPath); man != nil {
			rule = man.Output.PatientAggregation
		}
		results = append(results, r)
		lines = append(lines, fmt.Sprintf("Slide %d: %s (p = %.3f)", i+1, r.ClassLabel, r.Probability))
	}
	text := ""
	if len(results) >= 2 {
		p, _, label := report.Patient(rule, results)
		how := "highest slide probability"
		if rule == "mean" {
			how = "mean slide probability"
		}
		text = fmt.Sprintf("Patient (%s of %d slides): %s, p = %.3f\n%s", how, len(results), label, p, strings.Join(lines, "\n"))
	}
	for _, pane := range ui.panes {
		l := pane.analysis.card.patient
		l.SetText(text)
		l.Hidden = text == ""
		l.Refresh()
	}
}

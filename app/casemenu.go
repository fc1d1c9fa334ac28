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

	"tessera/cases"
	"tessera/session"
)

// The window's side of a case: opening a case file or a folder, saving,
// the title, the Saved Views menu and going to a view. What the case holds
// and records is the case desk's (casedesk.go).

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
	ui.desk.session = session.FromFile(c, filePath)
	ui.desk.checkCaseLog(len(c.Slides))
	ui.desk.nextView = 0
	paths, mpps := make([]string, len(c.Slides)), make([]float64, len(c.Slides))
	for i, ref := range c.Slides {
		paths[i], mpps[i] = ref.Path, ref.MPP
	}
	ui.openSlides(paths, mpps)
	ui.updateTitle()
	ui.refreshViewsMenu()
	ui.desk.updatePatientResult()
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
	if ui.desk.session.Path != "" {
		ui.desk.saveCaseTo(ui.desk.session.Path)
		return
	}
	ui.askSavePath("case"+cases.Extension, func(path string) {
		if !strings.HasSuffix(path, ".json") {
			path += cases.Extension
		}
		ui.desk.saveCaseTo(path)
	})
}

// updateTitle shows the case label in the window title.
func (ui *UI) updateTitle() {
	title := "Tessera"
	if ui.desk.session.Label != "" {
		title += " - " + ui.desk.session.Label
	}
	ui.win.SetTitle(title)
}

// goToView shows saved view i: its slide, place, zoom and heatmap look.
func (ui *UI) goToView(i int) {
	if i < 0 || i >= len(ui.desk.session.Views) {
		return
	}
	v := ui.desk.session.Views[i]
	if v.Slide < 0 || v.Slide >= len(ui.tabs.Items) {
		ui.showError(fmt.Errorf("saved view %q belongs to slide %d, which is not open", v.Name, v.Slide+1))
		return
	}
	ui.tabs.SelectIndex(v.Slide)
	p := ui.panes[ui.tabs.Items[v.Slide]]
	p.applyView(v)
	ui.desk.nextView = (i + 1) % len(ui.desk.session.Views)
	p.viewNote = fmt.Sprintf("saved view %q (%d of %d)", v.Name, i+1, len(ui.desk.session.Views))
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
	for i, v := range ui.desk.session.Views {
		items = append(items, fyne.NewMenuItem(fmt.Sprintf("%d. %s", i+1, v.Name), func() { ui.goToView(i) }))
	}
	if len(items) == 0 {
		items = append(items, &fyne.MenuItem{Label: "(none yet: View ▸ Save View…)", Disabled: true})
	} else {
		items = append(items, fyne.NewMenuItemSeparator(),
			fyne.NewMenuItem("Move the Last Shown View Earlier", func() { ui.desk.moveView(-1) }),
			fyne.NewMenuItem("Move the Last Shown View Later", func() { ui.desk.moveView(+1) }))
	}
	ui.viewsItem.ChildMenu = fyne.NewMenu("", items...)
	if m := ui.win.MainMenu(); m != nil {
		m.Refresh()
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
	if ui.desk.session.Path == "" {
		var typed []string
		for i, s := range ui.desk.session.Slides() {
			if s.MPP > 0 {
				typed = append(typed, fmt.Sprintf("slide %d", i+1))
			}
		}
		if len(typed) > 0 {
			msg += "\nThe µm/px entered by hand for " + strings.Join(typed, ", ") + " is not saved: save the case first (Ctrl+S) to keep it."
		}
		if len(ui.desk.session.Views) > 0 {
			msg += fmt.Sprintf("\n%d saved view(s) are not saved in a case file.", len(ui.desk.session.Views))
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

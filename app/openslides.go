package app

import (
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"tessera/slide"
)

// slideFilesIn lists the slides directly in dir by slide.SlidesIn's rule
// (a DICOM series once), as names relative to dir: "." is the DICOM
// series of dir itself (slideLabel words it).
func slideFilesIn(dir string) []string {
	paths, err := slide.SlidesIn(dir)
	if err != nil {
		return nil
	}
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i], _ = filepath.Rel(dir, p)
	}
	return out
}

// slideLabel is how the list shows a name of slideFilesIn.
func slideLabel(name string) string {
	if name == "." {
		return "DICOM series in this folder"
	}
	return name
}

// showOpenSlidesDialog picks several slides of one folder at once (Fyne's
// file dialog picks one file): the slides of the last folder used, each
// with a tick, a button to choose another folder, and Open.
func (ui *UI) showOpenSlidesDialog() {
	dir := ui.lastFolder()
	var names []string
	chosen := map[string]bool{}
	folder := widget.NewLabel("")
	folder.Truncation = fyne.TextTruncateEllipsis
	list := widget.NewList(
		func() int { return len(names) },
		func() fyne.CanvasObject { return widget.NewCheck("", nil) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := o.(*widget.Check)
			name := names[i]
			c.Text = slideLabel(name)
			c.OnChanged = nil
			c.Checked = chosen[name]
			c.OnChanged = func(on bool) { chosen[name] = on }
			c.Refresh()
		})
	show := func(d string) {
		dir, names = d, slideFilesIn(d)
		clear(chosen)
		folder.SetText(fmt.Sprintf("%s (%d slides)", d, len(names)))
		list.Refresh()
	}
	show(dir)
	all := widget.NewButton("Select all", func() {
		for _, n := range names {
			chosen[n] = true
		}
		list.Refresh()
	})
	var dlg dialog.Dialog
	change := widget.NewButton("Other folder…", func() {
		fd := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
			if err == nil && u != nil {
				show(u.Path())
			}
		}, ui.win)
		if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
			fd.SetLocation(l)
		}
		fd.Resize(fyne.NewSize(900, 600))
		fd.Show()
	})
	body := container.NewBorder(container.NewBorder(nil, nil, nil, container.NewHBox(all, change), folder), nil, nil, nil, list)
	dlg = dialog.NewCustomConfirm("Open slides", "Open", "Cancel", body, func(ok bool) {
		if !ok {
			return
		}
		var paths []string
		for _, n := range names {
			if chosen[n] {
				paths = append(paths, filepath.Join(dir, n))
			}
		}
		if len(paths) > 0 {
			ui.app.Preferences().SetString(lastFolderKey, dir)
			ui.OpenPaths(paths)
		}
	}, ui.win)
	dlg.Resize(fyne.NewSize(760, 560))
	ui.showDialog(dlg)
}

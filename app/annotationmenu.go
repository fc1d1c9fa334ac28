package app

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"tessera/viewer"
)

// The window's side of the annotation tools (package annotate): the
// import and export dialogs, and the pane as the tools' host.

// importAnnotations asks for a file of annotations to add to the current
// slide's.
func (ui *UI) importAnnotations() {
	p := ui.current()
	if p == nil {
		return
	}
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		if err := p.annots.ImportFile(path); err != nil {
			ui.showError(fmt.Errorf("the annotations were not imported: %w", err))
		}
	}, ui.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".geojson", ".json", ".xml"}))
	ui.showDialog(d)
}

// exportAnnotations saves the current slide's annotations as GeoJSON.
func (ui *UI) exportAnnotations() {
	p := ui.current()
	if p == nil {
		return
	}
	c := p.annots.Current()
	if len(c.Features) == 0 {
		ui.showError(errors.New("this slide has no annotations to export"))
		return
	}
	name := strings.TrimSuffix(p.fileName(), filepath.Ext(p.fileName())) + ".geojson"
	ui.askSavePath(name, func(path string) {
		if err := c.Save(path); err != nil {
			ui.showError(fmt.Errorf("the annotations were not saved: %w", err))
			return
		}
		ui.notify(fmt.Sprintf("%d annotations saved to %s", len(c.Features), filepath.Base(path)))
	})
}

// annotationHost is a pane as its annotation tools' host (annotate.Host).
type annotationHost struct{ p *slidePane }

func (h annotationHost) Say(text string) {
	h.p.notice = text
	h.p.updateStatus()
}
func (h annotationHost) Notify(text string)                  { h.p.ui.notify(text) }
func (h annotationHost) UpdateStatus()                       { h.p.updateStatus() }
func (h annotationHost) ShowError(err error)                 { h.p.ui.showError(err) }
func (h annotationHost) ShowDialog(d dialog.Dialog)          { h.p.ui.showDialog(d) }
func (h annotationHost) Window() fyne.Window                 { return h.p.ui.win }
func (h annotationHost) Pointer() (viewer.Level0Point, bool) { return h.p.pointer, h.p.pointerInside }

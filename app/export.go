package app

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"tessera/caselog"
	"tessera/internal/atomicfile"
	"tessera/report"
	"tessera/storyboard"
	"tessera/viewer"
)

// annotatedSnapshot renders pane p's current view at w×h pixels with the
// heatmap (as shown), its legend, the scale bar and the de-identified case
// card burned in, through the same stage as the window.
func (ui *UI) annotatedSnapshot(ctx context.Context, p *slidePane, w, h int) (image.Image, error) {
	vp := p.view.Viewport()
	umPerPixel := 0.0
	cal := p.view.Calibration()
	if cal.MPP.Known() {
		// Keep the window's field of view at the export size.
		umPerPixel = vp.Downsample * cal.MPP.Mean() * float64(vp.Width) / float64(w)
	}
	centre := vp.Center
	req := viewer.SnapshotRequest{Width: w, Height: h, Center: &centre, UMPerPixel: umPerPixel, Cache: ui.cache, Calibration: &cal,
		Display: p.view.Display(), Rotation: p.view.Rotation(), ColourTransform: p.colourTransform(), Notes: storyboard.ColourNotes(p.slide, p.iccNote)}
	if r := p.ref.Result; r != nil {
		if l := p.analysis.layers.layer; l != nil && p.analysis.layers.look.Visible {
			req.Layers = []viewer.ViewLayer{l.ViewLayer()}
			legend := l.Legend()
			req.Legend = &legend
		}
		req.Card = storyboard.ResultCard(r, fmt.Sprintf("Slide %d of %d", ui.desk.tabIndex(p)+1, len(ui.tabs.Items)), 1)
	}
	return viewer.Snapshot(ctx, p.slide, req)
}

// exportSnapshot asks where to save an annotated PNG of the current view at
// the window's size.
func (ui *UI) exportSnapshot() {
	if ui.desk.refuseWhileBlinded("exporting a snapshot") {
		return
	}
	p := ui.current()
	if p == nil {
		return
	}
	vp := p.view.Viewport()
	ui.askSavePath("view.png", func(path string) {
		img, err := ui.annotatedSnapshot(context.Background(), p, vp.Width, vp.Height)
		if err == nil {
			err = atomicfile.WritePNG(path, img)
		}
		if err != nil {
			ui.showError(fmt.Errorf("the snapshot was not saved: %w", err))
			return
		}
		ui.notify("Snapshot saved to " + filepath.Base(path))
		ui.desk.record(caselog.Entry{Event: caselog.Export, Detail: "annotated snapshot " + filepath.Base(path)})
	})
}

// exportReport asks where to save the PDF report of the open slides'
// results (slides without a result are left out, and the dialog says so).
func (ui *UI) exportReport() {
	if ui.desk.refuseWhileBlinded("writing a report") {
		return
	}
	rc, missing, err := ui.reportCase()
	if err != nil {
		ui.showError(err)
		return
	}
	ui.askSavePath("report.pdf", func(path string) {
		if err := report.WritePDF(path, rc); err != nil {
			ui.showError(fmt.Errorf("the report was not saved: %w", err))
			return
		}
		ui.notify("Report saved to " + filepath.Base(path))
		ui.desk.record(caselog.Entry{Event: caselog.Export, Detail: "PDF report " + filepath.Base(path)})
		if len(missing) > 0 {
			ui.showError(fmt.Errorf("the report was saved without %s, which has no analysis yet", strings.Join(missing, ", ")))
		}
	})
}

// reportCase builds the report of the open case (storyboard.Report), each
// slide's heatmap with the look it has on screen, and names the slides left
// out because they have no result.
func (ui *UI) reportCase() (report.Case, []string, error) {
	open := func(i int) (storyboard.Source, error) {
		p := ui.panes[ui.tabs.Items[i]]
		return storyboard.Source{Slide: p.slide, Layer: p.analysis.layers.layer}, nil
	}
	section, scanner := ui.desk.clinicalModel()
	return storyboard.Report(context.Background(), ui.desk.session, open, storyboard.Options{ShowIdentifiers: ui.showIdentifiers, Generated: time.Now(), Cache: ui.cache,
		Clinical: section, Scanner: scanner})
}

// askSavePath shows a save dialog, starting in the first open slide's
// folder, and passes the chosen path to save. The dialog's own empty file
// is removed first: save writes atomically.
func (ui *UI) askSavePath(name string, save func(path string)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			ui.showError(err)
			return
		}
		if w == nil {
			return
		}
		path := w.URI().Path()
		w.Close()
		os.Remove(path)
		if filepath.Ext(path) == "" {
			path += filepath.Ext(name)
		}
		save(path)
	}, ui.win)
	d.SetFileName(name)
	if len(ui.tabs.Items) > 0 {
		if dir, err := storage.ListerForURI(storage.NewFileURI(filepath.Dir(ui.panes[ui.tabs.Items[0]].slide.Path()))); err == nil {
			d.SetLocation(dir)
		}
	}
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

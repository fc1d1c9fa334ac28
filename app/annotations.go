package app

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"tessera/annotation"
	"tessera/storyboard"
	"tessera/viewer"
)

// Annotations on a slide: imported (GeoJSON from QuPath and others,
// ImageScope or ASAP XML), exported (QuPath-compatible GeoJSON), drawn as
// a vector layer (A shows or hides it), kept in the case file, with
// undo/redo (Ctrl+Z, Ctrl+Shift+Z); and the ruler (M): drag to measure,
// Enter keeps the line as an annotation with its length, Escape clears it.
// UI goroutine only.

// Drawing order of the ruler's layer (above the annotations,
// storyboard.AnnotationLayerZ).
const (
	measureLayer  = "measure"
	measureLayerZ = 40
)

// annotations is a pane's annotation state.
type annotations struct {
	p      *slidePane
	hidden bool
	undo   []*annotation.Collection // earlier collections, most recent last
	redo   []*annotation.Collection
	ruler  *ruler     // nil when the ruler is off
	shape  *shapeTool // the drawing tool in use; nil when none
	move   *moveTool  // the move tool; nil when off
	// classIndex is the class new shapes get (drawClasses).
	classIndex int
	list       *annotationList // the side panel's Annotations tab
	lastEdit   string          // the key of the last edit (changeAs)
	region     *regionDialog   // the open Analyze Inside Annotations dialog; nil when none
}

// maxUndo bounds the undo history.
const maxUndo = 100

func newAnnotations(p *slidePane) *annotations {
	a := &annotations{p: p}
	if p.ref.AnnotationsError != "" {
		p.ui.showError(fmt.Errorf("%s: the case file's annotations could not be read (%s); they are kept in the case file unchanged", p.fileName(), p.ref.AnnotationsError))
	}
	a.redraw()
	return a
}

// current is the collection shown (never nil).
func (a *annotations) current() *annotation.Collection { return a.p.ref.Annotations }

// change replaces the collection (undoable) and redraws.
func (a *annotations) change(next *annotation.Collection) { a.changeAs(next, "") }

// changeAs is change for an edit that continues the last one when both
// have the same non-empty key (typing a name: one undo step, not one per
// letter).
func (a *annotations) changeAs(next *annotation.Collection, key string) {
	if key != "" && key == a.lastEdit {
		a.p.ref.Annotations = next
		a.redraw()
		return
	}
	a.lastEdit = key
	a.undo = append(a.undo, a.current())
	if len(a.undo) > maxUndo {
		a.undo = a.undo[1:]
	}
	a.redo = nil
	a.p.ref.Annotations = next
	a.redraw()
}

func (a *annotations) undoLast() { a.lastEdit = ""; a.step(&a.undo, &a.redo) }
func (a *annotations) redoLast() { a.lastEdit = ""; a.step(&a.redo, &a.undo) }

// step restores the last collection of from, keeping the current one in to.
func (a *annotations) step(from, to *[]*annotation.Collection) {
	if len(*from) == 0 {
		return
	}
	*to = append(*to, a.current())
	a.p.ref.Annotations = (*from)[len(*from)-1]
	*from = (*from)[:len(*from)-1]
	a.redraw()
}

// redraw gives the view the current collection (none when empty or hidden).
func (a *annotations) redraw() {
	if a.list != nil {
		a.list.refresh()
	}
	c := a.current()
	if c == nil || len(c.Features) == 0 || a.hidden {
		a.p.view.SetVectorLayer(storyboard.AnnotationLayerName, storyboard.AnnotationLayerZ, nil)
	} else {
		a.p.view.SetVectorLayer(storyboard.AnnotationLayerName, storyboard.AnnotationLayerZ, annotation.NewDrawing(c))
	}
	a.p.updateStatus()
}

func (a *annotations) toggleVisible() {
	a.hidden = !a.hidden
	a.redraw()
}

// withAdded is a new collection: the current features and more.
func (a *annotations) withAdded(more []annotation.Feature) *annotation.Collection {
	cur := a.current().Features
	next := make([]annotation.Feature, 0, len(cur)+len(more))
	return &annotation.Collection{Features: append(append(next, cur...), more...)}
}

// importFile adds the annotations of a file and says what came in.
func (a *annotations) importFile(path string) error {
	c, err := annotation.Load(path)
	if err != nil {
		return err
	}
	a.change(a.withAdded(c.Features))
	n := c.Count()
	l0 := a.p.slide.Levels()[0]
	msg := fmt.Sprintf("%d objects imported from %s (%s; %s).", len(c.Features), filepath.Base(path), annotation.Text(n.Geometry), annotation.Text(n.Class))
	a.p.ui.notify(msg)
	if out := c.Outside(float64(l0.Width), float64(l0.Height)); len(out) > 0 {
		// Not for the status line alone: objects off the slide usually mean
		// another slide's file, or another origin.
		msg += fmt.Sprintf("\n\n%d of them lie wholly or partly outside the slide (%d × %d pixels): check that the file belongs to this slide. They are kept.",
			len(out), l0.Width, l0.Height)
		a.p.ui.showDialog(dialog.NewInformation("Some annotations lie outside the slide", msg, a.p.ui.win))
	}
	return nil
}

// importDialog asks for a file to import.
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
		if err := p.annots.importFile(path); err != nil {
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
	c := p.annots.current()
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
		ui.notify(fmt.Sprintf("%d annotations saved to %s", len(c.Features), path))
	})
}

// ruler is the measuring tool: a drag draws a line whose length the status
// line shows in µm or mm ("px, uncalibrated" without µm/px).
type ruler struct {
	a          *annotations
	start, end viewer.Level0Point
	has        bool
}

func (a *annotations) toggleRuler() {
	if a.ruler != nil {
		a.stopTools()
		a.p.notice = "Ruler off"
	} else {
		a.stopTools()
		a.ruler = &ruler{a: a}
		a.p.view.Tool = a.ruler
		a.p.notice = "Ruler on: drag to measure, Enter keeps the line, Escape clears it, M turns it off"
	}
	a.p.updateStatus()
}

func (r *ruler) DragStart(p viewer.Level0Point) { r.start, r.end, r.has = p, p, true; r.draw() }
func (r *ruler) DragMove(p viewer.Level0Point)  { r.end = p; r.draw() }
func (r *ruler) DragEnd(p viewer.Level0Point)   { r.end = p; r.draw() }
func (r *ruler) Tap(viewer.Level0Point)         {}
func (r *ruler) DoubleTap(viewer.Level0Point)   {}

// length is the line's length in µm (calibrated true) or level-0 pixels.
func (r *ruler) length() (float64, bool) {
	px := math.Hypot(r.end.X-r.start.X, r.end.Y-r.start.Y)
	mpp := r.a.p.view.Calibration().MPP
	if !mpp.Known() {
		return px, false
	}
	return math.Hypot((r.end.X-r.start.X)*mpp.X, (r.end.Y-r.start.Y)*mpp.Y), true
}

// lengthText is the length for people: µm below a millimetre, else mm.
func lengthText(v float64, calibrated bool) string {
	switch {
	case !calibrated:
		return fmt.Sprintf("%.0f px (uncalibrated: no µm/px)", v)
	case v < 1000:
		return fmt.Sprintf("%.1f µm", v)
	}
	return fmt.Sprintf("%.3f mm", v/1000)
}

func (r *ruler) draw() {
	line := &annotation.Collection{Features: []annotation.Feature{{Colour: &color.RGBA{0, 230, 255, 255},
		Geometry: annotation.Geometry{Type: annotation.LineString, Line: []annotation.Point{{X: r.start.X, Y: r.start.Y}, {X: r.end.X, Y: r.end.Y}}}}}}
	r.a.p.view.SetVectorLayer(measureLayer, measureLayerZ, annotation.NewDrawing(line))
	v, cal := r.length()
	r.a.p.notice = "Ruler: " + lengthText(v, cal) + " (Enter keeps it)"
	r.a.p.updateStatus()
}

func (r *ruler) clear() {
	r.has = false
	r.a.p.view.SetVectorLayer(measureLayer, measureLayerZ, nil)
}

// pin keeps the ruler's line as an annotation with its length.
func (r *ruler) pin() {
	if !r.has {
		return
	}
	v, cal := r.length()
	name := "Ruler " + lengthText(v, cal)
	m := annotation.Measurement{Name: annotation.LengthName("µm"), Value: v}
	if !cal {
		m.Name = annotation.LengthName("px")
	}
	f := annotation.Feature{ObjectType: "annotation", Name: name, Measurements: []annotation.Measurement{m},
		Geometry: annotation.Geometry{Type: annotation.LineString, Line: []annotation.Point{{X: r.start.X, Y: r.start.Y}, {X: r.end.X, Y: r.end.Y}}}}
	r.a.change(r.a.withAdded([]annotation.Feature{f}))
	r.clear()
	r.a.p.notice = "Kept: " + name
	r.a.p.updateStatus()
}

// annotationsStatus is the status line's part about annotations.
func (a *annotations) status() string {
	n := len(a.current().Features)
	switch {
	case n == 0:
		return ""
	}
	s := fmt.Sprintf("%d annotations", n)
	if n == 1 {
		s = "1 annotation"
	}
	if a.hidden {
		s += " (hidden: A)"
	}
	return s
}

var _ viewer.PointerTool = (*ruler)(nil)

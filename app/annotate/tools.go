// Package annotate is the annotation tools of a slide pane: the
// annotations drawn as a vector layer (A shows or hides them), undo/redo
// (Ctrl+Z, Ctrl+Shift+Z), import of a file's annotations (GeoJSON from
// QuPath and others, ImageScope or ASAP XML), the ruler (M: drag to
// measure, Enter keeps the line as an annotation with its length, Escape
// clears it), the drawing tools (draw.go), the move and corner tool
// (move.go) and the Annotations tab's list (list.go). The annotations are
// the slide's (session.Slide.Annotations, saved with the case); the tools
// reach the window only through a Host. UI goroutine only.
package annotate

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"tessera/annotation"
	"tessera/session"
	"tessera/storyboard"
	"tessera/viewer"
)

// Drawing order of the ruler's layer (above the annotations,
// storyboard.AnnotationLayerZ).
const (
	measureLayer  = "measure"
	measureLayerZ = 40
)

// Host is what the tools need of the pane and window they work in.
type Host interface {
	Say(text string)    // show text on the status line (until the view moves)
	Notify(text string) // confirm something done (a file imported)
	UpdateStatus()      // redraw the status line: the annotations' part changed
	ShowError(err error)
	ShowDialog(d dialog.Dialog)
	Window() fyne.Window
	// Pointer is where the mouse pointer is on the slide, level-0 pixels,
	// and whether it is over the slide at all.
	Pointer() (viewer.Level0Point, bool)
}

// Tools is one slide's annotations and the tools that edit them.
type Tools struct {
	host   Host
	view   *viewer.SlideView
	ref    *session.Slide // the slide whose Annotations the tools edit
	width  int64          // the slide's level-0 size, pixels
	height int64
	hidden bool
	undo   []*annotation.Collection // earlier collections, most recent last
	redo   []*annotation.Collection
	ruler  *ruler     // nil when the ruler is off
	shape  *shapeTool // the drawing tool in use; nil when none
	move   *moveTool  // the move tool; nil when off
	// classIndex is the class new shapes get (drawClasses).
	classIndex int
	list       *List  // the side panel's Annotations tab
	lastEdit   string // the key of the last edit (changeAs)
}

// maxUndo bounds the undo history.
const maxUndo = 100

// New returns the tools of slide ref shown in view (level-0 size width ×
// height pixels), with its annotations drawn.
func New(host Host, view *viewer.SlideView, ref *session.Slide, width, height int64) *Tools {
	a := &Tools{host: host, view: view, ref: ref, width: width, height: height}
	a.list = newList(a)
	a.redraw()
	return a
}

// List is the Annotations tab.
func (a *Tools) List() *List { return a.list }

// Hidden reports whether the annotations are hidden (A).
func (a *Tools) Hidden() bool { return a.hidden }

// UndoSteps is the number of edits Ctrl+Z can undo.
func (a *Tools) UndoSteps() int { return len(a.undo) }

// Busy reports whether a drawing or the move tool is on (Escape stops it).
func (a *Tools) Busy() bool { return a.shape != nil || a.move != nil }

// ClearRuler clears the ruler's line, and reports whether there was one.
func (a *Tools) ClearRuler() bool {
	if a.ruler == nil || !a.ruler.has {
		return false
	}
	a.ruler.clear()
	return true
}

// PinRuler keeps the ruler's line as an annotation, and reports whether
// there was one.
func (a *Tools) PinRuler() bool {
	if a.ruler == nil || !a.ruler.has {
		return false
	}
	a.ruler.pin()
	return true
}

// FinishShape closes the polygon being drawn (Enter), and reports whether
// there was one.
func (a *Tools) FinishShape() bool { return a.shape != nil && a.shape.finish() }

// Current is the collection shown (never nil).
func (a *Tools) Current() *annotation.Collection { return a.ref.Annotations }

// change replaces the collection (undoable) and redraws.
func (a *Tools) change(next *annotation.Collection) { a.changeAs(next, "") }

// changeAs is change for an edit that continues the last one when both
// have the same non-empty key (typing a name: one undo step, not one per
// letter).
func (a *Tools) changeAs(next *annotation.Collection, key string) {
	if key != "" && key == a.lastEdit {
		a.ref.Annotations = next
		a.redraw()
		return
	}
	a.lastEdit = key
	a.undo = append(a.undo, a.Current())
	if len(a.undo) > maxUndo {
		a.undo = a.undo[1:]
	}
	a.redo = nil
	a.ref.Annotations = next
	a.redraw()
}

func (a *Tools) UndoLast() { a.lastEdit = ""; a.step(&a.undo, &a.redo) }
func (a *Tools) RedoLast() { a.lastEdit = ""; a.step(&a.redo, &a.undo) }

// step restores the last collection of from, keeping the current one in to.
func (a *Tools) step(from, to *[]*annotation.Collection) {
	if len(*from) == 0 {
		return
	}
	*to = append(*to, a.Current())
	a.ref.Annotations = (*from)[len(*from)-1]
	*from = (*from)[:len(*from)-1]
	a.redraw()
}

// redraw gives the view the current collection (none when empty or hidden).
func (a *Tools) redraw() {
	if a.list != nil {
		a.list.refresh()
	}
	c := a.Current()
	if c == nil || len(c.Features) == 0 || a.hidden {
		a.view.SetVectorLayer(storyboard.AnnotationLayerName, storyboard.AnnotationLayerZ, nil)
	} else {
		a.view.SetVectorLayer(storyboard.AnnotationLayerName, storyboard.AnnotationLayerZ, annotation.NewDrawing(c))
	}
	a.host.UpdateStatus()
}

func (a *Tools) ToggleVisible() {
	a.hidden = !a.hidden
	a.redraw()
}

// withAdded is a new collection: the current features and more.
func (a *Tools) withAdded(more []annotation.Feature) *annotation.Collection {
	cur := a.Current().Features
	next := make([]annotation.Feature, 0, len(cur)+len(more))
	return &annotation.Collection{Features: append(append(next, cur...), more...)}
}

// importFile adds the annotations of a file and says what came in.
func (a *Tools) ImportFile(path string) error {
	c, err := annotation.Load(path)
	if err != nil {
		return err
	}
	a.change(a.withAdded(c.Features))
	n := c.Count()
	msg := fmt.Sprintf("%d objects imported from %s (%s; %s).", len(c.Features), filepath.Base(path), annotation.Text(n.Geometry), annotation.Text(n.Class))
	a.host.Notify(msg)
	if out := c.Outside(float64(a.width), float64(a.height)); len(out) > 0 {
		// Not for the status line alone: objects off the slide usually mean
		// another slide's file, or another origin.
		msg += fmt.Sprintf("\n\n%d of them lie wholly or partly outside the slide (%d × %d pixels): check that the file belongs to this slide. They are kept.",
			len(out), a.width, a.height)
		a.host.ShowDialog(dialog.NewInformation("Some annotations lie outside the slide", msg, a.host.Window()))
	}
	return nil
}

// ruler is the measuring tool: a drag draws a line whose length the status
// line shows in µm or mm ("px, uncalibrated" without µm/px).
type ruler struct {
	a          *Tools
	start, end viewer.Level0Point
	has        bool
}

func (a *Tools) ToggleRuler() {
	var notice string
	if a.ruler != nil {
		a.StopTools()
		notice = "Ruler off"
	} else {
		a.StopTools()
		a.ruler = &ruler{a: a}
		a.view.Tool = a.ruler
		notice = "Ruler on: drag to measure, Enter keeps the line, Escape clears it, M turns it off"
	}
	a.host.Say(notice)
}

func (r *ruler) DragStart(p viewer.Level0Point) { r.start, r.end, r.has = p, p, true; r.draw() }
func (r *ruler) DragMove(p viewer.Level0Point)  { r.end = p; r.draw() }
func (r *ruler) DragEnd(p viewer.Level0Point)   { r.end = p; r.draw() }
func (r *ruler) Tap(viewer.Level0Point)         {}
func (r *ruler) DoubleTap(viewer.Level0Point)   {}

// length is the line's length in µm (calibrated true) or level-0 pixels.
func (r *ruler) length() (float64, bool) {
	px := math.Hypot(r.end.X-r.start.X, r.end.Y-r.start.Y)
	mpp := r.a.view.Calibration().MPP
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
	r.a.view.SetVectorLayer(measureLayer, measureLayerZ, annotation.NewDrawing(line))
	v, cal := r.length()
	r.a.host.Say("Ruler: " + lengthText(v, cal) + " (Enter keeps it)")
}

func (r *ruler) clear() {
	r.has = false
	r.a.view.SetVectorLayer(measureLayer, measureLayerZ, nil)
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
	r.a.host.Say("Kept: " + name)
}

// annotationsStatus is the status line's part about annotations.
func (a *Tools) Status() string {
	n := len(a.Current().Features)
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

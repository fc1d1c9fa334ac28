package annotate

import (
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"

	"tessera/annotation"
	"tessera/internal/testslides"
	"tessera/session"
	"tessera/slide"
	"tessera/viewer"
)

// host is a pane as the tests see it: what the tools said and showed.
type host struct {
	win      fyne.Window
	said     []string
	errors   []error
	dialogs  int
	pointer  viewer.Level0Point
	onSlide  bool
	statuses int
}

func (h *host) Say(text string)            { h.said = append(h.said, text) }
func (h *host) Notify(text string)         { h.said = append(h.said, "✓ "+text) }
func (h *host) UpdateStatus()              { h.statuses++ }
func (h *host) ShowError(err error)        { h.errors = append(h.errors, err) }
func (h *host) ShowDialog(d dialog.Dialog) { h.dialogs++ }
func (h *host) Window() fyne.Window        { return h.win }
func (h *host) Pointer() (viewer.Level0Point, bool) {
	return h.pointer, h.onSlide
}

func (h *host) last() string {
	if len(h.said) == 0 {
		return ""
	}
	return h.said[len(h.said)-1]
}

// newTools opens CMU-1-Small-Region (2220 × 2967 pixels, 0.499 µm/px) in
// a real view in a test window and returns its tools, with the test
// annotations imported.
func newTools(t *testing.T) (*Tools, *host, *session.Slide) {
	t.Helper()
	s, err := slide.Open(filepath.Join(testslides.Dir(t), "aperio", "CMU-1-Small-Region.svs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	app := test.NewTempApp(t)
	v := viewer.NewSlideView(s, viewer.Options{Headless: true, Post: func(f func()) { f() }})
	t.Cleanup(v.Close)
	w := app.NewWindow("annotate")
	w.SetContent(v)
	w.Resize(fyne.NewSize(800, 600))
	h := &host{win: w}
	ref := &session.Slide{Path: s.Path(), Annotations: &annotation.Collection{}}
	l0 := s.Levels()[0]
	tools := New(h, v, ref, l0.Width, l0.Height)
	if err := tools.ImportFile(filepath.Join("..", "..", "annotation", "testdata", "qupath-variants.geojson")); err != nil {
		t.Fatal(err)
	}
	return tools, h, ref
}

// Importing says what came in and redraws; objects off the slide are said
// in a dialog, not only on the status line; undo and redo step whole
// collections.
func TestImportUndoRedo(t *testing.T) {
	tools, h, ref := newTools(t)
	if len(ref.Annotations.Features) != 7 || !strings.Contains(h.last(), "7 objects imported from qupath-variants.geojson") {
		t.Fatalf("imported %d, said %q", len(ref.Annotations.Features), h.last())
	}
	if tools.Status() != "7 annotations" || tools.UndoSteps() != 1 {
		t.Errorf("status %q, %d undo steps", tools.Status(), tools.UndoSteps())
	}
	tools.ToggleVisible()
	if !tools.Hidden() || !strings.Contains(tools.Status(), "hidden") {
		t.Errorf("hidden: %v, status %q", tools.Hidden(), tools.Status())
	}
	tools.UndoLast()
	if len(ref.Annotations.Features) != 0 {
		t.Error("undo did not take the import back")
	}
	tools.RedoLast()
	if len(ref.Annotations.Features) != 7 {
		t.Error("redo")
	}
	if h.dialogs != 1 { // the test file has an object past the slide's edge
		t.Errorf("%d dialogs for an import with an object off the slide, want 1", h.dialogs)
	}
}

// The ruler measures in µm on a calibrated slide and Enter keeps the line
// with QuPath's length measurement; Delete takes the annotation under the
// pointer, and only there.
func TestRulerAndDelete(t *testing.T) {
	tools, h, ref := newTools(t)
	tools.ToggleRuler()
	if tools.PinRuler() {
		t.Error("pinned a ruler with no line")
	}
	tools.ruler.DragStart(viewer.Level0Point{X: 0, Y: 0})
	tools.ruler.DragEnd(viewer.Level0Point{X: 1000, Y: 0})
	if !strings.Contains(h.last(), "µm") {
		t.Errorf("ruler said %q", h.last())
	}
	if !tools.PinRuler() {
		t.Fatal("the line was not kept")
	}
	f := ref.Annotations.Features[len(ref.Annotations.Features)-1]
	if len(f.Measurements) != 1 || f.Measurements[0].Name != annotation.LengthName("µm") || f.Measurements[0].Value < 450 || f.Measurements[0].Value > 550 {
		t.Errorf("kept ruler %+v", f)
	}
	n := len(ref.Annotations.Features)
	tools.DeleteUnderPointer() // the pointer is off the slide
	if len(ref.Annotations.Features) != n {
		t.Fatal("deleted with the pointer off the slide")
	}
	h.pointer, h.onSlide = viewer.Level0Point{X: 500, Y: 0}, true
	tools.DeleteUnderPointer()
	if len(ref.Annotations.Features) != n-1 || !strings.HasPrefix(h.last(), "Deleted Ruler") {
		t.Errorf("%d annotations after deleting the ruler's line; said %q", len(ref.Annotations.Features), h.last())
	}
}

// A polygon whose corners are clicked past the slide's edge is kept, its
// corners on the edge; a point counted off the slide is refused.
func TestPolygonOverTheEdge(t *testing.T) {
	tools, h, ref := newTools(t)
	n := len(ref.Annotations.Features)
	tools.UseShape(ShapePolygon)
	for _, p := range []viewer.Level0Point{{X: -300, Y: 100}, {X: 600, Y: -50}, {X: 900, Y: 700}, {X: 100, Y: 5000}} {
		tools.shape.Tap(p)
	}
	if !tools.FinishShape() || len(ref.Annotations.Features) != n+1 {
		t.Fatalf("no polygon kept (%d annotations); said %q", len(ref.Annotations.Features), h.last())
	}
	for _, q := range ref.Annotations.Features[n].Geometry.Polygons[0][0] {
		if q.X < 0 || q.Y < 0 || q.X > float64(tools.width) || q.Y > float64(tools.height) {
			t.Errorf("corner %v off the %d × %d slide", q, tools.width, tools.height)
		}
	}
	tools.UseShape(ShapePoints)
	tools.shape.Tap(viewer.Level0Point{X: -10, Y: 10})
	if len(ref.Annotations.Features) != n+1 || !strings.Contains(h.last(), "off the slide") {
		t.Errorf("a point off the slide: %d annotations, said %q", len(ref.Annotations.Features), h.last())
	}
}

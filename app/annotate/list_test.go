package annotate

import (
	"strings"
	"testing"
)

// The Annotations tab: tap to go to an annotation, change its class (a
// typed one gets a colour of its own), name and note (kept in the case
// and in exports), delete it; stepping goes round; all undoable.
func TestAnnotationList(t *testing.T) {
	tools, _, ref := newTools(t)
	l := tools.List()
	if l.list.Length() != 7 || !strings.Contains(l.line(0), "Tumor") || !strings.Contains(l.line(0), "µm²") {
		t.Fatalf("list: %d rows, first %q", l.list.Length(), l.line(0))
	}
	l.list.Select(0) // the square with a hole, 1000–2000
	if c := tools.view.Viewport().Center; c.X != 1500 || c.Y != 1500 {
		t.Errorf("selecting did not go to the annotation: %+v", c)
	}
	l.class.SetText("Mitoses")
	l.name.SetText("Hot spot")
	l.note.SetText("count 10 HPF here")
	f := ref.Annotations.Features[0]
	if f.Class != "Mitoses" || f.Colour == nil || f.Name != "Hot spot" || noteOf(&f) != "count 10 HPF here" {
		t.Fatalf("edited %+v", f)
	}
	if n := tools.UndoSteps(); n != 2 { // the import, then one step for the whole edit
		t.Errorf("%d undo steps after one edit of three fields, want 2", n)
	}
	l.Step(+1)
	if l.selected != 1 {
		t.Errorf("/ selected %d, want 1", l.selected)
	}
	l.Step(-1)
	l.Step(-1)
	if l.selected != 6 {
		t.Errorf(", twice selected %d, want 6 (wrapping round)", l.selected)
	}
	l.list.Select(0)
	l.deleteSelected()
	if len(ref.Annotations.Features) != 6 {
		t.Fatal("delete")
	}
	tools.UndoLast()
	if len(ref.Annotations.Features) != 7 || ref.Annotations.Features[0].Name != "Hot spot" {
		t.Error("undo after delete")
	}
}

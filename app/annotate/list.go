package annotate

import (
	"encoding/json"
	"fmt"
	"image/color"
	"maps"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tessera/annotation"
	"tessera/viewer"
)

// The Annotations tab of the side panel: every annotation of the slide
// (class, name, area or length), tap to select and go to it; the selected
// one's class (one of the offered classes or any typed name), name and
// note can be changed, and it can be deleted. ',' and '/' step to the
// previous and next annotation. Every change is undoable. UI goroutine only.
type List struct {
	a        *Tools
	list     *widget.List
	selected int // -1: none
	class    *widget.SelectEntry
	name     *widget.Entry
	note     *widget.Entry
	binding  bool
	content  fyne.CanvasObject
}

// noteProperty is the GeoJSON property that keeps a note (QuPath has none;
// other tools read it as an unknown property).
const noteProperty = "note"

func newList(a *Tools) *List {
	l := &List{a: a, selected: -1}
	l.list = widget.NewList(
		func() int { return len(a.Current().Features) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(l.line(i)) },
	)
	l.list.OnSelected = func(i widget.ListItemID) { l.selectIndex(i, true) }
	var names []string
	for _, c := range drawClasses {
		names = append(names, c.name)
	}
	l.class = widget.NewSelectEntry(names)
	l.class.SetPlaceHolder("class (choose or type)")
	l.class.OnChanged = func(string) { l.apply() }
	l.name = widget.NewEntry()
	l.name.SetPlaceHolder("name")
	l.name.OnChanged = func(string) { l.apply() }
	l.note = widget.NewMultiLineEntry()
	l.note.SetPlaceHolder("note")
	l.note.OnChanged = func(string) { l.apply() }
	del := widget.NewButton("Delete", l.deleteSelected)
	form := widget.NewForm(widget.NewFormItem("Class", l.class), widget.NewFormItem("Name", l.name), widget.NewFormItem("Note", l.note))
	l.content = container.NewBorder(nil, container.NewVBox(form, del), nil, nil, l.list)
	l.bind()
	return l
}

// Content is the tab's content.
func (l *List) Content() fyne.CanvasObject { return l.content }

// Select selects annotation i and goes to it, as a tap on its row does.
func (l *List) Select(i int) { l.list.Select(i) }

// Selected is the index of the selected annotation, or -1.
func (l *List) Selected() int { return l.selected }

// line is the list's text for annotation i.
func (l *List) line(i int) string {
	fs := l.a.Current().Features
	if i < 0 || i >= len(fs) {
		return ""
	}
	f := &fs[i]
	parts := []string{fmt.Sprintf("%d.", i+1)}
	if f.Class != "" {
		parts = append(parts, f.Class)
	}
	if f.Name != "" && f.Name != f.Class {
		parts = append(parts, f.Name)
	}
	switch {
	case len(f.Geometry.Polygons) > 0:
		area, _, unit := l.a.measure(&f.Geometry)
		parts = append(parts, areaText(area, unit))
	case len(f.Geometry.Line) > 1:
		_, length, unit := l.a.measure(&f.Geometry)
		cal := unit != "px"
		parts = append(parts, lengthText(length, cal))
	case len(f.Geometry.Points) > 1:
		parts = append(parts, fmt.Sprintf("%d points", len(f.Geometry.Points)))
	default:
		parts = append(parts, f.Geometry.Type)
	}
	return strings.Join(parts, "  ")
}

// refresh shows the current collection (after any change).
func (l *List) refresh() {
	if l.selected >= len(l.a.Current().Features) {
		l.selected = -1
	}
	l.list.Refresh()
	l.bind()
}

// bind shows the selected annotation's fields without feeding back.
func (l *List) bind() {
	l.binding = true
	defer func() { l.binding = false }()
	fs := l.a.Current().Features
	if l.selected < 0 || l.selected >= len(fs) {
		l.class.SetText("")
		l.name.SetText("")
		l.note.SetText("")
		l.class.Disable()
		l.name.Disable()
		l.note.Disable()
		return
	}
	f := &fs[l.selected]
	l.class.Enable()
	l.name.Enable()
	l.note.Enable()
	l.class.SetText(f.Class)
	l.name.SetText(f.Name)
	l.note.SetText(noteOf(f))
}

func noteOf(f *annotation.Feature) string {
	raw, ok := f.Properties[noteProperty]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// selectIndex selects annotation i and, when goTo, shows it whole.
func (l *List) selectIndex(i int, goTo bool) {
	fs := l.a.Current().Features
	if i < 0 || i >= len(fs) {
		return
	}
	l.selected = i
	l.a.lastEdit = "" // a new selection starts a new edit
	l.bind()
	if goTo {
		x0, y0, x1, y1 := fs[i].Bounds()
		v := l.a.view
		vp := v.Viewport()
		w, h := max(x1-x0, 1), max(y1-y0, 1)
		ds := max(w/float64(max(vp.Width, 1)), h/float64(max(vp.Height, 1))) * 1.25 // a margin around it
		v.SetView(viewer.Level0Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, max(ds, 0.25))
		l.a.host.Say(fmt.Sprintf("Annotation %d of %d: %s", i+1, len(fs), l.line(i)))
	}
}

// Step selects and shows the next (+1) or previous (−1) annotation.
func (l *List) Step(delta int) {
	n := len(l.a.Current().Features)
	if n == 0 {
		return
	}
	i := (l.selected + delta + n) % n
	if l.selected < 0 && delta < 0 {
		i = n - 1
	}
	l.list.Select(i) // calls selectIndex
}

// apply writes the fields into the selected annotation (undoable).
func (l *List) apply() {
	if l.binding || l.selected < 0 {
		return
	}
	cur := l.a.Current().Features
	if l.selected >= len(cur) {
		return
	}
	next := append([]annotation.Feature(nil), cur...)
	f := next[l.selected]
	class := strings.TrimSpace(l.class.Text)
	if class != f.Class {
		f.Class = class
		f.Colour = classColour(class)
	}
	f.Name = strings.TrimSpace(l.name.Text)
	props := maps.Clone(f.Properties) // the undo history keeps the old map
	if props == nil {
		props = map[string]json.RawMessage{}
	}
	if note := strings.TrimSpace(l.note.Text); note != "" {
		props[noteProperty], _ = json.Marshal(note)
	} else {
		delete(props, noteProperty)
	}
	f.Properties = props
	next[l.selected] = f
	sel := l.selected
	l.a.changeAs(&annotation.Collection{Features: next}, fmt.Sprintf("edit %d", sel))
	l.selected = sel
	l.list.RefreshItem(sel)
}

// classColour is an offered class's colour, or a colour of its own for a
// typed class (from its name, so it stays the same).
func classColour(name string) *color.RGBA {
	for _, c := range drawClasses {
		if strings.EqualFold(c.name, name) {
			col := c.colour
			return &col
		}
	}
	if name == "" {
		return nil
	}
	h := uint32(2166136261)
	for _, b := range []byte(name) {
		h = (h ^ uint32(b)) * 16777619
	}
	return &color.RGBA{uint8(80 + h%160), uint8(80 + (h>>8)%160), uint8(80 + (h>>16)%160), 255}
}

func (l *List) deleteSelected() {
	if l.selected < 0 || l.selected >= len(l.a.Current().Features) {
		return
	}
	cur := l.a.Current().Features
	next := append(append([]annotation.Feature(nil), cur[:l.selected]...), cur[l.selected+1:]...)
	l.selected = -1
	l.list.UnselectAll()
	l.a.change(&annotation.Collection{Features: next})
}

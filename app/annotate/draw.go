package annotate

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"tessera/annotation"
	"tessera/viewer"
)

// Drawing tools: rectangle (B), ellipse (E), polygon (G: click the
// corners, drag to trace, Enter closes), freehand (F: drag), brush (w:
// paint a band brushRadius screen pixels each side of the drag; starting
// inside an annotation paints onto it), eraser (Shift+W: take the band
// away from the annotation the stroke starts on), points (.: click to count, one
// point set per class). Each shape is kept at once as
// an annotation of the current class (C cycles the classes) with its area
// and perimeter in µm (pixels when uncalibrated), and is undoable. Delete
// removes the annotation under the pointer. Escape leaves the tool. UI
// goroutine only.

// annotationClass is a class a pathologist draws with.
type annotationClass struct {
	name   string
	colour color.RGBA
}

// drawClasses are the classes offered, QuPath's names and colours where
// it has them.
var drawClasses = []annotationClass{
	{"Tumor", color.RGBA{200, 0, 0, 255}},
	{"Stroma", color.RGBA{150, 200, 150, 255}},
	{"Necrosis", color.RGBA{50, 50, 50, 255}},
	{"Immune cells", color.RGBA{160, 90, 160, 255}},
	{"Other", color.RGBA{255, 200, 0, 255}},
}

// Shape kinds.
const (
	ShapeRectangle = "rectangle"
	ShapeEllipse   = "ellipse"
	ShapePolygon   = "polygon"
	ShapeFreehand  = "freehand"
	ShapeBrush     = "brush"
	ShapeEraser    = "eraser"
	ShapePoints    = "points"
)

// brushRadius is the brush's half-width, screen pixels (the brush paints
// finer when zoomed in, as a pen would).
const brushRadius = 12

// shapeTool draws one kind of shape.
type shapeTool struct {
	a      *Tools
	kind   string
	start  viewer.Level0Point
	path   []annotation.Point // the shape being drawn
	active bool
	onto   int     // brush: the annotation the stroke started inside (−1: a new one)
	radius float64 // brush: level-0 pixels, fixed when the stroke starts
}

// useShape turns the tool for kind on (or off when it is on), turning any
// other tool off.
func (a *Tools) UseShape(kind string) {
	var notice string
	on := a.shape != nil && a.shape.kind == kind
	a.StopTools()
	if on {
		notice = "Drawing off"
	} else {
		a.shape = &shapeTool{a: a, kind: kind}
		a.view.Tool = a.shape
		notice = fmt.Sprintf("Drawing %s as %s (C changes the class; Esc stops)", map[string]string{
			ShapeRectangle: "rectangles", ShapeEllipse: "ellipses", ShapePolygon: "polygons: click the corners or drag, Enter closes",
			ShapeFreehand: "freehand: drag", ShapeBrush: "with the brush: drag to paint, start inside an annotation to add to it",
			ShapeEraser: "with the eraser: drag from an annotation to take away from it",
			ShapePoints: "points: click to count"}[kind], a.class().name)
	}
	a.host.Say(notice)
}

// stopTools turns the ruler and the drawing tools off.
func (a *Tools) StopTools() {
	if a.ruler != nil {
		a.ruler.clear()
		a.ruler = nil
	}
	if a.shape != nil {
		a.shape.cancel()
		a.shape = nil
	}
	a.move = nil
	a.view.Tool = nil
}

func (a *Tools) class() annotationClass { return drawClasses[a.classIndex%len(drawClasses)] }

// nextClass cycles the class new shapes get.
func (a *Tools) NextClass() {
	a.classIndex = (a.classIndex + 1) % len(drawClasses)
	a.host.Say("Class: " + a.class().name)
}

func (s *shapeTool) DragStart(p viewer.Level0Point) {
	if s.kind == ShapePoints {
		return
	}
	p = s.a.clamp(p)
	if s.kind != ShapePolygon || !s.active {
		s.start, s.path, s.active = p, []annotation.Point{{X: p.X, Y: p.Y}}, true
	}
	if s.kind == ShapeBrush || s.kind == ShapeEraser {
		s.radius = brushRadius * s.a.view.Viewport().Downsample
		reach := 0.0 // the brush starts inside; the eraser may start on the edge
		if s.kind == ShapeEraser {
			reach = s.radius
		}
		s.onto = s.a.polygonAt(annotation.Point{X: p.X, Y: p.Y}, reach)
	}
	s.preview()
}

func (s *shapeTool) DragMove(p viewer.Level0Point) {
	if !s.active {
		return
	}
	p = s.a.clamp(p)
	switch s.kind {
	case ShapeRectangle:
		s.path = rectangle(s.start, p)
	case ShapeEllipse:
		s.path = ellipse(s.start, p)
	case ShapeFreehand, ShapePolygon, ShapeBrush, ShapeEraser:
		last := s.path[len(s.path)-1]
		if math.Hypot(p.X-last.X, p.Y-last.Y) >= 2*s.a.view.Viewport().Downsample { // a vertex every 2 screen pixels
			s.path = append(s.path, annotation.Point{X: p.X, Y: p.Y})
		}
	}
	s.preview()
}

func (s *shapeTool) DragEnd(p viewer.Level0Point) {
	if !s.active || s.kind == ShapePolygon { // a polygon closes with Enter
		return
	}
	s.DragMove(p)
	s.commit()
}

func (s *shapeTool) Tap(p viewer.Level0Point) {
	switch s.kind {
	case ShapePoints:
		if p != s.a.clamp(p) {
			s.a.host.Say("That click is off the slide: no point counted")
			return
		}
		s.a.addPoint(annotation.Point{X: p.X, Y: p.Y})
	case ShapePolygon:
		p = s.a.clamp(p)
		if !s.active {
			s.path, s.active = nil, true
		}
		s.path = append(s.path, annotation.Point{X: p.X, Y: p.Y})
		s.preview()
	}
}

// DoubleTap counts two points (two quick clicks), or adds a polygon's
// last corner and closes it.
func (s *shapeTool) DoubleTap(p viewer.Level0Point) {
	switch s.kind {
	case ShapePoints:
		s.Tap(p)
		s.Tap(p)
	case ShapePolygon:
		s.Tap(p)
		s.finish()
	}
}

// finish closes a polygon being drawn (Enter); false when there is none.
func (s *shapeTool) finish() bool {
	if s.kind != ShapePolygon || !s.active {
		return false
	}
	s.commit()
	return true
}

func (s *shapeTool) cancel() {
	s.active, s.path = false, nil
	s.a.view.SetVectorLayer(measureLayer, measureLayerZ, nil)
}

// preview draws the shape being made (a brush stroke as the band it paints).
func (s *shapeTool) preview() {
	cl := s.a.class()
	if s.kind == ShapeBrush || s.kind == ShapeEraser {
		colour := cl.colour
		if s.kind == ShapeEraser {
			colour = color.RGBA{255, 255, 255, 255}
		}
		if g, err := annotation.Paint(nil, s.path, s.radius); err == nil {
			c := &annotation.Collection{Features: []annotation.Feature{{Colour: &colour, Geometry: g}}}
			s.a.view.SetVectorLayer(measureLayer, measureLayerZ, annotation.NewDrawing(c))
		}
		return
	}
	line := append([]annotation.Point(nil), s.path...)
	if len(line) == 1 {
		line = append(line, line[0])
	}
	c := &annotation.Collection{Features: []annotation.Feature{{Colour: &cl.colour, Geometry: annotation.Geometry{Type: annotation.LineString, Line: line}}}}
	s.a.view.SetVectorLayer(measureLayer, measureLayerZ, annotation.NewDrawing(c))
}

// commit keeps the shape as an annotation with its area and perimeter.
func (s *shapeTool) commit() {
	defer s.cancel()
	switch s.kind {
	case ShapeBrush:
		s.commitBrush()
		return
	case ShapeEraser:
		s.commitEraser()
		return
	}
	ring := append([]annotation.Point(nil), s.path...)
	if len(ring) < 3 {
		return
	}
	ring = append(ring, ring[0])
	g := annotation.Geometry{Type: annotation.Polygon, Polygons: [][][]annotation.Point{{ring}}}
	// Shapes under 3 screen pixels across are slips of the hand.
	x0, y0, x1, y1 := (&annotation.Feature{Geometry: g}).Bounds()
	if math.Max(x1-x0, y1-y0) < 3*s.a.view.Viewport().Downsample {
		return
	}
	s.keepNew(g)
}

// keepNew keeps g as a new annotation of the current class, named by the
// tool, with its area and perimeter.
func (s *shapeTool) keepNew(g annotation.Geometry) {
	cl := s.a.class()
	area, perimeter, unit := s.a.measure(&g)
	f := annotation.Feature{ObjectType: "annotation", Class: cl.name, Colour: &cl.colour, Geometry: g,
		Name:         fmt.Sprintf("%s %s", cl.name, s.kind),
		Measurements: annotation.ShapeMeasurements(unit, area, perimeter)}
	s.a.change(s.a.withAdded([]annotation.Feature{f}))
	s.a.host.Say(fmt.Sprintf("Kept %s %s: %s", cl.name, s.kind, areaText(area, unit)))
}

// commitBrush paints the stroke onto the annotation it started inside
// (keeping its class, name and other properties), or keeps it as a new
// annotation of the current class.
func (s *shapeTool) commitBrush() {
	fs := s.a.Current().Features
	var base *annotation.Geometry
	if s.onto >= 0 && s.onto < len(fs) {
		base = &fs[s.onto].Geometry
	}
	g, err := annotation.Paint(base, s.path, s.radius)
	if err != nil || len(g.Polygons) == 0 {
		return
	}
	if base == nil {
		s.keepNew(g)
		return
	}
	s.replaceShape(s.onto, g, "Painted onto")
}

// polygonAt is the topmost unlocked annotation with polygons within reach
// (level-0 pixels) of p, or −1.
func (a *Tools) polygonAt(p annotation.Point, reach float64) int {
	fs := a.Current().Features
	for i := len(fs) - 1; i >= 0; i-- {
		if !fs[i].Locked && len(fs[i].Geometry.Polygons) > 0 && fs[i].Geometry.Near(p, reach) {
			return i
		}
	}
	return -1
}

// commitEraser takes the stroke's band away from the annotation it
// started on (or, started off any, the first one it reaches), removing
// the annotation when nothing is left.
func (s *shapeTool) commitEraser() {
	fs := s.a.Current().Features
	for _, p := range s.path { // a stroke started off any: the first annotation it reaches
		if s.onto >= 0 {
			break
		}
		s.onto = s.a.polygonAt(p, s.radius)
	}
	if s.onto < 0 || s.onto >= len(fs) {
		s.a.host.Say("The eraser takes away from an annotation: the stroke did not reach one")
		return
	}
	g, err := annotation.Erase(fs[s.onto].Geometry, s.path, s.radius)
	if err != nil {
		return
	}
	name := s.a.Current().Describe(s.onto)
	if len(g.Polygons) == 0 {
		s.a.change(&annotation.Collection{Features: slices.Delete(slices.Clone(fs), s.onto, s.onto+1)})
		s.a.host.Say("Erased " + name + " whole (Ctrl+Z brings it back)")
		return
	}
	s.replaceShape(s.onto, g, "Erased from")
}

// replaceShape gives annotation i the shape g (class, name and other
// properties kept, area and perimeter measured again) and says what was
// done ("Painted onto", "Erased from").
func (s *shapeTool) replaceShape(i int, g annotation.Geometry, what string) {
	next, area, unit := s.a.reshaped(s.a.Current().Features[i], i, g)
	s.a.change(next)
	s.a.host.Say(fmt.Sprintf("%s %s: %s", what, s.a.Current().Describe(i), areaText(area, unit)))
}

// measure is a shape's area and perimeter in µm (or level-0 pixels on an
// uncalibrated slide, unit "px").
func (a *Tools) measure(g *annotation.Geometry) (area, perimeter float64, unit string) {
	mpp := a.view.Calibration().MPP
	if !mpp.Known() {
		return g.Area(), g.Length(), "px"
	}
	return g.Area() * mpp.X * mpp.Y, g.Length() * math.Sqrt(mpp.X*mpp.Y), "µm"
}

// reshaped is the collection with annotation i, as f was, given the shape
// g: class, name and other properties kept, Tessera's area and perimeter
// measured again when g has polygons (area and unit returned for the
// status line; 0 and "" otherwise). The collection shown is not changed.
func (a *Tools) reshaped(f annotation.Feature, i int, g annotation.Geometry) (next *annotation.Collection, area float64, unit string) {
	f.Geometry = g
	if len(g.Polygons) > 0 {
		var perimeter float64
		area, perimeter, unit = a.measure(&g)
		f.Measurements = annotation.Remeasure(f.Measurements, unit, area, perimeter)
	}
	fs := slices.Clone(a.Current().Features)
	fs[i] = f
	return &annotation.Collection{Features: fs}, area, unit
}

// areaText is an area for people: µm² or mm², or px² uncalibrated.
func areaText(v float64, unit string) string {
	switch {
	case unit == "px":
		return fmt.Sprintf("%.0f px² (uncalibrated: no µm/px)", v)
	case v < 1e6:
		return fmt.Sprintf("%.0f µm²", v)
	}
	return fmt.Sprintf("%.3f mm²", v/1e6)
}

// addPoint adds a counted point to the current class's point set.
func (a *Tools) addPoint(p annotation.Point) {
	cl := a.class()
	cur := a.Current().Features
	next := slices.Clone(cur)
	idx := -1
	for i := range next {
		if next[i].Geometry.Type == annotation.MultiPoint && next[i].Class == cl.name && next[i].Name == "Points: "+cl.name {
			idx = i
		}
	}
	if idx < 0 {
		next = append(next, annotation.Feature{ObjectType: "annotation", Class: cl.name, Colour: &cl.colour, Name: "Points: " + cl.name,
			Geometry: annotation.Geometry{Type: annotation.MultiPoint}})
		idx = len(next) - 1
	}
	g := next[idx].Geometry
	g.Points = append(slices.Clone(g.Points), p)
	next[idx].Geometry = g
	a.change(&annotation.Collection{Features: next})
	a.host.Say("Points: " + a.pointCounts())
}

// pointCounts lists the counted points by class.
func (a *Tools) pointCounts() string {
	s := ""
	for _, f := range a.Current().Features {
		if f.Geometry.Type == annotation.MultiPoint && f.Name == "Points: "+f.Class {
			if s != "" {
				s += ", "
			}
			s += fmt.Sprintf("%s %d", f.Class, len(f.Geometry.Points))
		}
	}
	return s
}

// deleteUnderPointer removes the topmost annotation under the pointer.
func (a *Tools) DeleteUnderPointer() {
	at, inside := a.host.Pointer()
	if !inside {
		return
	}
	pt := annotation.Point{X: at.X, Y: at.Y}
	cur := a.Current().Features
	tol := 4 * a.view.Viewport().Downsample
	for i := len(cur) - 1; i >= 0; i-- {
		if cur[i].Geometry.Near(pt, tol) {
			name := cur[i].Name
			if name == "" {
				name = cur[i].Class + " " + cur[i].Geometry.Type
			}
			next := slices.Delete(slices.Clone(cur), i, i+1)
			a.change(&annotation.Collection{Features: next})
			a.host.Say("Deleted " + name + " (Ctrl+Z brings it back)")
			return
		}
	}
}

// clamp is p moved onto the slide: a corner clicked or dragged past the
// slide's edge lies on the edge (QuPath clips annotations to the image the
// same way), so a shape drawn quickly over the edge is kept.
func (a *Tools) clamp(p viewer.Level0Point) viewer.Level0Point {
	return viewer.Level0Point{X: min(max(p.X, 0), float64(a.width)), Y: min(max(p.Y, 0), float64(a.height))}
}

func rectangle(a, b viewer.Level0Point) []annotation.Point {
	return []annotation.Point{{X: a.X, Y: a.Y}, {X: b.X, Y: a.Y}, {X: b.X, Y: b.Y}, {X: a.X, Y: b.Y}}
}

func ellipse(a, b viewer.Level0Point) []annotation.Point {
	return annotation.EllipseCorners(annotation.Point{X: a.X, Y: a.Y}, annotation.Point{X: b.X, Y: b.Y})
}

var _ viewer.PointerTool = (*shapeTool)(nil)

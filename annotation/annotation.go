// Package annotation is the pathologist's marks on a slide and the
// objects other tools exchange with Tessera: polygons (with holes),
// multipolygons, lines and points in level-0 pixels, each with an object
// type (annotation, detection, cell…), a class and colour, a name, a lock,
// measurements, and whatever else the file carried (kept, so that a round
// trip through Tessera loses nothing). It reads and writes QuPath-compatible
// GeoJSON (geojson.go, geojson_write.go), reads Aperio ImageScope and ASAP XML (xml.go), and
// answers geometric questions (geometry.go). No widgets, no slides.
package annotation

import (
	"encoding/json"
	"fmt"
	"image/color"
	"sort"
	"strings"
)

// Point is a position in level-0 pixels.
type Point struct{ X, Y float64 }

// Geometry types.
const (
	Polygon      = "Polygon"
	MultiPolygon = "MultiPolygon"
	LineString   = "LineString"
	PointType    = "Point"
	MultiPoint   = "MultiPoint"
)

// Geometry is one shape. Polygons holds the polygons of a Polygon (one)
// or MultiPolygon (several), each a list of rings: the outer boundary
// first, then its holes, each ring closed (first point = last point).
// Line holds a LineString's points, Points a Point's (one) or MultiPoint's.
// Plane is QuPath's "plane" member (the channel, focal plane and time
// point the shape was drawn on, written by QuPath 0.4 and later for
// objects off the first plane), kept as it was read; nil when absent.
type Geometry struct {
	Type     string
	Polygons [][][]Point
	Line     []Point
	Points   []Point
	Plane    json.RawMessage
}

// Measurement is one named value QuPath (or another tool) computed.
type Measurement struct {
	Name  string
	Value float64
}

// Feature is one object.
type Feature struct {
	ID         string // as in the file ("" when none; duplicates kept)
	Geometry   Geometry
	ObjectType string      // "annotation", "detection", "cell", "tile"…; "" when unsaid
	Class      string      // classification name ("" when none)
	Colour     *color.RGBA // classification colour (nil when none)
	Name       string
	Locked     bool
	// Measurements in the file's order.
	Measurements []Measurement
	// Nucleus is a cell's nucleusGeometry, kept as it was.
	Nucleus json.RawMessage
	// Properties are the other members of "properties", kept as they were;
	// Members the other members of the feature (bbox…).
	Properties map[string]json.RawMessage
	Members    map[string]json.RawMessage
}

// Collection is the objects of a file, in the file's order.
type Collection struct {
	Features []Feature
}

// Unclassified names features without a class where classes are listed
// or chosen.
const Unclassified = "(unclassified)"

// OfClasses is the features whose class is one of classes (compared
// without regard to case; Unclassified chooses those without a class), in
// the collection's order; the features are shared, not copied.
func (c *Collection) OfClasses(classes []string) *Collection {
	out := &Collection{}
	for _, f := range c.Features {
		cl := f.Class
		if cl == "" {
			cl = Unclassified
		}
		for _, want := range classes {
			if strings.EqualFold(strings.TrimSpace(want), cl) {
				out.Features = append(out.Features, f)
				break
			}
		}
	}
	return out
}

// Counts tallies features by geometry type, object type and class.
type Counts struct {
	Geometry map[string]int
	Object   map[string]int
	Class    map[string]int
}

// Count tallies the collection.
func (c *Collection) Count() Counts {
	n := Counts{Geometry: map[string]int{}, Object: map[string]int{}, Class: map[string]int{}}
	for _, f := range c.Features {
		n.Geometry[f.Geometry.Type]++
		o := f.ObjectType
		if o == "" {
			o = "(no object type)"
		}
		n.Object[o]++
		cl := f.Class
		if cl == "" {
			cl = Unclassified
		}
		n.Class[cl]++
	}
	return n
}

// Text renders counts as "Polygon 12, Point 3".
func Text(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %d", k, m[k])
	}
	if s == "" {
		return "none"
	}
	return s
}

// Bounds is the feature's bounding box in level-0 pixels.
func (f *Feature) Bounds() (minX, minY, maxX, maxY float64) {
	first := true
	add := func(p Point) {
		if first {
			minX, minY, maxX, maxY, first = p.X, p.Y, p.X, p.Y, false
			return
		}
		minX, minY, maxX, maxY = min(minX, p.X), min(minY, p.Y), max(maxX, p.X), max(maxY, p.Y)
	}
	f.Geometry.each(add)
	return
}

// each calls fn on every vertex.
func (g *Geometry) each(fn func(Point)) {
	for _, poly := range g.Polygons {
		for _, ring := range poly {
			for _, p := range ring {
				fn(p)
			}
		}
	}
	for _, p := range g.Line {
		fn(p)
	}
	for _, p := range g.Points {
		fn(p)
	}
}

// Outside lists the features lying wholly or partly outside a slide of
// w × h level-0 pixels (they are kept; the caller reports them).
func (c *Collection) Outside(w, h float64) []int {
	var out []int
	for i := range c.Features {
		x0, y0, x1, y1 := c.Features[i].Bounds()
		if x0 < 0 || y0 < 0 || x1 > w || y1 > h {
			out = append(out, i)
		}
	}
	return out
}

// Describe names feature i for messages: its index (1-based), and its id
// or name when it has one.
func (c *Collection) Describe(i int) string {
	return describe(i, c.Features[i].ID, c.Features[i].Name)
}

func describe(i int, id, name string) string {
	s := fmt.Sprintf("feature %d", i+1)
	switch {
	case name != "":
		s += fmt.Sprintf(" (%q)", name)
	case id != "":
		s += fmt.Sprintf(" (id %q)", id)
	}
	return s
}

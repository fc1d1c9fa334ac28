package annotation

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math"
	"strings"
)

// Contains reports whether p (level-0 pixels) lies inside one of the
// feature's polygons, holes excluded (even-odd rule over each polygon's
// rings). Lines and points contain nothing.
func (g *Geometry) Contains(p Point) bool {
	for _, poly := range g.Polygons {
		inside := false
		for _, ring := range poly {
			if ringContains(ring, p) {
				inside = !inside
			}
		}
		if inside {
			return true
		}
	}
	return false
}

// Near reports whether p lies inside one of the polygons, or within tol
// (level-0 pixels) of a polygon's edge, the line or one of the points:
// what a click on the shape hits.
func (g *Geometry) Near(p Point, tol float64) bool {
	if g.Contains(p) {
		return true
	}
	near := func(a, b Point) bool { return SegmentDistance(p, a, b) <= tol }
	for _, poly := range g.Polygons {
		for _, ring := range poly {
			for i := 0; i+1 < len(ring); i++ {
				if near(ring[i], ring[i+1]) {
					return true
				}
			}
		}
	}
	for i := 0; i+1 < len(g.Line); i++ {
		if near(g.Line[i], g.Line[i+1]) {
			return true
		}
	}
	for _, q := range g.Points {
		if near(q, q) {
			return true
		}
	}
	return false
}

// SegmentDistance is the distance from p to the segment a–b, in the
// points' own units.
func SegmentDistance(p, a, b Point) float64 {
	dx, dy := b.X-a.X, b.Y-a.Y
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = max(0, min(1, ((p.X-a.X)*dx+(p.Y-a.Y)*dy)/l))
	}
	return math.Hypot(a.X+t*dx-p.X, a.Y+t*dy-p.Y)
}

// ringContains is the crossing test on a closed ring.
func ringContains(ring []Point, p Point) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		a, b := ring[i], ring[j]
		if (a.Y > p.Y) != (b.Y > p.Y) && p.X < (b.X-a.X)*(p.Y-a.Y)/(b.Y-a.Y)+a.X {
			in = !in
		}
	}
	return in
}

// Area is the polygons' area in square level-0 pixels, holes subtracted.
func (g *Geometry) Area() float64 {
	total := 0.0
	for _, poly := range g.Polygons {
		for k, ring := range poly {
			a := math.Abs(shoelace(ring))
			if k == 0 {
				total += a
			} else {
				total -= a
			}
		}
	}
	return total
}

func shoelace(ring []Point) float64 {
	s := 0.0
	for i := 0; i+1 < len(ring); i++ {
		s += ring[i].X*ring[i+1].Y - ring[i+1].X*ring[i].Y
	}
	return s / 2
}

// Length is a line's length, or the polygons' perimeter (outer rings), in
// level-0 pixels.
func (g *Geometry) Length() float64 {
	path := func(ps []Point) float64 {
		l := 0.0
		for i := 0; i+1 < len(ps); i++ {
			l += math.Hypot(ps[i+1].X-ps[i].X, ps[i+1].Y-ps[i].Y)
		}
		return l
	}
	l := path(g.Line)
	for _, poly := range g.Polygons {
		if len(poly) > 0 {
			l += path(poly[0])
		}
	}
	return l
}

// Region is the union of polygons (of any number of features), for
// analysing inside it: a point is in the region when any polygon holds it.
type Region struct {
	geoms []*Geometry
	boxes [][4]float64 // each geometry's bounding box, to skip it fast
	id    string
	name  string
}

// ID identifies the region by its polygons' coordinates (a short sha256
// and the polygon count), for results and caches.
func (r *Region) ID() string { return r.id }

// Name says what the region is in words a reader knows: its classes and
// polygon counts ("Tumor: 2 polygons", "Tumor: 1 polygon; Stroma: 1
// polygon", "3 polygons" when unclassified).
func (r *Region) Name() string { return r.name }

// RegionOf collects the polygons of the collection (lines and points are
// ignored); ok is false when there are none.
func RegionOf(c *Collection) (r *Region, ok bool) {
	r = &Region{}
	perClass := map[string]int{}
	var classes []string
	for i := range c.Features {
		f := &c.Features[i]
		if len(f.Geometry.Polygons) == 0 {
			continue
		}
		x0, y0, x1, y1 := f.Bounds()
		r.geoms = append(r.geoms, &f.Geometry)
		r.boxes = append(r.boxes, [4]float64{x0, y0, x1, y1})
		if _, seen := perClass[f.Class]; !seen {
			classes = append(classes, f.Class)
		}
		perClass[f.Class] += len(f.Geometry.Polygons)
	}
	r.name = regionName(classes, perClass)
	h := sha256.New()
	for _, g := range r.geoms {
		var b bytes.Buffer
		writeGeometry(&b, g)
		h.Write(b.Bytes())
	}
	r.id = fmt.Sprintf("sha256:%x (%d polygons)", h.Sum(nil)[:8], r.Polygons())
	return r, len(r.geoms) > 0
}

// Contains reports whether p lies in the region.
func (r *Region) Contains(p Point) bool {
	for i, g := range r.geoms {
		b := r.boxes[i]
		if p.X < b[0] || p.Y < b[1] || p.X > b[2] || p.Y > b[3] {
			continue
		}
		if g.Contains(p) {
			return true
		}
	}
	return false
}

// Polygons counts the region's polygons.
func (r *Region) Polygons() int {
	n := 0
	for _, g := range r.geoms {
		n += len(g.Polygons)
	}
	return n
}

// regionName names polygons by class, in the order the classes first
// appear; unclassified polygons are "unclassified" beside classified ones.
func regionName(classes []string, perClass map[string]int) string {
	polygons := func(n int) string {
		if n == 1 {
			return "1 polygon"
		}
		return fmt.Sprintf("%d polygons", n)
	}
	if len(classes) == 1 && classes[0] == "" {
		return polygons(perClass[""])
	}
	parts := make([]string, len(classes))
	for i, cl := range classes {
		name := cl
		if name == "" {
			name = "unclassified"
		}
		parts[i] = name + ": " + polygons(perClass[cl])
	}
	return strings.Join(parts, "; ")
}

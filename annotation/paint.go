package annotation

import (
	"errors"
	"math"
	"sort"
)

// Brush painting: a stroke of discs along a path, added to a shape (or on
// its own), as polygons. The union is taken on a raster (cells of at most a
// sixth of the brush radius, at most maxPaintSide cells a side) and its
// outline traced back into rings, simplified to within a cell: what a
// brush drawn at screen resolution needs, not exact polygon clipping.

// maxPaintSide bounds the raster's side, cells.
const maxPaintSide = 2048

// Paint returns base (nil: nothing) with the stroke added: every point
// within radius (level-0 pixels) of the path. The result is a Polygon, or a
// MultiPolygon when the parts do not touch, with holes where the painted
// region encloses unpainted ground.
func Paint(base *Geometry, stroke []Point, radius float64) (Geometry, error) {
	return paint(base, stroke, radius, true)
}

// Erase returns base with the stroke's band taken away (an eraser); the
// result has no polygons when nothing is left.
func Erase(base Geometry, stroke []Point, radius float64) (Geometry, error) {
	return paint(&base, stroke, radius, false)
}

// paint sets (or, erasing, clears) the stroke's band over base.
func paint(base *Geometry, stroke []Point, radius float64, set bool) (Geometry, error) {
	if len(stroke) == 0 || !(radius > 0) {
		return Geometry{}, errors.New("an empty brush stroke")
	}
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	grow := func(p Point, r float64) {
		x0, y0, x1, y1 = math.Min(x0, p.X-r), math.Min(y0, p.Y-r), math.Max(x1, p.X+r), math.Max(y1, p.Y+r)
	}
	for _, p := range stroke {
		grow(p, radius)
	}
	if base != nil {
		for _, poly := range base.Polygons {
			for _, ring := range poly {
				for _, p := range ring {
					grow(p, 0)
				}
			}
		}
	}
	cell := math.Max(radius/6, math.Max(x1-x0, y1-y0)/maxPaintSide)
	x0, y0 = x0-cell, y0-cell // a border of empty cells: every outline closes
	w, h := int((x1-x0)/cell)+2, int((y1-y0)/cell)+2
	r := &raster{w: w, h: h, x0: x0, y0: y0, cell: cell, set: make([]bool, w*h)}
	if base != nil {
		r.fill(base)
	}
	for i := range stroke {
		a, b := stroke[i], stroke[i]
		if i > 0 {
			a = stroke[i-1]
		}
		r.stamp(a, b, radius, set)
	}
	return r.outline(), nil
}

// raster is the painted region: cell (x, y) covers level-0 pixels
// [x0 + x·cell, x0 + (x+1)·cell) × [y0 + y·cell, …).
type raster struct {
	w, h         int
	x0, y0, cell float64
	set          []bool
}

// fill sets the cells whose centres lie inside g's polygons (even-odd per
// polygon, so holes stay empty), a scanline at a time.
func (r *raster) fill(g *Geometry) {
	var xs []float64
	for _, poly := range g.Polygons {
		for y := 0; y < r.h; y++ {
			cy := r.y0 + (float64(y)+0.5)*r.cell
			xs = xs[:0]
			for _, ring := range poly {
				for i := 0; i+1 < len(ring); i++ {
					a, b := ring[i], ring[i+1]
					if (a.Y <= cy) != (b.Y <= cy) {
						xs = append(xs, a.X+(cy-a.Y)/(b.Y-a.Y)*(b.X-a.X))
					}
				}
			}
			sort.Float64s(xs)
			for k := 0; k+1 < len(xs); k += 2 {
				from := int(math.Ceil((xs[k]-r.x0)/r.cell - 0.5))
				to := int(math.Floor((xs[k+1]-r.x0)/r.cell - 0.5))
				for x := max(from, 0); x <= min(to, r.w-1); x++ {
					r.set[y*r.w+x] = true
				}
			}
		}
	}
}

// stamp sets (or clears) the cells whose centres lie within radius of the
// segment a–b.
func (r *raster) stamp(a, b Point, radius float64, set bool) {
	cx0 := max(0, int((math.Min(a.X, b.X)-radius-r.x0)/r.cell))
	cx1 := min(r.w-1, int((math.Max(a.X, b.X)+radius-r.x0)/r.cell))
	cy0 := max(0, int((math.Min(a.Y, b.Y)-radius-r.y0)/r.cell))
	cy1 := min(r.h-1, int((math.Max(a.Y, b.Y)+radius-r.y0)/r.cell))
	for y := cy0; y <= cy1; y++ {
		for x := cx0; x <= cx1; x++ {
			c := Point{X: r.x0 + (float64(x)+0.5)*r.cell, Y: r.y0 + (float64(y)+0.5)*r.cell}
			if SegmentDistance(c, a, b) <= radius {
				r.set[y*r.w+x] = set
			}
		}
	}
}

// outline traces the boundaries between set and empty cells into rings:
// directed cell edges with the set cell on their left, linked at each
// corner (turning left first where two set cells touch only diagonally,
// so regions are 4-connected), simplified, then each hole put in the
// outer ring around it.
func (r *raster) outline() Geometry {
	type vtx struct{ x, y int }
	type edge struct{ from, to vtx }
	var edges []edge
	out := map[vtx][]int{}
	add := func(a, b vtx) {
		out[a] = append(out[a], len(edges))
		edges = append(edges, edge{a, b})
	}
	at := func(x, y int) bool { return x >= 0 && y >= 0 && x < r.w && y < r.h && r.set[y*r.w+x] }
	for y := 0; y < r.h; y++ {
		for x := 0; x < r.w; x++ {
			if !at(x, y) {
				continue
			}
			if !at(x, y-1) {
				add(vtx{x + 1, y}, vtx{x, y})
			}
			if !at(x-1, y) {
				add(vtx{x, y}, vtx{x, y + 1})
			}
			if !at(x, y+1) {
				add(vtx{x, y + 1}, vtx{x + 1, y + 1})
			}
			if !at(x+1, y) {
				add(vtx{x + 1, y + 1}, vtx{x + 1, y})
			}
		}
	}
	used := make([]bool, len(edges))
	var outers, holes [][]Point
	for start := range edges {
		if used[start] {
			continue
		}
		var loop []vtx
		e := start
		for !used[e] {
			used[e] = true
			loop = append(loop, edges[e].from)
			dx, dy := edges[e].to.x-edges[e].from.x, edges[e].to.y-edges[e].from.y
			next, best := -1, 3
			for _, k := range out[edges[e].to] {
				if used[k] {
					continue
				}
				ox, oy := edges[k].to.x-edges[k].from.x, edges[k].to.y-edges[k].from.y
				rank := 1 // straight on
				switch {
				case ox == dy && oy == -dx:
					rank = 0 // left (y points down)
				case ox == -dy && oy == dx:
					rank = 2 // right
				}
				if rank < best {
					next, best = k, rank
				}
			}
			if next < 0 {
				break
			}
			e = next
		}
		ring := make([]Point, 0, len(loop)+1)
		for _, v := range loop {
			ring = append(ring, Point{X: r.x0 + float64(v.x)*r.cell, Y: r.y0 + float64(v.y)*r.cell})
		}
		ring = simplifyRing(ring, r.cell)
		if len(ring) < 4 {
			continue
		}
		if shoelace(ring) < 0 { // set cells on the left, y down: an outer boundary
			outers = append(outers, ring)
		} else {
			holes = append(holes, ring)
		}
	}
	g := Geometry{Type: Polygon}
	for _, o := range outers {
		g.Polygons = append(g.Polygons, [][]Point{o})
	}
	for _, hole := range holes {
		for k := range g.Polygons {
			if ringContains(g.Polygons[k][0], hole[0]) || ringContains(g.Polygons[k][0], midpoint(hole)) {
				g.Polygons[k] = append(g.Polygons[k], hole)
				break
			}
		}
	}
	if len(g.Polygons) > 1 {
		g.Type = MultiPolygon
	}
	return g
}

// midpoint is the middle of a ring's first edge (a hole's first corner can
// lie on its outer ring's boundary; the middle of its edge does not).
func midpoint(ring []Point) Point {
	return Point{X: (ring[0].X + ring[1].X) / 2, Y: (ring[0].Y + ring[1].Y) / 2}
}

// simplifyRing closes ring (a list of corners) after dropping the corners
// within tol of the line through their neighbours (Douglas–Peucker, the
// ring split at its first corner and the corner farthest from it).
func simplifyRing(ring []Point, tol float64) []Point {
	if len(ring) < 4 {
		return nil
	}
	far, farD := 0, -1.0
	for i, p := range ring {
		if d := math.Hypot(p.X-ring[0].X, p.Y-ring[0].Y); d > farD {
			far, farD = i, d
		}
	}
	closed := append(append([]Point(nil), ring...), ring[0])
	a := douglasPeucker(closed[:far+1], tol)
	b := douglasPeucker(closed[far:], tol)
	out := append(a, b[1:]...)
	if len(out) < 4 {
		return nil
	}
	return out
}

// douglasPeucker keeps a polyline's ends and the corners farther than tol
// from the simplified line.
func douglasPeucker(ps []Point, tol float64) []Point {
	if len(ps) <= 2 {
		return append([]Point(nil), ps...)
	}
	idx, dmax := 0, -1.0
	for i := 1; i < len(ps)-1; i++ {
		if d := SegmentDistance(ps[i], ps[0], ps[len(ps)-1]); d > dmax {
			idx, dmax = i, d
		}
	}
	if dmax <= tol {
		return []Point{ps[0], ps[len(ps)-1]}
	}
	left := douglasPeucker(ps[:idx+1], tol)
	right := douglasPeucker(ps[idx:], tol)
	return append(left, right[1:]...)
}

package annotate

import (
	"fmt"
	"math"

	"tessera/annotation"
	"tessera/viewer"
)

// The move tool (V): drag a corner of a polygon or a point of a line to
// move it, or drag inside an annotation to move it whole; a click selects
// the annotation under the pointer in the Annotations tab; a double click
// on an edge adds a corner there, on a corner removes it (a ring keeps at
// least three corners, a line two). One drag or double click is one undo
// step. Locked annotations (isLocked, e.g. AI evidence) do not change.
// UI goroutine only.
type moveTool struct {
	a     *Tools
	drags int // counts drags: each is its own undo step

	feature int                // the annotation being moved; -1 when none
	orig    annotation.Feature // as it was when the drag started
	start   viewer.Level0Point
	vertex  *vertexRef // nil: the whole annotation moves
}

// vertexRef is one vertex: a polygon ring's (poly, ring ≥ 0) or the line's
// (poly = -1).
type vertexRef struct{ poly, ring, index int }

func (a *Tools) ToggleMove() {
	var notice string
	on := a.move != nil
	a.StopTools()
	if on {
		notice = "Move off"
	} else {
		a.move = &moveTool{a: a, feature: -1}
		a.view.Tool = a.move
		notice = "Move: drag a corner or the whole annotation; double click an edge to add a corner, a corner to remove it; Esc stops"
	}
	a.host.Say(notice)
}

func (m *moveTool) DragStart(p viewer.Level0Point) {
	m.feature, m.vertex = -1, nil
	fs := m.a.Current().Features
	pt := annotation.Point{X: p.X, Y: p.Y}
	tol := 6 * m.a.view.Viewport().Downsample
	for i := len(fs) - 1; i >= 0 && m.feature < 0; i-- {
		if fs[i].Locked {
			continue
		}
		if v := nearestVertex(&fs[i].Geometry, pt, tol); v != nil {
			m.feature, m.vertex = i, v
		}
	}
	for i := len(fs) - 1; i >= 0 && m.feature < 0; i-- {
		if !fs[i].Locked && fs[i].Geometry.Near(pt, tol) {
			m.feature = i
		}
	}
	if m.feature >= 0 {
		m.orig, m.start = fs[m.feature], p
		m.drags++
	}
}

func (m *moveTool) DragMove(p viewer.Level0Point) {
	if m.feature < 0 || m.feature >= len(m.a.Current().Features) {
		return
	}
	dx, dy := p.X-m.start.X, p.Y-m.start.Y
	next, _, _ := m.a.reshaped(m.orig, m.feature, moved(m.orig.Geometry, m.vertex, dx, dy))
	m.a.changeAs(next, fmt.Sprintf("move drag %d", m.drags))
}

func (m *moveTool) DragEnd(p viewer.Level0Point) {
	if m.feature < 0 {
		return
	}
	m.DragMove(p)
	what := "Moved the annotation"
	if m.vertex != nil {
		what = "Moved a corner"
	}
	m.a.host.Say(what + " (Ctrl+Z undoes)")
	m.feature = -1
}

func (m *moveTool) Tap(p viewer.Level0Point) {
	fs := m.a.Current().Features
	pt := annotation.Point{X: p.X, Y: p.Y}
	tol := 4 * m.a.view.Viewport().Downsample
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i].Geometry.Near(pt, tol) {
			m.a.list.list.Select(i)
			return
		}
	}
}

// DoubleTap removes the corner under the pointer or, on an edge, adds one
// there.
func (m *moveTool) DoubleTap(p viewer.Level0Point) {
	fs := m.a.Current().Features
	pt := annotation.Point{X: p.X, Y: p.Y}
	tol := 6 * m.a.view.Viewport().Downsample
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i].Locked {
			continue
		}
		v := nearestVertex(&fs[i].Geometry, pt, tol)
		g, what := withoutCorner(fs[i].Geometry, v)
		if v != nil && what == "" {
			m.a.host.Say("A shape keeps at least three corners, a line two points")
			return
		}
		if what == "" {
			g, what = withCorner(fs[i].Geometry, pt, tol)
		}
		if what == "" {
			continue
		}
		next, _, _ := m.a.reshaped(fs[i], i, g)
		m.a.change(next)
		m.a.host.Say(what + " (Ctrl+Z undoes)")
		return
	}
	m.Tap(p)
}

// withoutCorner is g without vertex v, and what was done; "" (and g
// unchanged) when v is nil or the shape would fall below three corners (a
// ring) or two points (a line).
func withoutCorner(g annotation.Geometry, v *vertexRef) (annotation.Geometry, string) {
	if v == nil {
		return g, ""
	}
	out := cloneGeometry(g)
	if v.poly < 0 {
		if len(out.Line) <= 2 {
			return g, ""
		}
		out.Line = append(out.Line[:v.index:v.index], out.Line[v.index+1:]...)
		return out, "Removed a point"
	}
	ring := out.Polygons[v.poly][v.ring]
	if len(ring) <= 4 { // closed: three corners and the repeated first
		return g, ""
	}
	last := len(ring) - 1
	if v.index == 0 || v.index == last {
		ring = append(ring[1:last:last], ring[1]) // the second corner becomes the first
	} else {
		ring = append(ring[:v.index:v.index], ring[v.index+1:]...)
	}
	out.Polygons[v.poly][v.ring] = ring
	return out, "Removed a corner"
}

// withCorner is g with a corner added on the edge nearest p, when one is
// within tol (level-0 pixels), and what was done; "" otherwise.
func withCorner(g annotation.Geometry, p annotation.Point, tol float64) (annotation.Geometry, string) {
	type edge struct{ poly, ring, after int } // poly -1: the line
	best, bestD := edge{}, tol
	found := false
	try := func(e edge, a, b annotation.Point) {
		if d := annotation.SegmentDistance(p, a, b); d <= bestD {
			best, bestD, found = e, d, true
		}
	}
	for k, poly := range g.Polygons {
		for r, ring := range poly {
			for j := 0; j+1 < len(ring); j++ {
				try(edge{k, r, j}, ring[j], ring[j+1])
			}
		}
	}
	for j := 0; j+1 < len(g.Line); j++ {
		try(edge{-1, 0, j}, g.Line[j], g.Line[j+1])
	}
	if !found {
		return g, ""
	}
	out := cloneGeometry(g)
	insert := func(ps []annotation.Point) []annotation.Point {
		ps = append(ps[:best.after+1:best.after+1], append([]annotation.Point{p}, ps[best.after+1:]...)...)
		return ps
	}
	if best.poly < 0 {
		out.Line = insert(out.Line)
		return out, "Added a point"
	}
	out.Polygons[best.poly][best.ring] = insert(out.Polygons[best.poly][best.ring])
	return out, "Added a corner"
}

// cloneGeometry copies g's point lists so that edits leave g (kept for
// undo) alone.
func cloneGeometry(g annotation.Geometry) annotation.Geometry {
	return moved(g, nil, 0, 0)
}

// nearestVertex finds a vertex of g within tol of p.
func nearestVertex(g *annotation.Geometry, p annotation.Point, tol float64) *vertexRef {
	best, bestD := (*vertexRef)(nil), tol
	for k, poly := range g.Polygons {
		for r, ring := range poly {
			for j, q := range ring {
				if d := math.Hypot(q.X-p.X, q.Y-p.Y); d <= bestD {
					best, bestD = &vertexRef{k, r, j}, d
				}
			}
		}
	}
	for j, q := range g.Line {
		if d := math.Hypot(q.X-p.X, q.Y-p.Y); d <= bestD {
			best, bestD = &vertexRef{-1, 0, j}, d
		}
	}
	return best
}

// moved is g with one vertex (v) or everything (v nil) moved by dx, dy; a
// ring's first and last points (the same corner) move together.
func moved(g annotation.Geometry, v *vertexRef, dx, dy float64) annotation.Geometry {
	out := annotation.Geometry{Type: g.Type, Plane: g.Plane}
	shift := func(q annotation.Point) annotation.Point { return annotation.Point{X: q.X + dx, Y: q.Y + dy} }
	for k, poly := range g.Polygons {
		np := make([][]annotation.Point, len(poly))
		for r, ring := range poly {
			nr := append([]annotation.Point(nil), ring...)
			for j := range nr {
				last := len(nr) - 1
				if v == nil || (v.poly == k && v.ring == r && (j == v.index || (v.index == 0 && j == last) || (v.index == last && j == 0))) {
					nr[j] = shift(nr[j])
				}
			}
			np[r] = nr
		}
		out.Polygons = append(out.Polygons, np)
	}
	out.Line = append([]annotation.Point(nil), g.Line...)
	for j := range out.Line {
		if v == nil || (v.poly == -1 && v.index == j) {
			out.Line[j] = shift(out.Line[j])
		}
	}
	out.Points = append([]annotation.Point(nil), g.Points...)
	if v == nil {
		for j := range out.Points {
			out.Points[j] = shift(out.Points[j])
		}
	}
	return out
}

var _ viewer.PointerTool = (*moveTool)(nil)

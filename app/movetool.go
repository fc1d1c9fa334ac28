package app

import (
	"fmt"
	"math"

	"tessera/annotation"
	"tessera/viewer"
)

// The move tool (V): drag a corner of a polygon or a point of a line to
// move it, or drag inside an annotation to move it whole; a click selects
// the annotation under the pointer in the Annotations tab. One drag is one
// undo step. Locked annotations (isLocked, e.g. AI evidence) do not move.
// UI goroutine only.
type moveTool struct {
	a     *annotations
	drags int // counts drags: each is its own undo step

	feature int                // the annotation being moved; -1 when none
	orig    annotation.Feature // as it was when the drag started
	start   viewer.Level0Point
	vertex  *vertexRef // nil: the whole annotation moves
}

// vertexRef is one vertex: a polygon ring's (poly, ring ≥ 0) or the line's
// (poly = -1).
type vertexRef struct{ poly, ring, index int }

func (a *annotations) toggleMove() {
	on := a.move != nil
	a.stopTools()
	if on {
		a.p.notice = "Move off"
	} else {
		a.move = &moveTool{a: a, feature: -1}
		a.p.view.Tool = a.move
		a.p.notice = "Move: drag a corner to move it, or inside an annotation to move it whole; a click selects; Esc stops"
	}
	a.p.updateStatus()
}

func (m *moveTool) DragStart(p viewer.Level0Point) {
	m.feature, m.vertex = -1, nil
	fs := m.a.current().Features
	pt := annotation.Point{X: p.X, Y: p.Y}
	tol := 6 * m.a.p.view.Viewport().Downsample
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
	if m.feature < 0 || m.feature >= len(m.a.current().Features) {
		return
	}
	dx, dy := p.X-m.start.X, p.Y-m.start.Y
	f := m.orig
	f.Geometry = moved(m.orig.Geometry, m.vertex, dx, dy)
	if len(f.Geometry.Polygons) > 0 { // keep the measurements true
		area, perimeter, unit := m.a.measure(&f.Geometry)
		f.Measurements = remeasure(m.orig.Measurements, unit, area, perimeter)
	}
	next := append([]annotation.Feature(nil), m.a.current().Features...)
	next[m.feature] = f
	m.a.changeAs(&annotation.Collection{Features: next}, fmt.Sprintf("move drag %d", m.drags))
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
	m.a.p.notice = what + " (Ctrl+Z undoes)"
	m.a.p.updateStatus()
	m.feature = -1
}

func (m *moveTool) Tap(p viewer.Level0Point) {
	fs := m.a.current().Features
	pt := annotation.Point{X: p.X, Y: p.Y}
	tol := 4 * m.a.p.view.Viewport().Downsample
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i].Geometry.Near(pt, tol) {
			m.a.list.list.Select(i)
			return
		}
	}
}

func (m *moveTool) DoubleTap(p viewer.Level0Point) { m.Tap(p) }

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
	out := annotation.Geometry{Type: g.Type}
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

// remeasure updates the area and perimeter measurements Tessera wrote;
// other measurements (another tool's) are kept as they were.
func remeasure(ms []annotation.Measurement, unit string, area, perimeter float64) []annotation.Measurement {
	out := append([]annotation.Measurement(nil), ms...)
	for i := range out {
		switch out[i].Name {
		case "Area " + unit + "^2":
			out[i].Value = area
		case "Perimeter " + unit:
			out[i].Value = perimeter
		}
	}
	return out
}

var _ viewer.PointerTool = (*moveTool)(nil)

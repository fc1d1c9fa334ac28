package app

import (
	"math"

	"tessera/viewer"
)

// similarity maps a point z (as x + iy) to w·z + t with w = a + ib: a
// rotation by atan2(b, a), a scale by |w| and a translation (tx, ty), in
// the coordinates it is given (µm, or pixels for uncalibrated slides).
type similarity struct{ a, b, tx, ty float64 }

// identity leaves every point where it is.
var identity = similarity{a: 1}

func (s similarity) apply(p viewer.Level0Point) viewer.Level0Point {
	return viewer.Level0Point{X: s.a*p.X - s.b*p.Y + s.tx, Y: s.b*p.X + s.a*p.Y + s.ty}
}

// inverse undoes s; s must have a non-zero scale.
func (s similarity) inverse() similarity {
	n := s.a*s.a + s.b*s.b
	a, b := s.a/n, -s.b/n // 1/w
	return similarity{a: a, b: b, tx: -(a*s.tx - b*s.ty), ty: -(b*s.tx + a*s.ty)}
}

func (s similarity) scale() float64 { return math.Hypot(s.a, s.b) }

// degrees is the rotation, clockwise on screen (y points down), in (−180, 180].
func (s similarity) degrees() float64 { return math.Atan2(s.b, s.a) * 180 / math.Pi }

// quarterTurns is the rotation to the nearest quarter turn (0–3).
func (s similarity) quarterTurns() int {
	return ((int(math.Round(s.degrees()/90)))%4 + 4) % 4
}

// fromLandmarks is the similarity taking p1 to q1 and p2 to q2; ok is false
// when p1 and p2 (or q1 and q2) are the same point.
func fromLandmarks(p1, q1, p2, q2 viewer.Level0Point) (similarity, bool) {
	dpx, dpy := p2.X-p1.X, p2.Y-p1.Y
	dqx, dqy := q2.X-q1.X, q2.Y-q1.Y
	n := dpx*dpx + dpy*dpy
	if n == 0 || dqx*dqx+dqy*dqy == 0 {
		return similarity{}, false
	}
	// w = dq / dp (complex division)
	a := (dqx*dpx + dqy*dpy) / n
	b := (dqy*dpx - dqx*dpy) / n
	s := similarity{a: a, b: b}
	o := s.apply(p1)
	s.tx, s.ty = q1.X-o.X, q1.Y-o.Y
	return s, true
}

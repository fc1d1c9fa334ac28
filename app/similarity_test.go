package app

import (
	"math"
	"testing"

	"tessera/viewer"
)

func TestSimilarity(t *testing.T) {
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	turn := func(deg, scale, tx, ty float64) similarity {
		r := deg * math.Pi / 180
		return similarity{a: scale * math.Cos(r), b: scale * math.Sin(r), tx: tx, ty: ty}
	}
	for _, c := range []struct {
		deg, scale float64
		turns      int
	}{{0, 1, 0}, {30, 0.8, 0}, {46, 2, 1}, {-91, 1.2, 3}, {180, 1, 2}, {-134, 1, 3}, {136, 1, 2}} {
		s := turn(c.deg, c.scale, 12, -7)
		p1, p2 := viewer.Level0Point{X: 10, Y: 20}, viewer.Level0Point{X: -40, Y: 70}
		got, ok := fromLandmarks(p1, s.apply(p1), p2, s.apply(p2))
		if !ok || !near(got.a, s.a) || !near(got.b, s.b) || !near(got.tx, s.tx) || !near(got.ty, s.ty) {
			t.Errorf("%v° ×%v: landmarks gave %+v, want %+v", c.deg, c.scale, got, s)
		}
		if !near(s.degrees(), c.deg) && !near(math.Abs(s.degrees()), 180) || !near(s.scale(), c.scale) || s.quarterTurns() != c.turns {
			t.Errorf("%v° ×%v: degrees %v scale %v turns %d, want %d", c.deg, c.scale, s.degrees(), s.scale(), s.quarterTurns(), c.turns)
		}
		back := s.inverse().apply(s.apply(p2))
		if !near(back.X, p2.X) || !near(back.Y, p2.Y) {
			t.Errorf("%v°: inverse gave %+v for %+v", c.deg, back, p2)
		}
	}
	// A point turned 90° clockwise on screen (y down): right becomes down.
	if q := turn(90, 1, 0, 0).apply(viewer.Level0Point{X: 1, Y: 0}); !near(q.X, 0) || !near(q.Y, 1) {
		t.Errorf("90°: (1, 0) → %+v, want (0, 1)", q)
	}
	if _, ok := fromLandmarks(viewer.Level0Point{X: 1, Y: 1}, viewer.Level0Point{}, viewer.Level0Point{X: 1, Y: 1}, viewer.Level0Point{X: 5}); ok {
		t.Error("two landmarks at the same point were accepted")
	}
}

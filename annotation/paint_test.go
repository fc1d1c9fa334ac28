package annotation

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Brush strokes: a line becomes a capsule of the right area; painted onto
// a square it joins it when they touch and stays apart (a MultiPolygon)
// when not; a closed circle of paint leaves a hole; everything painted is
// inside the result and nothing far from it.
func TestPaint(t *testing.T) {
	near := func(got, want, rel float64) bool { return math.Abs(got-want) <= rel*want }
	line := []Point{{0, 0}, {50, 0}, {100, 0}}
	g, err := Paint(nil, line, 10)
	if err != nil || g.Type != Polygon || len(g.Polygons) != 1 || len(g.Polygons[0]) != 1 {
		t.Fatalf("line: %v %+v", err, g)
	}
	if a := g.Area(); !near(a, 100*20+math.Pi*100, 0.05) {
		t.Errorf("capsule area %.0f, want %.0f", a, 100*20+math.Pi*100)
	}
	for _, p := range []Point{{0, 0}, {100, 0}, {50, 9}, {-9, 0}} {
		if !g.Contains(p) {
			t.Errorf("%v is painted but not inside", p)
		}
	}
	for _, p := range []Point{{50, 13}, {115, 0}} {
		if g.Contains(p) {
			t.Errorf("%v is inside but was not painted", p)
		}
	}
	square := Geometry{Type: Polygon, Polygons: [][][]Point{{{{0, 0}, {100, 0}, {100, 100}, {0, 100}, {0, 0}}}}}
	joined, _ := Paint(&square, []Point{{100, 50}, {140, 50}}, 10)
	if joined.Type != Polygon || len(joined.Polygons) != 1 || !near(joined.Area(), 10000+40*20+math.Pi*50, 0.03) || !joined.Contains(Point{135, 50}) || !joined.Contains(Point{5, 5}) {
		t.Errorf("stroke touching the square: %s, area %.0f", joined.Type, joined.Area())
	}
	apart, _ := Paint(&square, []Point{{300, 50}, {340, 50}}, 10)
	if apart.Type != MultiPolygon || len(apart.Polygons) != 2 {
		t.Errorf("stroke apart from the square: %s with %d polygons", apart.Type, len(apart.Polygons))
	}
	var circle []Point
	for k := 0; k <= 64; k++ {
		a := 2 * math.Pi * float64(k) / 64
		circle = append(circle, Point{500 + 50*math.Cos(a), 500 + 50*math.Sin(a)})
	}
	ring, _ := Paint(nil, circle, 8)
	if len(ring.Polygons) != 1 || len(ring.Polygons[0]) != 2 || ring.Contains(Point{500, 500}) || !ring.Contains(Point{550, 500}) {
		t.Errorf("a closed stroke: %d polygons, %d rings; centre inside %v", len(ring.Polygons), len(ring.Polygons[0]), ring.Contains(Point{500, 500}))
	}
	if want := math.Pi * (58*58 - 42*42); !near(ring.Area(), want, 0.05) {
		t.Errorf("annulus area %.0f, want %.0f", ring.Area(), want)
	}
	if _, err := Paint(nil, nil, 5); err == nil {
		t.Error("an empty stroke was painted")
	}
}

// Random strokes over random squares: every stroke point ends up inside.
func TestPaintRandomStrokes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 0; n < 60; n++ {
		var stroke []Point
		for k := 0; k < 2+r.IntN(30); k++ {
			stroke = append(stroke, Point{r.Float64() * 400, r.Float64() * 400})
		}
		s := 50 + r.Float64()*100
		base := Geometry{Type: Polygon, Polygons: [][][]Point{{{{100, 100}, {100 + s, 100}, {100 + s, 100 + s}, {100, 100 + s}, {100, 100}}}}}
		radius := 3 + r.Float64()*20
		g, err := Paint(&base, stroke, radius)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range append(stroke, Point{100 + s/2, 100 + s/2}) {
			if !g.Contains(p) {
				t.Fatalf("stroke %d (radius %.1f): %v not inside the result", n, radius, p)
			}
		}
	}
}

// The eraser: a stroke across a square cuts it in two; one inside it
// leaves a hole; one over all of it leaves nothing.
func TestErase(t *testing.T) {
	square := Geometry{Type: Polygon, Polygons: [][][]Point{{{{0, 0}, {100, 0}, {100, 100}, {0, 100}, {0, 0}}}}}
	cut, err := Erase(square, []Point{{50, -20}, {50, 120}}, 10)
	if err != nil || cut.Type != MultiPolygon || len(cut.Polygons) != 2 || cut.Contains(Point{50, 50}) || !cut.Contains(Point{20, 50}) {
		t.Fatalf("cut across: %v %s with %d polygons", err, cut.Type, len(cut.Polygons))
	}
	if a := cut.Area(); math.Abs(a-(10000-2000)) > 400 {
		t.Errorf("cut area %.0f, want about 8000", a)
	}
	holed, _ := Erase(square, []Point{{40, 50}, {60, 50}}, 10)
	if len(holed.Polygons) != 1 || len(holed.Polygons[0]) != 2 || holed.Contains(Point{50, 50}) {
		t.Errorf("erased inside: %d polygons, %d rings", len(holed.Polygons), len(holed.Polygons[0]))
	}
	gone, _ := Erase(square, []Point{{-50, 50}, {150, 50}}, 80)
	if len(gone.Polygons) != 0 {
		t.Errorf("erased whole: %d polygons left", len(gone.Polygons))
	}
}

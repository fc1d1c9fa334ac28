package viewer

import (
	"image"
	"testing"

	"tessera/slide"
)

func pyramid() TileGrid {
	return TileGrid{Levels: []slide.Level{
		{Width: 30000, Height: 28000, Downsample: 1},
		{Width: 7500, Height: 7000, Downsample: 4},
		{Width: 1875, Height: 1750, Downsample: 16},
		{Width: 468, Height: 437, Downsample: 64.1},
	}}
}

func TestPixelSizeAtEdges(t *testing.T) {
	g := pyramid()
	if w, h := g.PixelSize(TileKey{Level: 3, Col: 1, Row: 1}); w != 468-256 || h != 437-256 {
		t.Errorf("edge tile %d×%d", w, h)
	}
	if g.Columns(0) != 118 || g.Rows(0) != 110 {
		t.Errorf("grid %d×%d", g.Columns(0), g.Rows(0))
	}
}

func TestBestLevel(t *testing.T) {
	g := pyramid()
	for _, c := range []struct {
		ds   float64
		want int
	}{{0.5, 0}, {1, 0}, {3.9, 0}, {4, 1}, {15.9, 1}, {20, 2}, {64.1, 3}, {500, 3}} {
		v := Viewport{Downsample: c.ds}
		if got := g.BestLevel(v); got != c.want {
			t.Errorf("ds %v: level %d, want %d", c.ds, got, c.want)
		}
	}
}

// Neighbouring tiles must share snapped edges exactly at any fractional view.
func TestDeviceRectsTileWithoutSeams(t *testing.T) {
	g := pyramid()
	for _, ds := range []float64{0.37, 1, 1.7, 3.3, 5.55} {
		v := Viewport{Center: Level0Point{12345.67, 9876.54}, Downsample: ds, Width: 1917, Height: 1083, SlideW: 30000, SlideH: 28000}
		level := g.BestLevel(v)
		c0, r0, c1, r1 := g.VisibleRange(level, v)
		for r := r0; r < r1; r++ {
			for c := c0; c < c1; c++ {
				k := TileKey{Level: level, Col: c, Row: r}
				a := g.DeviceRect(k, v)
				right := g.DeviceRect(TileKey{Level: level, Col: c + 1, Row: r}, v)
				below := g.DeviceRect(TileKey{Level: level, Col: c, Row: r + 1}, v)
				if c+1 < g.Columns(level) && a.Max.X != right.Min.X {
					t.Fatalf("ds %v: seam between %v and its right neighbour: %v vs %v", ds, k, a, right)
				}
				if r+1 < g.Rows(level) && a.Max.Y != below.Min.Y {
					t.Fatalf("ds %v: seam between %v and the tile below: %v vs %v", ds, k, a, below)
				}
			}
		}
	}
}

func TestVisibleRangeCoversView(t *testing.T) {
	g := pyramid()
	v := Viewport{Center: Level0Point{15000, 14000}, Downsample: 2, Width: 1920, Height: 1080, SlideW: 30000, SlideH: 28000}
	c0, r0, c1, r1 := g.VisibleRange(0, v)
	union := image.Rectangle{}
	for r := r0; r < r1; r++ {
		for c := c0; c < c1; c++ {
			union = union.Union(g.DeviceRect(TileKey{Level: 0, Col: c, Row: r}, v))
		}
	}
	if !image.Rect(0, 0, 1920, 1080).In(union) {
		t.Errorf("visible tiles cover %v, not the whole view", union)
	}
	if (c1-c0)*(r1-r0) > (1920*2/256+2)*(1080*2/256+2) {
		t.Errorf("too many tiles: %d", (c1-c0)*(r1-r0))
	}
}

func TestPlanWantsBaseFirstThenCentreOut(t *testing.T) {
	g := pyramid()
	v := Viewport{Center: Level0Point{15000, 14000}, Downsample: 1.5, Width: 1920, Height: 1080, SlideW: 30000, SlideH: 28000}
	plan := g.PlanView(v, 7, func(TileKey) (*image.RGBA, bool) { return nil, false })
	if plan.Best != 0 || len(plan.Draw) != 0 {
		t.Fatalf("best %d, draw %d", plan.Best, len(plan.Draw))
	}
	if plan.Want[0].Level != 3 {
		t.Errorf("first load is level %d, want the base level 3", plan.Want[0].Level)
	}
	var last float64 = -1
	for _, k := range plan.Want {
		if k.Slide != 7 {
			t.Fatalf("key %v lacks the slide id", k)
		}
		if k.Level == 0 {
			d := g.distance2(k, v.Center)
			if d < last {
				t.Fatalf("level-0 loads not ordered by distance to centre")
			}
			last = d
		} else if k.Level != 3 {
			t.Errorf("intermediate level %d requested", k.Level)
		}
	}
}

// With only the base level loaded the view is still fully covered (no holes),
// and finer tiles are drawn after (on top of) coarser ones.
func TestPlanDrawsBaseUnderFinerTiles(t *testing.T) {
	g := pyramid()
	v := Viewport{Center: Level0Point{15000, 14000}, Downsample: 1.5, Width: 1920, Height: 1080, SlideW: 30000, SlideH: 28000}
	tile := image.NewRGBA(image.Rect(0, 0, 1, 1))
	loaded := func(k TileKey) (*image.RGBA, bool) {
		if k.Level == 3 || (k.Level == 0 && k.Col%2 == 0) {
			return tile, false
		}
		return nil, false
	}
	plan := g.PlanView(v, 1, loaded)
	union := image.Rectangle{}
	seenFine := false
	for _, d := range plan.Draw {
		if d.Key.Level == 3 {
			if seenFine {
				t.Fatal("a base tile is drawn over a finer tile")
			}
			union = union.Union(d.Rect)
		} else {
			seenFine = true
		}
	}
	if !image.Rect(0, 0, 1920, 1080).In(union) {
		t.Errorf("base tiles cover %v only: holes in the view", union)
	}
	for _, k := range plan.Want {
		if k.Level == 0 && k.Col%2 == 0 {
			t.Fatalf("loaded tile %v requested again", k)
		}
	}
}

func TestPlanSkipsFailedTiles(t *testing.T) {
	g := pyramid()
	v := NewViewport(30000, 28000, 800, 600)
	plan := g.PlanView(v, 1, func(TileKey) (*image.RGBA, bool) { return nil, true })
	if !plan.Complete() {
		t.Errorf("failed tiles are asked for again: %v", plan.Want)
	}
}

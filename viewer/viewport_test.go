package viewer

import (
	"math"
	"testing"
)

const eps = 1e-9

func TestViewportRoundTrip(t *testing.T) {
	v := Viewport{Center: Level0Point{5000, 3000}, Downsample: 3.7, Width: 1920, Height: 1080, SlideW: 10000, SlideH: 8000}
	for _, p := range []Level0Point{{0, 0}, {5000, 3000}, {123.4, 7777.7}} {
		q := v.DeviceToLevel0(v.Level0ToDevice(p))
		if math.Abs(q.X-p.X) > eps || math.Abs(q.Y-p.Y) > eps {
			t.Errorf("round trip %v → %v", p, q)
		}
	}
	if d := v.Level0ToDevice(v.Center); d.X != 960 || d.Y != 540 {
		t.Errorf("centre maps to %v, want the view centre", d)
	}
}

func TestFitShowsWholeSlide(t *testing.T) {
	v := NewViewport(30000, 28000, 1920, 1080)
	a, b := v.VisibleLevel0()
	if a.X > 0 || a.Y > 0 || b.X < 30000 || b.Y < 28000 {
		t.Errorf("fit view %v–%v does not contain the slide", a, b)
	}
	if math.Abs(v.Downsample-28000.0/1080) > eps {
		t.Errorf("fit downsample %v", v.Downsample)
	}
}

func TestZoomAroundKeepsAnchorFixed(t *testing.T) {
	v := NewViewport(10000, 10000, 800, 600)
	anchor := DevicePoint{100, 450}
	before := v.DeviceToLevel0(anchor)
	v.ZoomAround(v.Downsample/4, anchor)
	after := v.DeviceToLevel0(anchor)
	if math.Abs(before.X-after.X) > 1e-6 || math.Abs(before.Y-after.Y) > 1e-6 {
		t.Errorf("anchor moved from %v to %v", before, after)
	}
}

func TestZoomLimits(t *testing.T) {
	v := NewViewport(10000, 10000, 800, 600)
	v.ZoomAround(1e-6, DevicePoint{400, 300})
	if v.Downsample != MinDownsample {
		t.Errorf("zoomed in to %v, limit %v", v.Downsample, MinDownsample)
	}
	v.ZoomAround(1e9, DevicePoint{400, 300})
	if math.Abs(v.Downsample-v.MaxDownsample()) > eps {
		t.Errorf("zoomed out to %v, limit %v", v.Downsample, v.MaxDownsample())
	}
	v.ZoomAround(math.NaN(), DevicePoint{})
	if math.IsNaN(v.Downsample) {
		t.Error("NaN zoom accepted")
	}
}

func TestPanClampsToSlide(t *testing.T) {
	v := NewViewport(10000, 5000, 800, 600)
	v.PanDevice(1e7, -1e7)
	if v.Center.X != 0 || v.Center.Y != 5000 {
		t.Errorf("centre %v escaped the slide", v.Center)
	}
	v.PanDevice(-10, 0)
	if v.Center.X != 10*v.Downsample {
		t.Errorf("pan right by 10 device px moved centre to %v", v.Center.X)
	}
}

func TestLogLerpDownsample(t *testing.T) {
	if got := LogLerpDownsample(1, 16, 0.5); math.Abs(got-4) > eps {
		t.Errorf("halfway between 1 and 16 in log space: %v, want 4", got)
	}
	if got := LogLerpDownsample(8, 2, 1); math.Abs(got-2) > eps {
		t.Errorf("end %v", got)
	}
}

func TestRotationRoundTripsAndSwapsAxes(t *testing.T) {
	for r := 0; r < 4; r++ {
		v := Viewport{Center: Level0Point{1000, 800}, Downsample: 2, Width: 400, Height: 300, SlideW: 4000, SlideH: 3000, Rotation: r}
		p := Level0Point{1100, 750}
		back := v.DeviceToLevel0(v.Level0ToDevice(p))
		if math.Abs(back.X-p.X) > 1e-9 || math.Abs(back.Y-p.Y) > 1e-9 {
			t.Errorf("rotation %d: %v → %v", r, p, back)
		}
		// A point right of the centre in the slide is right, below, left or above it on screen.
		d := v.Level0ToDevice(Level0Point{1100, 800})
		want := [4]DevicePoint{{250, 150}, {200, 200}, {150, 150}, {200, 100}}[r]
		if math.Abs(d.X-want.X) > 1e-9 || math.Abs(d.Y-want.Y) > 1e-9 {
			t.Errorf("rotation %d: +x of the slide lands at %v, want %v", r, d, want)
		}
		// Dragging moves the slide with the pointer whatever the rotation.
		before := v.Level0ToDevice(p)
		v.PanDevice(10, -5)
		after := v.Level0ToDevice(p)
		if math.Abs(after.X-before.X-10) > 1e-9 || math.Abs(after.Y-before.Y+5) > 1e-9 {
			t.Errorf("rotation %d: a drag of (10,-5) moved the point by (%v,%v)", r, after.X-before.X, after.Y-before.Y)
		}
		// Neighbouring level-0 rectangles share their device edge.
		a := v.Level0RectToDevice(0, 0, 512, 512)
		b := v.Level0RectToDevice(512, 0, 1024, 512)
		if a.Intersect(b).Dx() > 0 && a.Intersect(b).Dy() > 0 || !(a.Max.X == b.Min.X || a.Min.X == b.Max.X || a.Max.Y == b.Min.Y || a.Min.Y == b.Max.Y) {
			t.Errorf("rotation %d: neighbours %v and %v overlap or leave a gap", r, a, b)
		}
	}
	wide := Viewport{Width: 400, Height: 300, SlideW: 4000, SlideH: 1000}
	if wide.FitDownsample() != 10 {
		t.Errorf("unrotated fit %v", wide.FitDownsample())
	}
	wide.Rotation = 1
	if wide.FitDownsample() != 4000.0/300 {
		t.Errorf("a quarter turn fits the slide's width to the view's height: %v", wide.FitDownsample())
	}
}

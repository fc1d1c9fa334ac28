package viewer

import (
	"context"
	"math"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tessera/slide/slidetest"
)

// newTestView shows a synthetic 4000×3000 slide in a 400×300 test window.
func newTestView(t *testing.T) (*SlideView, fyne.Window) {
	t.Helper()
	return newTestViewOf(t, slidetest.New(4000, 3000))
}

func newTestViewOf(t *testing.T, s *slidetest.Synthetic) (*SlideView, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	v := NewSlideView(s, Options{Headless: true, Workers: 2})
	t.Cleanup(v.Close)
	w := test.NewTempWindow(t, v)
	w.SetPadded(false)
	w.Resize(fyne.NewSize(400, 300))
	settle(t, v)
	return v, w
}

func settle(t *testing.T, v *SlideView) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := v.Settle(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSlideViewStartsFitted(t *testing.T) {
	v, _ := newTestView(t)
	vp := v.Viewport()
	if vp.Width != 400 || vp.Height != 300 || math.Abs(vp.Downsample-10) > 1e-9 {
		t.Errorf("viewport %+v, want 400×300 at downsample 10", vp)
	}
}

func TestDragPansWithThePointer(t *testing.T) {
	v, w := newTestView(t)
	v.SetView(Level0Point{2000, 1500}, 2)
	test.Drag(w.Canvas(), fyne.NewPos(200, 150), 30, -20)
	c := v.Viewport().Center
	if math.Abs(c.X-(2000-30*2)) > 1e-6 || math.Abs(c.Y-(1500+20*2)) > 1e-6 {
		t.Errorf("centre %v after dragging (30,-20) at downsample 2, want (1940, 1540)", c)
	}
}

func TestScrollZoomsAroundThePointer(t *testing.T) {
	v, w := newTestView(t)
	v.SetView(Level0Point{2000, 1500}, 4)
	at := fyne.NewPos(100, 80)
	before := v.Viewport().DeviceToLevel0(DevicePoint{100, 80})
	// test.Scroll does not pass the pointer position, so call the handler.
	v.Scrolled(&fyne.ScrollEvent{PointEvent: fyne.PointEvent{Position: at}, Scrolled: fyne.Delta{DY: 2 * wheelNotch}}) // two notches up: zoom in
	vp := v.Viewport()
	if want := 4 / (wheelZoomStep * wheelZoomStep); math.Abs(vp.Downsample-want) > 1e-6 {
		t.Errorf("downsample %v after two notches, want %v", vp.Downsample, want)
	}
	after := vp.DeviceToLevel0(DevicePoint{100, 80})
	if math.Abs(after.X-before.X) > 1e-6 || math.Abs(after.Y-before.Y) > 1e-6 {
		t.Errorf("point under the pointer moved from %v to %v", before, after)
	}
	test.Scroll(w.Canvas(), at, -50, 0) // horizontal: pan
	if got := v.Viewport().Center.X; got <= vp.Center.X {
		t.Errorf("horizontal scroll did not pan: %v → %v", vp.Center.X, got)
	}
}

func TestKeyboardControls(t *testing.T) {
	v, _ := newTestView(t)
	v.SetView(Level0Point{2000, 1500}, 4)
	v.TypedRune('+')
	if ds := v.Viewport().Downsample; math.Abs(ds-2) > 1e-9 {
		t.Errorf("'+' gave downsample %v, want 2", ds)
	}
	v.TypedKey(&fyne.KeyEvent{Name: fyne.KeyRight})
	if c := v.Viewport().Center.X; math.Abs(c-(2000+400*keyPanFrac*2)) > 1e-6 {
		t.Errorf("right arrow moved centre to %v", c)
	}
	v.TypedRune('5') // 20× preset on a 20× slide: downsample 1
	if ds := v.Viewport().Downsample; math.Abs(ds-1) > 1e-9 {
		t.Errorf("'5' (20×) gave downsample %v", ds)
	}
	v.TypedRune('0')
	if ds := v.Viewport().Downsample; math.Abs(ds-10) > 1e-9 {
		t.Errorf("'0' (fit) gave downsample %v", ds)
	}
}

func TestDoubleTapZoomsIn(t *testing.T) {
	v, _ := newTestView(t)
	v.DoubleTapped(&fyne.PointEvent{Position: fyne.NewPos(200, 150)})
	if ds := v.Viewport().Downsample; math.Abs(ds-5) > 1e-9 {
		t.Errorf("double tap gave downsample %v, want 5", ds)
	}
}

func TestCursorReportsLevel0Position(t *testing.T) {
	v, w := newTestView(t)
	var got Level0Point
	var inside bool
	v.OnCursor = func(p Level0Point, in bool) { got, inside = p, in }
	test.MoveMouse(w.Canvas(), fyne.NewPos(200, 150))
	if !inside || math.Abs(got.X-2000) > 1e-6 || math.Abs(got.Y-1500) > 1e-6 {
		t.Errorf("cursor at the view centre reported %v inside=%v", got, inside)
	}
}

// Rendering compared with image masters in testdata/: the fitted view and a
// view zoomed past level 0 on the synthetic slide (drawn nearest-neighbour:
// crisp slide pixels, no filtered seams at tile edges).
func TestSlideViewRendering(t *testing.T) {
	v, w := newTestView(t)
	test.AssertImageMatches(t, "slideview_fit.png", w.Canvas().Capture())
	v.SetView(Level0Point{1000, 700}, 0.5)
	settle(t, v)
	test.AssertImageMatches(t, "slideview_zoomed.png", w.Canvas().Capture())
}

// While finer tiles load, the base level fills the view: no holes.
func TestNoHolesWhileLoading(t *testing.T) {
	s := slidetest.New(4000, 3000)
	release := make(chan struct{})
	s.Gate = func(level int) {
		if level == 0 {
			<-release // level-0 reads stay in flight until the test ends
		}
	}
	v, _ := newTestViewOf(t, s)
	t.Cleanup(func() { close(release) })  // runs before the view's Close
	v.SetView(Level0Point{2000, 1500}, 1) // best level 0, nothing of it loaded yet
	plan := v.Plan()
	covered := 0
	for _, d := range plan.Draw {
		covered += d.Rect.Intersect(v.grid.DeviceRect(d.Key, v.Viewport())).Dx() * d.Rect.Dy()
	}
	if covered < 400*300 {
		t.Errorf("only %d of %d pixels covered by loaded tiles", covered, 400*300)
	}
	if plan.Complete() {
		t.Error("plan complete before level 0 was loaded")
	}
}

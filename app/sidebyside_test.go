package app

import (
	"fyne.io/fyne/v2/test"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"tessera/cases"
	"tessera/viewer"
)

// Side by side: the same slide (AI vs raw) or another slide follows the
// main view in µm both ways; L keeps the offset; S closes; closing the
// tab closes the twin.
func TestSideBySide(t *testing.T) {
	slides := sharedSlides(t)
	ui := newTestUI(t)
	ui.OpenPaths([]string{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), filepath.Join(slides, "hamamatsu", "test3-DAPI-2-387.ndpi")})
	settle(ui)
	ui.tabs.SelectIndex(0)
	p := ui.current()
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-6*math.Max(1, math.Abs(a)) }

	ui.handleWindowRune('s')
	if p.twin == nil || p.twin.view.Slide() != p.slide || len(p.twin.view.Plan().Draw) < 0 {
		t.Fatal("S did not open the same slide beside itself")
	}
	if markup := test.RenderToMarkup(ui.win.Canvas()); !strings.Contains(markup, "With its layers   ·   Slide 1: CMU-1-Small-Region.svs") || !strings.Contains(markup, "As scanned, no heatmap") {
		t.Error("the two views of a side by side are not labelled")
	}
	p.view.SetView(viewer.Level0Point{X: 800, Y: 900}, 2)
	if c := p.twin.view.Viewport(); !near(c.Center.X, 800) || !near(c.Center.Y, 900) || !near(c.Downsample, 2) {
		t.Errorf("the twin did not follow: %+v", c.Center)
	}
	p.twin.view.SetView(viewer.Level0Point{X: 1000, Y: 1000}, 1)
	if c := p.view.Viewport(); !near(c.Center.X, 1000) || !near(c.Downsample, 1) {
		t.Errorf("the main view did not follow the twin: %+v", c.Center)
	}
	ui.handleWindowRune('s')
	if p.twin != nil {
		t.Fatal("S did not close it")
	}

	// Another slide: the same point in µm at the same µm per screen pixel.
	other := ui.panes[ui.tabs.Items[1]]
	p.sideBySideWith(other.slide.Path())
	if p.twin == nil || p.twin.own == nil {
		t.Fatal("no twin of the other slide")
	}
	mA, mB := p.view.Calibration().MPP.Mean(), p.twin.view.Calibration().MPP.Mean()
	p.view.SetView(viewer.Level0Point{X: 1000, Y: 1200}, 2)
	b := p.twin.view.Viewport()
	if !near(b.Center.X*mB, 1000*mA) || !near(b.Center.Y*mB, 1200*mA) || !near(b.Downsample*mB, 2*mA) {
		t.Errorf("µm: main (1000, 1200)·%g, twin %+v·%g", mA, b.Center, mB)
	}
	// Relative lock: move the twin, lock, move the main: the offset stays.
	p.twin.view.SetView(viewer.Level0Point{X: b.Center.X + 100, Y: b.Center.Y}, b.Downsample)
	p.view.SetView(viewer.Level0Point{X: 1000, Y: 1200}, 2) // back where the lock starts
	p.twin.view.SetView(viewer.Level0Point{X: b.Center.X + 100, Y: b.Center.Y}, b.Downsample)
	ui.handleWindowRune('l')
	p.view.SetView(viewer.Level0Point{X: 1500, Y: 1200}, 2)
	got := p.twin.view.Viewport().Center
	if !near(got.X*mB-1500*mA, p.twin.xf.tx) || p.ref.SideBySide == nil || p.ref.SideBySide.Lock != cases.LockOffset {
		t.Errorf("relative lock: twin at %.1f µm, main at %.1f µm, offset %.1f; kept %+v", got.X*mB, 1500*mA, p.twin.xf.tx, p.ref.SideBySide)
	}
	ui.closeTab(ui.tabs.Items[0])
	if p.twin != nil {
		t.Error("closing the tab left the twin open")
	}
}

// Two-point landmark alignment (K): four clicks, alternately left and
// right (a click on the wrong side is not taken), give the rotation,
// scale and translation; the views follow through it both ways, the right
// view turned to the nearest quarter turn; the case file keeps it and a
// reopened case shows the slides side by side, aligned as before.
func TestLandmarkAlignment(t *testing.T) {
	slides := sharedSlides(t)
	a := filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs")
	b := filepath.Join(slides, "hamamatsu", "test3-DAPI-2-387.ndpi")
	casePath := filepath.Join(t.TempDir(), "aligned"+cases.Extension)
	if err := (&cases.Case{Schema: cases.Schema, Slides: []cases.SlideRef{{Path: a}, {Path: b}}}).Save(casePath); err != nil {
		t.Fatal(err)
	}
	ui, p := openCaseAtFirst(t, casePath)
	ui.handleWindowRune('k')
	if p.twin != nil || !strings.Contains(p.status.Text, "side by side") {
		t.Fatalf("K without side by side: %q", p.status.Text)
	}
	p.sideBySideWith(b)
	ui.handleWindowRune('k')
	if p.twin.align == nil || p.view.Tool == nil || p.twin.view.Tool == nil {
		t.Fatal("K did not start picking landmarks")
	}
	ma, mb := p.view.Calibration().MPP.Mean(), p.twin.view.Calibration().MPP.Mean()
	// The right slide is the left one turned 90° clockwise and magnified 1.5×, shifted.
	want := similarity{a: 0, b: 1.5, tx: 800, ty: 200}
	px := func(q viewer.Level0Point, m float64) viewer.Level0Point {
		return viewer.Level0Point{X: q.X / m, Y: q.Y / m}
	}
	p1, p2 := viewer.Level0Point{X: 500 * ma, Y: 400 * ma}, viewer.Level0Point{X: 1500 * ma, Y: 900 * ma} // µm
	p.view.Tool.Tap(px(p1, ma))
	p.view.Tool.Tap(px(p2, ma)) // the wrong side: ignored, asked again
	if len(p.twin.align.clicks) != 1 || !strings.Contains(p.status.Text, "right view") {
		t.Fatalf("a second click on the left was taken: %d clicks, %q", len(p.twin.align.clicks), p.status.Text)
	}
	p.twin.view.Tool.Tap(px(want.apply(p1), mb))
	p.view.Tool.Tap(px(p2, ma))
	p.twin.view.Tool.Tap(px(want.apply(p2), mb))
	if p.twin.align != nil || p.view.Tool != nil || p.twin.lock != cases.LockLandmarks {
		t.Fatal("four clicks did not finish the alignment")
	}
	near := func(a, b float64) bool { return nearTol(a, b, 1e-6) }
	got := p.twin.xf
	if !near(got.a, want.a) || !near(got.b, want.b) || !near(got.tx, want.tx) || !near(got.ty, want.ty) {
		t.Fatalf("transform %+v, want %+v", got, want)
	}
	if !strings.Contains(p.status.Text, "rotation 90.0°, scale 1.500") {
		t.Errorf("status %q", p.status.Text)
	}
	check := func(p *slidePane, what string) {
		t.Helper()
		c := viewer.Level0Point{X: 800 * ma, Y: 700 * ma}
		p.view.SetView(px(c, ma), 2)
		v := p.twin.view.Viewport()
		w := want.apply(c)
		if !nearTol(v.Center.X*mb, w.X, 1e-6) || !nearTol(v.Center.Y*mb, w.Y, 1e-6) || !nearTol(v.Downsample*mb, 2*ma*1.5, 1e-6) || v.Rotation != 3 {
			t.Errorf("%s: twin at %+v (%.1f, %.1f µm), want (%.1f, %.1f µm), rotation 3", what, v, v.Center.X*mb, v.Center.Y*mb, w.X, w.Y)
		}
		p.twin.view.SetView(px(want.apply(viewer.Level0Point{X: 100 * ma, Y: 50 * ma}), mb), 3)
		if m := p.view.Viewport(); !nearTol(m.Center.X, 100, 1e-6) || !nearTol(m.Center.Y, 50, 1e-6) || m.Rotation != 0 {
			t.Errorf("%s: the main view did not follow back: %+v", what, m)
		}
	}
	check(p, "aligned")

	ui.desk.saveCaseTo(casePath)
	ui2, q := openCaseAtFirst(t, casePath)
	if q.twin == nil || q.twin.lock != cases.LockLandmarks || len(q.twin.marks) != 2 {
		t.Fatalf("the reopened case is not side by side as saved: %+v", q.ref.SideBySide)
	}
	check(q, "reopened")
	ui2.handleWindowRune('s')
	ui2.desk.saveCaseTo(casePath)
	c, err := cases.Load(casePath)
	if err != nil || c.Slides[0].SideBySide != nil {
		t.Errorf("closed side by side still in the case: %v %+v", err, c.Slides[0].SideBySide)
	}
}

func nearTol(a, b, rel float64) bool { return math.Abs(a-b) <= rel*math.Max(1, math.Abs(b)) }

// openCaseAtFirst opens a case file in a new test UI and selects its first slide.
func openCaseAtFirst(t *testing.T, casePath string) (*UI, *slidePane) {
	ui := newTestUI(t)
	ui.OpenCase(casePath)
	settle(ui)
	ui.tabs.SelectIndex(0)
	return ui, ui.current()
}

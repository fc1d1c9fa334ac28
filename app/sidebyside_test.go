package app

import (
	"math"
	"path/filepath"
	"testing"

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
	if !near(got.X*mB-1500*mA, p.twin.offset.X) {
		t.Errorf("relative lock: twin at %.1f µm, main at %.1f µm, offset %.1f", got.X*mB, 1500*mA, p.twin.offset.X)
	}
	ui.closeTab(ui.tabs.Items[0])
	if p.twin != nil {
		t.Error("closing the tab left the twin open")
	}
}

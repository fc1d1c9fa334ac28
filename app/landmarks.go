package app

import (
	"fmt"
	"math"

	"tessera/cases"
	"tessera/viewer"
)

// landmarkPicker takes the four clicks of a two-point landmark alignment
// (K in side by side): a structure in the left view, the same structure
// in the right view, then a second pair. Drags still pan both views
// (viewer.ClickTool). The main view's annotation tools are put away while
// it runs; Esc or K again cancels. UI goroutine only.
type landmarkPicker struct {
	t      *twinView
	clicks []viewer.Level0Point // level-0 pixels, alternately main and twin
}

// landmarkSide is the picker as one view's tool.
type landmarkSide struct {
	k    *landmarkPicker
	twin bool // the right (twin) view
}

// alignSideBySide starts (or cancels) a landmark alignment of the side by
// side views.
func (p *slidePane) alignSideBySide() {
	if p.twin == nil {
		p.notice = "Landmark alignment is for side by side: press S, or View ▸ Side by Side With…, first"
		p.updateStatus()
		return
	}
	p.twin.startAligning()
}

// startAligning starts picking landmarks, or cancels picking.
func (t *twinView) startAligning() {
	if t.align != nil {
		t.stopAligning()
		t.p.notice = "Landmark alignment cancelled"
		t.p.updateStatus()
		return
	}
	t.p.annots.StopTools()
	t.align = &landmarkPicker{t: t}
	t.p.view.Tool = &landmarkSide{k: t.align}
	t.view.Tool = &landmarkSide{k: t.align, twin: true}
	t.align.prompt()
}

// stopAligning puts the picker away (no change to the alignment).
func (t *twinView) stopAligning() {
	if t.align == nil {
		return
	}
	t.align = nil
	if _, ok := t.p.view.Tool.(*landmarkSide); ok {
		t.p.view.Tool = nil
	}
	t.view.Tool = nil
}

func (k *landmarkPicker) prompt() {
	n := len(k.clicks)
	side := "left"
	if n%2 == 1 {
		side = "right"
	}
	what := "a structure you can find on both slides"
	if n%2 == 1 {
		what = "the same structure"
	}
	k.t.p.notice = fmt.Sprintf("Landmark %d of 2: click %s in the %s view (drag pans; Esc cancels)", n/2+1, what, side)
	k.t.p.updateStatus()
}

func (s *landmarkSide) Tap(p viewer.Level0Point) {
	k := s.k
	if k.t.align != k {
		return
	}
	if wantTwin := len(k.clicks)%2 == 1; s.twin != wantTwin {
		k.prompt()
		return
	}
	k.clicks = append(k.clicks, p)
	if len(k.clicks) < 4 {
		k.prompt()
		return
	}
	k.t.stopAligning()
	k.t.alignBy(k.clicks)
}

func (s *landmarkSide) DoubleTap(p viewer.Level0Point) { s.Tap(p) }
func (s *landmarkSide) DragStart(viewer.Level0Point)   {}
func (s *landmarkSide) DragMove(viewer.Level0Point)    {}
func (s *landmarkSide) DragEnd(viewer.Level0Point)     {}
func (s *landmarkSide) ClicksOnly()                    {}

// alignBy sets the alignment from two landmark pairs (level-0 pixels:
// main, twin, main, twin) and says what it found.
func (t *twinView) alignBy(clicks []viewer.Level0Point) {
	ma, mb := t.mpp(t.p.view), t.mpp(t.view)
	um := func(p viewer.Level0Point, m float64) viewer.Level0Point {
		return viewer.Level0Point{X: p.X * m, Y: p.Y * m}
	}
	xf, ok := fromLandmarks(um(clicks[0], ma), um(clicks[1], mb), um(clicks[2], ma), um(clicks[3], mb))
	if !ok || xf.scale() < 0.05 || xf.scale() > 20 {
		t.p.notice = "Landmarks not used: the two landmarks of a slide must be apart, and the slides' scales within 20× of each other"
		t.p.updateStatus()
		return
	}
	t.lock, t.xf = cases.LockLandmarks, xf
	t.marks = [][4]float64{{clicks[0].X, clicks[0].Y, clicks[1].X, clicks[1].Y}, {clicks[2].X, clicks[2].Y, clicks[3].X, clicks[3].Y}}
	t.follow(t.p.view, t.view)
	t.record()
	t.p.notice = t.alignmentText()
	t.p.updateStatus()
}

// alignmentText says what the landmark alignment is, and how the right
// view shows its rotation.
func (t *twinView) alignmentText() string {
	deg := t.xf.degrees()
	shown := float64(t.xf.quarterTurns()) * 90
	if shown > 180 {
		shown -= 360
	}
	s := fmt.Sprintf("Aligned by landmarks: rotation %.1f°, scale %.3f", deg, t.xf.scale())
	if math.Abs(deg-shown) > 0.5 {
		turn := -shown
		if turn == 0 {
			turn = 0 // not −0
		}
		s += fmt.Sprintf(" (the right view is turned by %.0f°, the nearest quarter turn the viewer can show; positions follow exactly)", turn)
	}
	return s + "; L or K again to change"
}

var _ viewer.ClickTool = (*landmarkSide)(nil)

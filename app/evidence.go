package app

import (
	"fmt"
	"path/filepath"

	"tessera/caselog"
	"tessera/viewer"
)

// stepEvidence shows the next (+1) or previous (−1) region that drove the
// slide's result (inference.Result.Evidence), centred and whole, and says
// in the status line which it is and what it did.
func (p *slidePane) stepEvidence(delta int) {
	r := p.ref.Result
	if r == nil || len(r.Evidence) == 0 {
		p.notice = "No evidence regions: analyse the slide first (Ctrl+R)"
		p.updateStatus()
		return
	}
	n := len(r.Evidence)
	p.evidence = ((p.evidence-1+delta)%n+n)%n + 1
	e := r.Evidence[p.evidence-1]
	vp := p.view.Viewport()
	w, h := e.Width, e.Height
	if vp.Rotation&1 == 1 {
		w, h = h, w
	}
	// The region fills about two thirds of the view.
	ds := 1.5 * max(w/float64(max(vp.Width, 1)), h/float64(max(vp.Height, 1)))
	p.view.SetView(viewer.Level0Point{X: e.X + e.Width/2, Y: e.Y + e.Height/2}, ds)
	what := "where the model looked most"
	if e.Towards != "" {
		what = fmt.Sprintf("pushed the result towards %q", e.Towards)
	}
	p.viewNote = fmt.Sprintf("evidence %d of %d: %s (tile score %.3g, %d tiles)", p.evidence, n, what, e.Score, e.Tiles)
	p.updateStatus()
	p.ui.record(caselog.Entry{Event: caselog.EvidenceViewed, Slide: filepath.Base(r.Slide.Name), SlideIndex: p.ui.session.Index(p.ref) + 1,
		ResultHash: caselog.ResultHash(r), Detail: p.viewNote})
}

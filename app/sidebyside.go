package app

import (
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"tessera/slide"
	"tessera/viewer"
)

// Side by side: the pane's slide beside a second view, kept in step. The
// second view shows the same slide without the heatmap ("AI vs raw", S),
// or another open slide of the case (H&E beside IHC; View ▸ Side by Side
// With). Views follow each other by position in µm (by level-0 pixels when
// a slide has no µm/px, which the status line says); L locks the current
// offset instead (a relative lock: each view keeps its own region). UI
// goroutine only.
type twinView struct {
	p        *slidePane
	own      slide.Slide // the other slide, opened for the twin and closed with it; nil for the same slide
	view     *viewer.SlideView
	split    *container.Split
	relative bool               // L: keep offset instead of the same position
	offset   viewer.Level0Point // twin centre − main centre, µm (relative lock)
	syncing  bool
}

// toggleSideBySide shows the slide beside itself without the heatmap, or
// closes the side-by-side view.
func (p *slidePane) toggleSideBySide() {
	if p.twin != nil {
		p.closeTwin()
		return
	}
	p.openTwin(nil)
}

// sideBySideWith shows another open slide beside this one.
func (p *slidePane) sideBySideWith(path string) {
	if p.twin != nil {
		p.closeTwin()
	}
	s, err := p.ui.openSlide(path)
	if err != nil {
		p.ui.showError(DescribeOpenError(path, err))
		return
	}
	p.openTwin(s)
}

func (p *slidePane) openTwin(other slide.Slide) {
	src := p.slide
	if other != nil {
		src = other
	}
	t := &twinView{p: p, own: other, view: viewer.NewSlideView(src, viewer.Options{Cache: p.ui.cache})}
	if other == nil && p.icc != nil && p.view.ColourManaged() {
		t.view.SetColourTransform(p.icc.Apply)
	}
	t.view.OnOtherKey = func(ev *fyne.KeyEvent) { p.ui.handleWindowKey(ev) }
	t.view.OnOtherRune = func(r rune) { p.ui.handleWindowRune(r) }
	t.view.OnViewChanged = func(viewer.Viewport) { t.follow(t.view, p.view) }
	p.twin = t
	t.split = container.NewHSplit(p.stage, t.view)
	t.split.Offset = 0.5
	p.split.Leading = t.split
	p.split.Refresh()
	t.follow(p.view, t.view)
	what := "the same slide without the heatmap (AI vs raw)"
	if other != nil {
		what = filepath.Base(other.Path())
	}
	p.notice = "Side by side with " + what + ": the views move together (L: keep the current offset; S closes)"
	if !t.calibrated() {
		p.notice += "; a slide has no µm/px, so they follow by pixels"
	}
	p.updateStatus()
}

func (p *slidePane) closeTwin() {
	t := p.twin
	p.twin = nil
	p.split.Leading = p.stage
	p.split.Refresh()
	t.view.Close()
	if t.own != nil {
		t.own.Close()
	}
	p.notice = "Side by side closed"
	p.updateStatus()
}

// calibrated reports whether both slides have µm/px.
func (t *twinView) calibrated() bool {
	return t.p.view.Calibration().MPP.Known() && t.view.Calibration().MPP.Known()
}

// mpp is a view's µm per level-0 pixel (1 when the views follow by pixels).
func (t *twinView) mpp(v *viewer.SlideView) float64 {
	if !t.calibrated() {
		return 1
	}
	return v.Calibration().MPP.Mean()
}

// follow moves `to` to where `from` is: the same point in µm (plus the
// locked offset) at the same µm per screen pixel.
func (t *twinView) follow(from, to *viewer.SlideView) {
	if t.syncing {
		return
	}
	t.syncing = true
	defer func() { t.syncing = false }()
	vp := from.Viewport()
	mFrom, mTo := t.mpp(from), t.mpp(to)
	cx, cy := vp.Center.X*mFrom, vp.Center.Y*mFrom // µm
	sign := 1.0
	if from != t.p.view {
		sign = -1
	}
	if t.relative {
		cx, cy = cx+sign*t.offset.X, cy+sign*t.offset.Y
	}
	to.SetView(viewer.Level0Point{X: cx / mTo, Y: cy / mTo}, vp.Downsample*mFrom/mTo)
	if from == t.p.view {
		return
	}
	t.p.overview.Refresh()
	t.p.updateStatus()
}

// toggleLock switches between following by position and keeping the
// current offset.
func (t *twinView) toggleLock() {
	t.relative = !t.relative
	if t.relative {
		a, b := t.p.view.Viewport().Center, t.view.Viewport().Center
		ma, mb := t.mpp(t.p.view), t.mpp(t.view)
		t.offset = viewer.Level0Point{X: b.X*mb - a.X*ma, Y: b.Y*mb - a.Y*ma}
		t.p.notice = fmt.Sprintf("Side by side: offset kept (%.0f, %.0f %s); L follows by position again", t.offset.X, t.offset.Y, t.unit())
	} else {
		t.p.notice = "Side by side: the views show the same position"
		t.follow(t.p.view, t.view)
	}
	t.p.updateStatus()
}

func (t *twinView) unit() string {
	if t.calibrated() {
		return "µm"
	}
	return "px"
}

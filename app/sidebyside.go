package app

import (
	"fmt"
	"fyne.io/fyne/v2/widget"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"tessera/cases"
	"tessera/slide"
	"tessera/storyboard"
	"tessera/viewer"
)

// Side by side: the pane's slide beside a second view, kept in step. The
// second view shows the same slide without the heatmap ("AI vs raw", S),
// or another slide of the case (H&E beside IHC; View ▸ Side by Side
// With). The views follow each other through a similarity transform from
// the main slide's µm to the twin's (level-0 pixels when a slide has no
// µm/px, which the status line says): the same position (identity), the
// offset kept when L was pressed, or a two-point landmark alignment (K:
// rotation, scale and translation). The arrangement is kept in the case
// (session.Slide.SideBySide). UI goroutine only.
type twinView struct {
	p       *slidePane
	own     slide.Slide // the other slide, opened for the twin and closed with it; nil for the same slide
	view    *viewer.SlideView
	split   *container.Split
	lock    string     // cases.LockPosition, LockOffset or LockLandmarks
	xf      similarity // main µm → twin µm
	marks   [][4]float64
	align   *landmarkPicker // nil unless landmarks are being picked
	syncing bool
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
		p.ui.showError(storyboard.DescribeOpenError(path, err))
		return
	}
	p.openTwin(s)
}

func (p *slidePane) openTwin(other slide.Slide) {
	src := p.slide
	if other != nil {
		src = other
	}
	t := &twinView{p: p, own: other, view: viewer.NewSlideView(src, viewer.Options{Cache: p.ui.cache}), lock: cases.LockPosition, xf: identity}
	if other == nil && p.icc != nil && p.view.ColourManaged() {
		t.view.SetColourTransform(p.icc.Apply)
	}
	t.view.OnOtherKey = func(ev *fyne.KeyEvent) { p.ui.handleWindowKey(ev) }
	t.view.OnOtherRune = func(r rune) { p.ui.handleWindowRune(r) }
	t.view.OnViewChanged = func(viewer.Viewport) { t.follow(t.view, p.view) }
	p.twin = t
	left, right := p.twinLabels(other)
	t.split = container.NewHSplit(container.NewBorder(left, nil, nil, nil, p.stage), container.NewBorder(right, nil, nil, nil, t.view))
	t.split.Offset = 0.5
	p.split.Leading = t.split
	p.split.Refresh()
	t.follow(p.view, t.view)
	t.record()
	what := "the same slide without the heatmap (AI vs raw)"
	if other != nil {
		what = filepath.Base(other.Path())
	}
	p.notice = "Side by side with " + what + ": the views move together (L: keep the current offset; K: align by two landmarks; S closes)"
	if !t.calibrated() {
		p.notice += "; a slide has no µm/px, so they follow by pixels"
	}
	p.updateStatus()
}

// twinLabels name the two views of a side by side: which slide each is
// and, for the same slide twice, which one carries the heatmap.
func (p *slidePane) twinLabels(other slide.Slide) (left, right fyne.CanvasObject) {
	name := func(path string) string {
		for i, q := range p.ui.openPanes() {
			if q.slide.Path() == path {
				return fmt.Sprintf("Slide %d: %s", i+1, filepath.Base(path))
			}
		}
		return filepath.Base(path)
	}
	// What tells the two apart first: a narrow view cuts the file name.
	l, r := "With its layers   ·   "+name(p.slide.Path()), "As scanned, no heatmap   ·   "+name(p.slide.Path())
	if other != nil {
		l, r = name(p.slide.Path()), name(other.Path())
	}
	label := func(text string) fyne.CanvasObject {
		w := widget.NewLabelWithStyle(text, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
		w.Truncation = fyne.TextTruncateEllipsis
		return w
	}
	return label(l), label(r)
}

func (p *slidePane) closeTwin() {
	t := p.twin
	t.stopAligning()
	p.twin = nil
	p.ref.SideBySide = nil
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

// follow moves `to` to where `from` is: the transformed centre, at the
// µm per screen pixel scaled by the transform, turned by the transform's
// rotation to the nearest quarter turn (the viewer turns by quarter turns).
func (t *twinView) follow(from, to *viewer.SlideView) {
	if t.syncing {
		return
	}
	t.syncing = true
	defer func() { t.syncing = false }()
	vp := from.Viewport()
	mFrom, mTo := t.mpp(from), t.mpp(to)
	c := viewer.Level0Point{X: vp.Center.X * mFrom, Y: vp.Center.Y * mFrom} // µm
	xf, turns := t.xf, t.xf.quarterTurns()
	if from != t.p.view {
		xf, turns = xf.inverse(), -turns
	}
	c = xf.apply(c)
	to.SetRotation(((vp.Rotation-turns)%4 + 4) % 4)
	to.SetView(viewer.Level0Point{X: c.X / mTo, Y: c.Y / mTo}, vp.Downsample*mFrom*xf.scale()/mTo)
	if from == t.p.view {
		return
	}
	t.p.overview.Refresh()
	t.p.updateStatus()
}

// toggleLock switches between following by position and keeping the
// current offset (a landmark alignment is dropped).
func (t *twinView) toggleLock() {
	t.stopAligning()
	if t.lock != cases.LockOffset {
		a, b := t.p.view.Viewport().Center, t.view.Viewport().Center
		ma, mb := t.mpp(t.p.view), t.mpp(t.view)
		t.lock, t.marks = cases.LockOffset, nil
		t.xf = similarity{a: 1, tx: b.X*mb - a.X*ma, ty: b.Y*mb - a.Y*ma}
		t.p.notice = fmt.Sprintf("Side by side: offset kept (%.0f, %.0f %s); L follows by position again", t.xf.tx, t.xf.ty, t.unit())
	} else {
		t.lock, t.xf, t.marks = cases.LockPosition, identity, nil
		t.p.notice = "Side by side: the views show the same position"
		t.follow(t.p.view, t.view)
	}
	t.record()
	t.p.updateStatus()
}

// record keeps the arrangement in the case (saved with it).
func (t *twinView) record() {
	sb := &cases.SideBySide{Lock: t.lock, Landmarks: t.marks}
	if t.own != nil {
		sb.With = t.own.Path()
	}
	if t.lock != cases.LockPosition {
		sb.Transform = []float64{t.xf.a, t.xf.b, t.xf.tx, t.xf.ty}
	}
	t.p.ref.SideBySide = sb
}

// restoreSideBySide shows the side by side the case file kept for the
// slide; an other slide that no longer opens is said, and the slide shows
// alone.
func (p *slidePane) restoreSideBySide() {
	sb := p.ref.SideBySide
	if sb == nil {
		return
	}
	if sb.With != "" {
		p.sideBySideWith(sb.With)
	} else {
		p.openTwin(nil)
	}
	t := p.twin
	if t == nil {
		p.ref.SideBySide = nil
		return
	}
	if sb.Lock != cases.LockPosition && len(sb.Transform) == 4 {
		t.lock, t.marks = sb.Lock, sb.Landmarks
		t.xf = similarity{a: sb.Transform[0], b: sb.Transform[1], tx: sb.Transform[2], ty: sb.Transform[3]}
		t.follow(p.view, t.view)
		t.record()
	}
}

func (t *twinView) unit() string {
	if t.calibrated() {
		return "µm"
	}
	return "px"
}

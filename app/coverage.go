package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tessera/coverage"
	"tessera/inference"
	"tessera/storyboard"
	"tessera/viewer"
)

// Where did I look? The pane marks the slide's coverage map (package
// coverage, kept in session.Slide and the case file) whenever its view
// shows the slide at 10× or more; the coverage layer (X) shows the cells
// looked at, and the Analysis panel says what share of the analysed tissue
// and which evidence regions that covers. The sign-off warns about
// evidence regions never looked at and records the coverage in the log.

// The coverage layer's name and drawing order: above the tissue outline,
// below the annotations.
const (
	coverageLayer  = "coverage"
	coverageLayerZ = 25
)

// reviewCoverage is a pane's coverage controls. UI goroutine only.
type reviewCoverage struct {
	p       *slidePane
	check   *keyCheck     // the coverage layer shown
	text    *widget.Label // what the review covered
	content fyne.CanvasObject
	// unreadable says why the case file's coverage of this slide could not
	// be read ("" when it could, or there was none): nothing is recorded.
	unreadable string
}

func newReviewCoverage(p *slidePane, toSlide func(rune)) *reviewCoverage {
	c := &reviewCoverage{p: p, text: widget.NewLabel("")}
	c.text.Wrapping = fyne.TextWrapWord
	c.check = newKeyCheck(fmt.Sprintf("Where I looked at %g× or more (X)", coverage.MinMagnification), func(bool) { c.redraw() }, toSlide)
	c.content = container.NewVBox(widget.NewLabelWithStyle("Review", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), c.check, c.text)
	l0 := p.slide.Levels()[0]
	if err := p.ref.OpenCoverage(l0.Width, l0.Height); err != nil {
		c.unreadable = "Not recorded on this slide: " + err.Error() + " (kept in the case file as it was)."
	}
	c.update()
	return c
}

// whyNot says why nothing is recorded ("" when coverage is recorded): the
// case file's could not be read, or the slide's magnification is unknown
// (no µm/px, typed or read, and no objective power).
func (c *reviewCoverage) whyNot() string {
	switch {
	case c.unreadable != "":
		return c.unreadable
	case !c.p.view.Calibration().HasMagnification():
		return fmt.Sprintf("Not recorded: the slide has no µm/px or objective power, so %g× cannot be told.", coverage.MinMagnification)
	}
	return ""
}

// viewMoved marks what the view shows when it shows it at 10× or more.
func (c *reviewCoverage) viewMoved(vp viewer.Viewport) {
	m := c.p.ref.Coverage
	if m == nil || c.whyNot() != "" || c.p.view.Calibration().Magnification(vp.Downsample) < coverage.MinMagnification-1e-9 {
		return
	}
	a, b := vp.VisibleLevel0()
	if m.Mark(a.X, a.Y, b.X, b.Y) > 0 {
		c.update()
		if c.check.Checked {
			c.redraw()
		}
	}
}

// toggle flips the coverage layer (the X key).
func (c *reviewCoverage) toggle() {
	if !c.check.Disabled() {
		c.check.SetChecked(!c.check.Checked)
	}
}

// redraw gives the view the coverage layer, or removes it.
func (c *reviewCoverage) redraw() {
	m := c.p.ref.Coverage
	if m == nil || !c.check.Checked {
		c.p.view.SetLayer(coverageLayer, coverageLayerZ, nil)
		return
	}
	c.p.view.SetLayer(coverageLayer, coverageLayerZ, &viewer.Overlay{Image: m.Overlay(), Cell: m.Cell})
}

// update says what the review has covered: of the analysed tissue and the
// evidence regions when the slide has a result, else the cells looked at.
func (c *reviewCoverage) update() {
	c.text.SetText(c.summary())
	if c.whyNot() != "" {
		c.check.Disable()
	} else {
		c.check.Enable()
	}
}

// summary is the coverage in words (the panel's line).
func (c *reviewCoverage) summary() string {
	m := c.p.ref.Coverage
	switch r := c.p.ref.Result; {
	case c.whyNot() != "":
		return c.whyNot()
	case r != nil && len(r.Tiles) > 0 && c.p.analysis != nil && c.p.analysis.scoresHidden():
		// Which regions are evidence is the result's: not before it is shown.
		rv := m.Review(r)
		return fmt.Sprintf("Viewed at %g× or more: %.0f %% of the analysed tissue.", coverage.MinMagnification, 100*rv.TissueShare())
	case r != nil && len(r.Tiles) > 0:
		return storyboard.UpperFirst(m.Review(r).Text()) + "."
	case m.Cells() == 0:
		return fmt.Sprintf("Nothing viewed at %g× or more yet.", coverage.MinMagnification)
	}
	return fmt.Sprintf("Viewed at %g× or more: %.1f mm² of the slide.", coverage.MinMagnification, c.areaMM2())
}

// areaMM2 is the area of the cells looked at, mm² (0 without µm/px).
func (c *reviewCoverage) areaMM2() float64 {
	m := c.p.ref.Coverage
	mpp := c.p.view.Calibration().MPP
	if !mpp.Known() {
		return 0
	}
	side := m.Cell * mpp.Mean() / 1000
	return float64(m.Cells()) * side * side
}

// forSignOff is what a sign-off of the slide's result records about the
// review (coverage.Review.Text, or why nothing was recorded) and, when
// evidence regions were never looked at, a warning for the sign-off dialog
// ("" when there is none).
func (c *reviewCoverage) forSignOff() (record, warning string) {
	r, m := c.p.ref.Result, c.p.ref.Coverage
	if why := c.whyNot(); why != "" || m == nil || r == nil {
		if why == "" {
			why = "Not recorded."
		}
		return why, ""
	}
	rv := m.Review(r)
	if len(rv.NeverViewed) > 0 {
		ranks := make([]string, len(rv.NeverViewed))
		for i, k := range rv.NeverViewed {
			ranks[i] = fmt.Sprint(k)
		}
		warning = fmt.Sprintf("You have not viewed %s at %g× or more: %s (] steps through them; X shows where you looked).",
			inference.Count(len(rv.NeverViewed), "evidence region"), coverage.MinMagnification, strings.Join(ranks, ", "))
	}
	return rv.Text(), warning
}

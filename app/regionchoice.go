package app

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"tessera/annotation"
)

// Which annotations an analysis runs inside: all the slide's polygons, the
// one selected in the Annotations tab, or those of chosen classes. The
// result carries a REGION ONLY caveat in every case.
const (
	regionAll      = "All polygon annotations"
	regionSelected = "Only the selected annotation"
	regionClasses  = "Only the annotations of these classes:"
)

// regionDialog is the open "Analyze Inside Annotations" dialog; kept so
// that tests can choose as a user would. UI goroutine only.
type regionDialog struct {
	form    *dialog.FormDialog
	mode    *widget.RadioGroup
	classes *widget.CheckGroup
}

// analyzeInside asks which annotations to analyse inside, then analyses
// only there (the union of their polygons, holes respected).
func (p *slidePane) analyzeInside() {
	c := p.annots.Current()
	polys := polygonFeatures(c)
	if len(polys.Features) == 0 {
		p.ui.showError(errors.New("this slide has no polygon annotations to analyse inside: draw or import one first"))
		return
	}
	options := []string{fmt.Sprintf("%s (%d)", regionAll, len(polys.Features))}
	sel := p.annots.List().Selected()
	if sel >= 0 && sel < len(c.Features) && len(c.Features[sel].Geometry.Polygons) > 0 {
		options = append(options, regionSelected+": "+c.Describe(sel))
	}
	classes := classNames(polys)
	if len(classes) > 1 {
		options = append(options, regionClasses)
	}
	d := &regionDialog{mode: widget.NewRadioGroup(options, nil), classes: widget.NewCheckGroup(classes, nil)}
	d.mode.Required = true
	d.mode.SetSelected(options[0])
	d.classes.Disable()
	d.mode.OnChanged = func(s string) {
		if s == regionClasses {
			d.classes.Enable()
		} else {
			d.classes.Disable()
		}
	}
	items := []*widget.FormItem{widget.NewFormItem("Analyse inside", d.mode)}
	if len(classes) > 1 {
		items = append(items, widget.NewFormItem("Classes", d.classes))
	}
	why := widget.NewLabel("Only the tiles whose centre lies inside are analysed; the result describes that region only, and says so.")
	why.Wrapping = fyne.TextWrapWord
	items = append(items, widget.NewFormItem("", why))
	d.form = dialog.NewForm("Analyze Inside Annotations", "Analyze", "Cancel", items, func(ok bool) {
		p.region = nil
		if !ok {
			return
		}
		chosen := polys
		switch {
		case d.mode.Selected == regionClasses:
			chosen = polys.OfClasses(d.classes.Selected)
		case strings.HasPrefix(d.mode.Selected, regionSelected):
			chosen = &annotation.Collection{Features: c.Features[sel : sel+1]}
		}
		roi, ok := annotation.RegionOf(chosen)
		if !ok {
			p.ui.showError(errors.New("no annotation was chosen to analyse inside: tick at least one class"))
			return
		}
		if !p.side.Visible() || p.side.Selected() != p.sideTabs.analysis {
			p.toggleSide(p.sideTabs.analysis)
		}
		p.analysis.startIn(roi)
	}, p.ui.win)
	d.form.Resize(fyne.NewSize(560, float32(190+36*len(options)+36*len(classes))))
	p.region = d
	p.ui.showDialog(d.form)
}

// polygonFeatures is the features of c that have polygons (what a region
// is made of; lines and points are left out).
func polygonFeatures(c *annotation.Collection) *annotation.Collection {
	out := &annotation.Collection{}
	for _, f := range c.Features {
		if len(f.Geometry.Polygons) > 0 {
			out.Features = append(out.Features, f)
		}
	}
	return out
}

// classNames lists the classes of c, sorted (annotation.Unclassified for
// those without).
func classNames(c *annotation.Collection) []string {
	var names []string
	for name := range c.Count().Class {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

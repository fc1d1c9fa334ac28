package app

import (
	"errors"
	"fmt"
	"maps"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tessera/caselog"
	"tessera/clinical"
)

// The patient's clinical factors in the window: when the case's model
// declares a [clinical] model, the Analysis panel has a form with exactly
// its factors (units, ranges, levels); "Record the factors" checks them
// (a value outside its range is refused with the range said), records each
// change in the case log (old → new), saves the case and shows the combined
// risk on every card. UI goroutine only.

// factorsForm is a pane's form of the case's clinical factors.
type factorsForm struct {
	content *fyne.Container
	section *clinical.Section // the form's model; nil: hidden
	fields  map[string]fyne.CanvasObject
}

func newFactorsForm() *factorsForm {
	f := &factorsForm{content: container.NewVBox()}
	f.content.Hide()
	return f
}

// show builds the form for section (nil hides it) with the case's values;
// the form is rebuilt only when the model changes, so typing is kept.
func (f *factorsForm) show(section *clinical.Section, values map[string]string, record func()) {
	if section == nil {
		f.section = nil
		f.content.Hide()
		return
	}
	if section != f.section {
		f.section, f.fields = section, map[string]fyne.CanvasObject{}
		form := widget.NewForm()
		for _, c := range section.Covariates {
			label := c.Label
			if c.Required {
				label += " *"
			}
			var field fyne.CanvasObject
			switch c.Type {
			case clinical.Category:
				sel := widget.NewSelect(c.Levels, nil)
				sel.PlaceHolder = "(not entered)"
				field = sel
			default:
				e := widget.NewEntry()
				e.SetPlaceHolder(c.RangeText())
				e.OnSubmitted = func(string) { record() }
				field = e
			}
			f.fields[c.Name] = field
			form.Append(label, field)
		}
		button := widget.NewButton("Record the factors", record)
		f.content.Objects = []fyne.CanvasObject{widget.NewSeparator(),
			widget.NewLabelWithStyle("Clinical factors (* required for the combined risk)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			form, button}
	}
	for name, field := range f.fields {
		switch w := field.(type) {
		case *widget.Select:
			if values[name] == "" {
				w.ClearSelected()
			} else {
				w.SetSelected(values[name])
			}
		case *widget.Entry:
			w.SetText(values[name])
		}
	}
	f.content.Show()
	f.content.Refresh()
}

// values are the form's values by factor name ("" for none entered).
func (f *factorsForm) values() map[string]string {
	out := map[string]string{}
	for name, field := range f.fields {
		switch w := field.(type) {
		case *widget.Select:
			out[name] = w.Selected
		case *widget.Entry:
			out[name] = strings.TrimSpace(w.Text)
		}
	}
	return out
}

// recordFactors checks pane p's form, records each change in the case log
// and saves the case; a refused value or a log that cannot take the lines
// changes nothing.
func (desk *caseDesk) recordFactors(p *slidePane) {
	section := p.analysis.factors.section
	if section == nil || !desk.canRecord("Clinical factors are") {
		return
	}
	entered := p.analysis.factors.values()
	var problems []string
	for _, c := range section.Covariates {
		if v := entered[c.Name]; v != "" {
			if err := c.Check(v); err != nil {
				problems = append(problems, err.Error())
			}
		}
	}
	if len(problems) > 0 {
		desk.w.showError(errors.New(strings.Join(problems, "\n")))
		return
	}
	next := maps.Clone(desk.session.Factors)
	if next == nil {
		next = map[string]string{}
	}
	var changed []string
	for _, c := range section.Covariates {
		old, now := next[c.Name], entered[c.Name]
		if old == now {
			continue
		}
		if !desk.record(caselog.FactorChange(c.Name, old, now)) {
			return // said by record; what was logged before stays true in the log
		}
		if now == "" {
			delete(next, c.Name)
		} else {
			next[c.Name] = now
		}
		changed = append(changed, c.Label)
	}
	if len(changed) == 0 {
		desk.w.notify("No factor changed")
		return
	}
	desk.session.Factors = next
	desk.saveCaseTo(desk.session.Path)
	desk.updatePatientResult()
	desk.w.notify(fmt.Sprintf("Recorded %s in the case log; case saved", strings.Join(changed, ", ")))
}

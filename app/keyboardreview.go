package app

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"tessera/caselog"
)

// Review and sign-off without the mouse: Ctrl+Enter records the first
// read of a slide whose AI result waits for it, or signs off the slide's
// result; Ctrl+Shift+Enter signs off the patient's; Ctrl+Shift+L leaves
// the slide out of the patient result (or counts it again);
// Ctrl+Shift+H shows a withheld result's class; Ctrl+E writes the report.
// In their dialogs the choice is a list (arrow keys change it, Space opens
// it), Tab moves on and Shift+Enter records.

// requiredChoice is a list that must be chosen from before its form can
// be submitted (fyne.Validatable: the form's button waits for it).
type requiredChoice struct {
	widget.Select
	what      string // "a decision": what the refusal asks for
	onChanged func(error)
}

func newRequiredChoice(options []string, what string) *requiredChoice {
	c := &requiredChoice{what: what}
	c.Options = options
	c.PlaceHolder = "(choose: ← → or Space)"
	c.OnChanged = func(string) {
		if c.onChanged != nil {
			c.onChanged(c.Validate())
		}
	}
	c.ExtendBaseWidget(c)
	return c
}

// Validate refuses an empty choice.
func (c *requiredChoice) Validate() error {
	if c.Selected == "" {
		return errors.New("choose " + c.what)
	}
	return nil
}

// SetOnValidationChanged is called by the form to follow the choice.
func (c *requiredChoice) SetOnValidationChanged(f func(error)) { c.onChanged = f }

var _ fyne.Validatable = (*requiredChoice)(nil)

// decisions are the sign-off decisions as the list offers them.
var decisions = []struct{ label, decision string }{
	{"Agree", caselog.Agree}, {"Disagree", caselog.Disagree}, {"Uncertain", caselog.Uncertain},
}

// reviewKey is Ctrl+Enter: the first read when the current slide's result
// waits for it, else the sign-off of its result.
func (ui *UI) reviewKey() {
	p := ui.current()
	if p == nil {
		return
	}
	if p.analysis.blinded {
		p.analysis.askFirstRead()
		return
	}
	ui.desk.askSignOff(p, "")
}

// askFirstRead asks the pathologist's impression in a dialog (the keyboard
// way to the card's first-read box), then records it as the box does.
func (a *analysisPanel) askFirstRead() {
	impression := newRequiredChoice(a.firstRead.impression.Options, "your impression")
	note := widget.NewEntry()
	note.SetPlaceHolder("Note (optional)")
	d := dialog.NewForm("Your first read", "Record and show the AI result", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Impression", impression), widget.NewFormItem("Note", note)}, func(ok bool) {
			if !ok {
				return
			}
			a.firstRead.impression.SetSelected(impression.Selected)
			a.firstRead.note.SetText(note.Text)
			a.recordFirstRead()
		}, a.pane.ui.win)
	note.OnSubmitted = func(string) { d.Submit() }
	d.Resize(fyne.NewSize(520, 220))
	a.pane.ui.showDialog(d)
	a.pane.ui.win.Canvas().Focus(impression)
}

// signOffPatient is Ctrl+Shift+Enter: the patient result's sign-off.
func (ui *UI) signOffPatient() {
	if ui.current() != nil {
		ui.desk.askSignOff(nil, "")
	}
}

// leaveOutCurrent is Ctrl+Shift+L: the card's "Leave this slide out…".
func (ui *UI) leaveOutCurrent() {
	p := ui.current()
	if p == nil {
		return
	}
	if b := p.analysis.card.leaveOut; b.Hidden {
		ui.showError(errors.New("only a slide of a saved case of two or more slides can be left out of the patient result"))
		return
	}
	ui.desk.toggleLeftOut(p)
}

// revealCurrent is Ctrl+Shift+H: the card's "Show the withheld class…".
func (ui *UI) revealCurrent() {
	p := ui.current()
	if p == nil {
		return
	}
	if r := p.ref.Result; r == nil || !p.analysis.withheldHidden || r.Class == "" {
		ui.showError(errors.New("this slide has no withheld result whose class is hidden"))
		return
	}
	p.analysis.confirmReveal()
}

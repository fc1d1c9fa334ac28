package app

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"tessera/caselog"
)

// Leaving a slide out of the patient result: the pathologist's decision,
// with a reason, for a slide the patient result should not wait for (a
// withheld IHC slide, a slide of another block). It is recorded in the
// case log and saved in the case file at once, so that the two agree, and
// shown on every card and in the report (session.Patient lists it).

// leaveOutLabel is the card's button for a slide left out (reason) or not.
func leaveOutLabel(reason string) string {
	if reason != "" {
		return "Count this slide in the patient result again"
	}
	return "Leave this slide out of the patient result…"
}

// toggleLeftOut asks for the reason to leave p's slide out, or counts it
// again, recording either in the log and saving the case file.
func (desk *caseDesk) toggleLeftOut(p *slidePane) {
	if !desk.canRecord("Slides left out are") {
		return
	}
	n := desk.session.Index(p.ref) + 1
	if p.ref.LeftOut != "" {
		desk.setLeftOut(p, "", caselog.Entry{Event: caselog.IncludedAgain, SlideIndex: n, Slide: p.fileName(),
			Detail: "was left out: " + p.ref.LeftOut})
		return
	}
	reason := widget.NewEntry()
	reason.SetPlaceHolder("e.g. Ki67 slide: not for this H&E model")
	reason.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("leaving a slide out needs its reason")
		}
		return nil
	}
	d := dialog.NewForm(fmt.Sprintf("Leave slide %d out of the patient result", n), "Leave out", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Reason", reason)}, func(ok bool) {
			if ok {
				why := strings.TrimSpace(reason.Text)
				desk.setLeftOut(p, why, caselog.Entry{Event: caselog.LeftOut, SlideIndex: n, Slide: p.fileName(), Reason: why})
			}
		}, desk.w.window())
	reason.OnSubmitted = func(string) { d.Submit() } // Enter
	d.Resize(fyne.NewSize(520, 180))
	desk.w.showDialog(d)
	desk.w.window().Canvas().Focus(reason)
}

// setLeftOut records e (about p's slide, number e.SlideIndex), then sets p's reason (""; counted again), saves
// the case file and redraws the patient result. Nothing changes when the
// log refuses the line.
func (desk *caseDesk) setLeftOut(p *slidePane, reason string, e caselog.Entry) {
	if !desk.record(e) {
		return
	}
	p.ref.LeftOut = reason
	desk.saveCaseTo(desk.session.Path)
	desk.updatePatientResult()
	n := e.SlideIndex
	if reason != "" {
		desk.w.notify(fmt.Sprintf("Slide %d left out of the patient result (recorded in the case log; case saved)", n))
	} else {
		desk.w.notify(fmt.Sprintf("Slide %d counts in the patient result again (recorded in the case log; case saved)", n))
	}
}

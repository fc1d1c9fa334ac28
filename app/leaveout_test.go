package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tessera/caselog"
	"tessera/cases"
	"tessera/internal/testslides"
)

// A withheld slide blanks the patient result until the pathologist leaves
// it out with a reason: the decision is logged, saved in the case file,
// shown on every card, and the others' patient result can be signed off.
// Counting it in again is logged too.
func TestLeaveAWithheldSlideOutOfThePatientResult(t *testing.T) {
	ui, casePath, panes := openAnalysedCase(t, testslides.Blurred)
	if !panes[1].ref.Result.Withheld() {
		t.Fatalf("the blurred slide is not withheld: %s", panes[1].ref.Result.VerdictText())
	}
	card := panes[0].analysis.card
	if !strings.Contains(card.patient.Text, "slide 2 is withheld") || card.leaveOut.Hidden || !card.patientSignOff.Hidden {
		t.Fatalf("before: patient %q, leave-out button hidden %v, patient sign-off hidden %v", card.patient.Text, card.leaveOut.Hidden, card.patientSignOff.Hidden)
	}
	ui.desk.toggleLeftOut(panes[1])
	form, ok := ui.dialog.(*dialog.FormDialog)
	entry, focused := ui.win.Canvas().Focused().(*widget.Entry)
	if !ok || !focused {
		t.Fatalf("no reason dialog with the focus on its entry: %T", ui.dialog)
	}
	form.Submit()
	if !ui.dialogOpen() || panes[1].ref.LeftOut != "" {
		t.Fatal("a slide was left out without a reason")
	}
	test.Type(entry, "out of focus; rescan requested")
	form.Submit()
	if panes[1].ref.LeftOut != "out of focus; rescan requested" {
		t.Fatalf("left out %q", panes[1].ref.LeftOut)
	}
	rep, err := caselog.Verify(caselog.PathFor(casePath))
	if err != nil {
		t.Fatal(err)
	}
	if last := rep.Entries[len(rep.Entries)-1]; last.Event != caselog.LeftOut || last.SlideIndex != 2 || last.Reason != "out of focus; rescan requested" {
		t.Errorf("log line %+v", last)
	}
	saved, err := cases.Load(casePath)
	if err != nil || saved.Slides[1].LeftOut != "out of focus; rescan requested" {
		t.Errorf("case file: %v %+v", err, saved)
	}
	for i, p := range panes {
		c := p.analysis.card
		if !strings.Contains(c.patient.Text, "Patient (highest slide probability of 1 slide)") ||
			!strings.Contains(c.patient.Text, "left out: out of focus") || c.patientSignOff.Hidden {
			t.Errorf("card %d: patient %q, patient sign-off hidden %v", i+1, c.patient.Text, c.patientSignOff.Hidden)
		}
	}
	if panes[1].analysis.card.leaveOut.Text != leaveOutLabel("x") {
		t.Errorf("button %q", panes[1].analysis.card.leaveOut.Text)
	}
	ui.desk.toggleLeftOut(panes[1])
	rep, _ = caselog.Verify(caselog.PathFor(casePath))
	if last := rep.Entries[len(rep.Entries)-1]; last.Event != caselog.IncludedAgain || panes[1].ref.LeftOut != "" || !strings.Contains(card.patient.Text, "slide 2 is withheld") {
		t.Errorf("counted again: log %+v, left out %q, patient %q", last, panes[1].ref.LeftOut, card.patient.Text)
	}
}

package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tessera/caselog"
	"tessera/cases"
	"tessera/internal/testslides"
)

// openAnalysedCase saves a case of CMU-1-Small-Region and the derived
// slide second (testslides.Derived), opens it in a test window and
// analyses both with the built-in model (fresh: no result cache).
func openAnalysedCase(t *testing.T, second string) (*UI, string, []*slidePane) {
	t.Helper()
	slides := sharedSlides(t)
	requireRuntime(t)
	casePath := filepath.Join(t.TempDir(), "p.tessera-case.json")
	c := &cases.Case{Schema: cases.Schema, Label: "Board 3", Slides: []cases.SlideRef{
		{Path: filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs")}, {Path: testslides.Derived(t, second)}}}
	if err := c.Save(casePath); err != nil {
		t.Fatal(err)
	}
	ui := newTestUI(t)
	ui.results.Dir = t.TempDir()
	ui.OpenCase(casePath)
	settle(ui)
	if len(ui.panes) != 2 {
		t.Fatalf("%d panes", len(ui.panes))
	}
	panes := []*slidePane{ui.panes[ui.tabs.Items[0]], ui.panes[ui.tabs.Items[1]]}
	for _, p := range panes {
		analyse(t, p)
	}
	return ui, casePath, panes
}

// A saved case of two real slides: opening and analysing are logged; a
// sign-off needs its reason, is recorded with the result it is about and
// shows on the card; the patient is signed off too; an altered log is
// reported when the case is opened again and takes no new sign-off.
func TestSignOffInTheWindow(t *testing.T) {
	ui, casePath, panes := openAnalysedCase(t, testslides.Sharp)
	logPath := caselog.PathFor(casePath)
	rep, err := caselog.Verify(logPath)
	if err != nil || !rep.Intact() || len(rep.Entries) != 3 || rep.Entries[0].Event != caselog.CaseOpened || rep.Entries[1].Event != caselog.Analysis {
		t.Fatalf("log after opening and analysing: %s %+v", rep.Summary(), rep.Entries)
	}
	p := panes[0]
	card := p.analysis.card
	if card.signOff.Hidden || card.patientSignOff.Hidden {
		t.Fatal("the sign-off sections are hidden with results and a patient-level result")
	}
	signOff := func(p *slidePane, decision, reason string) {
		t.Helper()
		ui.desk.askSignOff(p, decision)
		form, ok := ui.dialog.(*dialog.FormDialog)
		if !ok || !ui.dialogOpen() {
			t.Fatalf("no sign-off dialog: %T", ui.dialog)
		}
		entry, ok := ui.win.Canvas().Focused().(*widget.Entry)
		if !ok {
			t.Fatal("the reason does not have the focus")
		}
		form.Submit()
		if !ui.dialogOpen() {
			t.Fatal("a sign-off without a reason was accepted")
		}
		test.Type(entry, reason)
		entry.OnSubmitted(entry.Text) // what Shift+Enter calls in the multi-line reason
		if ui.dialogOpen() {
			t.Error("Shift+Enter did not record the sign-off")
			form.Submit()
		}
	}
	signOff(p, caselog.Agree, "consistent with the morphology")
	if got := card.signedOff.Text; !strings.HasPrefix(got, "Agree: consistent with the morphology (") {
		t.Errorf("card sign-off %q", got)
	}
	if panes[1].analysis.card.signedOff.Text != "" {
		t.Error("slide 1's sign-off shows on slide 2's card")
	}
	signOff(nil, caselog.Disagree, "the margins were not assessed")
	if got := panes[1].analysis.card.patientSigned.Text; !strings.HasPrefix(got, "Disagree: the margins") {
		t.Errorf("patient sign-off on slide 2's card %q", got)
	}
	rep, _ = caselog.Verify(logPath)
	n := len(rep.Entries)
	slideOff, patientOff := rep.Entries[n-2], rep.Entries[n-1]
	if slideOff.Event != caselog.SignOff || slideOff.Scope != "slide" || slideOff.SlideIndex != 1 || slideOff.ResultHash != caselog.ResultHash(p.ref.Result) {
		t.Errorf("slide sign-off %+v", slideOff)
	}
	if patientOff.Scope != "patient" || patientOff.Decision != caselog.Disagree || patientOff.Probability == nil {
		t.Errorf("patient sign-off %+v", patientOff)
	}
	ui.handleWindowRune(']')
	rep, _ = caselog.Verify(logPath)
	if last := rep.Entries[len(rep.Entries)-1]; last.Event != caselog.EvidenceViewed {
		t.Errorf("evidence step not logged: %+v", last)
	}

	// Someone edits the agreement; the case opens with a warning and takes
	// no more sign-offs.
	data, _ := os.ReadFile(logPath)
	os.WriteFile(logPath, bytes.Replace(data, []byte("consistent with"), []byte("inconsistent with"), 1), 0o644)
	ui.OpenCase(casePath)
	settle(ui)
	if !strings.Contains(test.RenderToMarkup(ui.win.Canvas()), "The case log is broken at line") {
		t.Error("no warning about the altered log")
	}
	if ui.desk.record(caselog.Entry{Event: caselog.Export}) {
		t.Error("an altered log took a new line")
	}
	// One clear state: one dialog (not one per result shown), every card
	// says recording is closed and why, offers no sign-off, and shows the
	// altered sign-off as unverified rather than dropping it.
	if n := len(ui.win.Canvas().Overlays().List()); n != 1 {
		t.Errorf("%d dialogs on screen after opening the altered case, want 1", n)
	}
	for i, pane := range ui.panes {
		c := pane.analysis.card
		if c.logClosed.Hidden || !strings.Contains(c.logClosed.Text, "nothing new can be recorded") || c.signButtons[0].Visible() || c.signButtons[1].Visible() {
			t.Errorf("%s: card closed %q (hidden %v), buttons shown %v %v", i.Text, c.logClosed.Text, c.logClosed.Hidden, c.signButtons[0].Visible(), c.signButtons[1].Visible())
		}
	}
	for _, pane := range ui.panes {
		if ui.desk.session.Index(pane.ref) != 0 {
			continue
		}
		if got := pane.analysis.card.signedOff.Text; !strings.Contains(got, "UNVERIFIED") || !strings.Contains(got, "inconsistent with the morphology") {
			t.Errorf("the altered sign-off on slide 1's card: %q", got)
		}
	}
}

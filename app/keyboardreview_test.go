package app

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tessera/caselog"
	"tessera/internal/testslides"
)

// press sends a keyboard shortcut to the window as the keyboard would.
func press(ui *UI, s fyne.Shortcut) {
	ui.win.Canvas().(interface{ TypedShortcut(fyne.Shortcut) }).TypedShortcut(s)
}

// key sends a key to whatever has the focus.
func key(t *testing.T, ui *UI, name fyne.KeyName) {
	t.Helper()
	f := ui.win.Canvas().Focused()
	if f == nil {
		t.Fatalf("nothing has the focus for %s", name)
	}
	f.TypedKey(&fyne.KeyEvent{Name: name})
}

// Review and sign-off without the mouse: with AI after first read, Ctrl+
// Enter asks the first read (← → choose, Tab, Enter records), then signs
// off the slide's result (decision by ← →, Tab to the reason, Shift+Enter
// records); Ctrl+Shift+Enter the patient's; Ctrl+Shift+L leaves a slide
// out; each is in the log.
func TestKeyboardReviewAndSignOff(t *testing.T) {
	ui, casePath, panes := openAnalysedCase(t, testslides.Sharp)
	ui.setFirstReadMode(true)
	t.Cleanup(func() { ui.setFirstReadMode(false) })
	p := panes[0]
	ui.tabs.SelectIndex(0)
	analyseAgain := func() {
		t.Helper()
		p.analysis.showResult(p.ref.Result) // as a reopened case shows it: behind the first read
		if !p.analysis.blinded {
			t.Fatal("the result is not waiting for the first read")
		}
	}
	analyseAgain()
	logPath := caselog.PathFor(casePath)
	last := func() caselog.Entry {
		t.Helper()
		rep, err := caselog.Verify(logPath)
		if err != nil || len(rep.Entries) == 0 {
			t.Fatalf("log: %v", err)
		}
		return rep.Entries[len(rep.Entries)-1]
	}

	press(ui, ctrl(fyne.KeyReturn))
	if !ui.dialogOpen() {
		t.Fatal("Ctrl+Enter did not ask the first read")
	}
	key(t, ui, fyne.KeyRight) // the first impression
	ui.win.Canvas().FocusNext()
	note, ok := ui.win.Canvas().Focused().(*widget.Entry)
	if !ok {
		t.Fatalf("Tab went to %T, not the note", ui.win.Canvas().Focused())
	}
	test.Type(note, "read by keyboard")
	key(t, ui, fyne.KeyReturn)
	if p.analysis.blinded || ui.dialogOpen() {
		t.Fatal("the first read was not recorded from the keyboard")
	}
	if e, _ := caselog.Verify(logPath); e.Entries[len(e.Entries)-2].Event != caselog.FirstRead {
		t.Errorf("log before the result shown: %+v", e.Entries[len(e.Entries)-2])
	}

	press(ui, ctrl(fyne.KeyReturn))
	if !ui.dialogOpen() {
		t.Fatal("Ctrl+Enter did not open the sign-off")
	}
	key(t, ui, fyne.KeyRight) // Agree
	key(t, ui, fyne.KeyRight) // Disagree
	ui.win.Canvas().FocusNext()
	reason, ok := ui.win.Canvas().Focused().(*widget.Entry)
	if !ok {
		t.Fatalf("Tab went to %T, not the reason", ui.win.Canvas().Focused())
	}
	test.Type(reason, "too little tumour on the slide")
	reason.OnSubmitted(reason.Text) // Shift+Enter in the multi-line reason
	if e := last(); e.Event != caselog.SignOff || e.Decision != caselog.Disagree || e.Scope != "slide" || e.Reason != "too little tumour on the slide" {
		t.Errorf("keyboard sign-off %+v", e)
	}

	press(ui, ctrlShift(fyne.KeyL))
	if !ui.dialogOpen() {
		t.Fatal("Ctrl+Shift+L did not ask why the slide is left out")
	}
	why := ui.win.Canvas().Focused().(*widget.Entry)
	test.Type(why, "tangential section")
	key(t, ui, fyne.KeyReturn)
	if e := last(); e.Event != caselog.LeftOut || p.ref.LeftOut != "tangential section" {
		t.Errorf("leave out by keyboard: %+v", e)
	}
	press(ui, ctrlShift(fyne.KeyL)) // counts it again
	if p.ref.LeftOut != "" {
		t.Fatal("Ctrl+Shift+L did not count the slide again")
	}

	press(ui, ctrlShift(fyne.KeyReturn))
	if !ui.dialogOpen() {
		t.Fatal("Ctrl+Shift+Enter did not open the patient sign-off")
	}
	key(t, ui, fyne.KeyRight)
	ui.win.Canvas().FocusNext()
	reason = ui.win.Canvas().Focused().(*widget.Entry)
	test.Type(reason, "both slides read")
	reason.OnSubmitted(reason.Text)
	if e := last(); e.Event != caselog.SignOff || e.Scope != "patient" || e.Decision != caselog.Agree {
		t.Errorf("keyboard patient sign-off %+v", e)
	}
}

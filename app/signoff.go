package app

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"tessera/caselog"
	"tessera/inference"
	"tessera/storyboard"
)

// The case log from the window: what the pathologist saw and decided is
// appended to NAME.tessera-log.jsonl beside the saved case file (nothing is
// recorded for slides that are not a saved case: there is no file to put
// the log beside). Appends run on the UI goroutine, in the order of the
// events (one short write and fsync each).

// logPath returns the open case's log, or "" when the case has no file.
func (ui *UI) logPath() string {
	if ui.session.Path == "" {
		return ""
	}
	return caselog.PathFor(ui.session.Path)
}

// record appends e to the case log; it reports whether it was recorded. A
// failure (a full disk, a broken chain) is said on screen; nothing else is
// lost.
func (ui *UI) record(e caselog.Entry) bool {
	return ui.recordWith(func() caselog.Entry { return e })
}

// recordWith appends the entry entry() makes, building it only when there
// is a log to write to (an entry about a result hashes the whole result).
func (ui *UI) recordWith(entry func() caselog.Entry) bool {
	path := ui.logPath()
	if path == "" {
		return false
	}
	if _, err := caselog.Append(path, entry()); err != nil {
		var altered *caselog.AlteredError
		if errors.As(err, &altered) {
			// Said once when the case opened, and on every card: no
			// dialog per refused line.
			return false
		}
		ui.showError(fmt.Errorf("not recorded in the case log: %w", err))
		return false
	}
	return true
}

// recordResult logs a result shown on a pane (analysis run or cache).
func (ui *UI) recordResult(p *slidePane, r *inference.Result, how string) {
	ui.recordWith(func() caselog.Entry {
		e := caselog.AboutResult(caselog.Entry{Event: caselog.Analysis, Detail: how}, r)
		e.SlideIndex = ui.session.Index(p.ref) + 1
		return e
	})
}

// checkCaseLog verifies the log of a case file of n slides just opened and
// warns when its chain is broken; otherwise it records the opening.
func (ui *UI) checkCaseLog(n int) {
	path := ui.logPath()
	if path == "" {
		return
	}
	rep, err := caselog.Verify(path)
	if err != nil {
		ui.showError(err)
		return
	}
	if !rep.Intact() {
		d := dialog.NewInformation("The case log was altered", rep.Summary()+"\n\n"+rep.RecordingClosed(), ui.win)
		ui.showDialog(d)
		return
	}
	ui.record(caselog.Entry{Event: caselog.CaseOpened, Detail: fmt.Sprintf("%d slide(s)", n)})
}

// canRecord reports whether the case log can take a decision, and says
// why not when it cannot (what: "Sign-offs are", the subject of the
// sentence): the case is not saved, or its log was altered.
func (ui *UI) canRecord(what string) bool {
	if ui.logPath() == "" {
		ui.showDialog(dialog.NewInformation("Save the case first",
			what+" recorded in the case's log, beside its case file. Save the case (Ctrl+S) first.", ui.win))
		return false
	}
	if rep, err := caselog.Verify(ui.logPath()); err == nil && !rep.Intact() {
		ui.showDialog(dialog.NewInformation("Nothing can be recorded", rep.RecordingClosed(), ui.win))
		return false
	}
	return true
}

// askSignOff asks the pathologist's decision on a result (the slide's, or
// the patient's when p is nil) and its reason, and records it.
func (ui *UI) askSignOff(p *slidePane, decision string) {
	if !ui.canRecord("Sign-offs are") {
		return
	}
	var e caselog.Entry
	var what, summary string
	if p != nil {
		r := p.ref.Result
		if r == nil || r.Partial {
			ui.showError(errors.New("there is no complete result to sign off on this slide: analyse it to the end first"))
			return
		}
		e = caselog.AboutResult(caselog.Entry{}, r)
		e.Scope, e.SlideIndex = "slide", ui.session.Index(p.ref)+1
		what = fmt.Sprintf("the result of %s", filepath.Base(r.Slide.Name))
		summary = r.Headline()
		if r.Validity.Verdict != inference.VerdictOK {
			summary += "\n" + r.VerdictText()
		}
	} else {
		pat := ui.session.Patient()
		if !pat.Available {
			ui.showError(errors.New("there is no patient-level result to sign off: " + strings.TrimPrefix(pat.Why, "No patient-level result: ")))
			return
		}
		if !pat.Complete() {
			ui.showError(fmt.Errorf("the patient-level result cannot be signed off yet: only %d of %d slides are analysed; analyse every slide of the case first", pat.Analysed, pat.Total))
			return
		}
		e = caselog.AboutPatient(caselog.Entry{}, pat, ui.session.Results())
		what = "the patient-level result"
		summary = fmt.Sprintf("%s (p = %.3f, %s of %s)", pat.ClassLabel, pat.Probability, pat.RuleText(), inference.Count(pat.Analysed, "slide"))
	}
	e.Event, e.Decision = caselog.SignOff, decision
	reason := widget.NewMultiLineEntry()
	reason.SetPlaceHolder("Why (required): what you saw, what you would add. Shift+Enter records.")
	reason.Wrapping = fyne.TextWrapWord
	reason.SetMinRowsVisible(3)
	reason.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("a sign-off needs its reason")
		}
		return nil
	}
	shown := widget.NewLabel(summary)
	shown.Wrapping = fyne.TextWrapWord
	title := map[string]string{caselog.Agree: "Agree with", caselog.Disagree: "Disagree with", caselog.Uncertain: "Uncertain about"}[decision]
	form := dialog.NewForm(fmt.Sprintf("%s %s", title, what), "Record", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Result", shown), widget.NewFormItem("Reason", reason)}, func(ok bool) {
			if !ok {
				return
			}
			e.Reason = strings.TrimSpace(reason.Text)
			if ui.record(e) {
				ui.notify(fmt.Sprintf("Sign-off recorded (%s on %s) in %s", decision, what, filepath.Base(ui.logPath())))
				ui.refreshSignOffs()
			}
		}, ui.win)
	reason.OnSubmitted = func(string) { form.Submit() } // Shift+Enter records (Enter starts a new line)
	form.Resize(fyne.NewSize(560, 320))
	ui.showDialog(form)
	ui.win.Canvas().Focus(reason)
}

// signOffButtons are Agree / Disagree / Uncertain for a slide (p) or the
// patient (p nil).
func (ui *UI) signOffButtons(p *slidePane) fyne.CanvasObject {
	button := func(label, decision string) *widget.Button {
		return widget.NewButton(label, func() { ui.askSignOff(p, decision) })
	}
	return container.NewGridWithColumns(3, button("Agree…", caselog.Agree), button("Disagree…", caselog.Disagree), button("Uncertain…", caselog.Uncertain))
}

// refreshSignOffs shows on every card the sign-offs recorded about its
// result and the patient's. The log is read once; without a case file
// (no log) no result is hashed.
func (ui *UI) refreshSignOffs() {
	var rep *caselog.Report
	if path := ui.logPath(); path != "" {
		rep, _ = caselog.Verify(path) // unreadable: no sign-offs shown (recording says why)
	}
	closed := ""
	if rep != nil {
		closed = rep.RecordingClosed()
	}
	about := func(resultHash string) string {
		if rep == nil {
			return ""
		}
		return strings.Join(storyboard.SignOffsAbout(rep, resultHash), "\n")
	}
	pat := ui.session.Patient()
	patient := ""
	if pat.Available && rep != nil {
		patient = about(caselog.AboutPatient(caselog.Entry{}, pat, ui.session.Results()).ResultHash)
	}
	for _, p := range ui.panes {
		text := ""
		r := p.ref.Result
		if r != nil && rep != nil {
			text = about(caselog.ResultHash(r))
		}
		p.analysis.card.setSignOffs(text, patient, r != nil && !r.Partial, pat.Complete() && pat.Total > 1, closed)
	}
}

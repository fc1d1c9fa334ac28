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
func (desk *caseDesk) logPath() string {
	if desk.session.Path == "" {
		return ""
	}
	return caselog.PathFor(desk.session.Path)
}

// record appends e to the case log; it reports whether it was recorded. A
// failure (a full disk, a broken chain) is said on screen; nothing else is
// lost.
func (desk *caseDesk) record(e caselog.Entry) bool {
	return desk.recordWith(func() caselog.Entry { return e })
}

// recordWith appends the entry entry() makes, building it only when there
// is a log to write to (an entry about a result hashes the whole result).
func (desk *caseDesk) recordWith(entry func() caselog.Entry) bool {
	path := desk.logPath()
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
		desk.w.showError(fmt.Errorf("not recorded in the case log: %w", err))
		return false
	}
	return true
}

// recordResult logs a result shown on a pane (analysis run or cache).
func (desk *caseDesk) recordResult(p *slidePane, r *inference.Result, how string) {
	desk.recordWith(func() caselog.Entry {
		e := caselog.AboutResult(caselog.Entry{Event: caselog.Analysis, Detail: how}, r)
		e.SlideIndex = desk.session.Index(p.ref) + 1
		return e
	})
}

// checkCaseLog verifies the log of a case file of n slides just opened and
// warns when its chain is broken; otherwise it records the opening.
func (desk *caseDesk) checkCaseLog(n int) {
	path := desk.logPath()
	if path == "" {
		return
	}
	rep, err := caselog.Verify(path)
	if err != nil {
		desk.w.showError(err)
		return
	}
	if !rep.Intact() {
		d := dialog.NewInformation("The case log was altered", rep.Summary()+"\n\n"+rep.RecordingClosed(), desk.w.window())
		desk.w.showDialog(d)
		return
	}
	desk.record(caselog.Entry{Event: caselog.CaseOpened, Detail: fmt.Sprintf("%d slide(s)", n)})
}

// canRecord reports whether the case log can take a decision, and says
// why not when it cannot (what: "Sign-offs are", the subject of the
// sentence): the case is not saved, or its log was altered.
func (desk *caseDesk) canRecord(what string) bool {
	if desk.logPath() == "" {
		desk.w.showDialog(dialog.NewInformation("Save the case first",
			what+" recorded in the case's log, beside its case file. Save the case (Ctrl+S) first.", desk.w.window()))
		return false
	}
	if rep, err := caselog.Verify(desk.logPath()); err == nil && !rep.Intact() {
		desk.w.showDialog(dialog.NewInformation("Nothing can be recorded", rep.RecordingClosed(), desk.w.window()))
		return false
	}
	return true
}

// askSignOff asks the pathologist's decision on a result (the slide's, or
// the patient's when p is nil) and its reason, and records it.
func (desk *caseDesk) askSignOff(p *slidePane, decision string) {
	if !desk.canRecord("Sign-offs are") {
		return
	}
	var e caselog.Entry
	var what, summary string
	if p != nil {
		r := p.ref.Result
		if r == nil || r.Partial {
			desk.w.showError(errors.New("there is no complete result to sign off on this slide: analyse it to the end first"))
			return
		}
		e = caselog.AboutResult(caselog.Entry{}, r)
		e.Scope, e.SlideIndex = "slide", desk.session.Index(p.ref)+1
		what = fmt.Sprintf("the result of %s", filepath.Base(r.Slide.Name))
		summary = r.Headline()
		if r.Validity.Verdict != inference.VerdictOK {
			summary += "\n" + r.VerdictText()
		}
		var warning string
		e.Coverage, warning = p.coverage.forSignOff()
		if warning != "" {
			summary += "\n⚠ " + warning
		}
	} else {
		pat := desk.session.Patient()
		if !pat.Available {
			desk.w.showError(errors.New("there is no patient-level result to sign off: " + strings.TrimPrefix(pat.Why, "No patient-level result: ")))
			return
		}
		if !pat.Complete() {
			desk.w.showError(fmt.Errorf("the patient-level result cannot be signed off yet: only %d of %d slides are analysed; analyse every slide of the case first", pat.Analysed, pat.Total))
			return
		}
		e = caselog.AboutPatient(caselog.Entry{}, pat, desk.session.Results())
		what = "the patient-level result"
		summary = fmt.Sprintf("%s (p = %.3f, %s of %s)", pat.ClassLabel, pat.Probability, pat.RuleText(), inference.Count(pat.Analysed, "slide"))
		var records []string
		for _, q := range desk.w.openPanes() {
			if q.ref.Result == nil || q.ref.LeftOut != "" {
				continue
			}
			i := desk.session.Index(q.ref)
			record, warning := q.coverage.forSignOff()
			records = append(records, fmt.Sprintf("slide %d: %s", i+1, record))
			if warning != "" {
				summary += fmt.Sprintf("\n⚠ Slide %d: %s", i+1, warning)
			}
		}
		e.Coverage = strings.Join(records, "; ")
	}
	e.Event, e.Decision = caselog.SignOff, decision
	var choice *requiredChoice // the decision, when the keyboard asked without one
	if decision == "" {
		var labels []string
		for _, d := range decisions {
			labels = append(labels, d.label)
		}
		choice = newRequiredChoice(labels, "a decision")
	}
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
	title := map[string]string{caselog.Agree: "Agree with", caselog.Disagree: "Disagree with", caselog.Uncertain: "Uncertain about", "": "Sign off"}[decision]
	items := []*widget.FormItem{widget.NewFormItem("Result", shown)}
	if choice != nil {
		items = append(items, widget.NewFormItem("Decision", choice))
	}
	items = append(items, widget.NewFormItem("Reason", reason))
	form := dialog.NewForm(fmt.Sprintf("%s %s", title, what), "Record", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		if choice != nil {
			for _, d := range decisions {
				if d.label == choice.Selected {
					e.Decision, decision = d.decision, d.decision
				}
			}
		}
		e.Reason = strings.TrimSpace(reason.Text)
		if desk.record(e) {
			desk.w.notify(fmt.Sprintf("Sign-off recorded (%s on %s) in %s", decision, what, filepath.Base(desk.logPath())))
			desk.refreshSignOffs()
		}
	}, desk.w.window())
	reason.OnSubmitted = func(string) { form.Submit() } // Shift+Enter records (Enter starts a new line)
	form.Resize(fyne.NewSize(560, 360))
	desk.w.showDialog(form)
	if choice != nil {
		desk.w.window().Canvas().Focus(choice)
	} else {
		desk.w.window().Canvas().Focus(reason)
	}
}

// signOffButtons are Agree / Disagree / Uncertain for a slide (p) or the
// patient (p nil).
func (desk *caseDesk) signOffButtons(p *slidePane) fyne.CanvasObject {
	button := func(label, decision string) *widget.Button {
		return widget.NewButton(label, func() { desk.askSignOff(p, decision) })
	}
	return container.NewGridWithColumns(3, button("Agree…", caselog.Agree), button("Disagree…", caselog.Disagree), button("Uncertain…", caselog.Uncertain))
}

// refreshSignOffs shows on every card the sign-offs recorded about its
// result and the patient's. The log is read once; without a case file
// (no log) no result is hashed.
func (desk *caseDesk) refreshSignOffs() {
	var rep *caselog.Report
	if path := desk.logPath(); path != "" {
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
	pat := desk.session.Patient()
	patient := ""
	if pat.Available && rep != nil {
		patient = about(caselog.AboutPatient(caselog.Entry{}, pat, desk.session.Results()).ResultHash)
	}
	for _, p := range desk.w.openPanes() {
		text := ""
		r := p.ref.Result
		if r != nil && rep != nil {
			text = about(caselog.ResultHash(r))
		}
		p.analysis.card.setSignOffs(text, patient, r != nil && !r.Partial, pat.Complete() && pat.Total > 1, closed)
	}
}

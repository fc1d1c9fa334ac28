package app

import (
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"tessera/clinical"
	"tessera/inference"
	"tessera/session"
	"tessera/slide"
	"tessera/storyboard"
)

// caseDesk owns the open case: the session (its slides, results, label,
// saved views and case file), the case's log and what is recorded in it
// (results shown, sign-offs, first reads, slides left out), and the
// patient-level result on the cards. The window (UI) keeps the tabs, menus
// and dialogs; the desk reaches it only through deskWindow. UI goroutine
// only. Its methods live beside their job: this file (the case file, label,
// saved views, patient result), signoff.go (the log and
// sign-offs), firstread.go and leaveout.go.
type caseDesk struct {
	w        deskWindow
	prefs    fyne.Preferences // the user's preferences (AI after first read)
	session  *session.Case    // the open case, or a set of loose tabs; replaced when a case opens or the last tab closes
	nextView int              // the saved view N goes to next
}

// deskWindow is what the case desk needs of the window.
type deskWindow interface {
	openPanes() []*slidePane // the open slides, in the case's order
	current() *slidePane     // the selected slide, or nil
	showError(err error)
	showDialog(d dialog.Dialog)
	notify(text string) // a confirmation on the current slide's status line
	window() fyne.Window
	caseChanged() // the label, file or saved views changed: title and menus
	// modelManifest is the manifest of the bundle at path ("" the built-in
	// one) once it has been read, nil before (it never waits for a read).
	modelManifest(path string) *inference.Manifest
}

// clinicalModel is the case model's [clinical] section (nil when it has
// none) and the slides' scanner ("vendor") for its calibration: the model
// of the first slide, as a patient result comes from one model.
func (desk *caseDesk) clinicalModel() (*clinical.Section, string) {
	panes := desk.w.openPanes()
	if len(panes) == 0 {
		return nil, ""
	}
	m := desk.w.modelManifest(panes[0].ref.ModelPath)
	if m == nil || m.Clinical == nil {
		return nil, ""
	}
	return m.Clinical, slide.Scanner(panes[0].slide)
}

func newCaseDesk(w deskWindow, prefs fyne.Preferences) *caseDesk {
	return &caseDesk{w: w, prefs: prefs, session: session.New()}
}

func (desk *caseDesk) saveCaseTo(path string) {
	if err := desk.session.File().Save(path); err != nil {
		desk.w.showError(fmt.Errorf("the case was not saved (%v); any earlier version of the file is unchanged", err))
		return
	}
	desk.session.Path = path
	desk.session.IsCase = true // saved as one patient's case
	desk.w.notify("Case saved to " + filepath.Base(path))
	desk.w.caseChanged()
	desk.updatePatientResult()
}

// askCaseLabel lets the user type the case label (never read from slides).
func (desk *caseDesk) askCaseLabel() {
	entry := widget.NewEntry()
	entry.SetText(desk.session.Label)
	entry.SetPlaceHolder("e.g. Tumour board 27 Nov, case 3")
	d := dialog.NewForm("Case label", "Set", "Cancel", []*widget.FormItem{widget.NewFormItem("Label", entry)}, func(ok bool) {
		if ok {
			desk.session.Label = strings.TrimSpace(entry.Text)
			desk.session.IsCase = true // labelled as one patient's case
			desk.w.caseChanged()
			desk.updatePatientResult()
		}
	}, desk.w.window())
	entry.OnSubmitted = func(string) { d.Submit() } // Enter
	d.Resize(fyne.NewSize(480, 180))
	desk.w.showDialog(d)
	desk.w.window().Canvas().Focus(entry)
}

// askSaveView names the current view of the current slide.
func (desk *caseDesk) askSaveView() {
	p := desk.w.current()
	if p == nil {
		return
	}
	entry := widget.NewEntry()
	entry.SetText(fmt.Sprintf("View %d", len(desk.session.Views)+1))
	caption := widget.NewMultiLineEntry()
	caption.SetPlaceHolder("what the tumour board should see here (optional)")
	caption.SetMinRowsVisible(3)
	d := dialog.NewForm("Save view", "Save", "Cancel", []*widget.FormItem{widget.NewFormItem("Name", entry), widget.NewFormItem("Caption", caption)}, func(ok bool) {
		if ok {
			desk.saveView(p, strings.TrimSpace(entry.Text))
			desk.session.Views[len(desk.session.Views)-1].Caption = strings.TrimSpace(caption.Text)
		}
	}, desk.w.window())
	entry.OnSubmitted = func(string) { d.Submit() } // Enter
	d.Resize(fyne.NewSize(520, 300))
	desk.w.showDialog(d)
	desk.w.window().Canvas().Focus(entry)
}

// saveView records p's view (centre, zoom, heatmap look) under name.
func (desk *caseDesk) saveView(p *slidePane, name string) {
	desk.session.Views = append(desk.session.Views, p.captureView(name, desk.tabIndex(p)))
	desk.w.caseChanged()
}

// tabIndex is p's place in the case (the tabs keep the case's order).
func (desk *caseDesk) tabIndex(p *slidePane) int { return desk.session.Index(p.ref) }

// moveView moves the view last shown one place earlier (−1) or later (+1)
// in the storyboard (the order presentation mode and the report follow).
func (desk *caseDesk) moveView(delta int) {
	n := len(desk.session.Views)
	if n < 2 {
		return
	}
	i := (desk.nextView - 1 + n) % n // the last shown
	j := i + delta
	if j < 0 || j >= n {
		return
	}
	desk.session.Views[i], desk.session.Views[j] = desk.session.Views[j], desk.session.Views[i]
	desk.nextView = (j + 1) % n
	desk.w.caseChanged()
	if p := desk.w.current(); p != nil {
		p.notice = fmt.Sprintf("View %q is now number %d of %d", desk.session.Views[j].Name, j+1, n)
		p.updateStatus()
	}
}

// updatePatientResult shows the case's patient-level result on every
// slide's card (session.Case.Patient: only for a case, only from one model).
func (desk *caseDesk) updatePatientResult() {
	pat := desk.session.Patient()
	text := patientText(pat)
	section, scanner := desk.clinicalModel()
	for _, pane := range desk.w.openPanes() {
		pane.analysis.factors.show(section, desk.session.Factors, func() { desk.recordFactors(pane) })
	}
	if section != nil {
		lines := storyboard.ClinicalLines(section, desk.session.ClinicalRisk(section, scanner))
		text = strings.TrimSpace(text + "\n\nClinical factors and the combined risk:\n" + strings.Join(lines, "\n"))
	}
	for _, pane := range desk.w.openPanes() {
		card := pane.analysis.card
		card.patient.SetText(text)
		card.patient.Hidden = text == "" || pane.analysis.blinded
		card.patient.Refresh()
		card.leaveOut.SetText(leaveOutLabel(pane.ref.LeftOut))
		card.leaveOut.Hidden = !desk.session.IsCase || pat.Total < 2 || pane.analysis.blinded
	}
	desk.refreshSignOffs()
}

// patientText is the case card's patient section: the combined result and
// each slide's, or why there is none; "" when there is nothing to say (not
// a case, a single slide, nothing analysed).
func patientText(p session.Patient) string {
	if p.Total < 2 || p.Analysed == 0 || (!p.Available && p.Why == "") {
		return ""
	}
	var lines []string
	if p.Available {
		lines = append(lines, fmt.Sprintf("Patient (%s of %s): %s, p = %.3f\nModel: %s", p.RuleText(), inference.Count(p.Analysed, "slide"), p.ClassLabel, p.Probability, p.Model))
		if prov := p.ProvisionalText(); prov != "" {
			lines = append(lines, "! "+prov)
		}
		for _, c := range p.Caveats {
			lines = append(lines, "! "+c)
		}
	} else {
		lines = append(lines, p.Why)
	}
	for _, s := range p.Slides {
		line := fmt.Sprintf("Slide %d: %s (p = %.3f, %s)", s.Index+1, s.ClassLabel, s.Probability, s.Model)
		if s.Withheld {
			line = fmt.Sprintf("Slide %d: %s (%s)", s.Index+1, s.ClassLabel, s.Model)
		}
		if s.LeftOut != "" {
			line += " - left out: " + s.LeftOut
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

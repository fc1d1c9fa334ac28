package app

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tessera/caselog"
	"tessera/inference"
)

// "AI after first read": when the mode is on, a slide's result stays
// hidden (card, heatmap, evidence) until the pathologist has recorded their
// own impression; the impression and the showing of the AI result are both
// recorded in the case log. The mode is a per-user preference.

// firstReadKey is the preference that turns the mode on.
const firstReadKey = "ai-after-first-read"

// cannotSay is the impression of a pathologist who cannot decide.
const cannotSay = "Cannot say"

// firstReadMode reports whether results wait for the pathologist's read.
func (desk *caseDesk) firstReadMode() bool { return desk.prefs.Bool(firstReadKey) }

// setFirstReadMode turns the mode on or off; results already shown stay.
func (ui *UI) setFirstReadMode(on bool) {
	ui.app.Preferences().SetBool(firstReadKey, on)
	if ui.firstReadItem != nil {
		ui.firstReadItem.Checked = on
		ui.mainMenu.Refresh()
	}
	if on {
		ui.notify("AI after first read: new results stay hidden until you record your impression")
	} else {
		for _, p := range ui.panes {
			if p.analysis.blinded {
				p.analysis.unblind()
			}
		}
	}
}

// firstReadBox is the card's section that asks the pathologist's own
// read before the AI result is shown.
type firstReadBox struct {
	content    *fyne.Container
	impression *widget.RadioGroup
	note       *widget.Entry
}

func newFirstReadBox(record func()) *firstReadBox {
	b := &firstReadBox{impression: widget.NewRadioGroup(nil, nil), note: widget.NewEntry()}
	b.note.SetPlaceHolder("Note (optional)")
	intro := widget.NewLabel("An AI result is ready. It stays hidden until you record your own impression of the slide (AI after first read).")
	intro.Wrapping = fyne.TextWrapWord
	button := widget.NewButton("Record my read and show the AI result", record)
	button.Importance = widget.HighImportance
	b.content = container.NewVBox(widget.NewLabelWithStyle("Your first read", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		intro, b.impression, b.note, button)
	b.content.Hide()
	return b
}

// blind hides result r behind the first-read box.
func (a *analysisPanel) blind(r *inference.Result) {
	a.blinded = true
	labels := r.ClassLabels()
	a.firstRead.impression.Options = []string{labels[0], labels[1], cannotSay}
	a.firstRead.impression.SetSelected("")
	a.firstRead.impression.Refresh()
	a.firstRead.note.SetText("")
	a.card.setBlind(true)
	a.firstRead.content.Show()
	a.evidence.content.Hide()
	a.layers.redraw()
}

// unblind shows the result hidden by blind.
func (a *analysisPanel) unblind() {
	a.blinded = false
	a.firstRead.content.Hide()
	a.card.setBlind(false)
	a.pane.desk.updatePatientResult() // and the sign-off sections
	a.pane.coverage.update()          // with the evidence regions
	if r := a.pane.ref.Result; r != nil && len(r.Evidence) > 0 && len(a.evidence.strip.Objects) > 0 {
		a.evidence.content.Show()
	}
	a.layers.redraw()
}

// readFirst reports whether the case log holds the pathologist's first
// read of r's slide before r was shown: a reopened case shows it at once
// rather than asking for the read again. An altered log counts only its
// verified lines.
func (desk *caseDesk) readFirst(r *inference.Result) bool {
	path := desk.logPath()
	if path == "" {
		return false
	}
	rep, err := caselog.Verify(path)
	return err == nil && rep.ReadFirst(filepath.Base(r.Slide.Name), caselog.ResultHash(r))
}

// blindedPane returns a pane whose result waits for a first read, or nil;
// exports and presentation refuse to show it before.
func (desk *caseDesk) blindedPane() *slidePane {
	for _, p := range desk.w.openPanes() {
		if p.analysis.blinded {
			return p
		}
	}
	return nil
}

// refuseWhileBlinded says why an action that would show an AI result must
// wait, and reports whether it must.
func (desk *caseDesk) refuseWhileBlinded(action string) bool {
	p := desk.blindedPane()
	if p == nil {
		return false
	}
	desk.w.showError(fmt.Errorf("record your first read of %s before %s: its AI result is still hidden (AI after first read)", p.fileName(), action))
	return true
}

// recordFirstRead records the impression chosen in the box, then shows the
// AI result and records that too.
func (a *analysisPanel) recordFirstRead() {
	r := a.pane.ref.Result
	if r == nil {
		return
	}
	impression := a.firstRead.impression.Selected
	if impression == "" {
		a.pane.ui.showError(errors.New("choose your impression first (or " + strings.ToLower(cannotSay) + ")"))
		return
	}
	ui := a.pane.ui
	slideName := filepath.Base(r.Slide.Name)
	index := ui.desk.session.Index(a.pane.ref) + 1
	recorded := ui.desk.record(caselog.Entry{Event: caselog.FirstRead, Slide: slideName, SlideIndex: index,
		Decision: impression, Reason: strings.TrimSpace(a.firstRead.note.Text),
		Detail: "the pathologist's impression, recorded before the AI result was shown"})
	a.unblind()
	ui.desk.recordResult(a.pane, r, "shown after the pathologist's first read")
	what := "recorded in " + filepath.Base(ui.desk.logPath())
	switch {
	case ui.desk.logPath() == "":
		what = "not recorded: these slides are not a saved case"
	case !recorded:
		what = "NOT recorded: the case log cannot take it (see the case card)"
	}
	ui.notify(fmt.Sprintf("Your read (%s) was %s; the AI result is shown", impression, what))
}

package app

import (
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tessera/inference"
)

// warningColour outlines the case card's warnings.
var warningColour = color.NRGBA{0xff, 0xa0, 0x00, 0xff}

// caseCard states a result: the class large and unmistakable, the
// probability and the threshold it was compared with, the model, the
// provider and the date, and plain warnings. UI goroutine only.
type caseCard struct {
	verdict  *widget.Label  // the validity verdict, above the class
	reveal   *widget.Button // shows a withheld class, after a confirmation
	class    *widget.Label
	detail   *widget.Label
	warnings *fyne.Container
	other    *fyne.Container // "this result is from another model", hidden if not
	otherTxt *widget.Label
	patient  *widget.Label  // the patient-level result over the open slides
	leaveOut *widget.Button // leaves the slide out of the patient result, or counts it again
	content  *fyne.Container

	// Sign-off: the slide's buttons and recorded sign-offs, the patient's.
	signOff        *fyne.Container
	signedOff      *widget.Label
	patientSignOff *fyne.Container
	patientSigned  *widget.Label
	signButtons    [2]fyne.CanvasObject // the slide's and the patient's Agree / Disagree / Uncertain
	logClosed      *widget.Label        // why nothing can be recorded (an altered log); hidden otherwise

	blinded bool // the AI result waits for the pathologist's first read
}

func newCaseCard() *caseCard {
	c := &caseCard{
		verdict:  widget.NewLabel(""),
		class:    widget.NewLabel("No analysis yet"),
		detail:   widget.NewLabel("Choose a model and press Analyze (Ctrl+R)."),
		warnings: container.NewVBox(),
		patient:  widget.NewLabel(""),
	}
	c.patient.Wrapping = fyne.TextWrapWord
	c.patient.Hide()
	c.leaveOut = widget.NewButton("", nil)
	c.leaveOut.Hide()
	c.verdict.Wrapping = fyne.TextWrapWord
	c.verdict.TextStyle.Bold = true
	c.verdict.Hide()
	c.reveal = widget.NewButton("Show the withheld class…", nil)
	c.reveal.Hide()
	c.other = warningLine("").(*fyne.Container)
	c.otherTxt = c.other.Objects[1].(*widget.Label)
	c.other.Hide()
	c.class.SizeName = theme.SizeNameSubHeadingText
	c.class.TextStyle.Bold = true
	c.class.Wrapping = fyne.TextWrapWord
	c.detail.Wrapping = fyne.TextWrapWord
	c.content = container.NewVBox(widget.NewLabelWithStyle("Case card", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		// What qualifies the class (demonstration, not validated, typed
		// µm/px, partial) right under it, before the figures.
		c.other, c.verdict, c.class, c.warnings, c.reveal, c.detail, c.patient, c.leaveOut)
	return c
}

// addSignOff puts the sign-off buttons of the slide and of the patient on
// the card (they need the window, which the card does not know).
func (c *caseCard) addSignOff(slideButtons, patientButtons fyne.CanvasObject) {
	c.signedOff, c.patientSigned = widget.NewLabel(""), widget.NewLabel("")
	c.signedOff.Wrapping, c.patientSigned.Wrapping = fyne.TextWrapWord, fyne.TextWrapWord
	c.signButtons = [2]fyne.CanvasObject{slideButtons, patientButtons}
	c.logClosed = widget.NewLabel("")
	c.logClosed.Wrapping, c.logClosed.Importance = fyne.TextWrapWord, widget.DangerImportance
	c.logClosed.Hide()
	c.content.Add(c.logClosed)
	c.signOff = container.NewVBox(widget.NewLabelWithStyle("Sign off this slide's result", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		slideButtons, c.signedOff)
	c.patientSignOff = container.NewVBox(widget.NewLabelWithStyle("Sign off the patient-level result", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		patientButtons, c.patientSigned)
	c.signOff.Hide()
	c.patientSignOff.Hide()
	c.content.Add(c.signOff)
	c.content.Add(c.patientSignOff)
}

// setSignOffs shows the sign-offs recorded about the slide's result and
// the patient's; the slide's section shows only with a complete result,
// the patient's only with a patient-level result.
func (c *caseCard) setSignOffs(slide, patient string, hasResult, hasPatient bool, logClosed string) {
	if c.signOff == nil {
		return
	}
	c.logClosed.SetText(logClosed)
	c.logClosed.Hidden = logClosed == ""
	for _, b := range c.signButtons {
		if logClosed != "" {
			b.Hide()
		} else {
			b.Show()
		}
	}
	c.signedOff.SetText(slide)
	c.signedOff.Hidden = slide == ""
	c.patientSigned.SetText(patient)
	c.patientSigned.Hidden = patient == ""
	c.signOff.Hidden = !hasResult || c.blinded
	c.patientSignOff.Hidden = !hasPatient || c.blinded
	c.content.Refresh()
}

// show displays r.
func (c *caseCard) show(r *inference.Result) {
	c.class.Importance = widget.HighImportance // negative class: blue
	switch {
	case r.Withheld(), r.Partial:
		c.class.Importance = widget.WarningImportance // not a finding
	case r.Positive():
		c.class.Importance = widget.DangerImportance // positive class: red
	}
	c.class.SetText(r.Headline())
	provider := string(r.Runtime.Provider)
	if r.Runtime.ProviderNote != "" {
		provider += " (" + r.Runtime.ProviderNote + ")"
	}
	probability := fmt.Sprintf("Probability %.3f, threshold %.2f (%s)%s", r.Probability, r.Threshold, thresholdDistance(r), horizonText(r.Horizon))
	switch {
	case r.Withheld():
		probability = "No class or probability is shown: the slide is outside what the model was built for."
	case r.Partial:
		probability = r.ProvisionalText()
	}
	c.showVerdict(r)
	for _, l := range r.InterpretationLines() {
		probability += "\n" + l
	}
	if c := r.ColourText(); c != "" {
		probability += "\n" + c
	}
	intended := ""
	if r.Model.IntendedUse != "" {
		intended = "\nIntended use: " + r.Model.IntendedUse
	}
	if p := r.PrecisionText(); p != "" {
		intended += "\n" + p
	}
	if s := r.Stain.Text(); s != "" {
		intended += "\n" + s
	}
	c.detail.SetText(fmt.Sprintf("%s\nModel: %s %s (sha256 %.12s)%s\nRuntime: ONNX Runtime %s on %s\n%d tiles, %s",
		probability, r.Model.Name, r.Model.Version, r.Model.SHA256, intended,
		r.Runtime.Library, provider, len(r.Tiles), r.CreatedAt.Local().Format("2006-01-02 15:04")))
	c.warnings.RemoveAll()
	for _, w := range r.Caveats() {
		c.warnings.Add(warningLine(w.Long))
	}
	c.content.Refresh()
}

// setBlind hides everything the card says about the AI result (class,
// probability, verdict, warnings, sign-off) while the pathologist records
// a first read, or shows it again.
func (c *caseCard) setBlind(on bool) {
	c.blinded = on
	for _, o := range []fyne.CanvasObject{c.verdict, c.class, c.detail, c.warnings} {
		if on {
			o.Hide()
		} else {
			o.Show()
		}
	}
	if on {
		c.reveal.Hide()
		c.other.Hide()
		if c.signOff != nil {
			c.signOff.Hide()
			c.patientSignOff.Hide()
		}
		c.patient.Hide()
	} else {
		c.patient.Hidden = c.patient.Text == ""
	}
	c.content.Refresh()
}

// setOtherModel says, above the class, that the result shown is another
// model's ("" hides it).
func (c *caseCard) setOtherModel(why string) {
	c.otherTxt.SetText("⚠ " + why)
	c.other.Hidden = why == "" || c.blinded
	c.content.Refresh()
}

// showVerdict shows the validity verdict above the class, and for a
// withheld result the button that reveals its class after a confirmation.
func (c *caseCard) showVerdict(r *inference.Result) {
	c.verdict.SetText(r.VerdictText())
	c.verdict.Importance = widget.SuccessImportance // green: within a domain the model declared
	switch r.Validity.Verdict {
	case inference.VerdictOK:
		if !r.Validity.DomainDeclared {
			c.verdict.Importance = widget.MediumImportance // only what was checked: not green
		}
	case inference.VerdictFlag:
		c.verdict.Importance = widget.WarningImportance
	case inference.VerdictWithheld:
		c.verdict.Importance = widget.DangerImportance
	}
	c.verdict.Hidden = r.Validity.Verdict == ""
	c.verdict.Refresh()
	c.reveal.Hidden = !r.Withheld() || r.Class == "" // no tile scored: no class to show
	c.reveal.Refresh()
}

// revealWithheld shows a withheld result's class and probability, marked as
// withheld (after the user confirmed; exports keep saying withheld).
func (c *caseCard) revealWithheld(r *inference.Result) {
	c.class.SetText(r.ClassLabel + " (withheld result, shown on request)")
	c.detail.SetText(fmt.Sprintf("Probability %.3f, threshold %.2f. The slide is outside what the model was built for: this is not a result.", r.Probability, r.Threshold))
	c.reveal.Hide()
}

// clear shows the state before any result.
func (c *caseCard) clear(text string) {
	c.verdict.Hide()
	c.reveal.Hide()
	c.class.Importance = widget.MediumImportance
	c.class.SetText("No analysis yet")
	c.detail.SetText(text)
	c.warnings.RemoveAll()
}

// thresholdDistance says how far the probability is from the threshold, in
// words: a result close to it is a weak one.
func thresholdDistance(r *inference.Result) string {
	d := r.Probability - r.Threshold
	switch {
	case d >= 0.005:
		return fmt.Sprintf("%.2f above", d)
	case d <= -0.005:
		return fmt.Sprintf("%.2f below", -d)
	}
	return "at the threshold"
}

func horizonText(h string) string {
	if h == "" {
		return ""
	}
	return "; horizon: " + h
}

func warningLine(text string) fyne.CanvasObject {
	bg := canvas.NewRectangle(color.NRGBA{0xff, 0xa0, 0x00, 0x40})
	bg.StrokeColor = warningColour
	bg.StrokeWidth = 1
	l := widget.NewLabel("⚠ " + text)
	l.Wrapping = fyne.TextWrapWord
	return container.NewStack(bg, l)
}

// formatDuration renders an ETA as m:ss.
func formatDuration(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

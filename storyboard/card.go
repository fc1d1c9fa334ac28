package storyboard

import (
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"tessera/inference"
	"tessera/session"
)

// Colours of the overlay card (and of presentation mode's cards around
// it): white on translucent black reads on any stain.
var (
	CardBackground = color.NRGBA{0, 0, 0, 190}
	CardText       = color.NRGBA{255, 255, 255, 255}
	CardPositive   = color.NRGBA{0xff, 0x6b, 0x6b, 0xff}
	CardNegative   = color.NRGBA{0x64, 0xb5, 0xf6, 0xff}
	CardWarning    = color.NRGBA{0xff, 0xc1, 0x07, 0xff}
)

// ResultCard is the compact case card drawn over the slide in presentation
// mode and burned into annotated snapshots: the class, probability and
// threshold, model provenance and warnings. It names the slide only by
// title (its place in the case), never by file name or path. scale enlarges
// the type (1 for snapshots, more for a tumour-board screen).
func ResultCard(r *inference.Result, title string, scale float32) fyne.CanvasObject {
	line := func(s string, size float32, c color.Color, bold bool) *canvas.Text {
		t := canvas.NewText(s, c)
		t.TextSize = size * scale
		t.TextStyle.Bold = bold
		return t
	}
	classColour := CardNegative
	probability := fmt.Sprintf("p = %.3f   threshold %.2f", r.Probability, r.Threshold)
	switch {
	case r.Withheld(): // not a result: no class, no probability
		classColour = CardWarning
		probability = "no class or probability: the slide is outside the model's domain"
	case r.Partial: // not a finding: no class colour, no probability as a result
		classColour = CardWarning
		probability = fmt.Sprintf("provisional p = %.3f on the tiles scored so far", r.Probability)
	case r.Positive():
		classColour = CardPositive
	}
	lines := []fyne.CanvasObject{}
	if title != "" {
		lines = append(lines, line(title, 12, CardText, false))
	}
	lines = append(lines, line(r.Headline(), 18, classColour, true))
	// What qualifies the class comes right under it, nearly as large: a
	// demonstration model's class must not outweigh the warning.
	for _, w := range r.Caveats() {
		lines = append(lines, line("! "+w.Short, 15, CardWarning, true))
	}
	lines = append(lines,
		line(probability, 14, CardText, false),
		line(fmt.Sprintf("%s %s   sha256 %.12s", r.Model.Name, r.Model.Version, r.Model.SHA256), 11, CardText, false),
		line(fmt.Sprintf("ONNX Runtime %s on %s   %s", r.Runtime.Library, r.Runtime.Provider, r.CreatedAt.Local().Format("2006-01-02 15:04")), 11, CardText, false),
	)
	bg := canvas.NewRectangle(CardBackground)
	bg.CornerRadius = 6 * scale
	return container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(8*scale, 8*scale, 10*scale, 10*scale), container.NewVBox(lines...)))
}

// PatientLine is the patient-level result in one line, for presentation
// mode's card and other one-line places: "Patient (mean of 2 slides): High
// risk, p = 0.712", marked provisional when not every
// slide counts yet; or why there is none. "" when there is nothing to say
// (not a case, one slide, nothing analysed).
func PatientLine(p session.Patient) string {
	switch {
	case p.Total < 2 || p.Analysed == 0:
		return ""
	case !p.Available:
		return p.Why
	}
	rule := "highest"
	if p.Rule == "mean" {
		rule = "mean"
	}
	line := fmt.Sprintf("Patient (%s of %s): %s, p = %.3f", rule, inference.Count(p.Analysed, "slide"), p.ClassLabel, p.Probability)
	if !p.Complete() {
		line += fmt.Sprintf("   PROVISIONAL: %d of %d slides", p.Analysed, p.Total-p.LeftOut)
	}
	if p.LeftOut > 0 {
		line += fmt.Sprintf("   (%s left out by the pathologist)", inference.Count(p.LeftOut, "slide"))
	}
	return line
}

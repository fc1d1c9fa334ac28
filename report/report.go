// Package report writes a case report as PDF: the case label, the
// patient-level result, and a page per slide with the heatmap, its legend,
// the class, probability and threshold, and the model and runtime that
// produced them. Reports are de-identified by default: slides are numbered,
// not named, and no file path or associated image (label, macro) is used.
package report

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"time"

	"github.com/go-pdf/fpdf"

	"tessera/cases"
	"tessera/inference"
	"tessera/internal/atomicfile"
)

// Slide is one analysed slide of the report.
type Slide struct {
	Name   string // file name; printed only when Case.ShowIdentifiers
	Result *inference.Result
	Image  image.Image // the slide with its heatmap and legend (heatmap.Compose)
}

// Case is what a report contains.
type Case struct {
	Label           string // typed by the user; may be empty
	Rule            string // patient aggregation: "max" or "mean"
	Slides          []Slide
	Generated       time.Time
	ShowIdentifiers bool // print slide file names (off by default)
}

// slideTitle is how a slide is named in the report.
func (c *Case) slideTitle(i int) string {
	if c.ShowIdentifiers && c.Slides[i].Name != "" {
		return fmt.Sprintf("Slide %d of %d: %s", i+1, len(c.Slides), c.Slides[i].Name)
	}
	return fmt.Sprintf("Slide %d of %d", i+1, len(c.Slides))
}

// PatientResult combines the slides by the case's rule.
func (c *Case) PatientResult() (prob, threshold float64, label string) {
	results := make([]*inference.Result, len(c.Slides))
	for i, s := range c.Slides {
		results[i] = s.Result
	}
	return Patient(c.Rule, results)
}

// Patient combines one patient's slide results by rule ("max" or "mean",
// see cases.PatientProbability) and classifies the combined probability
// with the first result's threshold and class sentences (the slides of a
// case are analysed with one model). results must not be empty.
func Patient(rule string, results []*inference.Result) (prob, threshold float64, label string) {
	probs := make([]float64, len(results))
	for i, r := range results {
		probs[i] = r.Probability
	}
	prob = cases.PatientProbability(rule, probs)
	r := results[0]
	labels := r.ClassLabels()
	label = labels[0]
	if prob >= r.Threshold {
		label = labels[1]
	}
	return prob, r.Threshold, label
}

// WritePDF writes the report to path atomically.
func WritePDF(path string, c Case) error {
	if len(c.Slides) == 0 {
		return fmt.Errorf("report: no analysed slides")
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Tessera case report", true)
	pdf.SetCreator("Tessera", true)
	pdf.SetAutoPageBreak(true, 15)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	text := func(style string, size float64, s string) {
		pdf.SetFont("Helvetica", style, size)
		pdf.MultiCell(0, size*0.5, tr(s), "", "L", false)
	}
	gap := func() { pdf.Ln(3) }

	pdf.AddPage()
	text("B", 18, "Tessera case report")
	label := c.Label
	if label == "" {
		label = "(no case label)"
	}
	text("", 11, "Case: "+label)
	text("", 11, "Generated: "+c.Generated.Format("2006-01-02 15:04 MST"))
	gap()
	prob, threshold, classLabel := c.PatientResult()
	rule := "the highest slide probability"
	if c.Rule == "mean" {
		rule = "the mean slide probability"
	}
	text("B", 13, "Patient-level result")
	text("B", 14, classLabel)
	text("", 11, fmt.Sprintf("Probability %.3f (%s over %d slides), compared with threshold %.2f.", prob, rule, len(c.Slides), threshold))
	gap()
	text("B", 11, "Slides")
	for i, s := range c.Slides {
		r := s.Result
		text("", 10, fmt.Sprintf("%s: %s - probability %.3f, threshold %.2f%s", c.slideTitle(i), r.ClassLabel, r.Probability, r.Threshold, partialText(r)))
	}
	gap()
	writeCaveats(pdf, tr, c.Slides)

	for i, s := range c.Slides {
		pdf.AddPage()
		writeSlidePage(pdf, tr, c.slideTitle(i), s, i)
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return atomicfile.Write(path, func(w io.Writer) error { return pdf.Output(w) })
}

func partialText(r *inference.Result) string {
	if r.Partial {
		return fmt.Sprintf(" (PARTIAL: %d of %d tiles)", len(r.Tiles), r.TilesTotal)
	}
	return ""
}

// writeCaveats prints, once each, the caveats of the slides' results
// (inference.Result.Caveats), boxed in red.
func writeCaveats(pdf *fpdf.Fpdf, tr func(string) string, slides []Slide) {
	seen := map[string]bool{}
	pdf.SetFont("Helvetica", "B", 10)
	pdf.SetTextColor(160, 0, 0)
	for _, s := range slides {
		for _, c := range s.Result.Caveats() {
			if !seen[c.Long] {
				seen[c.Long] = true
				pdf.MultiCell(0, 5, tr(c.Long), "1", "L", false)
			}
		}
	}
	pdf.SetTextColor(0, 0, 0)
}

func writeSlidePage(pdf *fpdf.Fpdf, tr func(string) string, title string, s Slide, i int) {
	r := s.Result
	pdf.SetFont("Helvetica", "B", 14)
	pdf.MultiCell(0, 7, tr(title), "", "L", false)
	if s.Image != nil {
		var buf bytes.Buffer
		if err := png.Encode(&buf, s.Image); err == nil {
			name := fmt.Sprintf("heatmap-%d", i)
			opts := fpdf.ImageOptions{ImageType: "PNG"}
			pdf.RegisterImageOptionsReader(name, opts, &buf)
			b := s.Image.Bounds()
			w, h := 180.0, 180.0*float64(b.Dy())/float64(b.Dx())
			if h > 170 {
				w, h = w*170/h, 170
			}
			pdf.ImageOptions(name, 15, pdf.GetY()+2, w, h, false, opts, 0, "")
			pdf.SetY(pdf.GetY() + h + 5)
		}
	}
	pdf.SetFont("Helvetica", "B", 13)
	pdf.MultiCell(0, 6, tr(r.ClassLabel), "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	lines := []string{
		fmt.Sprintf("Probability %.3f, threshold %.2f%s. Horizon: %s.", r.Probability, r.Threshold, partialText(r), r.Horizon),
		fmt.Sprintf("Model: %s, version %s", r.Model.Name, r.Model.Version),
		"Model sha256: " + r.Model.SHA256,
		fmt.Sprintf("Tile scores: %s. %d tiles of %d px at %.3g µm/px (slide: %.4g µm/px, from %s).", r.Model.ScoreMeaning, len(r.Tiles),
			r.Grid.TileSize, r.Slide.MPP*r.Grid.Side0/float64(r.Grid.TileSize), r.Slide.MPP, r.Slide.MPPSource),
		fmt.Sprintf("Runtime: ONNX Runtime %s, execution provider %s. %s", r.Runtime.Library, r.Runtime.Provider, r.Runtime.ProviderNote),
		"Slide fingerprint: " + r.Slide.Fingerprint,
		"Analysed: " + r.CreatedAt.Local().Format("2006-01-02 15:04 MST"),
	}
	for _, l := range lines {
		pdf.MultiCell(0, 5, tr(l), "", "L", false)
	}
	pdf.Ln(3)
	writeCaveats(pdf, tr, []Slide{s})
}

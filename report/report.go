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
	"image/color"
	"image/png"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"tessera/inference"
	"tessera/internal/atomicfile"
	"tessera/internal/scalebar"
	"tessera/session"
)

// Slide is one analysed slide of the report: the slide alone and with its
// heatmap (the same size and place), a scale for both, and the legend, which
// the report draws as vector text.
type Slide struct {
	Name       string // file name; printed only when Case.ShowIdentifiers
	Result     *inference.Result
	Thumb      image.Image // the whole slide
	Heatmap    image.Image // Thumb with the heatmap over it, no legend
	UMPerPixel float64     // µm per image pixel; 0 when the slide is uncalibrated
	Legend     Legend
	SignOffs   []string // the pathologists' sign-offs on this result, one a line
	// LeftOut is the pathologist's reason for leaving the slide out of the
	// patient-level result ("" when it counts).
	LeftOut string
}

// Legend is the heatmap's legend: the colour bar from low to high, the
// values at its ends, what the colours mean and a note (scaling, caveats).
type Legend struct {
	Colors []color.NRGBA
	Lo, Hi string
	Title  string
	Note   string
}

// Case is what a report contains.
type Case struct {
	Label           string          // typed by the user; may be empty
	Patient         session.Patient // the patient-level result, or why there is none
	Slides          []Slide
	Generated       time.Time
	ShowIdentifiers bool // print slide file names (off by default)
	// PatientSignOffs are the sign-offs on the patient-level result; Log
	// says whether the case log is intact and how long ("" without a log).
	PatientSignOffs []string
	Log             string
	// Views are the storyboard: one page per saved view, in order.
	Views []ViewPage
	// Clinical are the lines of the combined clinical and slide risk
	// (storyboard.ClinicalLines); nil when the model declares none.
	Clinical []string
}

// ViewPage is a saved view's page: the view as the window showed it
// (scale bar and legend drawn in), its title and the caption the tumour
// board reads.
type ViewPage struct {
	Title   string
	Caption string
	Image   image.Image
	Caveats string // the short caveats of the result shown ("" for none)
}

// slideTitle is how a slide is named in the report.
func (c *Case) slideTitle(i int) string {
	if c.ShowIdentifiers && c.Slides[i].Name != "" {
		return fmt.Sprintf("Slide %d of %d: %s", i+1, len(c.Slides), c.Slides[i].Name)
	}
	return fmt.Sprintf("Slide %d of %d", i+1, len(c.Slides))
}

// WritePDF writes the report to path atomically.
func WritePDF(path string, c Case) error {
	if len(c.Slides) == 0 && len(c.Views) == 0 {
		return fmt.Errorf("report: no analysed slides and no saved views")
	}
	pdf, tr, text := newDocument("Tessera case report")
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
	p := c.Patient
	text("B", 13, "Patient-level result")
	switch {
	case p.Available:
		text("B", 14, p.ClassLabel)
		text("", 11, fmt.Sprintf("Probability %.3f (the %s of %s), compared with threshold %.2f.", p.Probability, p.RuleText(), inference.Count(p.Analysed, "analysed slide"), p.Threshold))
		text("", 11, fmt.Sprintf("Model: %s (sha256 %.12s)", p.Model, p.ModelSHA))
		if prov := p.ProvisionalText(); prov != "" {
			text("B", 11, "! "+prov)
		}
		for _, cv := range p.Caveats {
			text("B", 10, "! "+cv)
		}
	case p.Why != "":
		text("B", 11, p.Why)
	default:
		text("", 11, "None: these slides were not opened as one patient's case.")
	}
	writeSignOffs(text, c.PatientSignOffs)
	if len(c.Clinical) > 0 {
		gap()
		text("B", 13, "Clinical factors and the combined risk")
		for _, l := range c.Clinical {
			style := ""
			if strings.HasPrefix(l, "!") {
				style = "B"
			}
			text(style, 11, l)
		}
	}
	gap()
	text("B", 11, "Slides")
	for i, s := range c.Slides {
		r := s.Result
		line := fmt.Sprintf("%s: %s - probability %.3f, threshold %.2f%s; model %s %s", c.slideTitle(i), r.Headline(), r.Probability, r.Threshold, partialText(r), r.Model.Name, r.Model.Version)
		if r.Withheld() {
			line = fmt.Sprintf("%s: %s; model %s %s", c.slideTitle(i), r.Headline(), r.Model.Name, r.Model.Version)
		}
		if s.LeftOut != "" {
			line += ". LEFT OUT of the patient result by the pathologist: " + s.LeftOut
		}
		text("", 10, line)
	}
	gap()
	writeCaveats(pdf, tr, c.Slides)
	if c.Log != "" {
		gap()
		text("B", 11, "Case log")
		text("", 10, c.Log)
	}

	for i, s := range c.Slides {
		pdf.AddPage()
		writeSlidePage(pdf, tr, c.slideTitle(i), s, i)
	}
	for i, v := range c.Views {
		pdf.AddPageFormat("L", pdf.GetPageSizeStr("A4"))
		if err := writeViewPage(pdf, tr, v, i); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	return save(pdf, path, "report")
}

// newDocument starts a portrait A4 PDF with Tessera's title, creator and
// page breaks; tr makes text fit its fonts, text writes a paragraph.
func newDocument(title string) (pdf *fpdf.Fpdf, tr func(string) string, text func(style string, size float64, s string)) {
	pdf = fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(title, true)
	pdf.SetCreator("Tessera", true)
	pdf.SetAutoPageBreak(true, 15)
	tr = pdf.UnicodeTranslatorFromDescriptor("")
	text = func(style string, size float64, s string) {
		pdf.SetFont("Helvetica", style, size)
		pdf.MultiCell(0, size*0.5, tr(s), "", "L", false)
	}
	return pdf, tr, text
}

// save writes pdf to path atomically, or says what went wrong while it was
// made (what names the document in the error).
func save(pdf *fpdf.Fpdf, path, what string) error {
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error { return pdf.Output(w) })
}

// Page geometry of the slide images, millimetres.
const (
	pageLeft    = 15.0
	imageGap    = 6.0
	imageWidth  = (180.0 - imageGap) / 2
	imageHeight = 120.0 // at most
)

// writeImages draws the slide alone and with its heatmap side by side, at
// the same scale, each with a scale bar below.
func writeImages(pdf *fpdf.Fpdf, tr func(string) string, s Slide, i int) {
	b := s.Thumb.Bounds()
	w, h := imageWidth, imageWidth*float64(b.Dy())/float64(b.Dx())
	if h > imageHeight {
		w, h = w*imageHeight/h, imageHeight
	}
	y := pdf.GetY() + 2
	pdf.SetFont("Helvetica", "", 9)
	images := []image.Image{s.Thumb, s.Heatmap}
	if s.Result.Withheld() {
		// The heatmap shows the direction the withheld class hides.
		images = images[:1]
		pdf.Text(pageLeft+imageWidth+imageGap, y+3, tr("No heatmap: the result is withheld."))
	}
	for k, img := range images {
		x := pageLeft + float64(k)*(imageWidth+imageGap)
		pdf.Text(x, y+3, tr([]string{"The slide", "With the heatmap"}[k]))
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			continue
		}
		name := fmt.Sprintf("slide-%d-%d", i, k)
		opts := fpdf.ImageOptions{ImageType: "PNG"}
		pdf.RegisterImageOptionsReader(name, opts, &buf)
		pdf.ImageOptions(name, x, y+5, w, h, false, opts, 0, "")
		writeScaleBar(pdf, tr, x, y+5+h+2, w, float64(b.Dx()), s.UMPerPixel)
	}
	pdf.SetY(y + 5 + h + 10)
}

// writeScaleBar draws a round length under an image of widthMM millimetres
// showing widthPx pixels of umPerPixel µm, or says the slide is uncalibrated.
func writeScaleBar(pdf *fpdf.Fpdf, tr func(string) string, x, y, widthMM, widthPx, umPerPixel float64) {
	pdf.SetFont("Helvetica", "", 9)
	if umPerPixel <= 0 {
		pdf.Text(x, y+3, tr("uncalibrated: no µm/px"))
		return
	}
	mmPerPixel := widthMM / widthPx
	_, lengthPx, label := scalebar.Length(umPerPixel, 0.3*widthPx)
	pdf.SetFillColor(0, 0, 0)
	pdf.Rect(x, y, lengthPx*mmPerPixel, 1.2, "F")
	pdf.Text(x+lengthPx*mmPerPixel+2, y+1.5, tr(label))
}

// writeLegend draws the colour bar as filled rectangles and its texts as
// vector text at a readable size.
func writeLegend(pdf *fpdf.Fpdf, tr func(string) string, l Legend) {
	if len(l.Colors) == 0 {
		return
	}
	pdf.SetFont("Helvetica", "B", 10)
	pdf.MultiCell(0, 5, tr(l.Title), "", "L", false)
	const barW, barH = 90.0, 5.0
	y := pdf.GetY() + 1
	step := barW / float64(len(l.Colors))
	for k, c := range l.Colors {
		pdf.SetFillColor(int(c.R), int(c.G), int(c.B))
		pdf.Rect(pageLeft+float64(k)*step, y, step+0.05, barH, "F")
	}
	pdf.SetFont("Helvetica", "", 10)
	pdf.Text(pageLeft, y+barH+4, tr(l.Lo))
	pdf.Text(pageLeft+barW-pdf.GetStringWidth(tr(l.Hi)), y+barH+4, tr(l.Hi))
	pdf.SetY(y + barH + 6)
	if l.Note != "" {
		pdf.SetFont("Helvetica", "", 9)
		pdf.MultiCell(0, 4.5, tr(l.Note), "", "L", false)
	}
	pdf.Ln(2)
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
	if s.Thumb != nil && s.Heatmap != nil {
		writeImages(pdf, tr, s, i)
		if !r.Withheld() {
			writeLegend(pdf, tr, s.Legend)
		}
	}
	pdf.SetFont("Helvetica", "B", 13)
	pdf.MultiCell(0, 6, tr(r.Headline()), "", "L", false)
	pdf.SetFont("Helvetica", "B", 10)
	pdf.MultiCell(0, 5, tr("Validity: "+r.VerdictText()), "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	probability := fmt.Sprintf("Probability %.3f, threshold %.2f%s. Horizon: %s.", r.Probability, r.Threshold, partialText(r), r.Horizon)
	if r.Withheld() {
		probability = "No class or probability is reported: the slide is outside what the model was built for."
	}
	lines := append([]string{probability}, r.InterpretationLines()...)
	if c := r.ColourText(); c != "" {
		lines = append(lines, c)
	}
	lines = append(lines, []string{
		fmt.Sprintf("Model: %s, version %s", r.Model.Name, r.Model.Version),
		"Model sha256: " + r.Model.SHA256,
		r.PrecisionText(),
		r.Stain.Text(),
		fmt.Sprintf("Tile scores: %s. %d tiles of %d px at %.3g µm/px (slide: %.4g µm/px, from %s).", r.Model.ScoreMeaning, len(r.Tiles),
			r.Grid.TileSize, r.Slide.MPP*r.Grid.Side0/float64(r.Grid.TileSize), r.Slide.MPP, r.Slide.MPPSource),
		fmt.Sprintf("Runtime: ONNX Runtime %s, execution provider %s. %s", r.Runtime.Library, r.Runtime.Provider, r.Runtime.ProviderNote),
		"Slide fingerprint: " + r.Slide.Fingerprint,
		"Analysed: " + r.CreatedAt.Local().Format("2006-01-02 15:04 MST"),
	}...)
	for _, l := range lines {
		if l != "" {
			pdf.MultiCell(0, 5, tr(l), "", "L", false)
		}
	}
	pdf.Ln(3)
	writeSignOffs(func(style string, size float64, s string) {
		pdf.SetFont("Helvetica", style, size)
		pdf.MultiCell(0, size*0.5, tr(s), "", "L", false)
	}, s.SignOffs)
	writeCaveats(pdf, tr, []Slide{s})
}

// writeViewPage draws a storyboard page: the title, the view's image as
// large as the landscape page allows, and the caption in large type.
func writeViewPage(pdf *fpdf.Fpdf, tr func(string) string, v ViewPage, i int) error {
	pdf.SetFont("Helvetica", "B", 14)
	pdf.MultiCell(0, 7, tr(v.Title), "", "L", false)
	var buf bytes.Buffer
	if err := png.Encode(&buf, v.Image); err != nil {
		return err
	}
	name := fmt.Sprintf("view-%d", i)
	pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, &buf)
	b := v.Image.Bounds()
	w := 267.0 // landscape A4 less margins, mm
	h := w * float64(b.Dy()) / float64(b.Dx())
	if h > 150 {
		h, w = 150, 150*float64(b.Dx())/float64(b.Dy())
	}
	pdf.ImageOptions(name, pageLeft, pdf.GetY()+1, w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetY(pdf.GetY() + h + 3)
	pdf.SetFont("Helvetica", "", 16)
	pdf.MultiCell(0, 8, tr(v.Caption), "", "L", false)
	if v.Caveats != "" {
		pdf.SetFont("Helvetica", "B", 10)
		pdf.MultiCell(0, 5, tr("! "+v.Caveats), "", "L", false)
	}
	return nil
}

// writeSignOffs lists sign-offs under a heading, or says there are none.
func writeSignOffs(text func(style string, size float64, s string), signOffs []string) {
	if len(signOffs) == 0 {
		text("", 10, "Sign-off: none recorded.")
		return
	}
	text("B", 10, "Sign-off")
	for _, s := range signOffs {
		text("", 10, s)
	}
}

package report

import (
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tessera/inference"
	"tessera/session"
)

func fakeResult(p float64, demo bool) *inference.Result {
	r := &inference.Result{Probability: p, Threshold: 0.5, Classes: []string{"low", "high"}, TilesTotal: 10,
		Labels: []string{"Low risk of metastatic relapse within 5 years", "High risk of metastatic relapse within 5 years"}}
	r.Class, r.ClassLabel = "low", "Low risk of metastatic relapse within 5 years"
	if p >= 0.5 {
		r.Class, r.ClassLabel = "high", "High risk of metastatic relapse within 5 years"
	}
	r.Model.Name, r.Model.Version, r.Model.SHA256, r.Model.Demonstration = "Relapse model", "2.1", strings.Repeat("ab", 32), demo
	r.Runtime.Library, r.Runtime.Provider = "1.30.0", inference.ProviderCPU
	r.Slide.MPP, r.Slide.MPPSource = 0.25, "vendor"
	r.Grid.Side0, r.Grid.TileSize = 448, 224
	r.Tiles = make([]inference.TileScore, 10)
	r.CreatedAt = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	return r
}

// patientOf computes the patient-level result of slides as one case.
func patientOf(slides []Slide) session.Patient {
	c := session.New()
	c.IsCase = true
	for _, s := range slides {
		c.SetResult(c.Add(s.Name, 0, ""), s.Result)
	}
	return c.Patient()
}

func TestWritePDF(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.Set(1, 1, color.Black)
	legend := Legend{Colors: []color.NRGBA{{0, 0, 255, 255}, {255, 255, 0, 255}}, Lo: "-2.5", Hi: "2.5",
		Title: "Right end: tiles pushing the result towards high", Note: "colours rank the tiles"}
	c := Case{Label: "Board 4", Generated: time.Now(), Slides: []Slide{
		{Name: "PATIENT-NAME_slide1.svs", Result: fakeResult(0.2, false), Thumb: img, Heatmap: img, UMPerPixel: 8, Legend: legend},
		{Name: "PATIENT-NAME_slide2.svs", Result: fakeResult(0.7, true), Thumb: img, Heatmap: img, Legend: legend},
	}}
	c.Patient = patientOf(c.Slides)
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := WritePDF(path, c); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(raw), "%PDF") || strings.Contains(string(raw), "PATIENT-NAME") {
		t.Fatal("not a PDF, or the file names leaked")
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed (poppler-utils): cannot read the PDF back")
	}
	out, err := exec.Command("pdftotext", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{"Board 4", "High risk of metastatic relapse within 5 years", "Probability 0.700", strings.Repeat("ab", 32),
		"DEMONSTRATION MODEL - NOT FOR CLINICAL USE", "NOT MARKED AS VALIDATED", "Slide 2 of 2", "µm/px",
		"Model: Relapse model 2.1", "The slide", "With the heatmap", "Right end: tiles pushing the result towards high",
		"-2.5", "colours rank the tiles", "50 µm", "uncalibrated: no µm/px"} {
		if !strings.Contains(strings.ToUpper(text), strings.ToUpper(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	// Slides analysed with two models: page 1 gives no patient result and
	// says which slide was analysed with which model.
	other := fakeResult(0.9, true)
	other.Model.Name, other.Model.SHA256 = "Built-in demonstration", strings.Repeat("cd", 32)
	c.Slides[1].Result = other
	c.Patient = patientOf(c.Slides)
	if err := WritePDF(path, c); err != nil {
		t.Fatal(err)
	}
	out, _ = exec.Command("pdftotext", "-l", "1", path, "-").Output()
	page1 := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"No patient-level result", "slide 1 with Relapse model 2.1", "slide 2 with Built-in demonstration 2.1"} {
		if !strings.Contains(page1, want) {
			t.Errorf("page 1 with two models lacks %q:\n%s", want, page1)
		}
	}
	if strings.Contains(page1, "Probability 0.900 (the") {
		t.Error("page 1 combines the results of two models")
	}
	// A withheld result: the verdict and its reason, never its class or probability.
	withheld := fakeResult(0.93, false)
	withheld.Validity = inference.Validity{Verdict: inference.VerdictWithheld, Reasons: []inference.Reason{
		{Code: inference.ReasonWrongStain, Text: "This is a fluorescence (dark-field) slide.", Verdict: inference.VerdictWithheld}}}
	c.Slides = []Slide{{Name: "x", Result: withheld, Thumb: img, Heatmap: img, Legend: legend}}
	c.Patient = patientOf(c.Slides)
	if err := WritePDF(path, c); err != nil {
		t.Fatal(err)
	}
	out, _ = exec.Command("pdftotext", path, "-").Output()
	all := strings.Join(strings.Fields(string(out)), " ")
	if !strings.Contains(all, "RESULT WITHHELD: This is a fluorescence") || strings.Contains(all, "0.930") || strings.Contains(all, "High risk") {
		t.Errorf("a withheld result's report shows its class or probability, or not why:\n%s", all)
	}
	if err := WritePDF(path, Case{}); err == nil {
		t.Error("a report without slides was written")
	}
}

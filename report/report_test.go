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

func TestPatientResultRules(t *testing.T) {
	c := Case{Slides: []Slide{{Result: fakeResult(0.3, false)}, {Result: fakeResult(0.8, false)}}}
	if p, th, label := c.PatientResult(); p != 0.8 || th != 0.5 || !strings.HasPrefix(label, "High") {
		t.Errorf("max rule: %v %v %q", p, th, label)
	}
	c.Rule = "mean"
	if p, _, _ := c.PatientResult(); p < 0.549 || p > 0.551 {
		t.Errorf("mean rule: %v", p)
	}
	// The mean can cross the threshold where no single slide's probability
	// equals it: the class follows the combined probability.
	c.Slides = []Slide{{Result: fakeResult(0.2, false)}, {Result: fakeResult(0.9, false)}}
	if p, _, label := c.PatientResult(); p < 0.549 || p > 0.551 || !strings.HasPrefix(label, "High") {
		t.Errorf("mean rule over 0.2 and 0.9: %v %q, want 0.55 and the high class", p, label)
	}
}

func TestWritePDF(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.Set(1, 1, color.Black)
	c := Case{Label: "Board 4", Generated: time.Now(), Slides: []Slide{
		{Name: "PATIENT-NAME_slide1.svs", Result: fakeResult(0.2, false), Image: img},
		{Name: "PATIENT-NAME_slide2.svs", Result: fakeResult(0.7, true), Image: img},
	}}
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
		"DEMONSTRATION MODEL - NOT FOR CLINICAL USE", "NOT MARKED AS VALIDATED", "Slide 2 of 2", "µm/px"} {
		if !strings.Contains(strings.ToUpper(text), strings.ToUpper(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	if err := WritePDF(path, Case{}); err == nil {
		t.Error("a report without slides was written")
	}
}

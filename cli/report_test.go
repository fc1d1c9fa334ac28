package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"tessera/cases"
	"tessera/inference"
)

// pdfText extracts a PDF's text with poppler's pdftotext.
func pdfText(t *testing.T, path string, tool string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("TESSERA_REQUIRE_XVFB") == "1" {
			t.Fatalf("%s not installed (poppler-utils)", tool)
		}
		t.Skipf("%s not installed (poppler-utils): cannot read the PDF back", tool)
	}
	args = append(args, path)
	if tool == "pdftotext" {
		args = append(args, "-") // to standard output
	}
	out, err := exec.Command(tool, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, out)
	}
	return string(out)
}

func TestReportPDF(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	// A case file beside the slides' copies: the folder name is private.
	caseDir := filepath.Join(dir, "DOE_JANE_1970")
	os.MkdirAll(caseDir, 0o755)
	for _, rel := range []string{"aperio/CMU-1-Small-Region.svs", "aperio/tcga-cr-7395-01a-01-ts1.svs"} {
		data, _ := os.ReadFile(filepath.Join(slides, rel))
		os.WriteFile(filepath.Join(caseDir, filepath.Base(rel)), data, 0o644)
	}
	c, err := cases.FromFolder(caseDir)
	if err != nil {
		t.Fatal(err)
	}
	c.Label = "Tumour board case 7"
	c.Slides[1].MPP = 0.5 // the TCGA slide has no calibration
	casePath := filepath.Join(caseDir, "case"+cases.Extension)
	if err := c.Save(casePath); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report.pdf")
	var stderr bytes.Buffer
	if err := Report([]string{casePath, "--out", out}, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	text := pdfText(t, out, "pdftotext", "-layout")
	b, _ := inference.LoadBuiltinBundle()
	for _, want := range []string{"Tumour board case 7", "Patient-level result", "High score on the demonstration model",
		"Probability 0.9", "threshold 0.50", b.SHA256, "DEMONSTRATION MODEL - NOT FOR CLINICAL USE",
		"Slide 1 of 2", "Slide 2 of 2", "entered by hand"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	raw, _ := os.ReadFile(out)
	for _, private := range []string{"DOE_JANE", caseDir, "CMU-1-Small-Region", "tcga-cr"} {
		if strings.Contains(text, private) || bytes.Contains(raw, []byte(private)) {
			t.Errorf("the de-identified report contains %q", private)
		}
	}
	// Images: each slide alone and with its heatmap, nothing else (no label
	// or macro image).
	list := pdfText(t, out, "pdfimages", "-list")
	n := 0
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[2] == "image" {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d images in the report, want each slide alone and with its heatmap:\n%s", n, list)
	}
	for _, want := range []string{"The slide", "With the heatmap", "µm", "Right end: tiles pushing the result towards"} {
		if !strings.Contains(text, want) {
			t.Errorf("slide pages lack %q (scale bar, vector legend)", want)
		}
	}

	// --show-names prints file names; a bad case file is one clear line.
	if err := Report([]string{casePath, "--out", out, "--show-names"}, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pdfText(t, out, "pdftotext"), "CMU-1-Small-Region.svs") {
		t.Error("--show-names did not print the file names")
	}
	os.WriteFile(casePath, []byte(`{"schema": 1, "slides": [`), 0o644)
	err = Report([]string{casePath, "--out", out}, &stderr)
	if ExitCode(err) != ExitBadInput || !strings.Contains(err.Error(), "case file is damaged") {
		t.Errorf("damaged case: %v", err)
	}
}

// The storyboard: `tessera report CASE` adds one landscape page per saved
// view, in order, with the view (its heatmap look, annotations unless the
// view hid them) and its caption (the name for views saved before
// captions).
func TestReportStoryboard(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	ann, err := os.ReadFile(filepath.Join("..", "annotation", "testdata", "qupath-variants.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	casePath := filepath.Join(dir, "board"+cases.Extension)
	c := &cases.Case{Schema: cases.Schema, Label: "Board 7",
		Slides: []cases.SlideRef{{Path: filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), Annotations: ann}},
		Views: []cases.SavedView{
			{Name: "Invasive front", Caption: "Tumour cells invade the stroma at the left margin", Slide: 0, CenterX: 1500, CenterY: 1500, Downsample: 2,
				Heatmap: cases.Layer{Visible: true, Opacity: 0.5, Colormap: "viridis"}},
			{Name: "Overview (a view saved before captions)", Slide: 0, CenterX: 1110, CenterY: 1483, Downsample: 4, AnnotationsHidden: true},
		}}
	if err := c.Save(casePath); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "board.pdf")
	var stderr bytes.Buffer
	if err := Report([]string{casePath, "--out", out, "--ep", "cpu"}, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "1 slides, 2 saved views") {
		t.Errorf("stderr %q", stderr.String())
	}
	text := pdfText(t, out, "pdftotext")
	first, second := strings.Index(text, "View 1 of 2: Invasive front"), strings.Index(text, "View 2 of 2: Overview")
	if first < 0 || second < first || !strings.Contains(text, "Tumour cells invade the stroma") || strings.Count(text, "Overview (a view saved before captions)") < 2 {
		t.Errorf("storyboard pages missing or out of order:\n%s", text)
	}
	if info := pdfText(t, out, "pdfinfo"); !strings.Contains(strings.Join(strings.Fields(info), " "), "Pages: 4 ") {
		t.Errorf("want 4 pages (summary, slide, two views):\n%s", info)
	}
}

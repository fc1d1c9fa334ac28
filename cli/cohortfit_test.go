package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tessera/cohort"
	"tessera/inference"
	"tessera/internal/testbundles"
)

// `tessera cohort fit` on a run's output (results written as a run leaves
// them; outcomes simulated from known coefficients, with age and grade in
// COHORT.csv) writes a [clinical] section that a bundle then loads.
func TestCohortFit(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 5))
	var csv strings.Builder
	csv.WriteString("patient_id,slide,event,time_months,age,grade\n")
	scores := map[string]float64{}
	for i := 0; i < 200; i++ {
		age, grade, score := 35+40*rng.Float64(), rng.IntN(3)+1, rng.Float64()
		lp := 0.03*(age-55) + 0.8*float64(grade-1) + 1.5*(score-0.5)
		tm := math.Ceil(-math.Log(rng.Float64()) / (0.01 * math.Exp(lp)))
		c := math.Ceil(24 + 96*rng.Float64())
		ev := 0
		if tm <= c {
			ev = 1
		}
		slide := fmt.Sprintf("/cohort/p%03d.svs", i)
		fmt.Fprintf(&csv, "P%03d,%s,%d,%g,%.1f,%d\n", i, slide, ev, math.Min(tm, c), age, grade)
		scores[slide] = score
	}
	saveResults := func(sha string) {
		for slide, score := range scores {
			r := &inference.Result{Probability: score, Threshold: 0.5, Classes: []string{"low", "high"}, Labels: []string{"Low", "High"}, Class: "low", ClassLabel: "Low"}
			r.Model.Name, r.Model.Version, r.Model.SHA256, r.Model.PatientRule, r.Model.Validated = "m", "1", sha, "max", true
			r.Validity.Verdict = inference.VerdictOK
			r.Slide.Scanner = "aperio"
			if strings.HasSuffix(slide, "1.svs") {
				r.Slide.Scanner = "hamamatsu C9600-12"
			}
			if err := cohort.SaveResult(dir, slide, r, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	saveResults("sha")
	cohortCSV := filepath.Join(dir, "COHORT.csv")
	os.WriteFile(cohortCSV, []byte(csv.String()), 0o644)
	if err := cohort.SaveRun(dir, cohort.Run{Cohort: cohortCSV, BundleSHA: "sha", Model: "m 1"}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "clinical.toml")
	var stdout bytes.Buffer
	if err := CohortCmd([]string{"fit", dir, "--factors", "age,grade:category", "--out", out}, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "200 patients") || !strings.Contains(stdout.String(), "grade=3") || !strings.Contains(stdout.String(), "the slide score adds") {
		t.Errorf("summary:\n%s", stdout.String())
	}
	section, _ := os.ReadFile(out)
	bundle := testbundles.WithSection(t, "\n"+string(section))
	b, err := inference.LoadBundle(bundle)
	if err != nil {
		t.Fatalf("the fitted section does not load in a bundle: %v\n%s", err, section)
	}
	c := b.Manifest.Clinical
	if c == nil || c.Combined.ScoreCoefficient <= 0 || c.Covariates[1].Ref == "" {
		t.Fatalf("fitted section %+v", c)
	}
	if err := CohortCmd([]string{"fit", dir, "--factors", "age,stage", "--out", out}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "too few") {
		t.Errorf("a factor no patient has: %v", err)
	}

	// The report: without a [clinical] bundle, --factors fits models here
	// and says the figures are apparent.
	pdf := filepath.Join(dir, "report.pdf")
	stdout.Reset()
	if err := CohortCmd([]string{"report", dir, "--out", pdf, "--factors", "age,grade:category"}, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	mt := readMetrics(t, dir)
	if cm := mt.Clinical; cm == nil || !cm.Apparent || cm.NPatients != 200 || cm.CIndexDifference == nil || len(cm.CombinedCox) != 4 {
		t.Fatalf("clinical figures with --factors: %+v", mt.Clinical)
	}
	if !strings.Contains(stdout.String(), "with the slide score (difference") {
		t.Errorf("report summary:\n%s", stdout.String())
	}
	if len(mt.Scanners) != 2 || mt.Scanners[1].Scanner != "hamamatsu C9600-12" || mt.Scanners[1].Slides != 20 {
		t.Errorf("per scanner: %+v", mt.Scanners)
	}
	// With the bundle that declares the section: its models are validated
	// (not apparent), and --factors is refused beside them.
	saveResults(b.SHA256)
	if err := cohort.SaveRun(dir, cohort.Run{Cohort: cohortCSV, Bundle: bundle, BundleSHA: b.SHA256, Model: "m 1"}); err != nil {
		t.Fatal(err)
	}
	if err := CohortCmd([]string{"report", dir, "--out", pdf}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	mt = readMetrics(t, dir)
	if cm := mt.Clinical; cm == nil || cm.Apparent || !strings.Contains(cm.Source, "bundle") || cm.LRP == nil || *cm.LRP > 0.05 {
		t.Fatalf("clinical figures of the bundle's section: %+v", mt.Clinical)
	}
	if err := CohortCmd([]string{"report", dir, "--out", pdf, "--factors", "age"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "drop --factors") {
		t.Errorf("--factors beside a declared section: %v", err)
	}
}

func readMetrics(t *testing.T, dir string) cohort.Metrics {
	t.Helper()
	var mt cohort.Metrics
	b, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &mt); err != nil {
		t.Fatal(err)
	}
	return mt
}

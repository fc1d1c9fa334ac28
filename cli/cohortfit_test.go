package cli

import (
	"bytes"
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
		r := &inference.Result{Probability: score, Threshold: 0.5, Classes: []string{"low", "high"}, Labels: []string{"Low", "High"}, Class: "low", ClassLabel: "Low"}
		r.Model.Name, r.Model.Version, r.Model.SHA256, r.Model.PatientRule, r.Model.Validated = "m", "1", "sha", "max", true
		r.Validity.Verdict = inference.VerdictOK
		if err := cohort.SaveResult(dir, slide, r, nil); err != nil {
			t.Fatal(err)
		}
	}
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
	b, err := inference.LoadBundle(testbundles.WithClinical(t, "\n"+string(section)))
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
}

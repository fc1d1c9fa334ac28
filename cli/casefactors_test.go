package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tessera/caselog"
	"tessera/cases"
	"tessera/internal/testbundles"
)

// `tessera case set` checks each factor against the model's [clinical]
// section, saves it in the case file and logs every change as old → new;
// a file of factors works the same; refusals name the factor and range.
func TestCaseSetFactors(t *testing.T) {
	dir := t.TempDir()
	casePath := filepath.Join(dir, "p.tessera-case.json")
	c := &cases.Case{Schema: cases.Schema, Model: testbundles.WithSection(t, testbundles.ClinicalSection), Slides: []cases.SlideRef{{Path: filepath.Join(dir, "a.svs")}}}
	if err := c.Save(casePath); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := CaseCmd(append([]string{"set", casePath}, args...), &out, &bytes.Buffer{})
		return out.String(), err
	}
	if _, err := run("--factor", "age=54", "--factor", "grade=2"); err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(dir, "factors.csv")
	os.WriteFile(csvPath, []byte("factor,value\nage,55\ngrade,2\n"), 0o644)
	if out, err := run("--factors", csvPath); err != nil || !strings.Contains(out, "set age: 54 → 55") || strings.Contains(out, "grade") {
		t.Errorf("from a file: %q %v", out, err)
	}
	got, err := cases.Load(casePath)
	if err != nil || got.Factors["age"] != "55" || got.Factors["grade"] != "2" {
		t.Fatalf("case file factors %v (%v)", got.Factors, err)
	}
	rep, _ := caselog.Verify(caselog.PathFor(casePath))
	var lines []string
	for _, e := range rep.Entries {
		if e.Event == caselog.FactorSet {
			lines = append(lines, e.Detail)
		}
	}
	if strings.Join(lines, "; ") != "age: (none) → 54; grade: (none) → 2; age: 54 → 55" {
		t.Errorf("log lines %q", lines)
	}
	for args, want := range map[string]string{
		"age=130":  "Age at diagnosis: 130 years is outside 18–100 years",
		"grade=4":  `"4" is not one of 1, 2, 3`,
		"stage=II": `"stage" is not a factor of`,
	} {
		if _, err := run("--factor", args); err == nil || !strings.Contains(err.Error(), want) || ExitCode(err) != ExitBadInput {
			t.Errorf("%s: %v, want %q", args, err, want)
		}
	}
	if out, _ := run("--factor", "age=55"); !strings.Contains(out, "no factor changed") {
		t.Errorf("an unchanged factor: %q", out)
	}
	if _, err := run("--factor", "grade="); err != nil {
		t.Fatal(err)
	}
	if got, _ := cases.Load(casePath); got.Factors["grade"] != "" {
		t.Error("an empty value did not remove the factor")
	}
	// The built-in model declares no factors: said plainly.
	plain := filepath.Join(dir, "q.tessera-case.json")
	(&cases.Case{Schema: cases.Schema, Slides: []cases.SlideRef{{Path: filepath.Join(dir, "a.svs")}}}).Save(plain)
	if err := CaseCmd([]string{"set", plain, "--factor", "age=50"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "declares no clinical factors") {
		t.Errorf("a model without [clinical]: %v", err)
	}
}

package testbundles

import (
	"os"
	"path/filepath"
	"testing"
)

// ClinicalSection is a small [clinical] section (age and grade, a combined
// and a clinical-only Cox model) that tests add to a bundle's manifest.
const ClinicalSection = `
[clinical]
horizon_months = 60
threshold = 0.05
class_labels = ["Low risk at 5 years", "High risk at 5 years"]

[[clinical.covariates]]
name = "age"
label = "Age at diagnosis"
type = "number"
unit = "years"
min = 18
max = 100
required = true

[[clinical.covariates]]
name = "grade"
type = "category"
levels = ["1", "2", "3"]
required = true

[clinical.combined]
baseline_survival = 0.96
score_coefficient = 1.5
[clinical.combined.coefficients]
age = -0.01
"grade=3" = 0.7

[clinical.clinical_only]
baseline_survival = 0.955
[clinical.clinical_only.coefficients]
age = -0.01
"grade=3" = 0.8
`

// WithSection returns a copy of the built-in bundle (assets/builtin-model)
// whose manifest ends with section, in a temporary folder.
func WithSection(t testing.TB, section string) string {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return WithSectionFrom(t, filepath.Join(root, "assets", "builtin-model"), section)
}

// WithSectionFrom is WithSection for the bundle folder src.
func WithSectionFrom(t testing.TB, src, section string) string {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "manifest.toml" {
			data = append(data, []byte(section)...)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

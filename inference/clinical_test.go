package inference

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// clinicalSection is a small [clinical] section for the built-in bundle.
const clinicalSection = `
[clinical]
horizon_months = 60
threshold = 0.05
class_labels = ["Low risk at 5 years", "High risk at 5 years"]

[[clinical.covariates]]
name = "age"
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

// A bundle declares its clinical model in [clinical]; a bad section is
// refused at load with the field named.
func TestBundleClinicalSection(t *testing.T) {
	dir := copyBuiltin(t)
	p := filepath.Join(dir, "manifest.toml")
	data, _ := os.ReadFile(p)
	os.WriteFile(p, append(data, []byte(clinicalSection)...), 0o644)
	b, err := LoadBundle(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := b.Manifest.Clinical
	if c == nil || len(c.Covariates) != 2 || c.Covariates[1].Ref != "1" {
		t.Fatalf("clinical section %+v", c)
	}
	e, _, err := c.Risk(map[string]string{"age": "60", "grade": "3"}, 0.9, "")
	if err != nil || !(e.Combined > e.Clinical) {
		t.Errorf("a high slide score should raise the estimate: %+v %v", e, err)
	}
	os.WriteFile(p, append(data, []byte(strings.Replace(clinicalSection, `"grade=3" = 0.7`, `"stage=3" = 0.7`, 1))...), 0o644)
	if _, err := LoadBundle(dir); !errors.Is(err, ErrBadBundle) || !strings.Contains(err.Error(), `clinical.combined.coefficients: "stage=3" is not a term of a declared covariate`) {
		t.Errorf("a coefficient for an undeclared covariate: %v", err)
	}
}

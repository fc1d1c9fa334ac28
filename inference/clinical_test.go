package inference

import (
	"errors"
	"strings"
	"testing"

	"tessera/internal/testbundles"
)

// A bundle declares its clinical model in [clinical]; a bad section is
// refused at load with the field named.
func TestBundleClinicalSection(t *testing.T) {
	dir := testbundles.WithSection(t, testbundles.ClinicalSection)
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
	bad := testbundles.WithSection(t, strings.Replace(testbundles.ClinicalSection, `"grade=3" = 0.7`, `"stage=3" = 0.7`, 1))
	if _, err := LoadBundle(bad); !errors.Is(err, ErrBadBundle) || !strings.Contains(err.Error(), `clinical.combined.coefficients: "stage=3" is not a term of a declared covariate`) {
		t.Errorf("a coefficient for an undeclared covariate: %v", err)
	}
}

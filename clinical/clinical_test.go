package clinical

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// example is a [clinical] section as docs/BUNDLES.md shows it (the
// numbers are illustrative, not a published model).
const example = `
horizon_months = 60
threshold = 0.05
class_labels = ["Low risk of metastatic relapse within 5 years", "High risk of metastatic relapse within 5 years"]

[[covariates]]
name = "age"
label = "Age at diagnosis"
type = "number"
unit = "years"
min = 18
max = 100
required = true

[[covariates]]
name = "size"
label = "Tumour size"
type = "number"
unit = "mm"
min = 1
max = 200
transform = "log"
required = true

[[covariates]]
name = "nodes"
label = "Positive lymph nodes"
type = "number"
min = 0
max = 60
transform = "bins"
bins = [1, 4]

[[covariates]]
name = "grade"
label = "Histological grade"
type = "category"
levels = ["1", "2", "3"]
required = true

[combined]
baseline_survival = 0.96
score_coefficient = 1.2
score_scale = "probability"
score_centre = 0.5
[combined.coefficients]
age = -0.01
size = 0.5
"nodes>=1" = 0.4
"nodes>=4" = 0.6
"grade=2" = 0.3
"grade=3" = 0.7
[combined.centres]
age = 55
size = 3.0

[clinical_only]
baseline_survival = 0.955
[clinical_only.coefficients]
age = -0.01
size = 0.55
"nodes>=1" = 0.45
"nodes>=4" = 0.65
"grade=2" = 0.35
"grade=3" = 0.8
[clinical_only.centres]
age = 55
size = 3.0

[[scanners]]
match = "aperio*"
baseline_survival = 0.965
`

func parse(t *testing.T, text string) *Section {
	t.Helper()
	var s Section
	if _, err := toml.Decode(text, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

// Both estimates against values computed by hand: lp = Σ β (x − c),
// P = 1 − S0^exp(lp).
func TestRiskByHand(t *testing.T) {
	s := parse(t, example)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	values := map[string]string{"age": "62", "size": "25", "nodes": "2", "grade": "3"}
	e, unlisted, err := s.Risk(values, 0.8, "")
	if err != nil {
		t.Fatal(err)
	}
	lpClin := -0.01*(62-55) + 0.55*(math.Log(25)-3) + 0.45 + 0.8
	lpComb := -0.01*(62-55) + 0.5*(math.Log(25)-3) + 0.4 + 0.7 + 1.2*(0.8-0.5)
	wantClin, wantComb := 1-math.Pow(0.955, math.Exp(lpClin)), 1-math.Pow(0.96, math.Exp(lpComb))
	if math.Abs(e.Clinical-wantClin) > 1e-12 || math.Abs(e.Combined-wantComb) > 1e-12 {
		t.Errorf("clinical %v (want %v), combined %v (want %v)", e.Clinical, wantClin, e.Combined, wantComb)
	}
	if !unlisted || e.Scanner != "" {
		t.Errorf("no scanner named: unlisted %v, calibration %q", unlisted, e.Scanner)
	}
	wantClass := 0
	if wantComb >= 0.05 {
		wantClass = 1
	}
	if e.CombinedClass != wantClass || !strings.HasPrefix(e.Contribution(), "the slide moves the estimate from ") {
		t.Errorf("class %d, %q", e.CombinedClass, e.Contribution())
	}
	aperio, unlisted, _ := s.Risk(values, 0.8, "Aperio GT450")
	if unlisted || aperio.Scanner != "aperio*" || math.Abs(aperio.Combined-(1-math.Pow(0.965, math.Exp(lpComb)))) > 1e-12 {
		t.Errorf("the Aperio calibration: %+v unlisted %v", aperio, unlisted)
	}
	if math.Abs(Probability(0.9, 0)-0.1) > 1e-15 {
		t.Error("P at lp 0 is 1 − S0")
	}
}

// The slide moving a patient across the threshold is said so.
func TestContributionAcrossTheThreshold(t *testing.T) {
	e := Estimate{Clinical: 0.031, Combined: 0.074, ClinicalClass: 0, CombinedClass: 1, Threshold: 0.05}
	if got := e.Contribution(); got != "the slide moves the estimate from 3.1 % to 7.4 %, across the 5 % threshold" {
		t.Errorf("%q", got)
	}
}

// Values outside their range, not among the levels, or missing are
// refused with the factor and the range named.
func TestValuesRefused(t *testing.T) {
	s := parse(t, example)
	s.Validate()
	for values, want := range map[*map[string]string]string{
		{"age": "130", "size": "20", "grade": "2"}:   "Age at diagnosis: 130 years is outside 18–100 years",
		{"age": "50", "size": "20", "grade": "4"}:    `Histological grade: "4" is not one of 1, 2, 3`,
		{"age": "fifty", "size": "20", "grade": "2"}: `Age at diagnosis: "fifty" is not a number`,
	} {
		if _, _, err := s.Risk(*values, 0.5, ""); err == nil || err.Error() != want {
			t.Errorf("%v: %v, want %q", *values, err, want)
		}
	}
	_, _, err := s.Risk(map[string]string{"age": "50"}, 0.5, "")
	var missing ErrMissing
	if !errors.As(err, &missing) || strings.Join(missing.Names, ",") != "Tumour size,Histological grade" {
		t.Errorf("missing factors: %v", err)
	}
	if _, _, err := s.Risk(map[string]string{"age": "50", "size": "20", "grade": "1"}, 0.5, ""); err != nil {
		t.Errorf("an optional factor left out: %v", err)
	}
}

// A bad section is refused with the field named.
func TestBadSectionsNamed(t *testing.T) {
	for change, want := range map[[2]string]string{
		{`type = "category"`, `type = "ordinal"`}:   "clinical.covariates[3].type: is \"ordinal\"",
		{"baseline_survival = 0.955\n", "\n"}:       "clinical.clinical_only.baseline_survival",
		{`"grade=3" = 0.7`, `"grade=4" = 0.7`}:      `clinical.combined.coefficients: "grade=4" is not a term of a declared covariate`,
		{"score_coefficient = 1.2\n", "\n"}:         "clinical.combined.score_coefficient: is missing",
		{`threshold = 0.05`, `threshold = 5`}:       "clinical.threshold",
		{`transform = "log"`, `transform = "sqrt"`}: "clinical.covariates[1].transform",
		{`bins = [1, 4]`, `bins = [4, 1]`}:          "clinical.covariates[2].bins",
		{`match = "aperio*"`, `match = "["`}:        "clinical.scanners[0].match",
	} {
		s := parse(t, strings.Replace(example, change[0], change[1], 1))
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q → %q: %v, want %q", change[0], change[1], err, want)
		}
	}
}

// TermNames lists exactly the terms Terms can make, in the covariates'
// order, and the logit scale is the logit.
func TestTermNamesAndScoreScale(t *testing.T) {
	s := parse(t, example)
	if err := s.Validate(); err != nil { // the reference level defaults to the first
		t.Fatal(err)
	}
	want := []string{"age", "size", "nodes>=1", "nodes>=4", "grade=2", "grade=3"}
	if got := s.TermNames(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("TermNames = %v, want %v", got, want)
	}
	terms, err := s.Terms(map[string]string{"age": "40", "size": "10", "nodes": "5", "grade": "2"})
	if err != nil {
		t.Fatal(err)
	}
	for k := range terms {
		if !strings.Contains(strings.Join(want, ","), k) {
			t.Errorf("Terms made %q, which TermNames does not list", k)
		}
	}
	if v := (Cox{ScoreScale: "logit"}).ScoreValue(0.8); math.Abs(v-math.Log(4)) > 1e-12 {
		t.Errorf("logit(0.8) = %v", v)
	}
	if v := (Cox{ScoreScale: "probability"}).ScoreValue(0.8); v != 0.8 {
		t.Errorf("probability scale: %v", v)
	}
}

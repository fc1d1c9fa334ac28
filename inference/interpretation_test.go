package inference

import (
	"math"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

const interpretationTOML = `
threshold_meaning = "5 % probability of metastatic relapse at 5 years"
event = "metastatic relapse within 5 years"
cohort = "the development cohort"
[[calibration]]
probability = 0.2
risk = 0.02
low = 0.01
high = 0.04
[[calibration]]
probability = 0.6
risk = 0.10
low = 0.06
high = 0.15
[[percentiles]]
probability = 0.0
percentile = 0
[[percentiles]]
probability = 1.0
percentile = 100
`

func TestInterpretation(t *testing.T) {
	var in Interpretation
	if _, err := toml.Decode(interpretationTOML, &in); err != nil {
		t.Fatal(err)
	}
	if err := in.validate(); err != nil {
		t.Fatal(err)
	}
	c, ok := in.Calibrate(0.4)
	if !ok || math.Abs(c.Risk-0.06) > 1e-9 || math.Abs(c.Low-0.035) > 1e-9 || c.Clamped {
		t.Errorf("calibrate 0.4: %+v", c)
	}
	if c, _ := in.Calibrate(0.9); !c.Clamped || c.Risk != 0.10 {
		t.Errorf("beyond the table: %+v", c)
	}
	r := &Result{Probability: 0.4, Threshold: 0.5}
	r.Model.Interpretation = &in
	got := strings.Join(r.InterpretationLines(), "\n")
	for _, want := range []string{
		"The threshold 0.50 means: 5 % probability of metastatic relapse at 5 years.",
		"Calibrated risk of metastatic relapse within 5 years: 6 % (95 % interval 4–10 %), as observed in the development cohort.",
		"Higher than 40 % of the development cohort.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lines lack %q:\n%s", want, got)
		}
	}
	r.Validity.Verdict = VerdictWithheld
	if l := r.InterpretationLines(); l != nil {
		t.Errorf("a withheld result is interpreted: %v", l)
	}
}

// Bad tables are refused with the field named.
func TestInterpretationIsChecked(t *testing.T) {
	bad := map[string]Interpretation{
		"calibration[1]":              {Event: "e", Calibration: []CalibrationPoint{{0.5, 0.1, 0, 0.2}, {0.4, 0.2, 0.1, 0.3}}},
		"calibration[0]":              {Event: "e", Calibration: []CalibrationPoint{{0.5, 0.3, 0.4, 0.5}, {0.6, 0.4, 0.3, 0.5}}},
		"interpretation.event":        {Calibration: []CalibrationPoint{{0.1, 0.1, 0, 0.2}, {0.5, 0.2, 0.1, 0.3}}},
		"interpretation.calibration ": {Event: "e", Calibration: []CalibrationPoint{{0.1, 0.1, 0, 0.2}}},
		"percentiles[1]":              {Percentiles: []PercentilePoint{{0.1, 50}, {0.2, 40}}},
		"percentiles[0]":              {Percentiles: []PercentilePoint{{1.5, 50}, {2, 60}}},
	}
	for field, in := range bad {
		err := in.validate()
		if err == nil || !strings.Contains(err.Error(), strings.TrimSpace(field)) {
			t.Errorf("%s: %v", field, err)
		}
	}
	b, err := LoadBuiltinBundle()
	if err != nil || !strings.HasPrefix(b.Manifest.Interpretation.ThresholdMeaning, "nothing clinical") {
		t.Errorf("the built-in bundle does not say what its threshold means: %v", err)
	}
}

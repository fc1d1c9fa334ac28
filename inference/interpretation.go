package inference

import (
	"fmt"
	"math"
	"strings"
)

// Interpretation is the manifest's optional [interpretation] section: what
// the threshold means, and how to read a probability against the cohort the
// model was calibrated on.
//
//	[interpretation]
//	threshold_meaning = "5 % probability of metastatic relapse at 5 years"
//	event = "metastatic relapse within 5 years"
//	cohort = "development cohort, 1,215 patients"
//	[[interpretation.calibration]]   # slide probability → event probability
//	probability = 0.5
//	risk = 0.05
//	low = 0.03                      # 95 % interval
//	high = 0.08
//	[[interpretation.percentiles]]   # slide probability → cohort percentile
//	probability = 0.5
//	percentile = 62
type Interpretation struct {
	ThresholdMeaning string             `toml:"threshold_meaning" json:"threshold_meaning,omitempty"`
	Event            string             `toml:"event" json:"event,omitempty"`   // what the calibrated risk is the risk of
	Cohort           string             `toml:"cohort" json:"cohort,omitempty"` // the reference cohort, in words
	Calibration      []CalibrationPoint `toml:"calibration" json:"calibration,omitempty"`
	Percentiles      []PercentilePoint  `toml:"percentiles" json:"percentiles,omitempty"`
}

// CalibrationPoint maps a slide probability to the observed event
// probability (risk) with its 95 % interval [Low, High]; all in 0–1.
type CalibrationPoint struct {
	Probability float64 `toml:"probability" json:"probability"`
	Risk        float64 `toml:"risk" json:"risk"`
	Low         float64 `toml:"low" json:"low"`
	High        float64 `toml:"high" json:"high"`
}

// PercentilePoint maps a slide probability to its percentile (0–100) in
// the reference cohort.
type PercentilePoint struct {
	Probability float64 `toml:"probability" json:"probability"`
	Percentile  float64 `toml:"percentile" json:"percentile"`
}

func (in *Interpretation) validate() error {
	prev := math.Inf(-1)
	for i, c := range in.Calibration {
		field := fmt.Sprintf("interpretation.calibration[%d]", i)
		for _, v := range []float64{c.Probability, c.Risk, c.Low, c.High} {
			if !(v >= 0 && v <= 1) {
				return fieldError(field, "has %v, want probabilities between 0 and 1", v)
			}
		}
		if !(c.Low <= c.Risk && c.Risk <= c.High) {
			return fieldError(field, "interval [%v, %v] does not contain the risk %v", c.Low, c.High, c.Risk)
		}
		if !(c.Probability > prev) {
			return fieldError(field, "probability %v does not increase", c.Probability)
		}
		prev = c.Probability
	}
	if len(in.Calibration) == 1 {
		return fieldError("interpretation.calibration", "has one point; give at least two, or none")
	}
	if len(in.Calibration) > 0 && strings.TrimSpace(in.Event) == "" {
		return fieldError("interpretation.event", "is required with a calibration: the risk of what?")
	}
	prev = math.Inf(-1)
	prevPct := math.Inf(-1)
	for i, p := range in.Percentiles {
		field := fmt.Sprintf("interpretation.percentiles[%d]", i)
		if !(p.Probability >= 0 && p.Probability <= 1) || !(p.Percentile >= 0 && p.Percentile <= 100) {
			return fieldError(field, "is (%v, %v), want a probability 0–1 and a percentile 0–100", p.Probability, p.Percentile)
		}
		if !(p.Probability > prev) || p.Percentile < prevPct {
			return fieldError(field, "probabilities must increase and percentiles not decrease")
		}
		prev, prevPct = p.Probability, p.Percentile
	}
	if len(in.Percentiles) == 1 {
		return fieldError("interpretation.percentiles", "has one point; give at least two, or none")
	}
	return nil
}

// Calibrated is a probability read through the bundle's calibration.
type Calibrated struct {
	Risk, Low, High float64 // event probability and its 95 % interval, 0–1
	Clamped         bool    // the probability lies outside the table: the end value is given
}

// Calibrate reads p through the calibration table (linear between points;
// the end points outside the table). ok is false without a table.
func (in *Interpretation) Calibrate(p float64) (c Calibrated, ok bool) {
	t := in.Calibration
	if len(t) < 2 {
		return c, false
	}
	if p <= t[0].Probability {
		return Calibrated{t[0].Risk, t[0].Low, t[0].High, p < t[0].Probability}, true
	}
	for i := 1; i < len(t); i++ {
		if p <= t[i].Probability {
			a, b := t[i-1], t[i]
			f := (p - a.Probability) / (b.Probability - a.Probability)
			lerp := func(x, y float64) float64 { return x + f*(y-x) }
			return Calibrated{lerp(a.Risk, b.Risk), lerp(a.Low, b.Low), lerp(a.High, b.High), false}, true
		}
	}
	last := t[len(t)-1]
	return Calibrated{last.Risk, last.Low, last.High, true}, true
}

// Percentile returns p's percentile in the reference cohort (linear
// between points). ok is false without a table.
func (in *Interpretation) Percentile(p float64) (float64, bool) {
	t := in.Percentiles
	if len(t) < 2 {
		return 0, false
	}
	if p <= t[0].Probability {
		return t[0].Percentile, true
	}
	for i := 1; i < len(t); i++ {
		if p <= t[i].Probability {
			a, b := t[i-1], t[i]
			return a.Percentile + (p-a.Probability)/(b.Probability-a.Probability)*(b.Percentile-a.Percentile), true
		}
	}
	return t[len(t)-1].Percentile, true
}

// InterpretationLines are the sentences a card, a report or a terminal
// prints under the probability: the threshold's meaning, the calibrated
// risk with its interval, the cohort percentile. None for a withheld or
// partial result (it has no probability to interpret) or a bundle that
// says nothing.
func (r *Result) InterpretationLines() []string {
	in := r.Model.Interpretation
	if in == nil || r.Withheld() || r.Partial {
		return nil
	}
	var lines []string
	if in.ThresholdMeaning != "" {
		lines = append(lines, fmt.Sprintf("The threshold %.2f means: %s.", r.Threshold, strings.TrimSuffix(in.ThresholdMeaning, ".")))
	}
	cohort := "the reference cohort"
	if in.Cohort != "" {
		cohort = in.Cohort
	}
	if c, ok := in.Calibrate(r.Probability); ok {
		edge := ""
		if c.Clamped {
			edge = " (the probability is beyond the calibration table: its end value)"
		}
		lines = append(lines, fmt.Sprintf("Calibrated risk of %s: %.0f %% (95 %% interval %.0f–%.0f %%), as observed in %s%s.",
			in.Event, 100*c.Risk, 100*c.Low, 100*c.High, cohort, edge))
	}
	if pct, ok := in.Percentile(r.Probability); ok {
		lines = append(lines, fmt.Sprintf("Higher than %.0f %% of %s.", pct, cohort))
	}
	if r.Model.Demonstration && len(lines) > 0 {
		lines = append(lines, "(A demonstration model: these figures mean nothing about the patient.)")
	}
	return lines
}

// Package clinical is the patient's risk as the clinic computes it: the
// clinico-pathological factors a tumour board has (age, tumour size, nodes,
// grade, Ki67…) combined with the slide score in a Cox proportional-hazards
// model, as a bundle declares it in its [clinical] section (docs/BUNDLES.md):
// the covariates, the combined model, the same factors without the score,
// the horizon and the threshold on the probability of an event by then, and
// optional per-scanner calibrations. It validates the section (naming the
// field at fault), turns a case's entered values into model terms (refusing
// values outside their plausible range, saying which required factor is
// missing) and computes both estimates:
//
//	P(event by horizon) = 1 − S0(h)^exp(lp),  lp = Σ β_k (x_k − c_k)
//
// Values, no widgets; safe for concurrent use (nothing is modified after
// Validate).
package clinical

import (
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"strings"
)

// Covariate types.
const (
	Number   = "number"
	Category = "category"
)

// Covariate is one clinical factor the model uses.
type Covariate struct {
	Name     string   `toml:"name"`      // the key in case files and CSVs ("age")
	Label    string   `toml:"label"`     // in words, for the form ("Age at diagnosis")
	Type     string   `toml:"type"`      // Number or Category
	Unit     string   `toml:"unit"`      // numbers: "years", "mm", "%"
	Min      *float64 `toml:"min"`       // numbers: the plausible range, inclusive
	Max      *float64 `toml:"max"`       //
	Levels   []string `toml:"levels"`    // categories, in order
	Ref      string   `toml:"reference"` // categories: the reference level (no term)
	Required bool     `toml:"required"`  // no combined result without it
	// Transform of a number before its term: "" (none), "log" (natural
	// log; the value must be positive), or "bins": Bins are cut points,
	// each bin above the first its own indicator term "NAME>=CUT".
	Transform string    `toml:"transform"`
	Bins      []float64 `toml:"bins"`
}

// Cox is one proportional-hazards model: a coefficient per term (a number's
// name, a category's "NAME=LEVEL", a bin's "NAME>=CUT"), optional centring
// values per term, and the baseline survival at the horizon (for the
// centred linear predictor 0).
type Cox struct {
	BaselineSurvival float64            `toml:"baseline_survival"`
	Coefficients     map[string]float64 `toml:"coefficients"`
	Centres          map[string]float64 `toml:"centres"`
	// The slide score's term, combined model only: its coefficient, its
	// scale ("probability" or "logit") and centre.
	ScoreCoefficient float64 `toml:"score_coefficient"`
	ScoreScale       string  `toml:"score_scale"`
	ScoreCentre      float64 `toml:"score_centre"`
}

// Scanner is a calibration for slides of one kind of scanner, chosen by a
// pattern on "vendor model" (path.Match, case-insensitive: "aperio*",
// "hamamatsu nanozoomer*").
type Scanner struct {
	Match            string  `toml:"match"`
	BaselineSurvival float64 `toml:"baseline_survival"` // the combined model's, for this scanner; 0: the section's
	Threshold        float64 `toml:"threshold"`         // 0: the section's
}

// Section is a bundle's [clinical] section.
type Section struct {
	HorizonMonths float64     `toml:"horizon_months"`
	Threshold     float64     `toml:"threshold"`    // P(event by horizon) ≥ threshold: the positive class
	ClassLabels   []string    `toml:"class_labels"` // [below, at or above] the threshold
	Covariates    []Covariate `toml:"covariates"`
	Combined      Cox         `toml:"combined"`      // the factors and the slide score
	ClinicalOnly  Cox         `toml:"clinical_only"` // the same factors without the score
	Scanners      []Scanner   `toml:"scanners"`
}

// fieldError names the field at fault, as the manifest's errors do.
func fieldError(field, format string, args ...any) error {
	return fmt.Errorf("manifest.toml: clinical.%s: %s", field, fmt.Sprintf(format, args...))
}

// Validate checks the section and fills defaults; the error names the
// field at fault.
func (s *Section) Validate() error {
	if !(s.HorizonMonths > 0 && s.HorizonMonths <= 600) {
		return fieldError("horizon_months", "is %v, want the horizon in months (e.g. 60)", s.HorizonMonths)
	}
	if !(s.Threshold > 0 && s.Threshold < 1) {
		return fieldError("threshold", "is %v, want a probability between 0 and 1 (e.g. 0.05)", s.Threshold)
	}
	if len(s.ClassLabels) != 2 {
		return fieldError("class_labels", "want two sentences [below, at or above the threshold], got %d", len(s.ClassLabels))
	}
	if len(s.Covariates) == 0 {
		return fieldError("covariates", "none declared")
	}
	terms := map[string]bool{}
	seen := map[string]bool{}
	for i := range s.Covariates {
		c := &s.Covariates[i]
		at := fmt.Sprintf("covariates[%d]", i)
		if c.Name == "" || strings.ContainsAny(c.Name, "=<> ,") {
			return fieldError(at+".name", "is %q, want a plain name (letters, digits, _)", c.Name)
		}
		if seen[c.Name] {
			return fieldError(at+".name", "%q is declared twice", c.Name)
		}
		seen[c.Name] = true
		if c.Label == "" {
			c.Label = c.Name
		}
		switch c.Type {
		case Number:
			if c.Min != nil && c.Max != nil && !(*c.Min < *c.Max) {
				return fieldError(at+".min/max", "the range %v–%v is empty", *c.Min, *c.Max)
			}
			switch c.Transform {
			case "", "none":
				c.Transform = ""
				terms[c.Name] = true
			case "log":
				if c.Min == nil || *c.Min <= 0 {
					return fieldError(at+".min", "a log-transformed factor needs a positive minimum")
				}
				terms[c.Name] = true
			case "bins":
				if len(c.Bins) == 0 || !slices.IsSorted(c.Bins) {
					return fieldError(at+".bins", "want increasing cut points, got %v", c.Bins)
				}
				for _, cut := range c.Bins {
					terms[binTerm(c.Name, cut)] = true
				}
			default:
				return fieldError(at+".transform", "is %q, want none, log or bins", c.Transform)
			}
		case Category:
			if len(c.Levels) < 2 {
				return fieldError(at+".levels", "a category needs two levels or more, got %d", len(c.Levels))
			}
			if c.Ref == "" {
				c.Ref = c.Levels[0]
			}
			if !slices.Contains(c.Levels, c.Ref) {
				return fieldError(at+".reference", "%q is not one of the levels %v", c.Ref, c.Levels)
			}
			for _, l := range c.Levels {
				if l != c.Ref {
					terms[c.Name+"="+l] = true
				}
			}
		default:
			return fieldError(at+".type", "is %q, want %q or %q", c.Type, Number, Category)
		}
	}
	for _, m := range []struct {
		field string
		cox   *Cox
		score bool
	}{{"combined", &s.Combined, true}, {"clinical_only", &s.ClinicalOnly, false}} {
		cox := m.cox
		if !(cox.BaselineSurvival > 0 && cox.BaselineSurvival < 1) {
			return fieldError(m.field+".baseline_survival", "is %v, want S0 at the horizon, between 0 and 1 (missing?)", cox.BaselineSurvival)
		}
		if len(cox.Coefficients) == 0 {
			return fieldError(m.field+".coefficients", "none given")
		}
		for term, b := range cox.Coefficients {
			if !terms[term] {
				return fieldError(m.field+".coefficients", "%q is not a term of a declared covariate (terms: %s)", term, strings.Join(sortedKeys(terms), ", "))
			}
			if math.IsNaN(b) || math.IsInf(b, 0) {
				return fieldError(m.field+".coefficients."+term, "is not a number")
			}
		}
		for term := range cox.Centres {
			if !terms[term] {
				return fieldError(m.field+".centres", "%q is not a term of a declared covariate", term)
			}
		}
		switch {
		case m.score:
			if cox.ScoreScale == "" {
				cox.ScoreScale = "probability"
			}
			if cox.ScoreScale != "probability" && cox.ScoreScale != "logit" {
				return fieldError(m.field+".score_scale", "is %q, want \"probability\" or \"logit\"", cox.ScoreScale)
			}
			if cox.ScoreCoefficient == 0 {
				return fieldError(m.field+".score_coefficient", "is missing: the combined model needs the slide score's coefficient")
			}
		case cox.ScoreCoefficient != 0:
			return fieldError(m.field+".score_coefficient", "the clinical-only model has no slide score")
		}
	}
	for i, sc := range s.Scanners {
		if _, err := path.Match(strings.ToLower(sc.Match), ""); err != nil || sc.Match == "" {
			return fieldError(fmt.Sprintf("scanners[%d].match", i), "is %q, want a pattern such as \"aperio*\"", sc.Match)
		}
		if !(sc.BaselineSurvival >= 0 && sc.BaselineSurvival < 1) || !(sc.Threshold >= 0 && sc.Threshold < 1) {
			return fieldError(fmt.Sprintf("scanners[%d]", i), "baseline_survival and threshold must lie between 0 and 1")
		}
	}
	return nil
}

// Covariate returns the declared factor called name.
func (s *Section) Covariate(name string) (Covariate, bool) {
	for _, c := range s.Covariates {
		if c.Name == name {
			return c, true
		}
	}
	return Covariate{}, false
}

// Names lists the declared factors' names, in order, for a sentence.
func (s *Section) Names() string {
	var names []string
	for _, c := range s.Covariates {
		names = append(names, c.Name)
	}
	return strings.Join(names, ", ")
}

func binTerm(name string, cut float64) string { return fmt.Sprintf("%s>=%g", name, cut) }

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ErrMissing says which required factors a case lacks.
type ErrMissing struct{ Names []string }

func (e ErrMissing) Error() string {
	return "no combined result: the case lacks " + strings.Join(e.Names, ", ")
}

// Check refuses a value of covariate c that cannot be used, with the
// range or the levels said ("Age at diagnosis: 130 years is outside
// 18–100 years").
func (c Covariate) Check(value string) error {
	value = strings.TrimSpace(value)
	switch c.Type {
	case Category:
		if !slices.Contains(c.Levels, value) {
			return fmt.Errorf("%s: %q is not one of %s", c.Label, value, strings.Join(c.Levels, ", "))
		}
	case Number:
		var v float64
		if _, err := fmt.Sscan(value, &v); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: %q is not a number", c.Label, value)
		}
		if (c.Min != nil && v < *c.Min) || (c.Max != nil && v > *c.Max) {
			return fmt.Errorf("%s: %v %s is outside %s", c.Label, v, c.Unit, c.RangeText())
		}
	}
	return nil
}

// RangeText is the plausible range in words ("18–100 years").
func (c Covariate) RangeText() string {
	switch {
	case c.Min != nil && c.Max != nil:
		return strings.TrimSpace(fmt.Sprintf("%g–%g %s", *c.Min, *c.Max, c.Unit))
	case c.Min != nil:
		return strings.TrimSpace(fmt.Sprintf("%g %s or more", *c.Min, c.Unit))
	case c.Max != nil:
		return strings.TrimSpace(fmt.Sprintf("up to %g %s", *c.Max, c.Unit))
	}
	return "any value"
}

// Terms turns a case's values (by covariate name) into model terms. A
// value that fails Check is an error; missing required factors are an
// ErrMissing naming them; a missing optional factor gives no term.
func (s *Section) Terms(values map[string]string) (map[string]float64, error) {
	terms := map[string]float64{}
	var missing []string
	for _, c := range s.Covariates {
		raw, ok := values[c.Name]
		if !ok || strings.TrimSpace(raw) == "" {
			if c.Required {
				missing = append(missing, c.Label)
			}
			continue
		}
		if err := c.Check(raw); err != nil {
			return nil, err
		}
		switch c.Type {
		case Category:
			if v := strings.TrimSpace(raw); v != c.Ref {
				terms[c.Name+"="+v] = 1
			}
		case Number:
			var v float64
			fmt.Sscan(strings.TrimSpace(raw), &v)
			switch c.Transform {
			case "log":
				terms[c.Name] = math.Log(v)
			case "bins":
				for _, cut := range c.Bins {
					if v >= cut {
						terms[binTerm(c.Name, cut)] = 1
					}
				}
			default:
				terms[c.Name] = v
			}
		}
	}
	if len(missing) > 0 {
		return nil, ErrMissing{Names: missing}
	}
	return terms, nil
}

// Probability is 1 − S0^exp(lp): the probability of an event by the
// horizon for the linear predictor lp.
func Probability(baselineSurvival, lp float64) float64 {
	return 1 - math.Pow(baselineSurvival, math.Exp(lp))
}

// linear is the centred linear predictor of terms (and, when score is not
// nil, the slide score on the model's scale).
func (m Cox) linear(terms map[string]float64, score *float64) float64 {
	lp := 0.0
	for term, b := range m.Coefficients {
		lp += b * (terms[term] - m.Centres[term])
	}
	if score != nil && m.ScoreCoefficient != 0 {
		lp += m.ScoreCoefficient * (m.ScoreValue(*score) - m.ScoreCentre)
	}
	return lp
}

// ScoreValue is the slide score p (a probability) on the model's scale:
// p itself, or its logit (p kept within 1e-9 of 0 and 1).
func (m Cox) ScoreValue(p float64) float64 {
	if m.ScoreScale != "logit" {
		return p
	}
	p = math.Min(math.Max(p, 1e-9), 1-1e-9)
	return math.Log(p / (1 - p))
}

// TermNames lists every term the covariates make (Terms' keys), in the
// covariates' order: a number's name, a bin's "NAME>=CUT" per cut, a
// category's "NAME=LEVEL" per level but the reference.
func (s *Section) TermNames() []string {
	var names []string
	for _, c := range s.Covariates {
		switch {
		case c.Type == Category:
			for _, l := range c.Levels {
				if l != c.Ref {
					names = append(names, c.Name+"="+l)
				}
			}
		case c.Transform == "bins":
			for _, cut := range c.Bins {
				names = append(names, binTerm(c.Name, cut))
			}
		default:
			names = append(names, c.Name)
		}
	}
	return names
}

// Estimate is a patient's estimates by the horizon.
type Estimate struct {
	Clinical, Combined           float64 // P(event by horizon): factors alone; factors and slide score
	ClinicalClass, CombinedClass int     // 0 below the threshold, 1 at or above
	Threshold                    float64 // the one used (a scanner's, or the section's)
	Scanner                      string  // the scanner calibration used ("" the section's own)
}

// Risk computes both estimates from a case's values and the slide score
// (the slide model's probability, 0–1), with the calibration for the
// scanner named scanner ("vendor model"; "" or unlisted: the section's).
// unlisted is true when scanner blocks exist and none matches (a flag).
func (s *Section) Risk(values map[string]string, score float64, scanner string) (e Estimate, unlisted bool, err error) {
	if math.IsNaN(score) || score < 0 || score > 1 {
		return Estimate{}, false, errors.New("the slide score is not a probability")
	}
	terms, err := s.Terms(values)
	if err != nil {
		return Estimate{}, false, err
	}
	combined, threshold := s.Combined, s.Threshold
	if len(s.Scanners) > 0 {
		unlisted = true
		for _, sc := range s.Scanners {
			if ok, _ := path.Match(strings.ToLower(sc.Match), strings.ToLower(scanner)); ok {
				unlisted, e.Scanner = false, sc.Match
				if sc.BaselineSurvival > 0 {
					combined.BaselineSurvival = sc.BaselineSurvival
				}
				if sc.Threshold > 0 {
					threshold = sc.Threshold
				}
				break
			}
		}
	}
	e.Threshold = threshold
	e.Clinical = Probability(s.ClinicalOnly.BaselineSurvival, s.ClinicalOnly.linear(terms, nil))
	e.Combined = Probability(combined.BaselineSurvival, combined.linear(terms, &score))
	if e.Clinical >= threshold {
		e.ClinicalClass = 1
	}
	if e.Combined >= threshold {
		e.CombinedClass = 1
	}
	return e, unlisted, nil
}

// Contribution says in words what the slide score changes: "the slide
// moves the estimate from 3.1 % to 7.4 %, across the 5 % threshold".
func (e Estimate) Contribution() string {
	s := fmt.Sprintf("the slide moves the estimate from %.1f %% to %.1f %%", 100*e.Clinical, 100*e.Combined)
	switch {
	case e.ClinicalClass != e.CombinedClass:
		s += fmt.Sprintf(", across the %g %% threshold", 100*e.Threshold)
	case e.CombinedClass == 1:
		s += fmt.Sprintf(", both at or above the %g %% threshold", 100*e.Threshold)
	default:
		s += fmt.Sprintf(", both below the %g %% threshold", 100*e.Threshold)
	}
	return s
}

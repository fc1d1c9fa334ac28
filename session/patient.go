package session

import (
	"fmt"
	"strings"

	"tessera/cases"
	"tessera/inference"
)

// SlideLine is one slide's own result, as the patient-level result lists it.
type SlideLine struct {
	Index       int // 0-based position in the case
	ClassLabel  string
	Probability float64
	Model       string // name and version of the model the result came from
	ModelSHA    string
	Caveats     string // short caveats ("" for none)
	Withheld    bool   // not a result: its class and probability are not to be shown
	LeftOut     string // the pathologist's reason for leaving it out of the patient result ("" when it counts)
}

// Patient is the patient-level result of a case, or why there is none.
type Patient struct {
	// Available is true when the slides' results can be combined: the
	// slides are one patient's (a case), at least one is analysed, and
	// every result came from one model.
	Available bool
	// Why says, when !Available, why there is no patient-level result ("" when
	// nothing is analysed or the tabs are not a case: nothing to say).
	Why string

	Probability float64 // combined by Rule
	Threshold   float64
	ClassLabel  string // the sentence for the combined class
	Positive    bool
	Rule        string // "max" or "mean"
	Model       string // name and version of the one model
	ModelSHA    string
	Analysed    int // slides with a result that count (not left out)
	Total       int // slides in the case
	LeftOut     int // slides the pathologist left out of the patient result
	// Caveats are the short caveats of the combined result: those of any
	// slide (demonstration, partial…) and "k of n slides analysed".
	Caveats []string
	Slides  []SlideLine // every analysed slide, in case order
}

// Complete reports whether the patient-level result covers every slide of
// the case: only then is it the patient's result, to sign off and to
// present. Over some of the slides it is provisional (ProvisionalText).
func (p Patient) Complete() bool { return p.Available && p.Analysed+p.LeftOut == p.Total }

// ProvisionalText says why a combined result is not yet the patient's ("" when
// it is, or when there is none).
func (p Patient) ProvisionalText() string {
	if !p.Available || p.Complete() {
		return ""
	}
	return fmt.Sprintf("Provisional: combined from %d of %d slides only; it is not the patient's result until every slide is analysed (or left out with a reason).", p.Analysed, p.Total-p.LeftOut)
}

// RuleText says how the slides were combined, in words.
func (p Patient) RuleText() string {
	if p.Rule == "mean" {
		return "mean slide probability"
	}
	return "highest slide probability"
}

// Patient combines the analysed slides by the model's rule. A patient-level
// result exists only for a case (never for a set of tabs), and only when
// every result came from one model over whole slides; otherwise Why names
// the slides in the way and the patient result waits. Slides the
// pathologist left out (Slide.LeftOut) are listed with their reason and
// not combined.
func (c *Case) Patient() Patient {
	p := Patient{Total: len(c.slides)}
	var results []*inference.Result
	models := map[string][]int{} // model label → 1-based slide numbers
	var order []string
	var leftOut, region []string
	for i, s := range c.slides {
		r := s.Result
		if s.LeftOut != "" {
			p.LeftOut++
			leftOut = append(leftOut, fmt.Sprintf("slide %d left out by the pathologist", i+1))
			if r != nil {
				p.Slides = append(p.Slides, lineOf(i, s))
			}
			continue
		}
		if r == nil {
			continue
		}
		if r.Params.ROI != "" {
			region = append(region, fmt.Sprintf("slide %d (%s)", i+1, r.Params.RegionText()))
		}
		label := fmt.Sprintf("%s %s", r.Model.Name, r.Model.Version)
		if r.Model.SHA256 != "" {
			label += fmt.Sprintf(" (%.8s)", r.Model.SHA256)
		}
		if _, ok := models[label]; !ok {
			order = append(order, label)
		}
		models[label] = append(models[label], i+1)
		results = append(results, r)
		p.Slides = append(p.Slides, lineOf(i, s))
	}
	p.Analysed = len(results)
	if !c.IsCase || len(results) == 0 {
		return p
	}
	if len(region) > 0 {
		p.Why = "No patient-level result: " + strings.Join(region, ", ") +
			" was analysed inside a drawn region only; a region's result is not the slide's. Analyse the whole slide for the patient result."
		return p
	}
	if len(order) > 1 {
		var parts []string
		for _, m := range order {
			parts = append(parts, fmt.Sprintf("%s with %s", slideList(models[m]), m))
		}
		p.Why = "No patient-level result: the slides were analysed with different models (" + strings.Join(parts, "; ") +
			"). Analyse every slide with the case's model."
		return p
	}
	var partial []int
	for _, l := range p.Slides {
		if s := c.slides[l.Index]; s.LeftOut == "" && s.Result != nil && s.Result.Partial {
			partial = append(partial, l.Index+1)
		}
	}
	var withheld []int
	for _, l := range p.Slides {
		if s := c.slides[l.Index]; s.LeftOut == "" && s.Result != nil && s.Result.Withheld() {
			withheld = append(withheld, l.Index+1)
		}
	}
	if len(withheld) > 0 {
		p.Why = "No patient-level result: the result of " + slideList(withheld) + " is withheld (the slide is outside what the model was built for). Rescan it, or leave it out of the patient result with a reason."
		return p
	}
	if len(partial) > 0 {
		p.Why = "No patient-level result: the analysis of " + slideList(partial) + " was stopped before the end (partial). Run it to the end."
		return p
	}
	first := results[0]
	probs := make([]float64, len(results))
	seen := map[string]bool{}
	for i, r := range results {
		probs[i] = r.Probability
		for _, cv := range r.Caveats() {
			if !seen[cv.Short] {
				seen[cv.Short] = true
				p.Caveats = append(p.Caveats, cv.Short)
			}
		}
	}
	p.Available = true
	p.Rule = first.PatientRule()
	p.Probability = cases.PatientProbability(p.Rule, probs)
	p.Threshold = first.Threshold
	labels := first.ClassLabels()
	p.ClassLabel = labels[0]
	if p.Probability >= p.Threshold {
		p.ClassLabel, p.Positive = labels[1], true
	}
	p.Model, p.ModelSHA = fmt.Sprintf("%s %s", first.Model.Name, first.Model.Version), first.Model.SHA256
	p.Caveats = append(p.Caveats, leftOut...)
	if p.Analysed+p.LeftOut < p.Total {
		p.Caveats = append(p.Caveats, fmt.Sprintf("only %d of %d slides analysed", p.Analysed, p.Total-p.LeftOut))
	}
	return p
}

// lineOf is slide s's line (0-based position i); s has a result.
func lineOf(i int, s *Slide) SlideLine {
	r := s.Result
	return SlideLine{Index: i, ClassLabel: r.Headline(), Probability: r.Probability,
		Model: fmt.Sprintf("%s %s", r.Model.Name, r.Model.Version), ModelSHA: r.Model.SHA256, Caveats: r.CaveatsShort(),
		Withheld: r.Withheld(), LeftOut: s.LeftOut}
}

// slideList renders 1-based slide numbers: "slide 2", "slides 1, 3".
func slideList(n []int) string {
	s := make([]string, len(n))
	for i, v := range n {
		s[i] = fmt.Sprint(v)
	}
	if len(n) == 1 {
		return "slide " + s[0]
	}
	return "slides " + strings.Join(s, ", ")
}

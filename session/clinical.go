package session

import (
	"errors"
	"fmt"
	"strings"

	"tessera/clinical"
)

// ClinicalRisk is the patient's risk as the clinic computes it: the case's
// clinical factors combined with its patient-level slide score in the
// bundle's [clinical] model (package clinical).
type ClinicalRisk struct {
	// Available is true when both estimates could be computed: a complete
	// patient-level result (the validity verdict comes first: no result, no
	// combined result) and every required factor entered.
	Available bool
	Why       string // when !Available: why, in words
	Estimate  clinical.Estimate
	// Unlisted is true when the bundle calibrates per scanner and the
	// slides' scanner is not among them (a flag, said with the result).
	Unlisted bool
	Factors  []string // the values used, in the section's order ("Age at diagnosis: 54 years")
	// Caveats are the slide result's (demonstration model, not
	// validated…): they qualify the combined estimate as much.
	Caveats []string
}

// ClinicalRisk combines the case's factors with its patient-level result
// by s, for slides of the scanner named scanner ("vendor model"; "" when
// unknown). It never combines a provisional, withheld or mixed result.
func (c *Case) ClinicalRisk(s *clinical.Section, scanner string) ClinicalRisk {
	r := ClinicalRisk{}
	for _, cov := range s.Covariates {
		if v := strings.TrimSpace(c.Factors[cov.Name]); v != "" {
			r.Factors = append(r.Factors, strings.TrimSpace(fmt.Sprintf("%s: %s %s", cov.Label, v, unitOf(cov))))
		}
	}
	p := c.Patient()
	switch {
	case !p.Available:
		r.Why = "no combined result: there is no patient-level slide result"
		if p.Why != "" {
			r.Why += " (" + strings.TrimPrefix(p.Why, "No patient-level result: ") + ")"
		}
		return r
	case !p.Complete():
		r.Why = fmt.Sprintf("no combined result yet: the slide result covers %d of %d slides", p.Analysed, p.Total-p.LeftOut)
		return r
	}
	e, unlisted, err := s.Risk(c.Factors, p.Probability, scanner)
	var missing clinical.ErrMissing
	switch {
	case errors.As(err, &missing):
		r.Why = missing.Error()
		return r
	case err != nil:
		r.Why = "no combined result: " + err.Error()
		return r
	}
	r.Available, r.Estimate, r.Unlisted, r.Caveats = true, e, unlisted, p.Caveats
	return r
}

func unitOf(c clinical.Covariate) string {
	if c.Type == clinical.Number {
		return c.Unit
	}
	return ""
}

package storyboard

import (
	"fmt"
	"strings"

	"tessera/clinical"
	"tessera/session"
)

// ClinicalLines are the combined clinical and slide risk in words, for the
// case card and the report's first page: both estimates by the horizon
// with their class at the threshold, what the slide changes, the factors
// used and the scanner calibration; or why there is no combined result.
// Lines that qualify the result start with "!".
func ClinicalLines(s *clinical.Section, r session.ClinicalRisk) []string {
	years := s.HorizonMonths / 12
	var lines []string
	if !r.Available {
		lines = append(lines, UpperFirst(r.Why)+".")
	} else {
		e := r.Estimate
		lines = append(lines,
			fmt.Sprintf("Probability of an event within %g years, clinical factors alone: %.1f %% (%s)", years, 100*e.Clinical, s.ClassLabels[e.ClinicalClass]),
			fmt.Sprintf("With the slide score: %.1f %% (%s)", 100*e.Combined, s.ClassLabels[e.CombinedClass]),
			UpperFirst(e.Contribution())+".")
		if e.Scanner != "" {
			lines = append(lines, "Scanner calibration: "+e.Scanner)
		}
		for _, c := range r.Caveats {
			lines = append(lines, "! "+c+" (the combined estimate includes this slide score)")
		}
		if r.Unlisted {
			lines = append(lines, "! The slides' scanner is not among the model's calibrations: the combined estimate uses its default calibration.")
		}
	}
	if len(r.Factors) > 0 {
		f := "Factors used:"
		for i, v := range r.Factors {
			if i > 0 {
				f += ";"
			}
			f += " " + v
		}
		lines = append(lines, f)
	} else {
		lines = append(lines, "No clinical factor entered yet.")
	}
	return lines
}

// UpperFirst is s with its first letter upper case: a clause ("the slide
// moves…") made a sentence.
func UpperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

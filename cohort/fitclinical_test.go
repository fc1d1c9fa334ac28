package cohort

import (
	"math"
	"strconv"
	"testing"
)

// The fitted [clinical] section gives, through package clinical's
// arithmetic, exactly the fitted models' probabilities; numbers and
// categories are typed from the data; what the score adds is the
// likelihood-ratio statistic.
func TestFitClinical(t *testing.T) {
	patients := clinicalMerge().Patients
	patients = append(patients, Patient{ID: "no-grade", InMetrics: true, Event: new(int), TimeMonths: new(float64), Factors: map[string]string{"age": "50"}})
	fit, err := FitClinical(patients, []string{"age", "grade:category"}, 60, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	s := fit.Section
	if fit.Patients != 300 || fit.Left != 1 || s.Covariates[0].Type != "number" || s.Covariates[1].Type != "category" || len(s.Covariates[1].Levels) != 3 {
		t.Fatalf("fit of %d patients (%d left), covariates %+v", fit.Patients, fit.Left, s.Covariates)
	}
	if !(fit.LikelihoodRatio > 3.84) {
		t.Errorf("the simulated score adds little: LR %.2f", fit.LikelihoodRatio)
	}
	ref := s.Covariates[1].Ref
	for _, p := range patients[:5] {
		e, _, err := s.Risk(p.Factors, p.Probability, "")
		if err != nil {
			t.Fatal(err)
		}
		age, _ := strconv.ParseFloat(p.Factors["age"], 64)
		row := []float64{age}
		for _, l := range s.Covariates[1].Levels {
			if l != ref {
				row = append(row, b2f(p.Factors["grade"] == l))
			}
		}
		wantClin := 1 - fit.Clinical.SurvivalAt(60, row)
		wantComb := 1 - fit.Combined.SurvivalAt(60, append(row, p.Probability))
		if math.Abs(e.Clinical-wantClin) > 1e-12 || math.Abs(e.Combined-wantComb) > 1e-12 {
			t.Errorf("patient %s: section %v/%v, fit %v/%v", p.ID, e.Clinical, e.Combined, wantClin, wantComb)
		}
	}
}

package cohort

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"tessera/clinical"
)

// ClinicalFit is what FitClinical fitted, for the command's summary.
type ClinicalFit struct {
	Patients        int              // patients in the fit
	Events          int              // events among them
	Left            int              // patients in the statistics left out (a factor missing)
	Section         clinical.Section // ready for a bundle's manifest
	Clinical        CoxModel         // factors alone
	Combined        CoxModel         // factors and the slide score
	Terms           []string         // the terms, in the models' order (the combined model's last is the score)
	LikelihoodRatio float64          // 2 × (combined − clinical) log-likelihood: what the score adds (1 df)
}

// FitClinical fits, on the patients in the statistics with a time to
// event and every named factor (COHORT.csv columns; "grade:category" makes
// a column of numbers a category), the clinical-only
// model and the model with the patient's slide probability added, both
// Cox with Efron ties, and returns a [clinical] section for a bundle:
// covariates typed from the data (numbers with the observed range,
// otherwise categories with the most frequent level as reference), the
// coefficients centred at the cohort's means, the survival at the horizon
// for the centred patient, and threshold.
func FitClinical(patients []Patient, factors []string, horizonMonths, threshold float64) (ClinicalFit, error) {
	var fit ClinicalFit
	if len(factors) == 0 {
		return fit, errors.New("name the factors to fit (--factors age,size,grade)")
	}
	forced := map[string]bool{}
	names := make([]string, len(factors))
	for i, f := range factors {
		name, kind, _ := strings.Cut(strings.TrimSpace(f), ":")
		switch kind {
		case "":
		case "category":
			forced[name] = true
		default:
			return fit, fmt.Errorf("factor %q: the only type to name is \"category\" (numbers are found from the values)", f)
		}
		names[i] = name
	}
	factors = names
	var use []Patient
	for _, p := range patients {
		if !p.InMetrics || p.Event == nil || p.TimeMonths == nil {
			continue
		}
		complete := true
		for _, f := range factors {
			complete = complete && strings.TrimSpace(p.Factors[f]) != ""
		}
		if !complete {
			fit.Left++
			continue
		}
		use = append(use, p)
	}
	if len(use) < 10 {
		return fit, fmt.Errorf("only %d patients have a time to event, a slide result and every factor: too few to fit", len(use))
	}
	// Type each factor from its values.
	type column struct {
		cov    clinical.Covariate
		levels []string // categories: the non-reference levels, one term each
	}
	var cols []column
	for _, f := range factors {
		cov := clinical.Covariate{Name: f, Label: f, Required: true}
		lo, hi, numeric := math.Inf(1), math.Inf(-1), true
		count := map[string]int{}
		for _, p := range use {
			v := strings.TrimSpace(p.Factors[f])
			count[v]++
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				numeric = false
				continue
			}
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		col := column{}
		if numeric && !forced[f] {
			cov.Type, cov.Min, cov.Max = clinical.Number, &lo, &hi
		} else {
			cov.Type = clinical.Category
			for v := range count {
				cov.Levels = append(cov.Levels, v)
			}
			slices.Sort(cov.Levels)
			cov.Ref = cov.Levels[0]
			for _, v := range cov.Levels {
				if count[v] > count[cov.Ref] {
					cov.Ref = v
				}
			}
			for _, v := range cov.Levels {
				if v != cov.Ref {
					col.levels = append(col.levels, v)
				}
			}
		}
		col.cov = cov
		cols = append(cols, col)
	}
	var terms []string
	for _, c := range cols {
		if c.cov.Type == clinical.Number {
			terms = append(terms, c.cov.Name)
		} else {
			for _, l := range c.levels {
				terms = append(terms, c.cov.Name+"="+l)
			}
		}
	}
	y := make([]Surv, len(use))
	xClin, xComb := make([][]float64, len(use)), make([][]float64, len(use))
	for i, p := range use {
		y[i] = Surv{Months: *p.TimeMonths, Event: *p.Event == 1}
		if y[i].Event {
			fit.Events++
		}
		var row []float64
		for _, c := range cols {
			v := strings.TrimSpace(p.Factors[c.cov.Name])
			if c.cov.Type == clinical.Number {
				x, _ := strconv.ParseFloat(v, 64)
				row = append(row, x)
				continue
			}
			for _, l := range c.levels {
				row = append(row, b2f(v == l))
			}
		}
		xClin[i] = row
		xComb[i] = append(slices.Clone(row), p.Probability)
	}
	var err error
	if fit.Clinical, err = FitCox(y, xClin); err != nil {
		return fit, fmt.Errorf("the clinical-only model: %w", err)
	}
	if fit.Combined, err = FitCox(y, xComb); err != nil {
		return fit, fmt.Errorf("the model with the slide score: %w", err)
	}
	fit.Patients, fit.Terms = len(use), append(slices.Clone(terms), "slide score")
	fit.LikelihoodRatio = 2 * (fit.Combined.LogLik - fit.Clinical.LogLik)
	coxOf := func(m CoxModel, n int) clinical.Cox {
		c := clinical.Cox{BaselineSurvival: m.BaselineSurvival(horizonMonths), Coefficients: map[string]float64{}, Centres: map[string]float64{}}
		for k := 0; k < n; k++ {
			c.Coefficients[terms[k]], c.Centres[terms[k]] = m.Beta[k], m.Means[k]
		}
		return c
	}
	s := clinical.Section{HorizonMonths: horizonMonths, Threshold: threshold,
		ClassLabels: []string{
			fmt.Sprintf("Low risk: below %g %% within %g months", 100*threshold, horizonMonths),
			fmt.Sprintf("High risk: %g %% or more within %g months", 100*threshold, horizonMonths)},
		ClinicalOnly: coxOf(fit.Clinical, len(terms)), Combined: coxOf(fit.Combined, len(terms))}
	s.Combined.ScoreCoefficient = fit.Combined.Beta[len(terms)]
	s.Combined.ScoreScale, s.Combined.ScoreCentre = "probability", fit.Combined.Means[len(terms)]
	for _, c := range cols {
		s.Covariates = append(s.Covariates, c.cov)
	}
	if err := s.Validate(); err != nil {
		return fit, fmt.Errorf("the fitted section does not validate: %w", err)
	}
	fit.Section = s
	return fit, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

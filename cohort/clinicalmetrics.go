package cohort

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"tessera/clinical"
)

// ClinicalMetrics is what the slide score adds to the clinical factors on
// this cohort, as a tumour board reads it in a publication: the
// multivariable Cox table with and without the score (refitted here), the
// likelihood-ratio test of adding it, the discrimination of the two
// declared models and its difference, who the score moves across the
// threshold, and the calibration of the combined probability. Intervals
// are 95 %.
type ClinicalMetrics struct {
	// Source says which models were evaluated: the bundle's [clinical]
	// section, or one fitted on this very cohort (Apparent: the figures
	// are optimistic, being measured on the data they were fitted to).
	Source        string   `json:"source"`
	Apparent      bool     `json:"apparent"`
	Factors       []string `json:"factors"` // the covariates, by name
	HorizonMonths float64  `json:"horizon_months"`
	Threshold     float64  `json:"threshold"`

	NPatients int            `json:"n_patients"` // complete cases: every factor, a slide result, time to event
	Events    int            `json:"events"`
	Left      map[string]int `json:"left_out"` // reason → patients of the statistics left out here

	// The Cox models refitted on these patients (Efron ties), the score on
	// the bundle's scale: without the score, and with it.
	ClinicalCox []CoxTerm `json:"cox_clinical"`
	CombinedCox []CoxTerm `json:"cox_combined"`
	// LRChi2 is 2 × the log partial likelihoods' difference (1 df): the
	// evidence that the score adds to the factors.
	LRChi2 *float64 `json:"lr_chi2"`
	LRP    *float64 `json:"lr_p"`

	// Harrell's c-index of each model's probability at the horizon, and
	// the difference (combined − clinical) with a paired bootstrap interval.
	CIndexClinical     *float64  `json:"c_index_clinical"`
	CIndexClinicalCI   []float64 `json:"c_index_clinical_ci"`
	CIndexCombined     *float64  `json:"c_index_combined"`
	CIndexCombinedCI   []float64 `json:"c_index_combined_ci"`
	CIndexDifference   *float64  `json:"c_index_difference"`
	CIndexDifferenceCI []float64 `json:"c_index_difference_ci"`

	Reclassification *Reclassification `json:"reclassification,omitempty"`
	// Calibration of the combined probability at the horizon: patients in
	// groups of predicted risk, the mean prediction against the
	// Kaplan–Meier risk observed in the group.
	Calibration []SurvivalCalibrationBin `json:"calibration_combined"`

	BootstrapReps int      `json:"bootstrap_replicates"`
	Notes         []string `json:"notes"`
}

// CoxTerm is one row of a Cox table.
type CoxTerm struct {
	Term        string    `json:"term"`
	Coefficient float64   `json:"coefficient"`
	HazardRatio float64   `json:"hazard_ratio"`
	HRCI        []float64 `json:"hazard_ratio_ci"`
	P           float64   `json:"p"` // Wald
}

// Reclassification counts patients by their class with the factors alone
// (rows) and with the score (columns), [below][at or above] the threshold:
// among all, among those with an event by the horizon, and among those
// followed to the horizon without one. NRI is the categorical net
// reclassification: events moved up less down, share; non-events moved
// down less up, share.
type Reclassification struct {
	All          [2][2]int `json:"all"`
	Events       [2][2]int `json:"events_by_horizon"`
	NonEvents    [2][2]int `json:"event_free_at_horizon"`
	NRIEvents    *float64  `json:"nri_events"`
	NRINonEvents *float64  `json:"nri_non_events"`
}

// SurvivalCalibrationBin is one group of patients by predicted risk.
type SurvivalCalibrationBin struct {
	MeanPredicted float64  `json:"mean_predicted"`
	Observed      *float64 `json:"observed"` // 1 − Kaplan–Meier survival at the horizon; null when follow-up ends before it
	N             int      `json:"n"`
	Events        int      `json:"events"` // by the horizon
}

// clinicalCase is one complete case of the clinical analysis.
type clinicalCase struct {
	y                  Surv
	terms              map[string]float64
	score              float64 // on the combined model's scale
	clinical, combined float64 // P(event by horizon)
	clinClass, combCl  int
}

// ComputeClinical evaluates s on the merge's patients in the statistics.
// source names where s comes from; apparent is true when s was fitted on
// this cohort.
func ComputeClinical(m *Merged, s *clinical.Section, source string, apparent bool) *ClinicalMetrics {
	cm := &ClinicalMetrics{Source: source, Apparent: apparent, HorizonMonths: s.HorizonMonths, Threshold: s.Threshold, Left: map[string]int{}}
	for _, c := range s.Covariates {
		cm.Factors = append(cm.Factors, c.Name)
	}
	if apparent {
		cm.Notes = append(cm.Notes, "the clinical models were fitted on this cohort: their c-indices and calibration are apparent (optimistic); validate them on another cohort")
	}
	var cases []clinicalCase
	for _, p := range m.Patients {
		if !p.InMetrics {
			continue
		}
		if p.Event == nil || p.TimeMonths == nil {
			cm.Left["no time to event"]++
			continue
		}
		missing := false
		for _, c := range s.Covariates {
			missing = missing || p.Factors[c.Name] == ""
		}
		if missing {
			cm.Left["a clinical factor is missing"]++
			continue
		}
		terms, err := s.Terms(p.Factors)
		if err != nil {
			cm.Left["a clinical factor is outside its declared range or levels"]++
			continue
		}
		e, _, err := s.Risk(p.Factors, p.Probability, p.Scanner)
		if err != nil {
			cm.Left["no combined estimate ("+err.Error()+")"]++
			continue
		}
		cases = append(cases, clinicalCase{y: Surv{Months: *p.TimeMonths, Event: *p.Event == 1}, terms: terms,
			score: s.Combined.ScoreValue(p.Probability), clinical: e.Clinical, combined: e.Combined, clinClass: e.ClinicalClass, combCl: e.CombinedClass})
	}
	cm.NPatients = len(cases)
	for _, c := range cases {
		if c.y.Event {
			cm.Events++
		}
	}
	if cm.NPatients < 10 || cm.Events < 2 {
		cm.Notes = append(cm.Notes, fmt.Sprintf("only %d complete cases with %d events: no clinical figures", cm.NPatients, cm.Events))
		return cm
	}
	cm.coxTables(cases, s)
	cm.discrimination(cases)
	cm.reclassify(cases)
	cm.calibrate(cases)
	sort.Strings(cm.Notes)
	return cm
}

// coxTables refits both models on the cases, the section's terms as the
// design; a term constant here (a level nobody has) is left out and said.
func (cm *ClinicalMetrics) coxTables(cases []clinicalCase, s *clinical.Section) {
	var names []string
	for _, t := range s.TermNames() {
		first, varies := cases[0].terms[t], false
		for _, c := range cases {
			varies = varies || c.terms[t] != first
		}
		if varies {
			names = append(names, t)
		} else {
			cm.Notes = append(cm.Notes, fmt.Sprintf("the term %s is the same for every patient here: left out of the refitted Cox models", t))
		}
	}
	y := make([]Surv, len(cases))
	xClin, xComb := make([][]float64, len(cases)), make([][]float64, len(cases))
	for i, c := range cases {
		y[i] = c.y
		row := make([]float64, len(names), len(names)+1)
		for k, t := range names {
			row[k] = c.terms[t]
		}
		xClin[i], xComb[i] = row, append(row, c.score)
	}
	score := "slide score (" + scaleName(s.Combined.ScoreScale) + ")"
	var clin CoxModel
	var err error
	if len(names) > 0 {
		if clin, err = FitCox(y, xClin); err != nil {
			cm.Notes = append(cm.Notes, "the clinical-only Cox model cannot be refitted here: "+err.Error())
			return
		}
		cm.ClinicalCox = coxTable(clin, names)
	}
	comb, err := FitCox(y, xComb)
	if err != nil {
		cm.Notes = append(cm.Notes, "the Cox model with the slide score cannot be refitted here: "+err.Error())
		return
	}
	cm.CombinedCox = coxTable(comb, append(append([]string(nil), names...), score))
	nullLL := clin.LogLik
	if len(names) == 0 {
		nullLL = nullLogLik(y)
	}
	chi2 := math.Max(0, 2*(comb.LogLik-nullLL))
	cm.LRChi2, cm.LRP = ptr(chi2), ptr(math.Erfc(math.Sqrt(chi2/2))) // χ² with 1 df
}

func scaleName(scale string) string {
	if scale == "logit" {
		return "logit, per unit"
	}
	return "probability, per unit"
}

// coxTable is a fit's rows: HR = exp(β), Wald interval and p.
func coxTable(m CoxModel, names []string) []CoxTerm {
	rows := make([]CoxTerm, len(names))
	for k, n := range names {
		b, se := m.Beta[k], m.SE(k)
		rows[k] = CoxTerm{Term: n, Coefficient: b, HazardRatio: math.Exp(b),
			HRCI: []float64{math.Exp(b - z975*se), math.Exp(b + z975*se)}, P: math.Erfc(math.Abs(b/se) / math.Sqrt2)}
	}
	return rows
}

// z975 is the standard normal's 97.5th percentile.
const z975 = 1.959963984540054

// nullLogLik is the Efron log partial likelihood with no covariate.
func nullLogLik(y []Surv) float64 {
	x := make([][]float64, len(y))
	for i := range x {
		x[i] = []float64{0}
	}
	idx := make([]int, len(y))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return y[idx[a]].Months < y[idx[b]].Months })
	ll, _, _ := efron(y, x, idx, []float64{0})
	return ll
}

// discrimination: Harrell's c of both probabilities and their paired
// bootstrap difference.
func (cm *ClinicalMetrics) discrimination(cases []clinicalCase) {
	n := len(cases)
	cm.BootstrapReps = bootstrapReps(n)
	cIndexes := func(idx []int) (clin, comb float64) {
		y, a, b := make([]Surv, len(idx)), make([]float64, len(idx)), make([]float64, len(idx))
		for k, i := range idx {
			y[k], a[k], b[k] = cases[i].y, cases[i].clinical, cases[i].combined
		}
		return CIndex(a, y), CIndex(b, y)
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	clin, comb := cIndexes(all)
	cm.CIndexClinical, cm.CIndexCombined, cm.CIndexDifference = ptr(clin), ptr(comb), ptr(comb-clin)
	if cm.CIndexDifference == nil {
		return
	}
	lo, hi := BootstrapPaired(n, cm.BootstrapReps, 3, func(idx []int) []float64 {
		a, b := cIndexes(idx)
		return []float64{a, b, b - a}
	})
	cm.CIndexClinicalCI, cm.CIndexCombinedCI, cm.CIndexDifferenceCI = interval(lo[0], hi[0]), interval(lo[1], hi[1]), interval(lo[2], hi[2])
}

// reclassify counts who the score moves across the threshold.
func (cm *ClinicalMetrics) reclassify(cases []clinicalCase) {
	r := &Reclassification{}
	for _, c := range cases {
		r.All[c.clinClass][c.combCl]++
		switch {
		case c.y.Event && c.y.Months <= cm.HorizonMonths:
			r.Events[c.clinClass][c.combCl]++
		case c.y.Months >= cm.HorizonMonths:
			r.NonEvents[c.clinClass][c.combCl]++
		}
	}
	net := func(t [2][2]int, sign int) *float64 {
		total := t[0][0] + t[0][1] + t[1][0] + t[1][1]
		if total == 0 {
			return nil
		}
		return ptr(float64(sign*(t[0][1]-t[1][0])) / float64(total))
	}
	r.NRIEvents, r.NRINonEvents = net(r.Events, 1), net(r.NonEvents, -1)
	if r.NRIEvents == nil || r.NRINonEvents == nil {
		cm.Notes = append(cm.Notes, fmt.Sprintf("no net reclassification: no patient has an event by %g months, or none is followed that long without one", cm.HorizonMonths))
	}
	cm.Reclassification = r
}

// calibrate groups the cases by combined probability (fifths from 100
// cases, otherwise groups of about 20, at least 2) and sets each group's
// mean prediction beside its Kaplan–Meier risk at the horizon.
func (cm *ClinicalMetrics) calibrate(cases []clinicalCase) {
	sorted := append([]clinicalCase(nil), cases...)
	sort.SliceStable(sorted, func(a, b int) bool { return sorted[a].combined < sorted[b].combined })
	groups := min(5, max(2, len(sorted)/20))
	short := 0
	for g := 0; g < groups; g++ {
		part := sorted[g*len(sorted)/groups : (g+1)*len(sorted)/groups]
		bin := SurvivalCalibrationBin{N: len(part)}
		y := make([]Surv, len(part))
		for i, c := range part {
			bin.MeanPredicted += c.combined / float64(len(part))
			y[i] = c.y
			if c.y.Event && c.y.Months <= cm.HorizonMonths {
				bin.Events++
			}
		}
		if risk, err := riskAt(y, cm.HorizonMonths); err == nil {
			bin.Observed = ptr(risk)
		} else {
			short++
		}
		cm.Calibration = append(cm.Calibration, bin)
	}
	if short > 0 {
		cm.Notes = append(cm.Notes, fmt.Sprintf("%d of %d risk groups are not followed to %g months: no observed risk for them", short, groups, cm.HorizonMonths))
	}
}

// riskAt is 1 − the Kaplan–Meier survival at horizon; an error when the
// curve stops before it (the last patient censored before the horizon).
func riskAt(y []Surv, horizon float64) (float64, error) {
	surv, last := 1.0, 0.0
	for _, st := range KaplanMeier(y) {
		if st.Months > horizon {
			return 1 - surv, nil
		}
		surv = st.Survival
	}
	for _, s := range y {
		last = math.Max(last, s.Months)
	}
	if last < horizon && surv > 0 {
		return 0, errors.New("follow-up ends before the horizon")
	}
	return 1 - surv, nil
}

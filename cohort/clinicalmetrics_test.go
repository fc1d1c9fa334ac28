package cohort

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"tessera/clinical"
	"tessera/inference"
)

// declaredSection is a [clinical] section with the simulation's own
// coefficients (clinicalCohort), as a bundle trained elsewhere would
// declare them: age per year, grade 2 and 3 against 1, the score on the
// probability scale.
func declaredSection() *clinical.Section {
	lo, hi := 18.0, 100.0
	s := &clinical.Section{HorizonMonths: 60, Threshold: 0.25, ClassLabels: []string{"low", "high"},
		Covariates: []clinical.Covariate{
			{Name: "age", Label: "Age", Type: clinical.Number, Unit: "years", Min: &lo, Max: &hi, Required: true},
			{Name: "grade", Label: "Grade", Type: clinical.Category, Levels: []string{"1", "2", "3"}, Ref: "1", Required: true}},
		ClinicalOnly: clinical.Cox{BaselineSurvival: 0.62, Coefficients: map[string]float64{"age": 0.02, "grade=2": 0.4, "grade=3": 0.9}, Centres: map[string]float64{"age": 55}},
		Combined: clinical.Cox{BaselineSurvival: 0.6, Coefficients: map[string]float64{"age": 0.02, "grade=2": 0.4, "grade=3": 0.9}, Centres: map[string]float64{"age": 55},
			ScoreCoefficient: 1.2, ScoreScale: "probability", ScoreCentre: 0.5}}
	if err := s.Validate(); err != nil {
		panic(err)
	}
	return s
}

// clinicalMerge is clinicalCohort as a merge's patients.
func clinicalMerge() *Merged {
	y, x := clinicalCohort()
	m := &Merged{}
	for i := range y {
		ev, months := 0, y[i].Months
		if y[i].Event {
			ev = 1
		}
		grade := "1"
		if x[i][1] == 1 {
			grade = "2"
		} else if x[i][2] == 1 {
			grade = "3"
		}
		m.Patients = append(m.Patients, Patient{ID: strconv.Itoa(i), InMetrics: true, Event: &ev, TimeMonths: &months, Probability: x[i][3],
			Factors: map[string]string{"age": strconv.FormatFloat(x[i][0], 'g', -1, 64), "grade": grade}})
	}
	return m
}

// The Cox tables with and without the score, the likelihood-ratio test
// and the c-indices of the declared models agree with R's survival
// (coxph with Efron ties, concordance) to 1e-6; the reclassification table
// and calibration groups add up.
func TestClinicalMetricsMatchR(t *testing.T) {
	m := clinicalMerge()
	m.Patients = append(m.Patients, Patient{ID: "no-grade", InMetrics: true, Event: new(int), TimeMonths: new(float64), Factors: map[string]string{"age": "50"}})
	s := declaredSection()
	cm := ComputeClinical(m, s, "the bundle's [clinical] section", false)
	if cm.NPatients != 300 || cm.Left["a clinical factor is missing"] != 1 || len(cm.ClinicalCox) != 3 || len(cm.CombinedCox) != 4 {
		t.Fatalf("%d patients, left %v, tables %d/%d rows; notes %v", cm.NPatients, cm.Left, len(cm.ClinicalCox), len(cm.CombinedCox), cm.Notes)
	}
	if score := cm.CombinedCox[3]; score.HRCI[0] > math.Exp(1.2) || score.HRCI[1] < math.Exp(1.2) || score.Term != "slide score (probability, per unit)" {
		t.Errorf("the score's HR %+v misses the simulated exp(1.2)", score)
	}
	if cm.CIndexDifference == nil || *cm.CIndexDifference <= 0 || len(cm.CIndexDifferenceCI) != 2 || !(cm.CIndexDifferenceCI[0] < *cm.CIndexDifference && *cm.CIndexDifference < cm.CIndexDifferenceCI[1]) {
		t.Errorf("c-index difference %v, CI %v: the simulated score adds discrimination", cm.CIndexDifference, cm.CIndexDifferenceCI)
	}
	r := cm.Reclassification
	total, events := 0, 0
	for a := 0; a < 2; a++ {
		for b := 0; b < 2; b++ {
			total += r.All[a][b]
			events += r.Events[a][b]
		}
	}
	byHorizon := 0
	for _, p := range m.Patients[:300] {
		if *p.Event == 1 && *p.TimeMonths <= 60 {
			byHorizon++
		}
	}
	if total != 300 || events != byHorizon || r.NRIEvents == nil ||
		math.Abs(*r.NRIEvents-float64(r.Events[0][1]-r.Events[1][0])/float64(events)) > 1e-12 {
		t.Errorf("reclassification %+v (events by 60 months: %d)", r, byHorizon)
	}
	n := 0
	for _, b := range cm.Calibration {
		n += b.N
		if b.Observed == nil || *b.Observed < 0 || *b.Observed > 1 {
			t.Errorf("calibration group %+v", b)
		}
	}
	if len(cm.Calibration) != 5 || n != 300 || cm.Calibration[0].MeanPredicted >= cm.Calibration[4].MeanPredicted {
		t.Errorf("calibration %+v", cm.Calibration)
	}

	requireR(t)
	data := filepath.Join(t.TempDir(), "d.csv")
	f, _ := os.Create(data)
	w := csv.NewWriter(f)
	w.Write([]string{"time", "event", "age", "grade", "score"})
	for _, p := range m.Patients[:300] {
		w.Write([]string{strconv.FormatFloat(*p.TimeMonths, 'g', -1, 64), strconv.Itoa(*p.Event), p.Factors["age"], p.Factors["grade"], strconv.FormatFloat(p.Probability, 'g', -1, 64)})
	}
	w.Flush()
	f.Close()
	ref := runR(t, `library(survival)
d <- read.csv("`+data+`")
d$grade <- factor(d$grade, levels = c("1", "2", "3"))
m0 <- coxph(Surv(time, event) ~ age + grade, data = d, ties = "efron")
m1 <- coxph(Surv(time, event) ~ age + grade + score, data = d, ties = "efron")
cat("b0", coef(m0), "\n"); cat("p0", summary(m0)$coefficients[, 5], "\n")
cat("b1", coef(m1), "\n"); cat("se1", sqrt(diag(vcov(m1))), "\n"); cat("p1", summary(m1)$coefficients[, 5], "\n")
cat("lr", 2 * (m1$loglik[2] - m0$loglik[2]), "\n")
lp0 <- 0.02 * (d$age - 55) + 0.4 * (d$grade == "2") + 0.9 * (d$grade == "3")
pclin <- 1 - 0.62^exp(lp0); pcomb <- 1 - 0.6^exp(lp0 + 1.2 * (d$score - 0.5))
cat("cclin", concordance(Surv(time, event) ~ pclin, data = d, reverse = TRUE)$concordance, "\n")
cat("ccomb", concordance(Surv(time, event) ~ pcomb, data = d, reverse = TRUE)$concordance, "\n")
`)
	near := nearR(t)
	for k, row := range cm.ClinicalCox {
		near("clinical-only "+row.Term, row.Coefficient, ref["b0"][k])
		near("clinical-only p "+row.Term, row.P, ref["p0"][k])
	}
	for k, row := range cm.CombinedCox {
		near("combined "+row.Term, row.Coefficient, ref["b1"][k])
		near("combined p "+row.Term, row.P, ref["p1"][k])
		near("combined HR upper "+row.Term, row.HRCI[1], math.Exp(ref["b1"][k]+z975*ref["se1"][k]))
	}
	near("likelihood ratio", *cm.LRChi2, ref["lr"][0])
	near("c-index clinical", *cm.CIndexClinical, ref["cclin"][0])
	near("c-index combined", *cm.CIndexCombined, ref["ccomb"][0])
	t.Logf("LR %.2f (p %.2g); c-index %.3f → %.3f, difference %.3f (95 %% CI %.3f–%.3f)", *cm.LRChi2, *cm.LRP,
		*cm.CIndexClinical, *cm.CIndexCombined, *cm.CIndexDifference, cm.CIndexDifferenceCI[0], cm.CIndexDifferenceCI[1])
}

// Too few complete cases give no figures and say so.
func TestClinicalMetricsTooFew(t *testing.T) {
	m := clinicalMerge()
	m.Patients = m.Patients[:8]
	cm := ComputeClinical(m, declaredSection(), "fitted", true)
	if cm.CombinedCox != nil || cm.CIndexCombined != nil || len(cm.Notes) < 2 {
		t.Errorf("8 patients: %+v", cm)
	}
}

// Per scanner: QC exclusions counted from the slides' results, and Cohen's
// κ of the class on patients scanned on both scanners, by hand.
func TestScannerFigures(t *testing.T) {
	result := func(scanner string, p float64, verdict inference.Verdict) *inference.Result {
		r := &inference.Result{Probability: p, Threshold: 0.5, Classes: []string{"low", "high"}, Class: "low"}
		if p >= 0.5 {
			r.Class = "high"
		}
		r.Slide.Scanner = scanner
		r.Validity.Verdict = verdict
		return r
	}
	m := &Merged{}
	// 12 patients on both scanners: the classes agree on 10 (5 high, 5
	// low); on 2 the Aperio says high and the Hamamatsu low.
	for i := 0; i < 12; i++ {
		id := fmt.Sprint("P", i)
		pa, ph := 0.2, 0.2
		switch {
		case i < 5:
			pa, ph = 0.8, 0.8
		case i >= 10:
			pa = 0.8
		}
		m.Slides = append(m.Slides,
			SlideRecord{Row: Row{PatientID: id, Slide: id + "a"}, Result: result("aperio", pa, inference.VerdictOK)},
			SlideRecord{Row: Row{PatientID: id, Slide: id + "h"}, Result: result("hamamatsu C9600-12", ph, inference.VerdictOK)})
	}
	m.Slides = append(m.Slides, SlideRecord{Row: Row{PatientID: "W", Slide: "w"}, Result: result("hamamatsu C9600-12", 0.9, inference.VerdictWithheld)})
	mt := &Metrics{}
	mt.scanners(m)
	if len(mt.Scanners) != 2 || mt.Scanners[1].Slides != 13 || mt.Scanners[1].Withheld != 1 || math.Abs(mt.Scanners[1].ExclusionRate-1.0/13) > 1e-12 {
		t.Errorf("per scanner %+v", mt.Scanners)
	}
	if len(mt.ScannerAgreement) != 1 {
		t.Fatalf("agreement %+v", mt.ScannerAgreement)
	}
	a := mt.ScannerAgreement[0]
	// po = 10/12; Aperio high 7/12, Hamamatsu high 5/12: pe = 7/12·5/12 + 5/12·7/12.
	po, pe := 10.0/12, 2*(7.0/12)*(5.0/12)
	if a.Patients != 12 || a.Agree != 10 || a.Kappa == nil || math.Abs(*a.Kappa-(po-pe)/(1-pe)) > 1e-12 {
		t.Errorf("κ %+v, want %.4f", a, (po-pe)/(1-pe))
	}
}

// The observed risk at the horizon: read off the Kaplan–Meier curve, 1
// when everyone had the event before it, undefined when the last patient
// is censored before it.
func TestRiskAtHorizon(t *testing.T) {
	for _, c := range []struct {
		y    []Surv
		want float64
		ok   bool
	}{
		{[]Surv{{10, true}, {20, false}, {70, false}, {80, true}}, 0.25, true}, // S(60) = 3/4
		{[]Surv{{10, true}, {30, true}}, 1, true},                              // all events before 60
		{[]Surv{{10, true}, {30, false}}, 0, false},                            // censored at 30: unknown at 60
	} {
		got, err := riskAt(c.y, 60)
		if (err == nil) != c.ok || (c.ok && math.Abs(got-c.want) > 1e-12) {
			t.Errorf("%v: %v, %v; want %v", c.y, got, err, c.want)
		}
	}
}

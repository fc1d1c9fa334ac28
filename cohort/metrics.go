package cohort

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"tessera/inference"
)

// Metrics are a cohort's validation figures, as metrics.json holds them.
// A figure that cannot be computed (one class only, no events) is absent
// (null) and Notes says why. Intervals are 95 %.
type Metrics struct {
	Model         string `json:"model"`
	ModelSHA256   string `json:"model_sha256"`
	Demonstration bool   `json:"demonstration_model"`

	NPatients   int            `json:"n_patients"` // patients in the statistics
	NExcluded   int            `json:"n_excluded"` // patients left out
	Exclusions  map[string]int `json:"exclusions"` // reason → patients
	Verdicts    map[string]int `json:"patient_verdicts"`
	SlideStatus map[string]int `json:"slide_status"`
	Threshold   float64        `json:"threshold"`
	// Classes are the bundle's class names [negative, positive]; the
	// survival curves are keyed by them.
	Classes [2]string `json:"classes"`

	// Binary outcome: the label column, or an event within HorizonMonths.
	Outcome   string     `json:"binary_outcome"`
	NBinary   int        `json:"n_binary"`
	AUC       *float64   `json:"auc"`
	AUCCI     []float64  `json:"auc_ci"`
	Confusion *Confusion `json:"confusion,omitempty"`
	Sens      *float64   `json:"sensitivity"`
	SensCI    []float64  `json:"sensitivity_ci"`
	Spec      *float64   `json:"specificity"`
	SpecCI    []float64  `json:"specificity_ci"`
	PPV       *float64   `json:"ppv"`
	PPVCI     []float64  `json:"ppv_ci"`
	NPV       *float64   `json:"npv"`
	NPVCI     []float64  `json:"npv_ci"`

	// Time to event.
	NSurvival     int       `json:"n_survival"`
	Events        int       `json:"events"`
	CIndex        *float64  `json:"c_index"`
	CIndexCI      []float64 `json:"c_index_ci"`
	HazardRatio   *float64  `json:"hazard_ratio"`
	HazardRatioCI []float64 `json:"hazard_ratio_ci"`
	LogrankChi2   *float64  `json:"logrank_chi2"`
	LogrankP      *float64  `json:"logrank_p"`
	// KM is the Kaplan–Meier curve of each predicted class; AtRisk the
	// numbers at risk at AtRiskMonths.
	KM           map[string][]KMStep `json:"kaplan_meier"`
	AtRiskMonths []float64           `json:"at_risk_months"`
	AtRisk       map[string][]int    `json:"at_risk"`

	// Calibration: predicted probability against the observed share of
	// the binary outcome, by decile of prediction.
	Calibration []CalibrationBin `json:"calibration"`
	// BundleCalibration is the calibration the bundle declares
	// ([interpretation]: probability → risk of its event), drawn beside
	// the cohort's own; empty when it declares none.
	BundleCalibration []inference.CalibrationPoint `json:"bundle_calibration,omitempty"`

	// Per scanner (the slides' "vendor model"): QC exclusions and
	// discrimination, and the class's agreement on paired scans.
	Scanners         []ScannerMetrics   `json:"scanners"`
	ScannerAgreement []ScannerAgreement `json:"scanner_agreement,omitempty"`

	// Clinical is what the slide score adds to the clinical factors
	// (ComputeClinical); absent without clinical models.
	Clinical *ClinicalMetrics `json:"clinical,omitempty"`

	BootstrapReps int      `json:"bootstrap_replicates"`
	Notes         []string `json:"notes"`

	// For the plots (not in metrics.json): each patient's probability,
	// outcome and class.
	points []point
}

// BinaryScores returns the probability and binary outcome of each patient
// with one, for plots.
func (mt *Metrics) BinaryScores() (prob []float64, positive []bool) {
	for _, p := range mt.points {
		if p.binary >= 0 {
			prob, positive = append(prob, p.p), append(positive, p.binary == 1)
		}
	}
	return prob, positive
}

// CalibrationBin is one decile of predicted probability.
type CalibrationBin struct {
	MeanPredicted float64 `json:"mean_predicted"`
	Observed      float64 `json:"observed"`
	N             int     `json:"n"`
}

type point struct {
	p        float64
	positive bool // predicted class
	binary   int  // -1 unknown, 0, 1
	surv     *Surv
	scanner  string
}

// HorizonMonths is the default horizon of the binary outcome made from time
// to event when the cohort has no label: an event within 5 years is
// positive, follow-up of 5 years or more without one negative.
const HorizonMonths = 60

// Compute computes the metrics of a merge. horizon (months) turns time to
// event into a binary outcome when no patient has a label.
func Compute(m *Merged, horizon float64, model string, demonstration bool) *Metrics {
	mt := &Metrics{Model: model, ModelSHA256: m.Run.BundleSHA, Demonstration: demonstration,
		Exclusions: map[string]int{}, Verdicts: map[string]int{}, SlideStatus: map[string]int{}, KM: map[string][]KMStep{}, AtRisk: map[string][]int{}}
	for _, s := range m.Slides {
		mt.SlideStatus[s.Status]++
		if s.Result != nil && mt.Classes[0] == "" {
			mt.Threshold = s.Result.Threshold
			mt.Classes = [2]string{"negative", "positive"}
			if len(s.Result.Classes) == 2 {
				mt.Classes = [2]string{s.Result.Classes[0], s.Result.Classes[1]}
			}
			if in := s.Result.Model.Interpretation; in != nil {
				mt.BundleCalibration = in.Calibration
			}
		}
	}
	useLabel := false
	for _, p := range m.Patients {
		if p.Label != "" {
			useLabel = true
		}
	}
	mt.Outcome = fmt.Sprintf("event within %g months (time_months and event); follow-up of %g months or more without an event is negative, shorter follow-up without an event is left out", horizon, horizon)
	if useLabel {
		mt.Outcome = "the label column (1/0, yes/no, true/false, positive/negative)"
	}
	unreadable := 0
	for _, p := range m.Patients {
		mt.Verdicts[p.Verdict]++
		if !p.InMetrics {
			mt.NExcluded++
			mt.Exclusions[p.Excluded]++
			continue
		}
		mt.NPatients++
		pt := point{p: p.Probability, positive: p.Positive, binary: -1, scanner: p.Scanner}
		if useLabel {
			if v, ok := parseLabel(p.Label); ok {
				pt.binary = v
			} else if p.Label != "" {
				unreadable++
			}
		} else if p.Event != nil && p.TimeMonths != nil {
			switch {
			case *p.Event == 1 && *p.TimeMonths <= horizon:
				pt.binary = 1
			case *p.TimeMonths >= horizon:
				pt.binary = 0
			}
		}
		if p.Event != nil && p.TimeMonths != nil {
			pt.surv = &Surv{Months: *p.TimeMonths, Event: *p.Event == 1}
		}
		mt.points = append(mt.points, pt)
	}
	if unreadable > 0 {
		mt.Notes = append(mt.Notes, fmt.Sprintf("%d patients' labels are not 1/0, yes/no, true/false or positive/negative: left out of the binary figures", unreadable))
	}
	if demonstration {
		mt.Notes = append(mt.Notes, "DEMONSTRATION MODEL: these figures say nothing about clinical performance")
	}
	mt.binary()
	mt.survival()
	mt.scanners(m)
	sort.Strings(mt.Notes)
	return mt
}

func parseLabel(s string) (int, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "positive", "pos", "high":
		return 1, true
	case "0", "false", "no", "negative", "neg", "low":
		return 0, true
	}
	return 0, false
}

func ptr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func interval(lo, hi float64) []float64 {
	if math.IsNaN(lo) || math.IsNaN(hi) {
		return nil
	}
	return []float64{lo, hi}
}

// bootstrapReps is the number of resamples of the intervals, fewer for
// large cohorts (the c-index is quadratic in patients).
func bootstrapReps(n int) int {
	if n <= 1000 {
		return 2000
	}
	return max(200, 2_000_000_000/(n*n))
}

func (mt *Metrics) binary() {
	var score []float64
	var pos, pred []bool
	for _, p := range mt.points {
		if p.binary < 0 {
			continue
		}
		score, pos, pred = append(score, p.p), append(pos, p.binary == 1), append(pred, p.positive)
	}
	mt.NBinary = len(score)
	if len(score) == 0 {
		mt.Notes = append(mt.Notes, "no patient has a binary outcome: no AUC, sensitivity or specificity")
		return
	}
	mt.BootstrapReps = bootstrapReps(len(score))
	mt.AUC = ptr(AUC(score, pos))
	if mt.AUC == nil {
		mt.Notes = append(mt.Notes, "the binary outcome has one value only: no AUC")
	} else {
		mt.AUCCI = interval(Bootstrap(len(score), mt.BootstrapReps, 1, func(idx []int) float64 {
			s, p := make([]float64, len(idx)), make([]bool, len(idx))
			for k, i := range idx {
				s[k], p[k] = score[i], pos[i]
			}
			return AUC(s, p)
		}))
	}
	var c Confusion
	for i := range score {
		switch {
		case pred[i] && pos[i]:
			c.TP++
		case pred[i]:
			c.FP++
		case pos[i]:
			c.FN++
		default:
			c.TN++
		}
	}
	mt.Confusion = &c
	sens, spec, ppv, npv := c.Rates()
	mt.Sens, mt.Spec, mt.PPV, mt.NPV = ptr(sens), ptr(spec), ptr(ppv), ptr(npv)
	mt.SensCI, mt.SpecCI = wilson(c.TP, c.TP+c.FN), wilson(c.TN, c.TN+c.FP)
	mt.PPVCI, mt.NPVCI = wilson(c.TP, c.TP+c.FP), wilson(c.TN, c.TN+c.FN)
	mt.Calibration = calibration(score, pos)
}

// wilson is the Wilson score interval of k successes in n.
func wilson(k, n int) []float64 {
	if n == 0 {
		return nil
	}
	const z = 1.959963984540054
	p, nf := float64(k)/float64(n), float64(n)
	centre := (p + z*z/(2*nf)) / (1 + z*z/nf)
	half := z / (1 + z*z/nf) * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf))
	return []float64{math.Max(0, centre-half), math.Min(1, centre+half)}
}

// calibration groups patients by decile of predicted probability (fewer
// groups for small cohorts, at least 5 patients each).
func calibration(score []float64, pos []bool) []CalibrationBin {
	idx := make([]int, len(score))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] < score[idx[b]] })
	bins := min(10, max(1, len(score)/5))
	var out []CalibrationBin
	for b := 0; b < bins; b++ {
		lo, hi := b*len(idx)/bins, (b+1)*len(idx)/bins
		var sp, so float64
		for _, i := range idx[lo:hi] {
			sp += score[i]
			if pos[i] {
				so++
			}
		}
		n := hi - lo
		out = append(out, CalibrationBin{MeanPredicted: sp / float64(n), Observed: so / float64(n), N: n})
	}
	return out
}

func (mt *Metrics) survival() {
	var score, x []float64
	var y []Surv
	var high []bool
	for _, p := range mt.points {
		if p.surv == nil {
			continue
		}
		score, y, high = append(score, p.p), append(y, *p.surv), append(high, p.positive)
		if p.positive {
			x = append(x, 1)
		} else {
			x = append(x, 0)
		}
	}
	mt.NSurvival = len(y)
	for _, s := range y {
		if s.Event {
			mt.Events++
		}
	}
	if len(y) == 0 {
		mt.Notes = append(mt.Notes, "no patient has time_months and event: no c-index, survival curves or hazard ratio")
		return
	}
	if mt.BootstrapReps == 0 {
		mt.BootstrapReps = bootstrapReps(len(y))
	}
	mt.CIndex = ptr(CIndex(score, y))
	if mt.CIndex != nil {
		mt.CIndexCI = interval(Bootstrap(len(y), bootstrapReps(len(y)), 2, func(idx []int) float64 {
			s, v := make([]float64, len(idx)), make([]Surv, len(idx))
			for k, i := range idx {
				s[k], v[k] = score[i], y[i]
			}
			return CIndex(s, v)
		}))
	}
	longest := 0.0
	for _, s := range y {
		longest = math.Max(longest, s.Months)
	}
	for t := 0.0; t <= longest; t += 12 {
		mt.AtRiskMonths = append(mt.AtRiskMonths, t)
	}
	for _, class := range []bool{false, true} {
		var g []Surv
		for i := range y {
			if high[i] == class {
				g = append(g, y[i])
			}
		}
		name := mt.classKey(class)
		mt.KM[name] = KaplanMeier(g)
		mt.AtRisk[name] = AtRisk(g, mt.AtRiskMonths)
	}
	chi2, p := LogRank(y, high)
	mt.LogrankChi2, mt.LogrankP = ptr(chi2), ptr(p)
	if beta, se, ok := Cox(y, x); ok {
		mt.HazardRatio = ptr(math.Exp(beta))
		mt.HazardRatioCI = []float64{math.Exp(beta - 1.959963984540054*se), math.Exp(beta + 1.959963984540054*se)}
	} else {
		mt.Notes = append(mt.Notes, "the hazard ratio of the predicted class cannot be estimated (one class only, no events, or every event in one class)")
	}
	if mt.LogrankP == nil {
		mt.Notes = append(mt.Notes, "no log-rank test: one predicted class only, or no events")
	}
}

// classKey names a predicted class in metrics.json.
func (mt *Metrics) classKey(positive bool) string {
	if positive {
		return mt.Classes[1]
	}
	return mt.Classes[0]
}

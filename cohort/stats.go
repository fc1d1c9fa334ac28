package cohort

import (
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Validation statistics on patients: discrimination of a binary outcome
// (AUC), of time to event (Harrell's c-index), survival by predicted class
// (Kaplan–Meier, log-rank test, Cox hazard ratio) and the confusion table
// at the bundle's threshold. Conventions follow R's survival package
// (checked against it in the tests): ties in the score count one half;
// pairs with tied event times are not comparable, and a censored time tied
// with an event time counts as the longer; Cox ties by Efron's method.

// AUC is the area under the ROC curve of score for the binary outcome
// (the Mann–Whitney statistic: a positive's score above a negative's counts
// 1, a tie ½). NaN when either class is empty.
func AUC(score []float64, positive []bool) float64 {
	type pt struct {
		s   float64
		pos bool
	}
	pts := make([]pt, len(score))
	var nPos, nNeg float64
	for i := range score {
		pts[i] = pt{score[i], positive[i]}
		if positive[i] {
			nPos++
		} else {
			nNeg++
		}
	}
	if nPos == 0 || nNeg == 0 {
		return math.NaN()
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].s < pts[j].s })
	// Sum of the positives' mid-ranks.
	var rankSum float64
	for i := 0; i < len(pts); {
		j := i
		for j < len(pts) && pts[j].s == pts[i].s {
			j++
		}
		mid := float64(i+j+1) / 2 // ranks i+1…j
		for k := i; k < j; k++ {
			if pts[k].pos {
				rankSum += mid
			}
		}
		i = j
	}
	return (rankSum - nPos*(nPos+1)/2) / (nPos * nNeg)
}

// Surv is one patient's time to event: Months of follow-up, Event true
// when the event was observed at Months (false: censored).
type Surv struct {
	Months float64
	Event  bool
}

// CIndex is Harrell's concordance of a risk score with time to event: of
// the comparable pairs (the shorter time an event), the share where the
// shorter time has the higher score, ties in score counting ½. NaN
// without comparable pairs.
func CIndex(score []float64, y []Surv) float64 {
	var conc, total float64
	for i := range y {
		if !y[i].Event {
			continue
		}
		for j := range y {
			if i == j {
				continue
			}
			// j outlived i: a longer time, or the same time censored.
			if y[j].Months > y[i].Months || (y[j].Months == y[i].Months && !y[j].Event) {
				total++
				switch {
				case score[i] > score[j]:
					conc++
				case score[i] == score[j]:
					conc += 0.5
				}
			}
		}
	}
	if total == 0 {
		return math.NaN()
	}
	return conc / total
}

// Bootstrap returns the 2.5th and 97.5th percentiles of stat over reps
// resamples of n patients drawn with replacement (a fixed seed: the same
// data give the same interval). Resamples where stat is NaN (one class
// only) are skipped; NaN, NaN when too few remain.
func Bootstrap(n, reps int, seed uint64, stat func(idx []int) float64) (lo, hi float64) {
	l, h := BootstrapPaired(n, reps, seed, func(idx []int) []float64 { return []float64{stat(idx)} })
	return l[0], h[0]
}

// BootstrapPaired is Bootstrap of several statistics on the same
// resamples (paired: a difference's interval comes from the same draws as
// its parts), each with its own NaN rule.
func BootstrapPaired(n, reps int, seed uint64, stat func(idx []int) []float64) (lo, hi []float64) {
	r := rand.New(rand.NewPCG(seed, 0x7e55e7a))
	idx := make([]int, n)
	var vals [][]float64
	for b := 0; b < reps; b++ {
		for i := range idx {
			idx[i] = r.IntN(n)
		}
		v := stat(idx)
		if vals == nil {
			vals = make([][]float64, len(v))
		}
		for k, x := range v {
			if !math.IsNaN(x) {
				vals[k] = append(vals[k], x)
			}
		}
	}
	lo, hi = make([]float64, len(vals)), make([]float64, len(vals))
	for k, v := range vals {
		if len(v) < reps/2 || len(v) < 20 {
			lo[k], hi[k] = math.NaN(), math.NaN()
			continue
		}
		sort.Float64s(v)
		lo[k], hi[k] = quantile(v, 0.025), quantile(v, 0.975)
	}
	return lo, hi
}

// quantile of sorted values by linear interpolation (R's type 7).
func quantile(sorted []float64, q float64) float64 {
	h := q * float64(len(sorted)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// KMStep is the Kaplan–Meier estimate after one event time.
type KMStep struct {
	Months   float64
	Survival float64
	AtRisk   int // at risk just before Months
	Events   int
}

// KaplanMeier estimates survival from y; steps at each event time, in
// order.
func KaplanMeier(y []Surv) []KMStep {
	s := append([]Surv(nil), y...)
	sort.Slice(s, func(i, j int) bool { return s[i].Months < s[j].Months })
	surv := 1.0
	var out []KMStep
	for i := 0; i < len(s); {
		j, d := i, 0
		for j < len(s) && s[j].Months == s[i].Months {
			if s[j].Event {
				d++
			}
			j++
		}
		atRisk := len(s) - i
		if d > 0 {
			surv *= 1 - float64(d)/float64(atRisk)
			out = append(out, KMStep{Months: s[i].Months, Survival: surv, AtRisk: atRisk, Events: d})
		}
		i = j
	}
	return out
}

// AtRisk counts the patients still followed at each time (Months ≥ t).
func AtRisk(y []Surv, times []float64) []int {
	out := make([]int, len(times))
	for k, t := range times {
		for _, v := range y {
			if v.Months >= t {
				out[k]++
			}
		}
	}
	return out
}

// LogRank compares survival in two groups (group[i] true: the second);
// it returns the chi-square statistic (1 degree of freedom) and its
// p-value. NaN when there is no event or a group is empty.
func LogRank(y []Surv, group []bool) (chi2, p float64) {
	type obs struct {
		Surv
		g bool
	}
	s := make([]obs, len(y))
	n1 := 0
	for i := range y {
		s[i] = obs{y[i], group[i]}
		if group[i] {
			n1++
		}
	}
	if n1 == 0 || n1 == len(y) {
		return math.NaN(), math.NaN()
	}
	sort.Slice(s, func(i, j int) bool { return s[i].Months < s[j].Months })
	var o, e, v float64
	atRisk, atRisk1 := float64(len(s)), float64(n1)
	for i := 0; i < len(s); {
		j := i
		var d, d1, gone1 float64
		for j < len(s) && s[j].Months == s[i].Months {
			if s[j].Event {
				d++
				if s[j].g {
					d1++
				}
			}
			if s[j].g {
				gone1++
			}
			j++
		}
		if d > 0 {
			o += d1
			e += d * atRisk1 / atRisk
			if atRisk > 1 {
				v += d * (atRisk1 / atRisk) * (1 - atRisk1/atRisk) * (atRisk - d) / (atRisk - 1)
			}
		}
		atRisk -= float64(j - i)
		atRisk1 -= gone1
		i = j
	}
	if v == 0 {
		return math.NaN(), math.NaN()
	}
	chi2 = (o - e) * (o - e) / v
	return chi2, 1 - distuv.ChiSquared{K: 1}.CDF(chi2)
}

// Cox fits a proportional-hazards model of time to event on one covariate
// x (1 for the positive class, 0 otherwise), ties by Efron's method, by
// Newton–Raphson. It returns the log hazard ratio and its standard error;
// ok is false when the model cannot be estimated (no events, one group
// only, or every event in one group: the ratio is infinite).
func Cox(y []Surv, x []float64) (beta, se float64, ok bool) {
	idx := make([]int, len(y))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return y[idx[a]].Months < y[idx[b]].Months })
	for iter := 0; iter < 50; iter++ {
		u, info := coxScore(y, x, idx, beta)
		if info <= 0 || math.IsNaN(info) {
			return 0, 0, false
		}
		step := u / info
		beta += step
		if math.Abs(beta) > 20 {
			return 0, 0, false // diverging: monotone likelihood
		}
		if math.Abs(step) < 1e-10 {
			_, info = coxScore(y, x, idx, beta)
			return beta, 1 / math.Sqrt(info), true
		}
	}
	return 0, 0, false
}

// coxScore is the score and information of the Efron partial likelihood
// at beta; idx orders the patients by time.
func coxScore(y []Surv, x []float64, idx []int, beta float64) (u, info float64) {
	n := len(idx)
	// Risk-set sums from the longest time down.
	var s0, s1, s2 float64
	for k := n - 1; k >= 0; {
		j := k
		t := y[idx[k]].Months
		var d0, d1, d2, dx float64
		d := 0
		for j >= 0 && y[idx[j]].Months == t {
			i := idx[j]
			w := math.Exp(beta * x[i])
			s0 += w
			s1 += w * x[i]
			s2 += w * x[i] * x[i]
			if y[i].Event {
				d++
				d0 += w
				d1 += w * x[i]
				d2 += w * x[i] * x[i]
				dx += x[i]
			}
			j--
		}
		if d > 0 {
			u += dx
			for l := 0; l < d; l++ {
				f := float64(l) / float64(d)
				a0, a1, a2 := s0-f*d0, s1-f*d1, s2-f*d2
				u -= a1 / a0
				info += a2/a0 - (a1/a0)*(a1/a0)
			}
		}
		k = j
	}
	return u, info
}

// Confusion is the table of the predicted class against a binary outcome.
type Confusion struct {
	TP, FP, TN, FN int
}

// Rates returns sensitivity, specificity, PPV and NPV (NaN where a
// denominator is zero).
func (c Confusion) Rates() (sens, spec, ppv, npv float64) {
	div := func(a, b int) float64 {
		if b == 0 {
			return math.NaN()
		}
		return float64(a) / float64(b)
	}
	return div(c.TP, c.TP+c.FN), div(c.TN, c.TN+c.FP), div(c.TP, c.TP+c.FP), div(c.TN, c.TN+c.FN)
}

// ROC returns the ROC curve of score for the binary outcome: false- and
// true-positive rates as the threshold falls from above the highest score,
// tied scores taken together.
func ROC(score []float64, positive []bool) (fpr, tpr []float64) {
	idx := make([]int, len(score))
	var nPos, nNeg float64
	for i := range idx {
		idx[i] = i
		if positive[i] {
			nPos++
		} else {
			nNeg++
		}
	}
	if nPos == 0 || nNeg == 0 {
		return nil, nil
	}
	sort.Slice(idx, func(a, b int) bool { return score[idx[a]] > score[idx[b]] })
	fpr, tpr = []float64{0}, []float64{0}
	var tp, fp float64
	for k := 0; k < len(idx); {
		j := k
		for j < len(idx) && score[idx[j]] == score[idx[k]] {
			if positive[idx[j]] {
				tp++
			} else {
				fp++
			}
			j++
		}
		fpr, tpr = append(fpr, fp/nNeg), append(tpr, tp/nPos)
		k = j
	}
	return fpr, tpr
}

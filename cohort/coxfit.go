package cohort

import (
	"errors"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// CoxModel is a multivariable proportional-hazards fit (Efron ties):
// coefficients and their covariance, the covariate means it is centred at,
// and the log partial likelihood (for likelihood-ratio tests).
type CoxModel struct {
	Beta   []float64
	Cov    *mat.SymDense // inverse information at Beta
	Means  []float64     // covariate means (R's coxph centres at them)
	LogLik float64
	y      []Surv
	x      [][]float64
}

// SE returns the standard error of coefficient k.
func (m CoxModel) SE(k int) float64 { return math.Sqrt(m.Cov.At(k, k)) }

// FitCox fits time to event on the covariates x[i] (one row per patient,
// same length), ties by Efron's method, by Newton–Raphson from 0, as R's
// coxph(ties = "efron") does. It fails when the model cannot be estimated
// (no events, a singular information matrix, or diverging coefficients: a
// monotone likelihood).
func FitCox(y []Surv, x [][]float64) (CoxModel, error) {
	n := len(y)
	if n == 0 || len(x) != n {
		return CoxModel{}, errors.New("no patients, or covariates for another number of patients")
	}
	p := len(x[0])
	means := make([]float64, p)
	for _, row := range x {
		if len(row) != p {
			return CoxModel{}, errors.New("covariate rows of different lengths")
		}
		for k, v := range row {
			means[k] += v / float64(n)
		}
	}
	// Centred covariates (the fit is the same; the numbers are tamer).
	xc := make([][]float64, n)
	for i, row := range x {
		xc[i] = make([]float64, p)
		for k, v := range row {
			xc[i][k] = v - means[k]
		}
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return y[idx[a]].Months < y[idx[b]].Months })
	beta := make([]float64, p)
	ll, u, info := efron(y, xc, idx, beta)
	for iter := 0; iter < 50; iter++ {
		var chol mat.Cholesky
		if !chol.Factorize(info) {
			return CoxModel{}, errors.New("the information matrix is singular: a covariate is constant or collinear")
		}
		var step mat.VecDense
		if err := chol.SolveVecTo(&step, mat.NewVecDense(p, u)); err != nil {
			return CoxModel{}, err
		}
		next := make([]float64, p)
		for k := range beta {
			next[k] = beta[k] + step.AtVec(k)
			if math.Abs(next[k]) > 30 {
				return CoxModel{}, errors.New("the coefficients diverge: a covariate separates the events (monotone likelihood)")
			}
		}
		nll, nu, ninfo := efron(y, xc, idx, next)
		for halvings := 0; nll < ll && halvings < 20; halvings++ { // step halving, as coxph does
			for k := range next {
				next[k] = (next[k] + beta[k]) / 2
			}
			nll, nu, ninfo = efron(y, xc, idx, next)
		}
		converged := math.Abs(nll-ll) < 1e-12*math.Max(1, math.Abs(ll))
		beta, ll, u, info = next, nll, nu, ninfo
		if converged {
			var chol mat.Cholesky
			if !chol.Factorize(info) {
				return CoxModel{}, errors.New("the information matrix is singular at the fit")
			}
			var cov mat.SymDense
			if err := chol.InverseTo(&cov); err != nil {
				return CoxModel{}, err
			}
			return CoxModel{Beta: beta, Cov: &cov, Means: means, LogLik: ll, y: y, x: xc}, nil
		}
	}
	return CoxModel{}, errors.New("the fit did not converge in 50 iterations")
}

// efron is the log partial likelihood, score and information of the Efron
// approximation at beta, for centred covariates x; idx orders by time.
func efron(y []Surv, x [][]float64, idx []int, beta []float64) (ll float64, u []float64, info *mat.SymDense) {
	p := len(beta)
	u = make([]float64, p)
	infoData := make([]float64, p*p)
	s1, d1 := make([]float64, p), make([]float64, p)
	s2, d2 := make([]float64, p*p), make([]float64, p*p)
	var s0 float64
	n := len(idx)
	for k := n - 1; k >= 0; {
		t := y[idx[k]].Months
		var d0 float64
		for a := range d1 {
			d1[a] = 0
		}
		for a := range d2 {
			d2[a] = 0
		}
		deaths := 0
		var lpDeaths float64
		xDeaths := make([]float64, p)
		j := k
		for ; j >= 0 && y[idx[j]].Months == t; j-- {
			i := idx[j]
			lp := dot(beta, x[i])
			w := math.Exp(lp)
			s0 += w
			for a := 0; a < p; a++ {
				s1[a] += w * x[i][a]
				for b := 0; b < p; b++ {
					s2[a*p+b] += w * x[i][a] * x[i][b]
				}
			}
			if y[i].Event {
				deaths++
				d0 += w
				lpDeaths += lp
				for a := 0; a < p; a++ {
					d1[a] += w * x[i][a]
					xDeaths[a] += x[i][a]
					for b := 0; b < p; b++ {
						d2[a*p+b] += w * x[i][a] * x[i][b]
					}
				}
			}
		}
		if deaths > 0 {
			ll += lpDeaths
			for a := 0; a < p; a++ {
				u[a] += xDeaths[a]
			}
			for l := 0; l < deaths; l++ {
				f := float64(l) / float64(deaths)
				a0 := s0 - f*d0
				ll -= math.Log(a0)
				for a := 0; a < p; a++ {
					ma := (s1[a] - f*d1[a]) / a0
					u[a] -= ma
					for b := 0; b < p; b++ {
						mb := (s1[b] - f*d1[b]) / a0
						infoData[a*p+b] += (s2[a*p+b]-f*d2[a*p+b])/a0 - ma*mb
					}
				}
			}
		}
		k = j
	}
	return ll, u, mat.NewSymDense(p, infoData)
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// BaselineSurvival is the survival at horizon months for a patient at the
// covariate means (the centred linear predictor 0), from the Efron-corrected
// cumulative hazard: R's survfit(fit, newdata = the means) with
// ctype = 2, the default after ties = "efron". So that
// P(event by horizon) = 1 − S0^exp(Σ β (x − mean)).
func (m CoxModel) BaselineSurvival(horizon float64) float64 {
	n := len(m.y)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return m.y[idx[a]].Months < m.y[idx[b]].Months })
	w := make([]float64, n)
	var risk float64
	for i := range w {
		w[i] = math.Exp(dot(m.Beta, m.x[i]))
		risk += w[i]
	}
	var hazard float64
	for k := 0; k < n; {
		t := m.y[idx[k]].Months
		if t > horizon {
			break
		}
		var dSum, leaving float64
		deaths := 0
		j := k
		for ; j < n && m.y[idx[j]].Months == t; j++ {
			i := idx[j]
			leaving += w[i]
			if m.y[i].Event {
				deaths++
				dSum += w[i]
			}
		}
		for l := 0; l < deaths; l++ {
			hazard += 1 / (risk - float64(l)/float64(deaths)*dSum)
		}
		risk -= leaving
		k = j
	}
	return math.Exp(-hazard)
}

// SurvivalAt is the survival at horizon months of a patient with
// covariates x: S0(h)^exp(Σ β (x − mean)).
func (m CoxModel) SurvivalAt(horizon float64, x []float64) float64 {
	lp := 0.0
	for k, b := range m.Beta {
		lp += b * (x[k] - m.Means[k])
	}
	return math.Pow(m.BaselineSurvival(horizon), math.Exp(lp))
}

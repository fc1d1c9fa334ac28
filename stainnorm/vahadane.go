package stainnorm

import "math"

// Vahadane et al., "Structure-preserving color normalization and sparse
// stain separation for histological images" (IEEE TMI 2016): the tissue
// pixels' optical densities V (n×3) factorised as V ≈ C·S with C ≥ 0
// sparse (an L1 penalty λ = 0.1 on the concentrations, as staintools'
// dictionary learning uses) and S ≥ 0, two unit stain vectors. Solved by
// alternating a non-negative lasso for C (coordinate descent: two
// unknowns a pixel) and a projected least-squares step for S, from
// Macenko's vectors (or Ruifrok's when Macenko cannot fit), for a fixed
// number of rounds on at most vahadaneFitPixels pixels: deterministic.
// Concentrations for normalising are a non-negative lasso with λ = 0.01.

const (
	vahadaneFitLambda   = 0.1
	vahadaneApplyLambda = 0.01
	vahadaneRounds      = 30
	vahadaneFitPixels   = 20000
)

// ruifrokHE are Ruifrok and Johnston's haematoxylin and eosin vectors.
var ruifrokHE = [2][3]float64{unit([3]float64{0.65, 0.70, 0.29}), unit([3]float64{0.07, 0.99, 0.11})}

func fitVahadane(pix [][3]uint8) (Stats, error) {
	if len(pix) > vahadaneFitPixels {
		step := float64(len(pix)) / vahadaneFitPixels
		kept := make([][3]uint8, vahadaneFitPixels)
		for i := range kept {
			kept[i] = pix[int(float64(i)*step)]
		}
		pix = kept
	}
	stains := ruifrokHE
	if m, err := fitMacenko(pix); err == nil {
		stains = m.Stains
	}
	od := make([][3]float64, len(pix))
	for i, p := range pix {
		od[i] = [3]float64{odOf[p[0]], odOf[p[1]], odOf[p[2]]}
	}
	conc := make([][2]float64, len(od))
	for round := 0; round < vahadaneRounds; round++ {
		solve := lasso(stains, vahadaneFitLambda)
		for i, v := range od {
			conc[i] = solve(v)
		}
		// S = argmin ||V − C S||² = (CᵀC)⁻¹ CᵀV, projected to S ≥ 0, rows unit.
		var a00, a01, a11 float64
		var b [2][3]float64
		for i, c := range conc {
			a00 += c[0] * c[0]
			a01 += c[0] * c[1]
			a11 += c[1] * c[1]
			for k := 0; k < 3; k++ {
				b[0][k] += c[0] * od[i][k]
				b[1][k] += c[1] * od[i][k]
			}
		}
		det := a00*a11 - a01*a01
		if !(det > 1e-12*a00*a11) {
			return Stats{}, ErrOneStain // one stain carries everything
		}
		var next [2][3]float64
		for k := 0; k < 3; k++ {
			next[0][k] = math.Max(0, (a11*b[0][k]-a01*b[1][k])/det)
			next[1][k] = math.Max(0, (a00*b[1][k]-a01*b[0][k])/det)
		}
		if dot(next[0], next[0]) == 0 || dot(next[1], next[1]) == 0 {
			return Stats{}, ErrOneStain
		}
		stains = [2][3]float64{unit(next[0]), unit(next[1])}
	}
	if stains[0][0] < stains[1][0] { // haematoxylin absorbs red more
		stains[0], stains[1] = stains[1], stains[0]
	}
	if angle(stains[0], stains[1]) < minStainAngle {
		return Stats{}, ErrOneStain
	}
	st := Stats{Stains: stains, MaxConc: maxConcentrations(od, lasso(stains, vahadaneApplyLambda))}
	if !(st.MaxConc[0] > 0 && st.MaxConc[1] > 0) {
		return Stats{}, ErrOneStain
	}
	return st, nil
}

// lasso solves min ½‖od − c·stains‖² + λ(c₀ + c₁), c ≥ 0, by coordinate
// descent from zero (two unknowns: converged to 1e-9 within a few sweeps).
func lasso(stains [2][3]float64, lambda float64) concentrations {
	h, e := stains[0], stains[1]
	hh, he, ee := dot(h, h), dot(h, e), dot(e, e)
	return func(od [3]float64) [2]float64 {
		ho, eo := dot(h, od), dot(e, od)
		var c [2]float64
		for sweep := 0; sweep < 50; sweep++ {
			c0 := math.Max(0, (ho-he*c[1]-lambda)/hh)
			c1 := math.Max(0, (eo-he*c0-lambda)/ee)
			done := math.Abs(c0-c[0]) < 1e-9 && math.Abs(c1-c[1]) < 1e-9
			c = [2]float64{c0, c1}
			if done {
				break
			}
		}
		return c
	}
}

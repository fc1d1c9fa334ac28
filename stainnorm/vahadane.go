package stainnorm

import "math"

// Vahadane et al., "Structure-preserving color normalization and sparse
// stain separation for histological images" (IEEE TMI 2016): the tissue
// pixels' optical densities V (n×3) factorised as V ≈ C·S with C ≥ 0
// sparse (an L1 penalty λ = 0.1 on the concentrations, as staintools'
// dictionary learning uses) and S ≥ 0, two unit stain vectors. Solved by
// alternating a non-negative lasso for C (coordinate descent: two
// unknowns a pixel) and a projected block-coordinate step for S, from
// Macenko's vectors (or Ruifrok's when Macenko cannot fit), for a fixed
// number of rounds on at most vahadaneFitPixels pixels: deterministic.
// (unconstrained-least-squares-and-clip for S collapsed the haematoxylin
// vector onto red on CMU-1; the block update does not.)
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
		// Block coordinate descent on the stain vectors (Mairal et al.'s
		// dictionary update, as SPAMS trainDL with posD): each vector
		// moved by its residual's share, kept ≥ 0 and of unit length.
		var a [2][2]float64
		var b [2][3]float64
		for i, c := range conc {
			for j := 0; j < 2; j++ {
				a[j][0] += c[j] * c[0]
				a[j][1] += c[j] * c[1]
				for k := 0; k < 3; k++ {
					b[j][k] += c[j] * od[i][k]
				}
			}
		}
		next := stains
		for j := 0; j < 2; j++ {
			if a[j][j] <= 0 {
				return Stats{}, ErrOneStain // one stain carries everything
			}
			var u [3]float64
			for k := 0; k < 3; k++ {
				du := b[j][k] - next[0][k]*a[0][j] - next[1][k]*a[1][j]
				u[k] = math.Max(0, next[j][k]+du/a[j][j])
			}
			if dot(u, u) == 0 {
				return Stats{}, ErrOneStain
			}
			next[j] = unit(u)
		}
		stains = next
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

// lasso solves min ½‖od − c·stains‖² + λ(c₀ + c₁), c ≥ 0, exactly: with
// two unknowns, the solution with both positive when it exists (the KKT
// point of the convex problem), else the best of the boundary candidates
// (one stain, or none).
func lasso(stains [2][3]float64, lambda float64) concentrations {
	h, e := stains[0], stains[1]
	hh, he, ee := dot(h, h), dot(h, e), dot(e, e)
	det := hh*ee - he*he
	objective := func(c [2]float64, ho, eo float64) float64 {
		return -c[0]*ho - c[1]*eo + 0.5*(c[0]*c[0]*hh+2*c[0]*c[1]*he+c[1]*c[1]*ee) + lambda*(c[0]+c[1])
	}
	return func(od [3]float64) [2]float64 {
		ho, eo := dot(h, od), dot(e, od)
		if det > 0 {
			b0, b1 := ho-lambda, eo-lambda
			both := [2]float64{(ee*b0 - he*b1) / det, (hh*b1 - he*b0) / det}
			if both[0] >= 0 && both[1] >= 0 {
				return both
			}
		}
		best := [2]float64{}
		bestF := 0.0
		for _, c := range [][2]float64{{math.Max(0, (ho-lambda)/hh), 0}, {0, math.Max(0, (eo-lambda)/ee)}} {
			if f := objective(c, ho, eo); f < bestF {
				best, bestF = c, f
			}
		}
		return best
	}
}

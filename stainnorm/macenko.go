package stainnorm

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// Macenko et al., "A method for normalizing histology slides for
// quantitative analysis" (ISBI 2009): the tissue pixels' optical densities
// lie near the plane of their two largest principal directions; the stain
// vectors are the directions in that plane at the 1st and 99th percentile
// of the pixels' angle. Concentrations are the least-squares solution of
// OD = C · stains, scaled so that their 99th percentile is the target's,
// and the pixel is rebuilt with the target's stain vectors.

// macenkoAlpha is the percentile of the angle that gives the stain vectors.
const macenkoAlpha = 1.0

func fitMacenko(pix [][3]uint8) (Stats, error) {
	od := make([][3]float64, len(pix))
	var mean [3]float64
	for i, p := range pix {
		od[i] = [3]float64{odOf[p[0]], odOf[p[1]], odOf[p[2]]}
		for c := range mean {
			mean[c] += od[i][c]
		}
	}
	n := float64(len(od))
	for c := range mean {
		mean[c] /= n
	}
	cov := mat.NewSymDense(3, nil)
	for _, v := range od {
		for a := 0; a < 3; a++ {
			for b := a; b < 3; b++ {
				cov.SetSym(a, b, cov.At(a, b)+(v[a]-mean[a])*(v[b]-mean[b]))
			}
		}
	}
	cov.ScaleSym(1/(n-1), cov)
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		return Stats{}, ErrOneStain
	}
	values := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	if values[2] <= 0 || values[1] < 1e-6*values[2] {
		return Stats{}, ErrOneStain // the pixels lie on a line: one stain
	}
	// The plane of the two largest directions, each turned to point into
	// positive optical density (so the angles do not depend on the signs
	// the eigensolver chose).
	e1 := [3]float64{vecs.At(0, 2), vecs.At(1, 2), vecs.At(2, 2)}
	e2 := [3]float64{vecs.At(0, 1), vecs.At(1, 1), vecs.At(2, 1)}
	if e1[0] < 0 {
		e1 = [3]float64{-e1[0], -e1[1], -e1[2]}
	}
	if e2[0] < 0 {
		e2 = [3]float64{-e2[0], -e2[1], -e2[2]}
	}
	phi := make([]float64, len(od))
	for i, v := range od {
		phi[i] = math.Atan2(dot(v, e2), dot(v, e1))
	}
	lo := percentile(phi, macenkoAlpha)
	hi := percentile(phi, 100-macenkoAlpha)
	at := func(a float64) [3]float64 {
		c, s := math.Cos(a), math.Sin(a)
		return unit([3]float64{c*e1[0] + s*e2[0], c*e1[1] + s*e2[1], c*e1[2] + s*e2[2]})
	}
	vMin, vMax := at(lo), at(hi)
	// Haematoxylin absorbs red more than eosin does.
	h, e := vMax, vMin
	if vMin[0] > vMax[0] {
		h, e = vMin, vMax
	}
	st := Stats{Stains: [2][3]float64{positive(h), positive(e)}}
	if angle(st.Stains[0], st.Stains[1]) < minStainAngle {
		return Stats{}, ErrOneStain
	}
	st.MaxConc = maxConcentrations(od, leastSquares(st.Stains))
	if !(st.MaxConc[0] > 0 && st.MaxConc[1] > 0) {
		return Stats{}, ErrOneStain
	}
	return st, nil
}

// positive turns a stain vector to point into positive optical density.
func positive(v [3]float64) [3]float64 {
	if v[0]+v[1]+v[2] < 0 {
		return [3]float64{-v[0], -v[1], -v[2]}
	}
	return v
}

// concentrations solves one pixel's optical density for the two stains.
type concentrations func(od [3]float64) [2]float64

// leastSquares is the least-squares solution with the stains' pseudo-inverse.
func leastSquares(stains [2][3]float64) concentrations {
	h, e := stains[0], stains[1]
	hh, he, ee := dot(h, h), dot(h, e), dot(e, e)
	det := hh*ee - he*he
	if det == 0 {
		return func([3]float64) [2]float64 { return [2]float64{} }
	}
	return func(od [3]float64) [2]float64 {
		ho, eo := dot(h, od), dot(e, od)
		return [2]float64{(ee*ho - he*eo) / det, (hh*eo - he*ho) / det}
	}
}

// maxConcentrations is the 99th percentile of each stain's concentration.
func maxConcentrations(od [][3]float64, solve concentrations) [2]float64 {
	ch, ce := make([]float64, len(od)), make([]float64, len(od))
	for i, v := range od {
		c := solve(v)
		ch[i], ce[i] = c[0], c[1]
	}
	return [2]float64{percentile(ch, 99), percentile(ce, 99)}
}

// applyStains rebuilds the tissue pixels of im with the target's stains:
// concentrations by solve, scaled by target/source maxima.
func applyStains(im Image, src, target Stats, solve concentrations) {
	scale := [2]float64{target.MaxConc[0] / src.MaxConc[0], target.MaxConc[1] / src.MaxConc[1]}
	h, e := target.Stains[0], target.Stains[1]
	for y := 0; y < im.H; y++ {
		row := im.Pix[y*im.Stride : y*im.Stride+4*im.W]
		for o := 0; o+3 < len(row); o += 4 {
			r, g, b := row[o], row[o+1], row[o+2]
			if !Tissue(r, g, b) {
				continue
			}
			c := solve([3]float64{odOf[r], odOf[g], odOf[b]})
			c[0] *= scale[0]
			c[1] *= scale[1]
			for k := 0; k < 3; k++ {
				row[o+k] = clamp8(transmittedTable.at(c[0]*h[k]+c[1]*e[k]) - 1) // OD's +1 undone
			}
		}
	}
}

// applyLinear is applyStains for least-squares concentrations, which make
// the whole change one linear map of optical density: od' = M·od, with M
// = targetᵀ · diag(scale) · pinv(source), applied through per-channel
// tables (Macenko's hot loop: a third of its cost).
func applyLinear(im Image, src, target Stats) {
	h, e := src.Stains[0], src.Stains[1]
	hh, he, ee := dot(h, h), dot(h, e), dot(e, e)
	det := hh*ee - he*he
	if det == 0 {
		return
	}
	scale := [2]float64{target.MaxConc[0] / src.MaxConc[0], target.MaxConc[1] / src.MaxConc[1]}
	// pinv rows: c0 = (ee·h − he·e)/det · od, c1 = (hh·e − he·h)/det · od.
	var pinv [2][3]float64
	for j := 0; j < 3; j++ {
		pinv[0][j] = (ee*h[j] - he*e[j]) / det * scale[0]
		pinv[1][j] = (hh*e[j] - he*h[j]) / det * scale[1]
	}
	var table [3][3][256]float64 // table[k][j][v]: channel j's value v's share of output channel k's optical density
	for k := 0; k < 3; k++ {
		for j := 0; j < 3; j++ {
			m := target.Stains[0][k]*pinv[0][j] + target.Stains[1][k]*pinv[1][j]
			for v := 0; v < 256; v++ {
				table[k][j][v] = m * odOf[v]
			}
		}
	}
	for y := 0; y < im.H; y++ {
		row := im.Pix[y*im.Stride : y*im.Stride+4*im.W]
		for o := 0; o+3 < len(row); o += 4 {
			r, g, b := row[o], row[o+1], row[o+2]
			if !Tissue(r, g, b) {
				continue
			}
			for k := 0; k < 3; k++ {
				row[o+k] = clamp8(transmittedTable.at(table[k][0][r]+table[k][1][g]+table[k][2][b]) - 1)
			}
		}
	}
}

package inference

import (
	"fmt"
	"math"
	"sort"
)

// Reference is the manifest's optional [reference] section: statistics of
// the tiles the model was built on, for out-of-distribution checks. The
// tool in tools/reference computes it from a folder of reference slides.
//
// Stain: the 1st and 99th percentiles of the tissue tiles' mean optical
// density per RGB channel. Features: their mean, the top principal
// directions (orthonormal rows of Basis) with the variance along each, the
// mean variance per remaining dimension, and the distance (Distance) that
// 99 % of the reference tiles stay under.
type Reference struct {
	Description      string      `toml:"description"` // what it was computed from, in words
	Tiles            int         `toml:"tiles"`       // reference tiles
	ODLow            []float64   `toml:"od_low"`      // per RGB channel
	ODHigh           []float64   `toml:"od_high"`
	FeatureMean      []float64   `toml:"feature_mean"`      // D values
	Basis            [][]float64 `toml:"feature_basis"`     // k rows of D values, orthonormal
	Variance         []float64   `toml:"feature_variance"`  // k variances along Basis
	ResidualVariance float64     `toml:"residual_variance"` // per remaining dimension; 0 when k = D
	Distance99       float64     `toml:"distance_99"`       // of the reference tiles
}

// HasStain and HasFeatures report which parts the bundle declares.
func (r *Reference) HasStain() bool    { return len(r.ODLow) == 3 }
func (r *Reference) HasFeatures() bool { return len(r.FeatureMean) > 0 }

func (r *Reference) validate(featureDim int) error {
	if len(r.ODLow) != 0 || len(r.ODHigh) != 0 {
		if len(r.ODLow) != 3 || len(r.ODHigh) != 3 {
			return fieldError("reference.od_low/od_high", "want 3 values each (R, G, B), got %d and %d", len(r.ODLow), len(r.ODHigh))
		}
		for c := 0; c < 3; c++ {
			if !(r.ODLow[c] >= 0 && r.ODLow[c] <= r.ODHigh[c] && r.ODHigh[c] < 5) {
				return fieldError("reference.od_low/od_high", "channel %d range [%v, %v] is not an optical-density range", c, r.ODLow[c], r.ODHigh[c])
			}
		}
	}
	if !r.HasFeatures() {
		if len(r.Basis) > 0 || len(r.Variance) > 0 || r.Distance99 != 0 {
			return fieldError("reference.feature_mean", "is missing but other feature statistics are given")
		}
		return nil
	}
	if len(r.FeatureMean) != featureDim {
		return fieldError("reference.feature_mean", "has %d values, the encoder gives %d", len(r.FeatureMean), featureDim)
	}
	k := len(r.Basis)
	if k == 0 || k > featureDim || len(r.Variance) != k {
		return fieldError("reference.feature_basis", "want 1–%d rows and as many feature_variance values, got %d and %d", featureDim, k, len(r.Variance))
	}
	for i, row := range r.Basis {
		if len(row) != featureDim {
			return fieldError(fmt.Sprintf("reference.feature_basis[%d]", i), "has %d values, want %d", len(row), featureDim)
		}
		var norm float64
		for _, v := range row {
			norm += v * v
		}
		if math.Abs(norm-1) > 1e-3 {
			return fieldError(fmt.Sprintf("reference.feature_basis[%d]", i), "is not a unit vector (norm² %.4g)", norm)
		}
		if !(r.Variance[i] > 0) {
			return fieldError(fmt.Sprintf("reference.feature_variance[%d]", i), "is %v, want a positive variance", r.Variance[i])
		}
	}
	if k < featureDim && !(r.ResidualVariance > 0) {
		return fieldError("reference.residual_variance", "is %v; with %d of %d directions it must be positive", r.ResidualVariance, k, featureDim)
	}
	if !(r.Distance99 > 0) {
		return fieldError("reference.distance_99", "is %v, want the positive distance 99 %% of reference tiles stay under", r.Distance99)
	}
	return nil
}

// FeatureDistance is a tile's distance to the reference features: a
// Mahalanobis distance in the principal directions plus the residual,
// divided by √D so that it does not grow with the feature size.
func (r *Reference) FeatureDistance(x []float32) float64 {
	d := len(r.FeatureMean)
	var total, inBasis float64
	centred := make([]float64, d)
	for i := range centred {
		centred[i] = float64(x[i]) - r.FeatureMean[i]
		total += centred[i] * centred[i]
	}
	var m float64
	for j, row := range r.Basis {
		var p float64
		for i, v := range row {
			p += v * centred[i]
		}
		inBasis += p * p
		m += p * p / r.Variance[j]
	}
	if r.ResidualVariance > 0 {
		m += max(total-inBasis, 0) / r.ResidualVariance
	}
	return math.Sqrt(m / float64(d))
}

// opticalDensity maps 0–255 to −log10((v+1)/256).
var opticalDensity = func() (t [256]float32) {
	for v := range t {
		t[v] = float32(-math.Log10(float64(v+1) / 256))
	}
	return t
}()

// medianOD returns the median over tiles of each channel's mean optical
// density (tiles without stained pixels left out); ok is false for none.
func medianOD(qc []TileQC, idx []int) (od [3]float64, ok bool) {
	var ch [3][]float64
	for _, i := range idx {
		q := qc[i]
		if q.Flags&artefactFlags != 0 || q.OD == [3]float32{} {
			continue
		}
		for c := 0; c < 3; c++ {
			ch[c] = append(ch[c], float64(q.OD[c]))
		}
	}
	if len(ch[0]) == 0 {
		return od, false
	}
	for c := 0; c < 3; c++ {
		sort.Float64s(ch[c])
		od[c] = ch[c][len(ch[c])/2]
	}
	return od, true
}

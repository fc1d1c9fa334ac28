package inference

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"time"

	"gonum.org/v1/gonum/stat"

	"tessera/slide"
)

// MeasureParity analyses each slide with the fp32 model ref and the
// reduced-precision model q (the same input, so the same tissue tiles),
// and compares them: per-tile feature cosine, |Δ probability| and class
// of each slide, rank correlation of the tile scores. minCosine is the
// cosine whose share of tiles the report gives (the tolerance's).
// progress, if set, is told each slide's name before it is analysed.
func MeasureParity(ctx context.Context, ref, q *Model, slides []slide.Slide, minCosine float64, progress func(string)) (*ParityReport, error) {
	if len(slides) == 0 {
		return nil, errors.New("parity needs at least one slide")
	}
	if ref.Bundle.Manifest.Encoder.FeatureDim != q.Bundle.Manifest.Encoder.FeatureDim {
		return nil, errors.New("the two encoders give features of different sizes")
	}
	info, _ := InitRuntime()
	rep := &ParityReport{CPU: CPUKind(), VNNI: HasVNNI(), Runtime: info.Version, MeasuredAt: time.Now().UTC().Truncate(time.Second), RankCorrelationMin: 1}
	var cosines []float64
	same := 0
	for _, s := range slides {
		name := filepath.Base(s.Path())
		if progress != nil {
			progress(name)
		}
		a, fa, err := analyseForParity(ctx, s, ref)
		if err != nil {
			return nil, fmt.Errorf("%s with the fp32 encoder: %w", name, err)
		}
		b, fb, err := analyseForParity(ctx, s, q)
		if err != nil {
			return nil, fmt.Errorf("%s with the int8 encoder: %w", name, err)
		}
		if len(fa) != len(fb) || len(a.Tiles) != len(b.Tiles) {
			return nil, fmt.Errorf("%s: the two analyses read different tiles", name)
		}
		dim := ref.Bundle.Manifest.Encoder.FeatureDim
		for i := 0; i+dim <= len(fa); i += dim {
			cosines = append(cosines, cosine(fa[i:i+dim], fb[i:i+dim]))
		}
		rep.Slides = append(rep.Slides, name)
		rep.MaxDeltaP = math.Max(rep.MaxDeltaP, math.Abs(a.Probability-b.Probability))
		if a.Class == b.Class {
			same++
		}
		if rho := spearman(a.Tiles, b.Tiles); rho < rep.RankCorrelationMin {
			rep.RankCorrelationMin = rho
		}
	}
	if len(cosines) == 0 {
		return nil, errors.New("the slides have no tissue tiles to compare")
	}
	sort.Float64s(cosines)
	rep.Tiles = len(cosines)
	rep.CosineMin = cosines[0]
	rep.CosineP1 = stat.Quantile(0.01, stat.Empirical, cosines, nil)
	rep.CosineMedian = stat.Quantile(0.5, stat.Empirical, cosines, nil)
	above := len(cosines) - sort.SearchFloat64s(cosines, minCosine)
	rep.CosineShare, rep.CosineShareAt = float64(above)/float64(len(cosines)), minCosine
	rep.ClassAgreement = float64(same) / float64(len(slides))
	return rep, nil
}

// analyseForParity analyses s with m, without caches, and returns the
// result and a copy of every tile's features.
func analyseForParity(ctx context.Context, s slide.Slide, m *Model) (*Result, []float32, error) {
	var features []float32
	r, err := Analyze(ctx, s, m, Options{Features: func(_ *Grid, f []float32, _ int, _ []TileQC) {
		features = append([]float32(nil), f...)
	}})
	if err != nil {
		return nil, nil, err
	}
	if r.Partial || features == nil {
		return nil, nil, errors.New("the analysis did not finish")
	}
	return r, features, nil
}

// cosine is the cosine similarity of a and b, in float64 (1 when both are zero).
func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		ab += x * y
		aa += x * x
		bb += y * y
	}
	if aa == 0 && bb == 0 {
		return 1
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// spearman is the rank correlation of two results' tile scores, tile by
// tile (1 when there are fewer than two tiles or the scores are constant
// in both).
func spearman(a, b []TileScore) float64 {
	if len(a) < 2 {
		return 1
	}
	x, y := make([]float64, len(a)), make([]float64, len(b))
	for i := range a {
		x[i], y[i] = float64(a[i].Score), float64(b[i].Score)
	}
	rx, ry := ranks(x), ranks(y)
	r := stat.Correlation(rx, ry, nil)
	if math.IsNaN(r) {
		if stat.Variance(rx, nil) == 0 && stat.Variance(ry, nil) == 0 {
			return 1
		}
		return 0
	}
	return r
}

// ranks gives each value its rank (1-based), ties the mean of their ranks.
func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return v[idx[i]] < v[idx[j]] })
	out := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		r := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			out[idx[k]] = r
		}
		i = j + 1
	}
	return out
}

package inference

import (
	"math"
	"strings"
	"testing"
)

func TestFeatureDistance(t *testing.T) {
	// Two directions of variance 4 and 1 in 3 dimensions, residual 0.25.
	ref := Reference{FeatureMean: []float64{1, 1, 1}, Basis: [][]float64{{1, 0, 0}, {0, 1, 0}},
		Variance: []float64{4, 1}, ResidualVariance: 0.25, Distance99: 1}
	if err := ref.validate(3); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		x    []float32
		want float64
	}{
		{[]float32{1, 1, 1}, 0},
		{[]float32{3, 1, 1}, math.Sqrt(1.0 / 3)}, // 2 along a direction of sd 2
		{[]float32{1, 2, 1}, math.Sqrt(1.0 / 3)}, // 1 along sd 1
		{[]float32{1, 1, 1.5}, math.Sqrt(1.0 / 3)},
	}
	for _, c := range cases {
		if got := ref.FeatureDistance(c.x); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("distance of %v: %v, want %v", c.x, got, c.want)
		}
	}
}

func TestReferenceIsChecked(t *testing.T) {
	good := func() Reference {
		return Reference{FeatureMean: []float64{0, 0}, Basis: [][]float64{{1, 0}}, Variance: []float64{1},
			ResidualVariance: 0.1, Distance99: 2, ODLow: []float64{0.1, 0.2, 0.1}, ODHigh: []float64{0.5, 0.6, 0.4}}
	}
	bad := map[string]func(*Reference){
		"reference.feature_mean":      func(r *Reference) { r.FeatureMean = []float64{0, 0, 0} },
		"feature_basis[0]":            func(r *Reference) { r.Basis = [][]float64{{1, 1}} },
		"reference.feature_basis":     func(r *Reference) { r.Variance = nil },
		"reference.residual_variance": func(r *Reference) { r.ResidualVariance = 0 },
		"reference.distance_99":       func(r *Reference) { r.Distance99 = 0 },
		"reference.od_low/od_high":    func(r *Reference) { r.ODHigh = []float64{0.05, 0.6, 0.4} },
		"feature_variance[0]":         func(r *Reference) { r.Variance = []float64{-1} },
	}
	if r := good(); r.validate(2) != nil {
		t.Fatal(r.validate(2))
	}
	for field, edit := range bad {
		r := good()
		edit(&r)
		if err := r.validate(2); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: %v", field, err)
		}
	}
	b, err := LoadBuiltinBundle()
	if err != nil || !b.Manifest.Reference.HasFeatures() || !b.Manifest.Reference.HasStain() {
		t.Errorf("the built-in bundle ships no reference: %v", err)
	}
}

func TestJudgeReference(t *testing.T) {
	man := &Manifest{}
	man.Input.MPP = 0.5
	man.Reference = Reference{FeatureMean: []float64{0}, Basis: [][]float64{{1}}, Variance: []float64{1}, Distance99: 1,
		ODLow: []float64{0.1, 0.3, 0.1}, ODHigh: []float64{0.4, 0.7, 0.4}}
	facts := func(outliers int, od [3]float64) slideFacts {
		q := &QCSummary{Checked: true, Counts: map[string]int{"outlier": outliers}, StainOD: od}
		for i := 0; i < outliers; i++ {
			q.Tiles = append(q.Tiles, QCTile{Col: i, Flags: QCOutlier})
		}
		return slideFacts{Brightfield: true, TissueTiles: 100, MPP: 0.5, DoneTiles: 100, QC: q}
	}
	inside := [3]float64{0.2, 0.5, 0.2}
	cases := []struct {
		name  string
		f     slideFacts
		want  Verdict
		codes string
	}{
		{"like the reference", facts(2, inside), VerdictOK, ""},
		{"some outliers", facts(20, inside), VerdictFlag, ReasonOutliers},
		{"mostly outliers", facts(70, inside), VerdictWithheld, ReasonOutliers},
		{"pale stain", facts(0, [3]float64{0.2, 0.1, 0.2}), VerdictFlag, ReasonStainUnlike},
	}
	for _, c := range cases {
		v := judge(man, c.f)
		var codes []string
		for _, r := range v.Reasons {
			codes = append(codes, r.Code)
		}
		if v.Verdict != c.want || strings.Join(codes, ",") != c.codes {
			t.Errorf("%s: %s %v", c.name, v.Verdict, codes)
		}
	}
	if v := judge(man, facts(0, [3]float64{0.2, 0.1, 0.2})); !strings.Contains(v.Reasons[0].Text, "green 0.10 (reference 0.30–0.70)") {
		t.Errorf("stain reason %q", v.Reasons[0].Text)
	}
}

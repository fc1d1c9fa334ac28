package inference

import (
	"context"
	"image"
	"math"
	"strings"
	"testing"

	"tessera/internal/testbundles"
	"tessera/slide"
	"tessera/stainnorm"
)

// Targets of the tests: Macenko's reference code's H&E (torchstain's
// HERef, maxCRef), and a Reinhard target of a typical H&E.
const (
	macenkoSection = `
[input.stain_normalisation]
method = "macenko"
stain_matrix = [[0.5626, 0.7201, 0.4062], [0.2159, 0.8012, 0.5581]]
max_concentrations = [1.9705, 1.0308]
`
	reinhardSection = `
[input.stain_normalisation]
method = "reinhard"
lab_mean = [62.0, 28.0, -12.0]
lab_std = [14.0, 9.0, 7.0]
`
)

// restained is a slide whose pixels are those of another with each
// stain's optical density scaled (a heavier haematoxylin, a lighter eosin:
// the same tissue from another lab's stainer), glass left as it is.
type restained struct {
	slide.Slide
	gain [3]float64 // per channel optical density factor
}

func (r *restained) Fingerprint() string { return r.Slide.Fingerprint() + "-restained" }

func (r *restained) ReadRegion(dst *image.RGBA, level int, x0, y0 int64) error {
	if err := r.Slide.ReadRegion(dst, level, x0, y0); err != nil {
		return err
	}
	for i := 0; i < len(dst.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			v := float64(dst.Pix[i+c])
			if v >= 235 {
				continue
			}
			od := -math.Log((v + 1) / 256)
			dst.Pix[i+c] = uint8(math.Max(0, math.Min(255, math.Round(256*math.Exp(-od*r.gain[c])-1))))
		}
	}
	return nil
}

// meanCosine is the mean per-tile feature cosine of two analyses of the same grid.
func meanCosine(a, b []float32, dim int) float64 {
	sum, n := 0.0, 0
	for i := 0; i+dim <= len(a); i += dim {
		sum += cosine(a[i:i+dim], b[i:i+dim])
		n++
	}
	return sum / float64(n)
}

func featuresOf(t *testing.T, s slide.Slide, m *Model, opts Options) (*Result, []float32) {
	t.Helper()
	var f []float32
	opts.Features = func(_ *Grid, features []float32, _ int, _ []TileQC) { f = append([]float32(nil), features...) }
	r, err := Analyze(context.Background(), s, m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r, f
}

// The same tissue at two stain intensities: its features are closer with
// the bundle's normaliser than without (the ResNet-18 research bundle's
// 512-D features).
func TestStainNormalisationBringsRestainedTissueCloser(t *testing.T) {
	s := openShared(t, "aperio/CMU-1-Small-Region.svs")
	shifted := &restained{Slide: s, gain: [3]float64{1.45, 1.25, 0.8}}
	src := testbundles.Path(t, "resnet-abmil")
	raw := modelAt(t, src)
	_, a := featuresOf(t, s, raw, Options{})
	_, b := featuresOf(t, shifted, raw, Options{})
	dim := raw.Bundle.Manifest.Encoder.FeatureDim
	before := meanCosine(a, b, dim)
	for _, tc := range []struct{ name, section string }{{"macenko", macenkoSection}, {"reinhard", reinhardSection}} {
		t.Run(tc.name, func(t *testing.T) {
			m := modelAt(t, testbundles.WithSectionFrom(t, src, tc.section))
			ra, na := featuresOf(t, s, m, Options{})
			rb, nb := featuresOf(t, shifted, m, Options{})
			after := meanCosine(na, nb, dim)
			t.Logf("%s: mean feature cosine distance (1 − cos) of the slide and its restained copy %.5f without normalisation, %.5f with (%.2f×); slide fits %.1f and %.1f from the target",
				tc.name, 1-before, 1-after, (1-after)/(1-before), ra.Stain.Distance, rb.Stain.Distance)
			if !(1-after < 0.8*(1-before)) {
				t.Errorf("normalised features are not closer: distance %.5f with, %.5f without", 1-after, 1-before)
			}
			for _, r := range []*Result{ra, rb} {
				st := r.Stain
				if st == nil || st.SlideFit == nil || st.Tiles != r.TilesTotal || st.Fallback != 0 || st.Unnormalised != 0 || st.Spec.Method != tc.name || st.Spec.Fit != stainnorm.PerSlide {
					t.Errorf("record %+v", st)
				}
			}
			if meanCosine(a, na, dim) > 0.9999 {
				t.Error("the normaliser changed nothing")
			}
		})
	}
}

// Per-slide fit that fails (a declared target on a slide of one stain):
// the tiles are read as scanned, counted, the verdict flags it; per-tile
// fitting falls back to the slide's fit. The feature cache keeps the
// record, and normalised features are cached apart from raw ones.
func TestStainNormalisationFallsBackAndIsCached(t *testing.T) {
	s := openShared(t, "aperio/CMU-1-Small-Region.svs")
	m := modelAt(t, testbundles.WithSection(t, strings.Replace(macenkoSection, `method = "macenko"`, "method = \"macenko\"\nfit = \"tile\"", 1)))
	cache := NewFeatureCache(t.TempDir())
	first, err := Analyze(context.Background(), s, m, Options{FeatureCache: cache})
	if err != nil {
		t.Fatal(err)
	}
	if first.Stain == nil || first.Stain.Spec.Fit != stainnorm.PerTile || first.Stain.SlideFit == nil || first.Stain.Tiles != first.TilesTotal {
		t.Fatalf("record %+v", first.Stain)
	}
	t.Logf("per-tile fit: %d of %d tiles fell back to the slide's fit", first.Stain.Fallback, first.Stain.Tiles)
	second, err := Analyze(context.Background(), s, m, Options{FeatureCache: cache})
	if err != nil {
		t.Fatal(err)
	}
	if !second.Timings.FeaturesCached || second.Stain == nil || second.Stain.Tiles != first.Stain.Tiles || second.Probability != first.Probability {
		t.Errorf("from the cache: cached %v, record %+v, p %v vs %v", second.Timings.FeaturesCached, second.Stain, second.Probability, first.Probability)
	}
	raw := builtinModel(t)
	r, err := Analyze(context.Background(), s, raw, Options{FeatureCache: cache})
	if err != nil {
		t.Fatal(err)
	}
	if r.Timings.FeaturesCached || r.Stain != nil {
		t.Errorf("the raw encoder took the normalised features (cached %v, record %+v)", r.Timings.FeaturesCached, r.Stain)
	}
}

// greyed is a slide shown in grey levels: one "stain", whose optical
// densities lie on a line, which Macenko cannot split in two.
type greyed struct{ slide.Slide }

func (g *greyed) Fingerprint() string { return g.Slide.Fingerprint() + "-grey" }

func (g *greyed) ReadRegion(dst *image.RGBA, level int, x0, y0 int64) error {
	if err := g.Slide.ReadRegion(dst, level, x0, y0); err != nil {
		return err
	}
	for i := 0; i < len(dst.Pix); i += 4 {
		v := uint8((int(dst.Pix[i]) + int(dst.Pix[i+1]) + int(dst.Pix[i+2])) / 3)
		dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2] = v, v, v
	}
	return nil
}

// A slide whose stains cannot be fitted is analysed as scanned, every
// tile counted, and the verdict flags it.
func TestUnfittableSlideIsReadAsScannedAndFlagged(t *testing.T) {
	s := &greyed{openShared(t, "aperio/CMU-1-Small-Region.svs")}
	m := modelAt(t, testbundles.WithSection(t, macenkoSection))
	r, err := Analyze(context.Background(), s, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := r.Stain
	if st == nil || st.SlideFit != nil || st.SlideFitError == "" || st.Tiles == 0 || st.Unnormalised != st.Tiles || st.Fallback != st.Tiles {
		t.Fatalf("record %+v", st)
	}
	found := false
	for _, reason := range r.Validity.Reasons {
		found = found || reason.Code == ReasonStainFallback
	}
	if !found || r.Validity.Verdict == VerdictOK || !strings.Contains(st.Text(), "NOT APPLIED") {
		t.Errorf("verdict %+v, text %q", r.Validity, st.Text())
	}
	raw, err := Analyze(context.Background(), s, builtinModel(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if raw.Probability != r.Probability {
		t.Errorf("read as scanned: p %v, without a normaliser %v", r.Probability, raw.Probability)
	}
}

func TestStainVerdicts(t *testing.T) {
	spec := stainnorm.Spec{Method: stainnorm.Macenko, Fit: stainnorm.PerSlide}
	cases := []struct {
		rec  StainRecord
		want string
	}{
		{StainRecord{Spec: spec, SlideFitError: stainnorm.ErrLittleTissue.Error(), Tiles: 10, Fallback: 10, Unnormalised: 10}, ReasonStainFallback},
		{StainRecord{Spec: stainnorm.Spec{Method: stainnorm.Macenko, Fit: stainnorm.PerTile}, SlideFit: &stainnorm.Stats{}, Tiles: 10, Fallback: 3}, ReasonStainFallback},
		{StainRecord{Spec: spec, SlideFit: &stainnorm.Stats{}, Tiles: 10, Distance: 35}, ReasonStainFar},
		{StainRecord{Spec: spec, SlideFit: &stainnorm.Stats{}, Tiles: 10, Distance: 5}, ""},
	}
	for _, c := range cases {
		var got []string
		judgeStainNormalisation(&c.rec, func(v Verdict, code, short, format string, args ...any) { got = append(got, code) })
		if (c.want == "" && len(got) != 0) || (c.want != "" && (len(got) != 1 || got[0] != c.want)) {
			t.Errorf("%+v: %v, want %q", c.rec, got, c.want)
		}
	}
}

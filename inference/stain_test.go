package inference

import (
	"context"
	"math"
	"strings"
	"testing"

	"tessera/internal/testslides"
)

// Colour deconvolution of known colours: DAB brown is DAB; eosin pink,
// purple haematoxylin, a pale blue counterstain and red blood cells are
// not (the paper's eosin vector absorbs green only, so pink and red give
// some DAB amount, which the channel order rules out).
func TestStainOfPixel(t *testing.T) {
	cases := []struct {
		name       string
		rgb        [3]int
		dab, eosin bool
	}{
		{"DAB brown", [3]int{150, 100, 60}, true, false},
		{"dark DAB", [3]int{110, 70, 40}, true, false},
		{"eosin pink", [3]int{180, 100, 140}, false, true},
		{"pale eosin", [3]int{235, 160, 200}, false, true},
		{"haematoxylin purple", [3]int{110, 70, 150}, false, false},
		{"blue counterstain", [3]int{140, 150, 190}, false, false},
		{"red blood cell", [3]int{200, 80, 70}, false, false},
	}
	for _, c := range cases {
		dab, eosin := stainOfPixel(opticalDensity[c.rgb[0]], opticalDensity[c.rgb[1]], opticalDensity[c.rgb[2]])
		if dab != c.dab || eosin != c.eosin {
			t.Errorf("%s %v: DAB %v eosin %v, want %v %v", c.name, c.rgb, dab, eosin, c.dab, c.eosin)
		}
	}
	// Deconvolution inverts mixing: a pixel made of 0.3 haematoxylin and
	// 0.5 DAB gives those amounts back.
	var od [3]float32
	for c := range od {
		n := func(v [3]float64) float64 { return math.Sqrt(v[0]*v[0] + v[1]*v[1] + v[2]*v[2]) }
		od[c] = float32(0.3*stainVectors[0][c]/n(stainVectors[0]) + 0.5*stainVectors[2][c]/n(stainVectors[2]))
	}
	h, e, d := deconvolve(od[0], od[1], od[2])
	if math.Abs(float64(h-0.3)) > 1e-4 || math.Abs(float64(e)) > 1e-4 || math.Abs(float64(d-0.5)) > 1e-4 {
		t.Errorf("deconvolution of 0.3 H + 0.5 DAB gave %.4f %.4f %.4f", h, e, d)
	}
}

func TestIHCRule(t *testing.T) {
	cases := []struct {
		s    StainSummary
		want bool
	}{
		{StainSummary{DABShare: 0.003, EosinShare: 0.40, Tiles: 46}, false}, // CMU-1-Small-Region (H&E)
		{StainSummary{DABShare: 0.0, EosinShare: 0.006, Tiles: 4}, false},   // OS-1 (pale, purple H&E)
		{StainSummary{DABShare: 0.037, EosinShare: 0, Tiles: 13}, true},     // OS-2 (Ki67)
		{StainSummary{DABShare: 0.005, EosinShare: 0.01, Tiles: 20}, true},  // a weakly positive IHC slide
		{StainSummary{DABShare: 0.02, EosinShare: 0.5, Tiles: 20}, false},   // H&E with some haemosiderin
		{StainSummary{}, false},
	}
	for _, c := range cases {
		if got := c.s.IHC(); got != c.want {
			t.Errorf("%+v: IHC %v, want %v", c.s, got, c.want)
		}
	}
}

// The shared Ki67 slide (OS-2, DAB and haematoxylin) is withheld by the
// built-in H&E model with a sentence that names IHC; the shared H&E slides
// are not; the built-in reference was computed from H&E slides only.
func TestIHCSlideIsWithheldForAnHEModel(t *testing.T) {
	m := builtinModel(t)
	if strings.Contains(m.Bundle.Manifest.Reference.Description, "OS-2") {
		t.Errorf("the built-in reference includes the Ki67 slide: %s", m.Bundle.Manifest.Reference.Description)
	}
	cases := []struct {
		rel string
		mpp float64
		ihc bool
	}{
		{"ometiff/OS-2-ndpi.ome.tif", 0, true},
		{"aperio/CMU-1-Small-Region.svs", 0, false},
		{"ometiff/OS-1-detail.ome.tif", 0, false},
		{"aperio/tcga-cr-7395-01a-01-ts1.svs", 0.25, false},
	}
	for _, c := range cases {
		r, err := Analyze(context.Background(), openShared(t, c.rel), m, Options{MPP: c.mpp})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: DAB %.3f eosin %.3f: %s", c.rel, r.QC.Stain.DABShare, r.QC.Stain.EosinShare, r.VerdictText())
		if r.QC.Stain.IHC() != c.ihc {
			t.Errorf("%s: IHC %v, want %v (%+v)", c.rel, r.QC.Stain.IHC(), c.ihc, r.QC.Stain)
		}
		if !c.ihc {
			if hasReason(r.Validity, ReasonWrongStain) {
				t.Errorf("%s: an H&E slide is said to be the wrong stain: %s", c.rel, r.VerdictText())
			}
			continue
		}
		if !r.Withheld() || r.Validity.Reasons[0].Code != ReasonWrongStain ||
			!strings.Contains(r.VerdictText(), "immunohistochemistry (IHC) slide") || !strings.Contains(r.Headline(), "IHC") {
			t.Errorf("%s: headline %q, verdict %q", c.rel, r.Headline(), r.VerdictText())
		}
	}
}

// An under-exposed brightfield scan is said to be one, not a fluorescence
// slide.
func TestUnderexposedSlideIsNamed(t *testing.T) {
	r, err := Analyze(context.Background(), openDerived(t, testslides.Underexposed), builtinModel(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Withheld() || !r.Slide.Underexposed || !strings.Contains(r.VerdictText(), "far too dark") || strings.Contains(r.VerdictText(), "fluorescence") {
		t.Errorf("under-exposed slide: headline %q, verdict %q", r.Headline(), r.VerdictText())
	}
}

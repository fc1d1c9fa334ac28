package stainnorm

import (
	"errors"
	"image"
	"math"
	"strings"
	"testing"
)

// uniform is a w×w image of one colour.
func uniform(w int, r, g, b uint8) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, w))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = r, g, b, 255
	}
	return img
}

// oneStain is an image of haematoxylin alone at varying concentrations.
func oneStain(w int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, w))
	h := ruifrokHE[0]
	for i := 0; i < len(img.Pix); i += 4 {
		c := 0.3 + 1.2*float64(i%997)/997
		for k := 0; k < 3; k++ {
			img.Pix[i+k] = clamp8(Io*math.Exp(-c*h[k]) - 1)
		}
		img.Pix[i+3] = 255
	}
	return img
}

// Where torchstain and pathml crash (few pixels, one stain, white or
// saturated tiles) the fit is an error a caller can count.
func TestFitsThatCannotBeTrustedAreErrors(t *testing.T) {
	for _, method := range []string{Reinhard, Macenko, Vahadane} {
		for name, img := range map[string]*image.RGBA{"white": uniform(64, 250, 250, 250), "black": uniform(64, 0, 0, 0), "tiny": uniform(10, 120, 60, 140)} {
			if _, err := Fit(method, []Image{imageOf(img)}, 0); !errors.Is(err, ErrLittleTissue) {
				t.Errorf("%s on a %s tile: %v", method, name, err)
			}
		}
		if method == Reinhard {
			continue // one stain is a colour like any other for Reinhard
		}
		for name, img := range map[string]*image.RGBA{"one stain": oneStain(64), "one colour": uniform(64, 120, 60, 140)} {
			if _, err := Fit(method, []Image{imageOf(img)}, 0); !errors.Is(err, ErrOneStain) {
				t.Errorf("%s on %s: %v", method, name, err)
			}
		}
	}
}

// Normalising a tile to its own fit changes it by at most rounding
// (Reinhard) or by what two stains cannot explain (Macenko and Vahadane
// rebuild each pixel from two stain vectors: the optical density's third
// dimension is dropped; Vahadane's lasso also shrinks), and glass is never
// touched.
func TestOwnFitIsIdentityAndGlassIsKept(t *testing.T) {
	src := tissueTiles(t, "aperio/CMU-1-Small-Region.svs", 1)[0]
	// A strip of glass across the top.
	for i := 0; i < 8*src.Stride; i += 4 {
		src.Pix[i], src.Pix[i+1], src.Pix[i+2] = 243, 241, 246
	}
	for _, method := range []string{Reinhard, Macenko, Vahadane} {
		fit, err := Fit(method, []Image{imageOf(src)}, 0)
		if err != nil {
			t.Fatal(err)
		}
		got := clone(src)
		Apply(method, imageOf(got), fit, fit)
		d := meanAbsDiff(got, rawRGB(src))
		limit := map[string]float64{Reinhard: 0.1, Macenko: 10, Vahadane: 12}[method]
		if d[0]+d[1]+d[2] > limit {
			t.Errorf("%s: own fit changed the tile by %v (sum > %v)", method, d, limit)
		}
		for i := 0; i < 8*src.Stride; i++ {
			if got.Pix[i] != src.Pix[i] {
				t.Fatalf("%s changed glass at byte %d", method, i)
			}
		}
	}
}

func TestSpecValidationNamesTheField(t *testing.T) {
	he := [][]float64{{0.5626, 0.7201, 0.4062}, {0.2159, 0.8012, 0.5581}}
	for _, c := range []struct {
		spec Spec
		want string
	}{
		{Spec{Method: "histogram"}, "x.method"},
		{Spec{Method: None, LabMean: []float64{1, 2, 3}}, "x.method"},
		{Spec{Method: Reinhard, LabMean: []float64{60, 20}, LabStd: []float64{1, 1, 1}}, "x.lab_mean/lab_std"},
		{Spec{Method: Reinhard, LabMean: []float64{160, 20, 0}, LabStd: []float64{1, 1, 1}}, "x.lab_mean"},
		{Spec{Method: Reinhard, LabMean: []float64{60, 20, 0}, LabStd: []float64{1, 0, 1}}, "x.lab_std"},
		{Spec{Method: Macenko, Fit: "case", StainMatrix: he, MaxConcentrations: []float64{1, 1}}, "x.fit"},
		{Spec{Method: Macenko, StainMatrix: he[:1], MaxConcentrations: []float64{1, 1}}, "x.stain_matrix"},
		{Spec{Method: Macenko, StainMatrix: [][]float64{{1, 1, 1}, he[1]}, MaxConcentrations: []float64{1, 1}}, "unit vectors"},
		{Spec{Method: Macenko, StainMatrix: [][]float64{he[0], he[0]}, MaxConcentrations: []float64{1, 1}}, "nearly the same"},
		{Spec{Method: Vahadane, StainMatrix: he, MaxConcentrations: []float64{1}}, "x.max_concentrations"},
		{Spec{Method: Macenko, StainMatrix: he, MaxConcentrations: []float64{1, 1}, LabMean: []float64{1, 1, 1}}, "x.lab_mean"},
	} {
		err := c.spec.Validate("x")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.spec, err, c.want)
		}
	}
	ok := Spec{Method: Macenko, StainMatrix: he, MaxConcentrations: []float64{1.9705, 1.0308}}
	if err := ok.Validate("x"); err != nil || ok.Fit != PerSlide || !strings.Contains(ok.Text(), "Macenko (fitted once per slide) to H (0.563, 0.720, 0.406)") {
		t.Errorf("%v %+v %q", err, ok, ok.Text())
	}
	var none Spec
	if err := none.Validate("x"); err != nil || none.Active() || none.Text() != "" {
		t.Errorf("none: %v", err)
	}
}

// Any pixels: no panic, no NaN written.
func FuzzFitAndApply(f *testing.F) {
	f.Add([]byte{200, 100, 150, 255, 90, 40, 120, 255}, uint8(0))
	f.Fuzz(func(t *testing.T, px []byte, m uint8) {
		method := []string{Reinhard, Macenko, Vahadane}[int(m)%3]
		n := len(px) / 4
		side := int(math.Sqrt(float64(n)))
		if side == 0 {
			return
		}
		// Tile the fuzzed pixels into an image big enough to be fitted.
		img := image.NewRGBA(image.Rect(0, 0, 40, 40))
		for i := 0; i < len(img.Pix); i++ {
			img.Pix[i] = px[i%(4*n)]
		}
		fit, err := Fit(method, []Image{imageOf(img)}, 0)
		if err != nil {
			return
		}
		Apply(method, imageOf(img), fit, fit)
	})
}

// Vahadane's sparse factorisation finds haematoxylin and eosin where they
// are on a real H&E tile: within 12° of Macenko's reference vectors (the
// numpy check compares its normalisation, not its fit, which no
// independent implementation here reproduces step for step).
func TestVahadaneFindsHaematoxylinAndEosin(t *testing.T) {
	tiles := tissueTiles(t, "aperio/CMU-1-Small-Region.svs", 4)
	images := make([]Image, len(tiles))
	for i, tile := range tiles {
		images[i] = imageOf(tile)
	}
	fit, err := Fit(Vahadane, images, 0)
	if err != nil {
		t.Fatal(err)
	}
	ref := [2][3]float64{{0.5626, 0.7201, 0.4062}, {0.2159, 0.8012, 0.5581}}
	for k, name := range []string{"haematoxylin", "eosin"} {
		if a := angle(fit.Stains[k], ref[k]); a > 12 {
			t.Errorf("%s %v is %.1f° from %v", name, fit.Stains[k], a, ref[k])
		}
	}
}

func TestEncode8IsRoundedTransfer(t *testing.T) {
	gamma := func(c float64) float64 {
		if c <= 0.0031308 {
			return 12.92 * c
		}
		return 1.055*math.Pow(c, 1/2.4) - 0.055
	}
	for i := -10; i <= 100010; i++ {
		c := float64(i) / 100000
		want := clamp8(255 * gamma(c))
		if got := encode8(c); got != want || encode8Search(c) != want && math.Abs(255*gamma(c)-math.Round(255*gamma(c))) < 0.4999 {
			t.Fatalf("encode8(%v) = %d, want %d", c, got, want)
		}
	}
}

package colour

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"

	"tessera/internal/testicc"
)

// A wide-gamut profile to sRGB: neutral greys stay grey, a saturated green
// (which sRGB cannot reach) comes out clipped and changed, and the alpha
// channel is untouched; a profile that is not RGB is refused.
func TestAdobeRGBToSRGB(t *testing.T) {
	tr, err := ToSRGB(testicc.AdobeRGB())
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if tr.Description != "Adobe RGB (1998) test profile" {
		t.Errorf("description %q", tr.Description)
	}
	img := image.NewRGBA(image.Rect(0, 0, 2, 1))
	copy(img.Pix, []byte{128, 128, 128, 200, 0, 200, 0, 255})
	tr.Apply(img)
	grey, green := img.Pix[0:4], img.Pix[4:8]
	if d := math.Abs(float64(grey[0]) - float64(grey[2])); d > 2 || grey[3] != 200 {
		t.Errorf("grey became %v", grey)
	}
	if green[0] != 0 || green[1] <= 200 || green[2] > 60 {
		t.Errorf("Adobe RGB green (0,200,0) became %v in sRGB, want more green, no red", green)
	}
	if _, err := ToSRGB([]byte("not a profile")); err == nil {
		t.Error("garbage accepted as a profile")
	}
}

// BenchmarkApply converts one 256-pixel display tile.
func BenchmarkApply(b *testing.B) {
	tr, err := ToSRGB(testicc.AdobeRGB())
	if err != nil {
		b.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	tr.WaitReady()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Apply(img)
	}
}

// The table gives exactly what Little CMS gives, for random colours, the
// corners of the cube and every grey, alpha untouched.
func TestTableIsLittleCMS(t *testing.T) {
	tr, err := ToSRGB(testicc.AdobeRGB())
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	tr.WaitReady()
	if !tr.Ready() {
		t.Fatal("the table was not built")
	}
	const n = 1 << 18
	a := image.NewRGBA(image.Rect(0, 0, 512, n/512))
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < len(a.Pix); i += 4 {
		v := r.Uint32()
		a.Pix[i], a.Pix[i+1], a.Pix[i+2], a.Pix[i+3] = uint8(v), uint8(v>>8), uint8(v>>16), uint8(v>>24)
	}
	for g := 0; g < 256; g++ { // greys
		a.Pix[4*g], a.Pix[4*g+1], a.Pix[4*g+2] = uint8(g), uint8(g), uint8(g)
	}
	for c := 0; c < 8; c++ { // corners
		k := 4 * (256 + c)
		a.Pix[k], a.Pix[k+1], a.Pix[k+2] = uint8(255*(c&1)), uint8(255*(c>>1&1)), uint8(255*(c>>2))
	}
	b := image.NewRGBA(a.Rect)
	copy(b.Pix, a.Pix)
	tr.applyLCMS(a)
	tr.Apply(b) // through the table
	for i := range a.Pix {
		if a.Pix[i] != b.Pix[i] {
			t.Fatalf("pixel %d: Little CMS %v, table %v", i/4, a.Pix[i&^3:i&^3+4], b.Pix[i&^3:i&^3+4])
		}
	}
	if again, _ := ToSRGB(testicc.AdobeRGB()); again.table != tr.table {
		t.Error("a second transform of the same profile built its own table")
	}
}

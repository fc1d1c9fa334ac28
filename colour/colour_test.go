package colour

import (
	"image"
	"math"
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
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Apply(img)
	}
}

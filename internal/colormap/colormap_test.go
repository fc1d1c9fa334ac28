package colormap

import (
	"image/color"
	"math"
	"testing"
)

func TestEndpoints(t *testing.T) {
	cases := []struct {
		m      Map
		lo, hi color.NRGBA
	}{
		{Viridis, color.NRGBA{0x44, 0x01, 0x54, 255}, color.NRGBA{0xfd, 0xe7, 0x25, 255}},
		{Inferno, color.NRGBA{0x00, 0x00, 0x04, 255}, color.NRGBA{0xfc, 0xff, 0xa4, 255}},
		{Jet, color.NRGBA{0, 0, 128, 255}, color.NRGBA{128, 0, 0, 255}},
	}
	for _, c := range cases {
		if got := c.m.At(0); got != c.lo {
			t.Errorf("%s(0) = %v, want %v", c.m.Name, got, c.lo)
		}
		if got := c.m.At(1); got != c.hi {
			t.Errorf("%s(1) = %v, want %v", c.m.Name, got, c.hi)
		}
		if c.m.At(-5) != c.lo || c.m.At(7) != c.hi {
			t.Errorf("%s does not clamp", c.m.Name)
		}
	}
	if Viridis.At(math.NaN()) != (color.NRGBA{128, 128, 128, 255}) {
		t.Error("NaN is not grey")
	}
}

// Viridis gets lighter monotonically: that is what makes it readable.
func TestViridisLuminanceIncreases(t *testing.T) {
	prev := -1.0
	for i := 0; i <= 100; i++ {
		c := Viridis.At(float64(i) / 100)
		l := 0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B)
		if l < prev-0.5 {
			t.Fatalf("luminance drops at %d%%: %v < %v", i, l, prev)
		}
		prev = l
	}
}

func TestByName(t *testing.T) {
	if m, ok := ByName("TURBO"); !ok || m.Name != "turbo" {
		t.Error("turbo not found")
	}
	if m, ok := ByName("rainbow"); ok || m.Name != "viridis" {
		t.Error("unknown name must fall back to viridis")
	}
	if Names()[0] != "viridis" {
		t.Error("viridis must be the default")
	}
}

package scalebar

import (
	"math"
	"testing"
)

func TestLength(t *testing.T) {
	for _, c := range []struct {
		umPerDevice, max float64
		um               float64
		label            string
	}{
		{0.5, 160, 50, "50 µm"},
		{2, 160, 200, "200 µm"},
		{10, 160, 1000, "1 mm"},
		{13, 160, 2000, "2 mm"},
		{0.01, 160, 1, "1 µm"},
		{0.001, 160, 0.1, "100 nm"},
	} {
		um, dev, label := Length(c.umPerDevice, c.max)
		if math.Abs(um-c.um) > 1e-9 || label != c.label {
			t.Errorf("%v µm/px: %v µm %q, want %v µm %q", c.umPerDevice, um, label, c.um, c.label)
		}
		if dev > c.max || dev < c.max/5 {
			t.Errorf("%v µm/px: bar %v px outside [max/5, max]", c.umPerDevice, dev)
		}
	}
	if _, _, label := Length(0, 160); label != "" {
		t.Errorf("uncalibrated bar %q", label)
	}
}

package viewer

import (
	"math"
	"testing"

	"tessera/slide"
)

func TestScaleBarLength(t *testing.T) {
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
		um, dev, label := ScaleBarLength(c.umPerDevice, c.max)
		if math.Abs(um-c.um) > 1e-9 || label != c.label {
			t.Errorf("%v µm/px: %v µm %q, want %v µm %q", c.umPerDevice, um, label, c.um, c.label)
		}
		if dev > c.max || dev < c.max/5 {
			t.Errorf("%v µm/px: bar %v px outside [max/5, max]", c.umPerDevice, dev)
		}
	}
	if _, _, label := ScaleBarLength(0, 160); label != "" {
		t.Errorf("uncalibrated bar %q", label)
	}
}

func TestMagnification(t *testing.T) {
	byObjective := Calibration{Objective: 20, MPP: slide.MPP{X: 0.499, Y: 0.499, Source: slide.MPPFromVendor}}
	if got := byObjective.FormatMagnification(2); got != "10×" {
		t.Errorf("20× slide at downsample 2: %q", got)
	}
	if ds := byObjective.DownsampleFor(40); ds != 0.5 {
		t.Errorf("40× on a 20× slide: downsample %v", ds)
	}
	byMPP := Calibration{MPP: slide.MPP{X: 0.25, Y: 0.25, Source: slide.MPPFromTIFF}}
	if got := byMPP.FormatMagnification(1); got != "40×" {
		t.Errorf("0.25 µm/px at downsample 1: %q", got)
	}
	if got := byMPP.FormatMagnification(16); got != "2.5×" {
		t.Errorf("0.25 µm/px at downsample 16: %q", got)
	}
	none := Calibration{MPP: slide.MPP{Source: slide.MPPUnknown}}
	if none.HasMagnification() || none.FormatMagnification(1) != "" {
		t.Error("uncalibrated slide reports a magnification")
	}
}

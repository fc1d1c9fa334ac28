package viewer

import (
	"testing"

	"tessera/slide"
)

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

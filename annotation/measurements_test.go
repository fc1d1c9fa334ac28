package annotation

import "testing"

// Tessera's measurement names are QuPath's, and remeasuring a shape
// changes only them.
func TestMeasurementNames(t *testing.T) {
	if AreaName("µm") != "Area µm^2" || PerimeterName("µm") != "Perimeter µm" || LengthName("px") != "Length px" {
		t.Errorf("names %q %q %q", AreaName("µm"), PerimeterName("µm"), LengthName("px"))
	}
	ms := append(ShapeMeasurements("µm", 100, 40), Measurement{Name: "Num Detections", Value: 7})
	got := Remeasure(ms, "µm", 150, 50)
	if got[0].Value != 150 || got[1].Value != 50 || got[2].Value != 7 || ms[0].Value != 100 {
		t.Errorf("remeasured %+v (from %+v)", got, ms)
	}
	if px := Remeasure(ms, "px", 1, 1); px[0].Value != 100 {
		t.Error("a measurement in another unit was overwritten")
	}
}

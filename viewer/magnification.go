package viewer

import (
	"fmt"
	"math"

	"tessera/slide"
)

// MagnificationPresets are the objective magnifications offered as zoom
// presets, as on a microscope.
var MagnificationPresets = []float64{1.25, 2.5, 5, 10, 20, 40}

// referenceMPP relates µm/px to an equivalent objective: 10 µm/px ≈ 1×,
// so 0.25 µm/px ≈ 40× and 0.5 µm/px ≈ 20×, the common scanner convention.
const referenceMPP = 10.0

// Calibration relates zoom to magnification and physical size for one slide.
type Calibration struct {
	MPP       slide.MPP // µm per level-0 pixel
	Objective float64   // scanner objective power at level 0; 0 if unknown
}

// CalibrationOf reads a slide's calibration.
func CalibrationOf(s slide.Slide) Calibration {
	return Calibration{MPP: s.MPP(), Objective: s.ObjectivePower()}
}

// HasMagnification reports whether magnification can be stated at all.
func (c Calibration) HasMagnification() bool { return c.Objective > 0 || c.MPP.Known() }

// level0Magnification is the magnification equivalent of level 0 at one
// device pixel per level-0 pixel.
func (c Calibration) level0Magnification() float64 {
	if c.Objective > 0 {
		return c.Objective
	}
	if c.MPP.Known() {
		return referenceMPP / c.MPP.Mean()
	}
	return 0
}

// Magnification at a downsample (level-0 pixels per device pixel); 0 when unknown.
func (c Calibration) Magnification(downsample float64) float64 {
	return c.level0Magnification() / downsample
}

// DownsampleFor returns the downsample that shows the slide at mag×.
func (c Calibration) DownsampleFor(mag float64) float64 {
	return c.level0Magnification() / mag
}

// FormatMagnification renders "20×", "2.5×", or "" when unknown.
func (c Calibration) FormatMagnification(downsample float64) string {
	m := c.Magnification(downsample)
	if m <= 0 || math.IsInf(m, 0) {
		return ""
	}
	if m < 10 {
		return fmt.Sprintf("%.2g×", m)
	}
	return fmt.Sprintf("%.0f×", m)
}

// Package scalebar picks round lengths for scale bars: the viewer's, and
// those under the report's slide images.
package scalebar

import (
	"fmt"
	"math"
)

// Length picks a round physical length for a scale bar: the largest
// of 1, 2, 5 × 10^k µm whose on-screen length does not exceed maxDevice
// device pixels. umPerDevice is µm per device pixel. It returns the length
// in µm and in device pixels, and its label ("200 µm", "1 mm").
func Length(umPerDevice, maxDevice float64) (um, device float64, label string) {
	if umPerDevice <= 0 || maxDevice <= 0 || math.IsInf(umPerDevice, 0) || math.IsNaN(umPerDevice) {
		return 0, 0, ""
	}
	limit := umPerDevice * maxDevice
	exp := math.Pow(10, math.Floor(math.Log10(limit)))
	for _, m := range []float64{5, 2, 1} {
		if m*exp <= limit {
			um = m * exp
			break
		}
	}
	return um, um / umPerDevice, FormatLength(um)
}

// FormatLength renders a length in µm with a readable unit.
func FormatLength(um float64) string {
	switch {
	case um >= 1000:
		return fmt.Sprintf("%.4g mm", um/1000)
	case um >= 1:
		return fmt.Sprintf("%.4g µm", um)
	default:
		return fmt.Sprintf("%.4g nm", um*1000)
	}
}

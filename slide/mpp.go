package slide

import (
	"image/color"
	"math"
	"strconv"
	"strings"
)

// MPPFromProperties derives µm per level-0 pixel from slide properties:
// openslide.mpp-x/y when present, else the TIFF resolution tags when their
// unit is physical and the value plausible for a microscope (0.01–100 µm/px:
// a 72-dpi default is 352 µm/px and is rejected), else unknown.
func MPPFromProperties(p map[string]string) MPP {
	x, errX := strconv.ParseFloat(p["openslide.mpp-x"], 64)
	y, errY := strconv.ParseFloat(p["openslide.mpp-y"], 64)
	if errX == nil && errY == nil && plausibleMPP(x) && plausibleMPP(y) {
		return MPP{X: x, Y: y, Source: MPPFromVendor}
	}
	var perUnit float64 // µm per resolution unit
	switch strings.ToLower(p["tiff.ResolutionUnit"]) {
	case "centimeter", "centimetre", "3":
		perUnit = 1e4
	case "inch", "2":
		perUnit = 25400
	default:
		return MPP{Source: MPPUnknown}
	}
	xr, errX := strconv.ParseFloat(p["tiff.XResolution"], 64)
	yr, errY := strconv.ParseFloat(p["tiff.YResolution"], 64)
	if errY != nil {
		yr, errY = xr, errX
	}
	if errX != nil || xr <= 0 || yr <= 0 {
		return MPP{Source: MPPUnknown}
	}
	x, y = perUnit/xr, perUnit/yr
	if !plausibleMPP(x) || !plausibleMPP(y) {
		return MPP{Source: MPPUnknown}
	}
	return MPP{X: x, Y: y, Source: MPPFromTIFF}
}

func plausibleMPP(v float64) bool {
	return !math.IsNaN(v) && v >= 0.01 && v <= 100
}

// parseBackground reads OpenSlide's "RRGGBB" background colour; white if absent.
func parseBackground(hex string) color.RGBA {
	v, err := strconv.ParseUint(hex, 16, 32)
	if err != nil || len(hex) != 6 {
		return color.RGBA{255, 255, 255, 255}
	}
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
}

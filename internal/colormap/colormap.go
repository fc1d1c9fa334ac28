// Package colormap maps values in [0, 1] to colours for heatmaps:
// perceptually uniform viridis (the default) and inferno, plus turbo and jet
// for users used to them.
package colormap

import (
	"fmt"
	"image/color"
	"math"
	"strings"
)

// Map is a colormap.
type Map struct {
	Name string
	at   func(t float64) (r, g, b float64) // t in [0,1] → components in [0,1]
}

// At returns the opaque colour for t, clamped to [0, 1]; NaN is mid-grey.
func (m Map) At(t float64) color.NRGBA {
	if math.IsNaN(t) {
		return color.NRGBA{128, 128, 128, 255}
	}
	r, g, b := m.at(math.Min(math.Max(t, 0), 1))
	return color.NRGBA{unit(r), unit(g), unit(b), 255}
}

func unit(v float64) uint8 { return uint8(math.Round(math.Min(math.Max(v, 0), 1) * 255)) }

// anchors interpolates linearly between evenly spaced hex colours.
func anchors(hexes ...string) func(float64) (float64, float64, float64) {
	cols := make([][3]float64, len(hexes))
	for i, h := range hexes {
		var r, g, b int
		fmt.Sscanf(strings.TrimPrefix(h, "#"), "%02x%02x%02x", &r, &g, &b)
		cols[i] = [3]float64{float64(r) / 255, float64(g) / 255, float64(b) / 255}
	}
	return func(t float64) (float64, float64, float64) {
		x := t * float64(len(cols)-1)
		i := int(math.Min(math.Floor(x), float64(len(cols)-2)))
		f := x - float64(i)
		a, b := cols[i], cols[i+1]
		return a[0] + (b[0]-a[0])*f, a[1] + (b[1]-a[1])*f, a[2] + (b[2]-a[2])*f
	}
}

// Viridis and Inferno: matplotlib's maps sampled at 11 points (van der Walt & Smith).
var (
	Viridis = Map{"viridis", anchors("#440154", "#482475", "#414487", "#355f8d", "#2a788e",
		"#21918c", "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725")}
	Inferno = Map{"inferno", anchors("#000004", "#160b39", "#420a68", "#6a176e", "#932667",
		"#bc3754", "#dd513a", "#f37819", "#fca50a", "#f6d746", "#fcffa4")}
	// Turbo: Google's polynomial approximation (Mikhailov 2019).
	Turbo = Map{"turbo", func(t float64) (float64, float64, float64) {
		r := 0.13572138 + t*(4.61539260+t*(-42.66032258+t*(132.13108234+t*(-152.94239396+t*59.28637943))))
		g := 0.09140261 + t*(2.19418839+t*(4.84296658+t*(-14.18503333+t*(4.27729857+t*2.82956604))))
		b := 0.10667330 + t*(12.64194608+t*(-60.58204836+t*(110.36276771+t*(-89.90310912+t*27.34824973))))
		return r, g, b
	}}
	// Jet: the classic MATLAB map (not perceptually uniform).
	Jet = Map{"jet", func(t float64) (float64, float64, float64) {
		return 1.5 - math.Abs(4*t-3), 1.5 - math.Abs(4*t-2), 1.5 - math.Abs(4*t-1)
	}}
)

// All lists the maps, default first.
var All = []Map{Viridis, Inferno, Turbo, Jet}

// ByName returns the map called name (case-insensitive), or Viridis and false.
func ByName(name string) (Map, bool) {
	for _, m := range All {
		if strings.EqualFold(m.Name, name) {
			return m, true
		}
	}
	return Viridis, false
}

// Names lists the map names, default first.
func Names() []string {
	out := make([]string, len(All))
	for i, m := range All {
		out[i] = m.Name
	}
	return out
}

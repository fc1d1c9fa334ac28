// Package stainnorm normalises the stain colours of brightfield tiles to a
// target, as a model trained on normalised tiles expects: Reinhard et al.
// 2001 (colour statistics in CIE L*a*b*), Macenko et al. 2009 (stain
// vectors from the optical-density plane) and Vahadane et al. 2016 (stain
// vectors by sparse non-negative factorisation).
//
// Images are RGBA bytes (image.RGBA's Pix layout) in the slide's own RGB.
// Only tissue pixels (Tissue) are fitted and changed: glass and very dark
// pixels (pen, dust) are left as they are. A fit that cannot be trusted
// (too few tissue pixels, a single stain) is an error, so that a caller
// can fall back and count it (torchstain#54 and pathml#329 crash there).
//
// Everything here is a pure function of its inputs, safe for concurrent use.
package stainnorm

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Methods.
const (
	None     = "none"
	Reinhard = "reinhard"
	Macenko  = "macenko"
	Vahadane = "vahadane"
)

// Fitting policies.
const (
	PerSlide = "slide" // fit once on tissue sampled across the slide
	PerTile  = "tile"  // fit each tile; a tile that cannot be fitted takes the slide's fit
)

// Spec is a bundle's [input.stain_normalisation]: the method, the fitting
// policy and the target.
type Spec struct {
	Method string `toml:"method" json:"method"` // none (default), reinhard, macenko, vahadane
	Fit    string `toml:"fit" json:"fit,omitempty"`
	// Reinhard's target: mean and standard deviation of L*, a*, b* over
	// tissue pixels (CIE L*a*b*, D65, from sRGB).
	LabMean []float64 `toml:"lab_mean" json:"lab_mean,omitempty"`
	LabStd  []float64 `toml:"lab_std" json:"lab_std,omitempty"`
	// Macenko's and Vahadane's target: the haematoxylin and eosin unit
	// optical-density vectors (R, G, B), and the 99th percentile of each
	// stain's concentration.
	StainMatrix       [][]float64 `toml:"stain_matrix" json:"stain_matrix,omitempty"`
	MaxConcentrations []float64   `toml:"max_concentrations" json:"max_concentrations,omitempty"`
}

// Active reports whether the spec normalises at all.
func (s *Spec) Active() bool { return s.Method != "" && s.Method != None }

// Validate checks the spec and fills defaults; errors name the field
// (prefix is the section, e.g. "input.stain_normalisation").
func (s *Spec) Validate(prefix string) error {
	field := func(name, format string, args ...any) error {
		return fmt.Errorf("manifest.toml: %s.%s: %s", prefix, name, fmt.Sprintf(format, args...))
	}
	if s.Method == "" {
		s.Method = None
	}
	switch s.Method {
	case None:
		if s.Fit != "" || len(s.LabMean)+len(s.LabStd)+len(s.StainMatrix)+len(s.MaxConcentrations) > 0 {
			return field("method", "is none, but a fitting policy or target is given")
		}
		return nil
	case Reinhard, Macenko, Vahadane:
	default:
		return field("method", "is %q, want none, reinhard, macenko or vahadane", s.Method)
	}
	switch s.Fit {
	case "":
		s.Fit = PerSlide
	case PerSlide, PerTile:
	default:
		return field("fit", "is %q, want \"slide\" or \"tile\"", s.Fit)
	}
	if s.Method == Reinhard {
		if len(s.LabMean) != 3 || len(s.LabStd) != 3 {
			return field("lab_mean/lab_std", "reinhard needs 3 values each (L*, a*, b*), got %d and %d", len(s.LabMean), len(s.LabStd))
		}
		if !(s.LabMean[0] > 0 && s.LabMean[0] < 100) {
			return field("lab_mean", "L* is %v, want 0–100", s.LabMean[0])
		}
		for _, v := range s.LabStd {
			if !(v > 0 && v < 100) {
				return field("lab_std", "values must be positive deviations, got %v", s.LabStd)
			}
		}
		if len(s.StainMatrix)+len(s.MaxConcentrations) > 0 {
			return field("stain_matrix", "belongs to macenko or vahadane, not reinhard")
		}
		return nil
	}
	if len(s.StainMatrix) != 2 || len(s.StainMatrix[0]) != 3 || len(s.StainMatrix[1]) != 3 {
		return field("stain_matrix", "%s needs two rows [H, E] of 3 optical densities (R, G, B)", s.Method)
	}
	for i, row := range s.StainMatrix {
		n := 0.0
		for _, v := range row {
			if !(v >= 0) || math.IsInf(v, 0) {
				return field("stain_matrix", "row %d has %v: optical densities are non-negative", i+1, row)
			}
			n += v * v
		}
		if math.Abs(math.Sqrt(n)-1) > 0.01 {
			return field("stain_matrix", "row %d has length %.3f, want unit vectors", i+1, math.Sqrt(n))
		}
	}
	if angle(vec(s.StainMatrix[0]), vec(s.StainMatrix[1])) < minStainAngle {
		return field("stain_matrix", "the two stain vectors are nearly the same (%.1f°)", angle(vec(s.StainMatrix[0]), vec(s.StainMatrix[1])))
	}
	if len(s.MaxConcentrations) != 2 || !(s.MaxConcentrations[0] > 0) || !(s.MaxConcentrations[1] > 0) {
		return field("max_concentrations", "%s needs two positive values [H, E], got %v", s.Method, s.MaxConcentrations)
	}
	if len(s.LabMean)+len(s.LabStd) > 0 {
		return field("lab_mean", "belongs to reinhard, not %s", s.Method)
	}
	return nil
}

// Target is the spec's target as a fit.
func (s *Spec) Target() Stats {
	var t Stats
	copy(t.LabMean[:], s.LabMean)
	copy(t.LabStd[:], s.LabStd)
	for i := range s.StainMatrix {
		copy(t.Stains[i][:], s.StainMatrix[i])
	}
	copy(t.MaxConc[:], s.MaxConcentrations)
	return t
}

// Text names the normaliser and its target in a sentence, for cards and
// reports ("" when none).
func (s *Spec) Text() string {
	if !s.Active() {
		return ""
	}
	policy := "fitted once per slide"
	if s.Fit == PerTile {
		policy = "fitted on each tile"
	}
	name := s.Name()
	if s.Method == Reinhard {
		return fmt.Sprintf("Stain normalisation: %s (%s) to L*a*b* mean %.1f/%.1f/%.1f, deviation %.1f/%.1f/%.1f", name, policy,
			s.LabMean[0], s.LabMean[1], s.LabMean[2], s.LabStd[0], s.LabStd[1], s.LabStd[2])
	}
	return fmt.Sprintf("Stain normalisation: %s (%s) to H %s, E %s, max concentrations %.2f/%.2f", name, policy,
		vecText(s.StainMatrix[0]), vecText(s.StainMatrix[1]), s.MaxConcentrations[0], s.MaxConcentrations[1])
}

// Name is the method's name for people ("Macenko").
func (s *Spec) Name() string {
	return map[string]string{None: "none", Reinhard: "Reinhard", Macenko: "Macenko", Vahadane: "Vahadane"}[s.Method]
}

func vecText(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.3f", x)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Stats is a fit: of a tile, of a slide, or a target.
type Stats struct {
	Method  string        `json:"method"`
	LabMean [3]float64    `json:"lab_mean,omitzero"`
	LabStd  [3]float64    `json:"lab_std,omitzero"`
	Stains  [2][3]float64 `json:"stain_matrix,omitzero"` // H, E unit OD vectors
	MaxConc [2]float64    `json:"max_concentrations,omitzero"`
	Pixels  int           `json:"pixels"` // tissue pixels fitted
}

// Errors of a fit that cannot be trusted.
var (
	ErrLittleTissue = errors.New("too few tissue pixels to fit the stains")
	ErrOneStain     = errors.New("one stain only: two stain vectors cannot be told apart")
)

// MinPixels is the fewest tissue pixels a fit uses.
const MinPixels = 500

// minStainAngle is the smallest angle (degrees) between two stain vectors
// that are told apart.
const minStainAngle = 5.0

// Optical density: OD = -ln((I + 1) / Io), Io = 240 (Macenko's reference
// code, torchstain, staintools). A tissue pixel has OD ≥ ODMin in every
// channel (not glass) and ≤ ODMax (not black: pen, dust, folds' shadow).
const (
	Io    = 240.0
	ODMin = 0.15
	ODMax = 3.0
)

// odOf is the optical density of each 8-bit value.
var odOf = func() (t [256]float64) {
	for v := range t {
		t[v] = -math.Log((float64(v) + 1) / Io)
	}
	return t
}()

// Tissue reports whether an RGB pixel is tissue (see ODMin, ODMax).
func Tissue(r, g, b uint8) bool {
	return tissueOD(odOf[r]) && tissueOD(odOf[g]) && tissueOD(odOf[b])
}

func tissueOD(od float64) bool { return od >= ODMin && od <= ODMax }

// Image is an RGBA pixel buffer: w×h pixels, stride bytes per row.
type Image struct {
	Pix          []byte
	Stride, W, H int
}

// each calls fn with the offset of every tissue pixel of im. (The loops
// of Apply write the same walk out: a call per pixel cost them about a
// third of their time; see BenchmarkApply.)
func (im Image) each(fn func(o int)) {
	for y := 0; y < im.H; y++ {
		row := y * im.Stride
		for x := 0; x < im.W; x++ {
			o := row + 4*x
			if Tissue(im.Pix[o], im.Pix[o+1], im.Pix[o+2]) {
				fn(o)
			}
		}
	}
}

// Fit fits method to the tissue pixels of the images together (one tile,
// or tiles sampled across a slide), using at most maxPixels of them (0: all;
// taken evenly, so the fit is the same for the same images).
func Fit(method string, images []Image, maxPixels int) (Stats, error) {
	var pix [][3]uint8
	for _, im := range images {
		im.each(func(o int) { pix = append(pix, [3]uint8{im.Pix[o], im.Pix[o+1], im.Pix[o+2]}) })
	}
	if maxPixels > 0 && len(pix) > maxPixels {
		step := float64(len(pix)) / float64(maxPixels)
		kept := make([][3]uint8, maxPixels)
		for i := range kept {
			kept[i] = pix[int(float64(i)*step)]
		}
		pix = kept
	}
	if len(pix) < MinPixels {
		return Stats{Method: method, Pixels: len(pix)}, ErrLittleTissue
	}
	var st Stats
	var err error
	switch method {
	case Reinhard:
		st = fitReinhard(pix)
	case Macenko:
		st, err = fitMacenko(pix)
	case Vahadane:
		st, err = fitVahadane(pix)
	default:
		return Stats{}, fmt.Errorf("unknown stain normalisation %q", method)
	}
	st.Method, st.Pixels = method, len(pix)
	return st, err
}

// Apply normalises the tissue pixels of im in place from the source fit
// src to target (both of method). Other pixels are left unchanged.
func Apply(method string, im Image, src, target Stats) {
	switch method {
	case Reinhard:
		applyReinhard(im, src, target)
	case Macenko:
		applyLinear(im, src, target)
	case Vahadane:
		applyStains(im, src, target, lasso(src.Stains, vahadaneApplyLambda))
	}
}

// Distance is how far a fit is from the target, in degrees: the larger of
// the angles between their haematoxylin and between their eosin vectors
// (Macenko, Vahadane); for Reinhard, the L*a*b* distance of the means.
func Distance(method string, fit, target Stats) float64 {
	if method == Reinhard {
		d := 0.0
		for i := range fit.LabMean {
			d += (fit.LabMean[i] - target.LabMean[i]) * (fit.LabMean[i] - target.LabMean[i])
		}
		return math.Sqrt(d)
	}
	return math.Max(angle(fit.Stains[0], target.Stains[0]), angle(fit.Stains[1], target.Stains[1]))
}

func vec(v []float64) (out [3]float64) { copy(out[:], v); return out }

// angle between two vectors, in degrees.
func angle(a, b [3]float64) float64 {
	d := dot(a, b) / math.Sqrt(dot(a, a)*dot(b, b))
	return math.Acos(math.Max(-1, math.Min(1, d))) * 180 / math.Pi
}

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func unit(v [3]float64) [3]float64 {
	n := math.Sqrt(dot(v, v))
	if n == 0 {
		return v
	}
	return [3]float64{v[0] / n, v[1] / n, v[2] / n}
}

// percentile is numpy's default (linear) percentile p (0–100) of v,
// which it sorts.
func percentile(v []float64, p float64) float64 {
	sort.Float64s(v)
	if len(v) == 0 {
		return math.NaN()
	}
	pos := p / 100 * float64(len(v)-1)
	lo := int(math.Floor(pos))
	if lo >= len(v)-1 {
		return v[len(v)-1]
	}
	frac := pos - float64(lo)
	return v[lo] + frac*(v[lo+1]-v[lo])
}

// clamp8 rounds v to the nearest 8-bit value.
func clamp8(v float64) uint8 {
	if !(v > 0) {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(math.Round(v))
}

// Package slidetest provides an in-memory slide for tests and benchmarks
// that must not depend on files.
package slidetest

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"sync/atomic"
	"syscall"

	"tessera/slide"
)

// Synthetic is a procedurally generated pyramidal slide. Pixel (x, y) of
// level 0 has a colour that depends only on its position, so any level and
// region can be checked exactly: see ColourAt. It is safe for concurrent use.
type Synthetic struct {
	W, H        int64           // level-0 size in pixels
	Downsamples []float64       // per level; the first must be 1
	Calibration slide.MPP       // returned by MPP
	Objective   float64         // returned by ObjectivePower
	FailLevel   int             // ReadRegion on this level fails (−1: never)
	Gate        func(level int) // if set, called at the start of each read (tests block reads with it)
	Reads       atomic.Int64    // number of ReadRegion calls
	// FlakyReads makes the next FlakyReads calls of ReadRegion fail with an
	// I/O error, as a slide on a network share can (then reads succeed).
	FlakyReads atomic.Int64
	closed     atomic.Bool
}

var _ slide.Slide = (*Synthetic)(nil)

// New returns a synthetic slide of w×h level-0 pixels with levels at the
// given downsamples (1, 4, 16 when none are given), calibrated at 0.5 µm/px
// and 20×.
func New(w, h int64, downsamples ...float64) *Synthetic {
	if len(downsamples) == 0 {
		downsamples = []float64{1, 4, 16}
	}
	return &Synthetic{W: w, H: h, Downsamples: downsamples,
		Calibration: slide.MPP{X: 0.5, Y: 0.5, Source: slide.MPPFromVendor},
		Objective:   20, FailLevel: -1}
}

// ColourAt is the colour of level-0 pixel (x, y): a gradient in R and G and
// 64-pixel checks in B, opaque. Outside the slide it is white.
func ColourAt(w, h int64, x, y float64) color.RGBA {
	if x < 0 || y < 0 || x >= float64(w) || y >= float64(h) {
		return color.RGBA{255, 255, 255, 255}
	}
	b := uint8(60)
	if (int64(x)/64+int64(y)/64)%2 == 0 {
		b = 200
	}
	return color.RGBA{uint8(255 * x / float64(w)), uint8(255 * y / float64(h)), b, 255}
}

func (s *Synthetic) Path() string   { return "synthetic" }
func (s *Synthetic) Format() string { return "synthetic" }

func (s *Synthetic) Levels() []slide.Level {
	out := make([]slide.Level, len(s.Downsamples))
	for i, d := range s.Downsamples {
		out[i] = slide.Level{Width: int64(math.Ceil(float64(s.W) / d)), Height: int64(math.Ceil(float64(s.H) / d)), Downsample: d}
	}
	return out
}

// ReadRegion samples ColourAt at the centre of each level pixel.
func (s *Synthetic) ReadRegion(dst *image.RGBA, level int, x0, y0 int64) error {
	if s.closed.Load() {
		return slide.ErrClosed
	}
	s.Reads.Add(1)
	if s.Gate != nil {
		s.Gate(level)
	}
	b := dst.Bounds()
	if err := slide.ValidateRegion(s.Levels(), level, b.Dx(), b.Dy()); err != nil {
		return err
	}
	if s.FlakyReads.Add(-1) >= 0 {
		return fmt.Errorf("synthetic: read: %w", syscall.EIO)
	}
	if level == s.FailLevel {
		return fmt.Errorf("synthetic: %w: level %d fails on purpose", slide.ErrDamaged, level)
	}
	d := s.Downsamples[level]
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			c := ColourAt(s.W, s.H, float64(x0)+(float64(x)+0.5)*d, float64(y0)+(float64(y)+0.5)*d)
			dst.SetRGBA(b.Min.X+x, b.Min.Y+y, c)
		}
	}
	return nil
}

func (s *Synthetic) Properties() map[string]string {
	return map[string]string{"openslide.vendor": "synthetic", "tessera.patient": "DOE^JANE"}
}
func (s *Synthetic) MPP() slide.MPP                 { return s.Calibration }
func (s *Synthetic) ObjectivePower() float64        { return s.Objective }
func (s *Synthetic) AssociatedImageNames() []string { return []string{"label"} }
func (s *Synthetic) AssociatedImage(name string) (*image.RGBA, error) {
	if name != "label" {
		return nil, fmt.Errorf("synthetic: no associated image %q", name)
	}
	img := image.NewRGBA(image.Rect(0, 0, 32, 16))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	return img, nil
}
func (s *Synthetic) Background() color.RGBA { return color.RGBA{255, 255, 255, 255} }
func (s *Synthetic) Fingerprint() string {
	return fmt.Sprintf("synthetic:%dx%d:%v", s.W, s.H, s.Downsamples)
}
func (s *Synthetic) Close() error { s.closed.Store(true); return nil }

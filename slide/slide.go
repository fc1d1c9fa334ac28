// Package slide reads whole-slide images behind one interface.
//
// Coordinates: level 0 is the full-resolution level. ReadRegion takes its
// origin in level-0 pixels and its size in pixels of the level being read,
// the convention of OpenSlide's C API. Downsamples are real numbers as the
// file states them (4.00015, not 4).
//
// This is the only package of Tessera that contains C (OpenSlide through cgo).
package slide

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"path/filepath"
)

// Sentinel errors that callers branch on. Errors returned by this package wrap
// one of them where it applies; test with errors.Is.
var (
	// ErrUnsupported: the file is not a slide Tessera can read.
	ErrUnsupported = errors.New("not a slide Tessera can read")
	// ErrDamaged: the file is a slide format Tessera knows, but its data is broken.
	ErrDamaged = errors.New("this slide is damaged")
	// ErrClosed: the slide was closed.
	ErrClosed = errors.New("slide is closed")
	// ErrBadRegion: the requested region is empty, out of range or too large.
	ErrBadRegion = errors.New("invalid region")
)

// DamageError is a slide format Tessera knows whose data cannot be decoded.
// Detail is the reader's own message (e.g. OpenSlide's "Bogus marker
// length"). It matches ErrDamaged under errors.Is.
type DamageError struct {
	Path   string
	Detail string
}

// Error names the file by its name only: folders may name the patient.
func (e *DamageError) Error() string {
	return filepath.Base(e.Path) + ": this slide is damaged: " + e.Detail
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *DamageError) Is(target error) bool { return target == ErrDamaged }

// MaxRegionPixels caps one ReadRegion call (width × height) so that a bad
// request cannot allocate gigabytes. 64 Mpx is 256 MiB of RGBA.
const MaxRegionPixels = 64 << 20

// Level describes one pyramid level.
type Level struct {
	Width, Height int64   // size in this level's pixels
	Downsample    float64 // level-0 pixels per pixel of this level (≥ 1, real-valued)
}

// MPPSource tells where a µm/px value came from.
type MPPSource string

// Where µm/px can come from, best first.
const (
	MPPFromVendor MPPSource = "vendor"          // openslide.mpp-x / openslide.mpp-y
	MPPFromTIFF   MPPSource = "tiff-resolution" // tiff.XResolution + tiff.ResolutionUnit
	MPPFromOME    MPPSource = "ome-xml"         // OME-XML PhysicalSizeX/Y (OME-TIFF)
	MPPFromDICOM  MPPSource = "dicom"           // DICOM PixelSpacing (shared functional groups)
	MPPFromUser   MPPSource = "user"            // entered by the user
	MPPUnknown    MPPSource = "unknown"         // no calibration
)

// MPP is the physical size of a level-0 pixel in micrometres.
type MPP struct {
	X, Y   float64 // µm per level-0 pixel; 0 when unknown
	Source MPPSource
}

// Known reports whether the slide is calibrated.
func (m MPP) Known() bool { return m.Source != MPPUnknown && m.X > 0 && m.Y > 0 }

// Mean returns the mean of X and Y in µm per level-0 pixel (0 when unknown).
func (m MPP) Mean() float64 {
	if !m.Known() {
		return 0
	}
	return (m.X + m.Y) / 2
}

func (m MPP) String() string {
	if !m.Known() {
		return "unknown"
	}
	return fmt.Sprintf("%.4g × %.4g µm/px (%s)", m.X, m.Y, m.Source)
}

// Slide is an open whole-slide image.
//
// Implementations are safe for concurrent use by several goroutines,
// including Close concurrently with reads: a read that races with Close
// either completes or returns ErrClosed. The caller owns the slide and must
// Close it.
type Slide interface {
	// Path is the file the slide was opened from.
	Path() string
	// Format is the vendor or format name ("aperio", "hamamatsu", "generic-tiff", ...).
	Format() string
	// Levels lists the pyramid, finest (level 0) first.
	Levels() []Level
	// ReadRegion fills dst with the region of the given level whose top-left
	// corner is (x0, y0) in level-0 pixels; dst's size is the region size in
	// that level's pixels. Pixels outside the slide are the background colour.
	// dst is opaque on return.
	ReadRegion(dst *image.RGBA, level int, x0, y0 int64) error
	// Properties returns all metadata key/value pairs. The map is a copy.
	Properties() map[string]string
	// MPP is the level-0 calibration and where it came from.
	MPP() MPP
	// ObjectivePower is the scanner's objective magnification (20, 40); 0 if unknown.
	ObjectivePower() float64
	// AssociatedImageNames lists label, macro, thumbnail, ... (may hold patient identity).
	AssociatedImageNames() []string
	// AssociatedImage decodes one associated image.
	AssociatedImage(name string) (*image.RGBA, error)
	// Background is the colour of areas without scanned data.
	Background() color.RGBA
	// Fingerprint is a stable content-based identifier of the slide file,
	// suitable as a cache key.
	Fingerprint() string
	// Close releases the slide. Further calls return ErrClosed.
	Close() error
}

// ValidateRegion checks a region request against a level list; it returns an
// error wrapping ErrBadRegion for an unknown level, an empty region or one
// larger than MaxRegionPixels.
func ValidateRegion(levels []Level, level int, w, h int) error {
	if level < 0 || level >= len(levels) {
		return fmt.Errorf("%w: level %d (slide has %d levels)", ErrBadRegion, level, len(levels))
	}
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: empty size %d×%d", ErrBadRegion, w, h)
	}
	if int64(w)*int64(h) > MaxRegionPixels {
		return fmt.Errorf("%w: %d×%d exceeds the %d-pixel limit", ErrBadRegion, w, h, MaxRegionPixels)
	}
	return nil
}

// BestLevelForDownsample returns the finest level whose downsample does not
// exceed ds (level 0 when ds < 1), like openslide_get_best_level_for_downsample.
func BestLevelForDownsample(levels []Level, ds float64) int {
	best := 0
	for i, l := range levels {
		if l.Downsample <= ds*1.0001 {
			best = i
		}
	}
	return best
}

// Package viewer is the slide canvas: viewport maths, tile selection, a
// byte-bounded tile cache, a prioritised tile loader, and the Fyne widgets
// that draw a slide (SlideView), its overview (Overview) and its scale bar.
// It knows slides only through the slide.Slide interface.
//
// Coordinate spaces, named in types and converters:
//   - Level0Point: level-0 (full-resolution) slide pixels, float64.
//   - DevicePoint: physical pixels of the view, origin at its top-left.
//   - canvas units: Fyne's device-independent units (device / canvas scale).
package viewer

import "math"

// Level0Point is a position in level-0 slide pixels.
type Level0Point struct{ X, Y float64 }

// DevicePoint is a position in device pixels of the view, origin top-left.
type DevicePoint struct{ X, Y float64 }

// Zoom limits, in level-0 pixels per device pixel.
const (
	// MinDownsample is the deepest zoom: 8 device pixels per level-0 pixel.
	MinDownsample = 1.0 / 8
)

// Viewport maps level-0 slide pixels to device pixels. It is a value type:
// methods with a pointer receiver modify it in place, others return copies.
// It is not safe for concurrent mutation.
type Viewport struct {
	Center     Level0Point // level-0 pixel at the centre of the view
	Downsample float64     // level-0 pixels per device pixel (> 0)
	Width      int         // view width in device pixels
	Height     int         // view height in device pixels
	SlideW     float64     // slide level-0 width, for clamping
	SlideH     float64     // slide level-0 height, for clamping
	// Fitted is true while the view shows the whole slide because of Fit and
	// the user has not moved it since: a resize then fits again.
	Fitted bool
}

// NewViewport returns a viewport of w×h device pixels fitted to a slide of
// slideW×slideH level-0 pixels.
func NewViewport(slideW, slideH float64, w, h int) Viewport {
	v := Viewport{SlideW: slideW, SlideH: slideH, Width: w, Height: h}
	v.Fit()
	return v
}

// Level0ToDevice converts a level-0 position to device pixels.
func (v Viewport) Level0ToDevice(p Level0Point) DevicePoint {
	return DevicePoint{
		X: (p.X-v.Center.X)/v.Downsample + float64(v.Width)/2,
		Y: (p.Y-v.Center.Y)/v.Downsample + float64(v.Height)/2,
	}
}

// DeviceToLevel0 converts a device-pixel position to level-0 pixels.
func (v Viewport) DeviceToLevel0(p DevicePoint) Level0Point {
	return Level0Point{
		X: (p.X-float64(v.Width)/2)*v.Downsample + v.Center.X,
		Y: (p.Y-float64(v.Height)/2)*v.Downsample + v.Center.Y,
	}
}

// VisibleLevel0 returns the level-0 rectangle the view shows (min and max corners).
func (v Viewport) VisibleLevel0() (Level0Point, Level0Point) {
	return v.DeviceToLevel0(DevicePoint{0, 0}), v.DeviceToLevel0(DevicePoint{float64(v.Width), float64(v.Height)})
}

// FitDownsample is the downsample at which the whole slide fits the view.
func (v Viewport) FitDownsample() float64 {
	if v.Width <= 0 || v.Height <= 0 || v.SlideW <= 0 || v.SlideH <= 0 {
		return 1
	}
	return math.Max(v.SlideW/float64(v.Width), v.SlideH/float64(v.Height))
}

// MaxDownsample is the most zoomed-out view allowed: twice the fit.
func (v Viewport) MaxDownsample() float64 { return 2 * v.FitDownsample() }

// Fit centres the slide and zooms so that it fills the view.
func (v *Viewport) Fit() {
	v.Center = Level0Point{v.SlideW / 2, v.SlideH / 2}
	v.Downsample = v.FitDownsample()
	v.Fitted = true
}

// PanDevice moves the view by (dx, dy) device pixels: content follows the
// pointer, so a positive dx moves the slide right (the centre left).
func (v *Viewport) PanDevice(dx, dy float64) {
	v.Center.X -= dx * v.Downsample
	v.Center.Y -= dy * v.Downsample
	v.Fitted = false
	v.Clamp()
}

// ZoomAround sets the downsample to ds (clamped to the zoom limits) while
// keeping the level-0 point under device position anchor fixed on screen.
func (v *Viewport) ZoomAround(ds float64, anchor DevicePoint) {
	ds = v.clampDownsample(ds)
	before := v.DeviceToLevel0(anchor)
	v.Downsample = ds
	after := v.DeviceToLevel0(anchor)
	v.Center.X += before.X - after.X
	v.Center.Y += before.Y - after.Y
	v.Fitted = false
	v.Clamp()
}

// CenterOn moves the view centre to p (clamped).
func (v *Viewport) CenterOn(p Level0Point) {
	v.Center = p
	v.Fitted = false
	v.Clamp()
}

// Resize changes the view size in device pixels, keeping centre and zoom,
// or fitting again when the view was fitted or had no size before.
func (v *Viewport) Resize(w, h int) {
	hadSize := v.Width > 0 && v.Height > 0
	v.Width, v.Height = w, h
	if !hadSize || v.Downsample <= 0 || v.Fitted {
		v.Fit()
	}
	v.Clamp()
}

func (v Viewport) clampDownsample(ds float64) float64 {
	if math.IsNaN(ds) || ds <= 0 {
		return v.Downsample
	}
	return math.Min(math.Max(ds, MinDownsample), math.Max(v.MaxDownsample(), MinDownsample))
}

// Clamp keeps the zoom within limits and the slide centre within the slide,
// so the slide can never be panned entirely out of view.
func (v *Viewport) Clamp() {
	v.Downsample = v.clampDownsample(v.Downsample)
	v.Center.X = math.Min(math.Max(v.Center.X, 0), v.SlideW)
	v.Center.Y = math.Min(math.Max(v.Center.Y, 0), v.SlideH)
}

// LogLerpDownsample interpolates between two downsamples in log space, so
// that a zoom animation advances by equal ratios per frame. t is in [0, 1].
func LogLerpDownsample(from, to, t float64) float64 {
	return math.Exp(math.Log(from) + (math.Log(to)-math.Log(from))*t)
}

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

import (
	"image"
	"math"
)

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
	// Rotation turns the slide on screen by Rotation × 90° clockwise (0–3),
	// around the view centre. Level-0 coordinates are never rotated.
	Rotation int
}

// rotate turns a device-space offset (y down) by r quarter turns clockwise.
func rotate(x, y float64, r int) (float64, float64) {
	switch r & 3 {
	case 1:
		return -y, x
	case 2:
		return -x, -y
	case 3:
		return y, -x
	}
	return x, y
}

// quarterTurns reports whether the rotation swaps the slide's axes on screen.
func (v Viewport) quarterTurns() bool { return v.Rotation&1 == 1 }

// NewViewport returns a viewport of w×h device pixels fitted to a slide of
// slideW×slideH level-0 pixels.
func NewViewport(slideW, slideH float64, w, h int) Viewport {
	v := Viewport{SlideW: slideW, SlideH: slideH, Width: w, Height: h}
	v.Fit()
	return v
}

// Level0ToDevice converts a level-0 position to device pixels.
func (v Viewport) Level0ToDevice(p Level0Point) DevicePoint {
	x, y := rotate((p.X-v.Center.X)/v.Downsample, (p.Y-v.Center.Y)/v.Downsample, v.Rotation)
	return DevicePoint{X: x + float64(v.Width)/2, Y: y + float64(v.Height)/2}
}

// DeviceToLevel0 converts a device-pixel position to level-0 pixels.
func (v Viewport) DeviceToLevel0(p DevicePoint) Level0Point {
	x, y := rotate(p.X-float64(v.Width)/2, p.Y-float64(v.Height)/2, 4-v.Rotation&3)
	return Level0Point{X: x*v.Downsample + v.Center.X, Y: y*v.Downsample + v.Center.Y}
}

// Level0RectToDevice maps the level-0 rectangle [x0, x1) × [y0, y1) to
// device pixels under the rotation, each edge rounded to a whole device
// pixel on its own: rectangles that share an edge in level-0 share it on
// screen, so snapped tiles meet exactly (no seams, no overlaps).
func (v Viewport) Level0RectToDevice(x0, y0, x1, y1 float64) image.Rectangle {
	w, h := float64(v.Width)/2, float64(v.Height)/2
	along := func(l0, centre, half float64, sign float64) int { // one device axis
		return int(math.Round(sign*(l0-centre)/v.Downsample + half))
	}
	cx, cy := v.Center.X, v.Center.Y
	switch v.Rotation & 3 {
	case 1: // device x from −y, device y from x
		return image.Rect(along(y1, cy, w, -1), along(x0, cx, h, 1), along(y0, cy, w, -1), along(x1, cx, h, 1))
	case 2:
		return image.Rect(along(x1, cx, w, -1), along(y1, cy, h, -1), along(x0, cx, w, -1), along(y0, cy, h, -1))
	case 3: // device x from y, device y from −x
		return image.Rect(along(y0, cy, w, 1), along(x1, cx, h, -1), along(y1, cy, w, 1), along(x0, cx, h, -1))
	}
	return image.Rect(along(x0, cx, w, 1), along(y0, cy, h, 1), along(x1, cx, w, 1), along(y1, cy, h, 1))
}

// VisibleLevel0 returns the level-0 rectangle the view shows (min and max corners).
func (v Viewport) VisibleLevel0() (Level0Point, Level0Point) {
	a, b := v.DeviceToLevel0(DevicePoint{0, 0}), v.DeviceToLevel0(DevicePoint{float64(v.Width), float64(v.Height)})
	return Level0Point{math.Min(a.X, b.X), math.Min(a.Y, b.Y)}, Level0Point{math.Max(a.X, b.X), math.Max(a.Y, b.Y)}
}

// FitDownsample is the downsample at which the whole slide fits the view.
func (v Viewport) FitDownsample() float64 {
	if v.Width <= 0 || v.Height <= 0 || v.SlideW <= 0 || v.SlideH <= 0 {
		return 1
	}
	w, h := v.SlideW, v.SlideH
	if v.quarterTurns() {
		w, h = h, w
	}
	return math.Max(w/float64(v.Width), h/float64(v.Height))
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
	dx, dy = rotate(dx, dy, 4-v.Rotation&3)
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

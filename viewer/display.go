package viewer

import (
	"image"
	"math"

	"github.com/disintegration/imaging"
)

// Display adjusts how the slide looks on screen and in exported views,
// never what a model reads: the loader and the analysis see the scanner's
// pixels. Each colour channel v in [0, 1] becomes
// clamp((v^(1/Gamma) − 0.5)·Contrast + 0.5 + Brightness).
type Display struct {
	Brightness float64 // added, −1…1; 0 is none
	Contrast   float64 // factor around mid-grey; 1 is none (0 is read as 1)
	Gamma      float64 // > 1 lightens mid-tones; 1 is none (0 is read as 1)
}

// Identity reports whether d changes nothing.
func (d Display) Identity() bool {
	return d.Brightness == 0 && (d.Contrast == 0 || d.Contrast == 1) && (d.Gamma == 0 || d.Gamma == 1)
}

// table is the channel lookup table of d.
func (d Display) table() *[256]uint8 {
	contrast, gamma := d.Contrast, d.Gamma
	if contrast <= 0 {
		contrast = 1
	}
	if gamma <= 0 {
		gamma = 1
	}
	var t [256]uint8
	for i := range t {
		v := math.Pow(float64(i)/255, 1/gamma)
		v = (v-0.5)*contrast + 0.5 + d.Brightness
		t[i] = uint8(math.Round(255 * math.Min(math.Max(v, 0), 1)))
	}
	return &t
}

// apply returns a copy of src with d applied to its opaque pixels (tiles
// are opaque but where a scanner left no data; those stay as they are).
func (d Display) apply(src *image.RGBA, t *[256]uint8) *image.RGBA {
	out := &image.RGBA{Pix: make([]uint8, len(src.Pix)), Stride: src.Stride, Rect: src.Rect}
	copy(out.Pix, src.Pix)
	for i := 0; i+3 < len(out.Pix); i += 4 {
		if out.Pix[i+3] == 255 {
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = t[out.Pix[i]], t[out.Pix[i+1]], t[out.Pix[i+2]]
		}
	}
	return out
}

// SetDisplay changes how the slide looks on screen (not what is analysed).
// UI goroutine.
func (v *SlideView) SetDisplay(d Display) {
	if d == v.display {
		return
	}
	v.display = d
	v.displayVersion++
	v.Refresh()
}

// Display returns the display adjustment in use.
func (v *SlideView) Display() Display { return v.display }

// rotateImage returns img turned by r quarter turns clockwise (img itself
// for none), as drawn on a rotated view.
func rotateImage(img image.Image, r int) image.Image {
	switch r & 3 {
	case 1:
		return imaging.Rotate270(img) // imaging turns counter-clockwise
	case 2:
		return imaging.Rotate180(img)
	case 3:
		return imaging.Rotate90(img)
	}
	return img
}

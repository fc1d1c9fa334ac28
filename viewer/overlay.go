package viewer

import (
	"image"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
)

// Overlay is an image laid over the slide, such as a heatmap: pixel (i, j)
// of Image covers the level-0 square from Origin + (i, j)·Cell to
// Origin + (i+1, j+1)·Cell. Transparent pixels show the slide. The viewer
// reads Image when drawing; the owner must not modify it afterwards but
// replace it with SetOverlay.
type Overlay struct {
	Image  *image.NRGBA
	Origin Level0Point // level-0 pixels
	Cell   float64     // level-0 pixels per overlay pixel
	Smooth bool        // interpolate between cells instead of crisp squares
}

// SetOverlay shows o above the tiles (nil removes it). Call it again with a
// new image whenever the content changes. UI goroutine.
func (v *SlideView) SetOverlay(o *Overlay) {
	v.overlay = o
	v.overlayVersion++
	v.Refresh()
}

// Overlay returns the overlay shown, or nil.
func (v *SlideView) Overlay() *Overlay { return v.overlay }

// SetOverlayHidden hides or shows the overlay without dropping it.
func (v *SlideView) SetOverlayHidden(hidden bool) {
	if v.overlayHidden != hidden {
		v.overlayHidden = hidden
		v.Refresh()
	}
}

// OverlayHidden reports whether the overlay is hidden.
func (v *SlideView) OverlayHidden() bool { return v.overlayHidden }

// SetOutline shows o above the overlay, for line work such as the tissue
// mask's outline (nil removes it). UI goroutine.
func (v *SlideView) SetOutline(o *Overlay) {
	v.outline = o
	v.outlineVersion++
	v.Refresh()
}

// Outline returns the outline layer shown, or nil.
func (v *SlideView) Outline() *Overlay { return v.outline }

// overlayLayer draws an Overlay cropped to the cells in view, so that its
// size on screen never exceeds the view by more than a cell whatever the
// zoom. The cropped image is reused while the visible cells and the overlay
// stay the same, so panning does not re-upload the texture.
type overlayLayer struct {
	img     *canvas.Image
	cells   image.Rectangle // visible cell range of the current crop
	version int
}

func newOverlayLayer() *overlayLayer {
	l := &overlayLayer{img: canvas.NewImageFromImage(nil)}
	l.img.FillMode = canvas.ImageFillStretch
	l.img.Hide()
	return l
}

// update positions the layer for viewport vp; inv converts device pixels
// to canvas units.
func (l *overlayLayer) update(o *Overlay, hidden bool, version int, vp Viewport, inv float32) {
	if o == nil || o.Image == nil || hidden || o.Cell <= 0 {
		l.img.Hide()
		return
	}
	b := o.Image.Bounds()
	a, z := vp.VisibleLevel0()
	cells := image.Rect(
		int(math.Floor((a.X-o.Origin.X)/o.Cell)), int(math.Floor((a.Y-o.Origin.Y)/o.Cell)),
		int(math.Ceil((z.X-o.Origin.X)/o.Cell)), int(math.Ceil((z.Y-o.Origin.Y)/o.Cell)),
	).Intersect(b)
	if cells.Empty() {
		l.img.Hide()
		return
	}
	mode := canvas.ImageScalePixels
	if o.Smooth {
		mode = canvas.ImageScaleFastest // GPU bilinear
	}
	if cells != l.cells || version != l.version || l.img.ScaleMode != mode {
		l.img.Image = crop(o.Image, cells)
		l.img.ScaleMode = mode
		l.cells, l.version = cells, version
		l.img.Refresh() // new content: new texture
	}
	// Snap the crop's edges to whole device pixels from the cell grid lines.
	edge := func(cell int, origin float64, centre float64, size int) float32 {
		return float32(math.Round((origin+float64(cell)*o.Cell-centre)/vp.Downsample + float64(size)/2))
	}
	x0, x1 := edge(cells.Min.X, o.Origin.X, vp.Center.X, vp.Width), edge(cells.Max.X, o.Origin.X, vp.Center.X, vp.Width)
	y0, y1 := edge(cells.Min.Y, o.Origin.Y, vp.Center.Y, vp.Height), edge(cells.Max.Y, o.Origin.Y, vp.Center.Y, vp.Height)
	l.img.Move(fyne.NewPos(x0*inv, y0*inv))
	l.img.Resize(fyne.NewSize((x1-x0)*inv, (y1-y0)*inv))
	l.img.Show()
}

// crop copies r of src into a new image whose bounds start at (0, 0):
// Fyne's GL painter assumes image bounds start at the origin.
func crop(src *image.NRGBA, r image.Rectangle) *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		copy(out.Pix[y*out.Stride:y*out.Stride+4*r.Dx()], src.Pix[src.PixOffset(r.Min.X, r.Min.Y+y):])
	}
	return out
}

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
// replace it with SlideView.SetLayer.
type Overlay struct {
	Image  *image.NRGBA
	Origin Level0Point // level-0 pixels
	Cell   float64     // level-0 pixels per overlay pixel
	Smooth bool        // interpolate between cells instead of crisp squares
}

// overlayLayer draws an Overlay cropped to the cells in view, so that its
// size on screen never exceeds the view by more than a cell whatever the
// zoom. The cropped image is reused while the visible cells and the overlay
// stay the same, so panning does not re-upload the texture.
type overlayLayer struct {
	img      *canvas.Image
	cells    image.Rectangle // visible cell range of the current crop
	version  int
	opacity  float64
	rotation int
}

func newOverlayLayer() *overlayLayer {
	l := &overlayLayer{img: canvas.NewImageFromImage(nil)}
	l.img.FillMode = canvas.ImageFillStretch
	l.img.Hide()
	return l
}

// update positions the layer for viewport vp; inv converts device pixels
// to canvas units.
func (l *overlayLayer) update(o *Overlay, st LayerStyle, version int, vp Viewport, inv float32) {
	if o == nil || o.Image == nil || st.Hidden || st.Opacity <= 0 || o.Cell <= 0 {
		l.img.Hide()
		return
	}
	b := o.Image.Bounds()
	if o.Smooth {
		// One transparent cell around the image, so that interpolation
		// fades out at the grid's edge as it does next to empty cells,
		// instead of ending in a hard edge at the last row and column.
		b = b.Inset(-1)
	}
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
	if cells != l.cells || version != l.version || l.img.ScaleMode != mode || st.Opacity != l.opacity || vp.Rotation != l.rotation {
		l.img.Image = rotateImage(crop(o.Image, cells), vp.Rotation)
		l.img.ScaleMode = mode
		l.img.Translucency = 1 - min(st.Opacity, 1)
		l.cells, l.version, l.opacity, l.rotation = cells, version, st.Opacity, vp.Rotation
		l.img.Refresh() // new content: new texture
	}
	// Snap the crop's edges to whole device pixels from the cell grid lines.
	r := vp.Level0RectToDevice(o.Origin.X+float64(cells.Min.X)*o.Cell, o.Origin.Y+float64(cells.Min.Y)*o.Cell,
		o.Origin.X+float64(cells.Max.X)*o.Cell, o.Origin.Y+float64(cells.Max.Y)*o.Cell)
	l.img.Move(fyne.NewPos(float32(r.Min.X)*inv, float32(r.Min.Y)*inv))
	l.img.Resize(fyne.NewSize(float32(r.Dx())*inv, float32(r.Dy())*inv))
	l.img.Show()
}

// crop copies r of src into a new image whose bounds start at (0, 0):
// Fyne's GL painter assumes image bounds start at the origin. Parts of r
// outside src are transparent.
func crop(src *image.NRGBA, r image.Rectangle) *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	in := r.Intersect(src.Bounds())
	for y := in.Min.Y; y < in.Max.Y; y++ {
		o := out.PixOffset(in.Min.X-r.Min.X, y-r.Min.Y)
		copy(out.Pix[o:o+4*in.Dx()], src.Pix[src.PixOffset(in.Min.X, y):])
	}
	return out
}

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
	img     *canvas.Image
	cells   image.Rectangle // visible cell range of the current crop
	version int
	opacity float64
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
	if cells != l.cells || version != l.version || l.img.ScaleMode != mode || st.Opacity != l.opacity {
		l.img.Image = crop(o.Image, cells)
		l.img.ScaleMode = mode
		l.img.Translucency = 1 - min(st.Opacity, 1)
		l.cells, l.version, l.opacity = cells, version, st.Opacity
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

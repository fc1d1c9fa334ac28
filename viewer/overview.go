package viewer

import (
	"image"
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"

	"tessera/slide"
)

var (
	_ fyne.Widget    = (*Overview)(nil)
	_ fyne.Tappable  = (*Overview)(nil)
	_ fyne.Draggable = (*Overview)(nil)
)

// OverviewSize is the longest side of the overview thumbnail, in canvas units.
const OverviewSize = 220

// Overview is a minimap of the whole slide with the current view outlined.
// Clicking or dragging in it moves the view. UI goroutine only, except
// LoadThumbnail, which may run anywhere.
type Overview struct {
	widget.BaseWidget
	view  *SlideView
	thumb *image.RGBA // nil until loaded
}

// NewOverview returns an overview for view. Call LoadThumbnail (typically
// on a background goroutine) and then Refresh on the UI goroutine.
func NewOverview(view *SlideView) *Overview {
	o := &Overview{view: view}
	o.ExtendBaseWidget(o)
	return o
}

// Thumbnail reads the overview image of s (see slide.ReadThumbnail).
func Thumbnail(s slide.Slide, maxSide int) (*image.RGBA, error) {
	img, _, err := slide.ReadThumbnail(s, maxSide)
	return img, err
}

// SetThumbnail sets the image shown (from Thumbnail). UI goroutine.
func (o *Overview) SetThumbnail(img *image.RGBA) {
	o.thumb = img
	o.Refresh()
}

// MinSize is the thumbnail box.
func (o *Overview) MinSize() fyne.Size {
	vp := o.view.Viewport()
	w, h := float32(OverviewSize), float32(OverviewSize)
	if vp.SlideW > 0 && vp.SlideH > 0 {
		if vp.SlideW > vp.SlideH {
			h = float32(math.Max(24, OverviewSize*vp.SlideH/vp.SlideW))
		} else {
			w = float32(math.Max(24, OverviewSize*vp.SlideW/vp.SlideH))
		}
	}
	return fyne.NewSize(w, h)
}

// overviewToLevel0 converts a position in the widget (canvas units) to level-0 pixels.
func (o *Overview) overviewToLevel0(p fyne.Position) Level0Point {
	vp := o.view.Viewport()
	s := o.Size()
	return Level0Point{float64(p.X) / float64(s.Width) * vp.SlideW, float64(p.Y) / float64(s.Height) * vp.SlideH}
}

// Tapped centres the view on the clicked point.
func (o *Overview) Tapped(ev *fyne.PointEvent) { o.view.CenterOn(o.overviewToLevel0(ev.Position)) }

// Dragged moves the view with the pointer.
func (o *Overview) Dragged(ev *fyne.DragEvent) { o.view.CenterOn(o.overviewToLevel0(ev.Position)) }

// DragEnd ends a drag.
func (o *Overview) DragEnd() {}

// CreateRenderer implements fyne.Widget.
func (o *Overview) CreateRenderer() fyne.WidgetRenderer {
	r := &overviewRenderer{o: o,
		bg:    canvas.NewRectangle(color.NRGBA{30, 30, 30, 230}),
		frame: canvas.NewRectangle(color.Transparent),
		image: canvas.NewImageFromImage(nil),
		box:   canvas.NewRectangle(color.Transparent)}
	// A white frame on a dark ground: the overview stays distinct from the
	// slide when zoomed in on tissue of any colour.
	r.frame.StrokeColor = color.NRGBA{255, 255, 255, 230}
	r.frame.StrokeWidth = 2
	r.image.ScaleMode = canvas.ImageScaleFastest
	r.box.StrokeColor = color.NRGBA{0, 200, 255, 255}
	r.box.StrokeWidth = 2
	return r
}

type overviewRenderer struct {
	o     *Overview
	bg    *canvas.Rectangle // dark ground under the thumbnail
	frame *canvas.Rectangle // white outline over it
	image *canvas.Image
	box   *canvas.Rectangle
}

func (r *overviewRenderer) Destroy()           {}
func (r *overviewRenderer) MinSize() fyne.Size { return r.o.MinSize() }
func (r *overviewRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.image, r.box, r.frame}
}

func (r *overviewRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	r.frame.Resize(size)
	r.image.Resize(size)
	vp := r.o.view.Viewport()
	if vp.SlideW <= 0 || vp.SlideH <= 0 {
		return
	}
	a, b := vp.VisibleLevel0()
	sx, sy := float64(size.Width)/vp.SlideW, float64(size.Height)/vp.SlideH
	x0, y0 := math.Max(0, a.X*sx), math.Max(0, a.Y*sy)
	x1, y1 := math.Min(float64(size.Width), b.X*sx), math.Min(float64(size.Height), b.Y*sy)
	r.box.Move(fyne.NewPos(float32(x0), float32(y0)))
	r.box.Resize(fyne.NewSize(float32(math.Max(2, x1-x0)), float32(math.Max(2, y1-y0))))
}

func (r *overviewRenderer) Refresh() {
	if r.o.thumb != nil && r.image.Image != r.o.thumb {
		r.image.Image = r.o.thumb
		r.image.Refresh()
	}
	r.Layout(r.o.Size())
}

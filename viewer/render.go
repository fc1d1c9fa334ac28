package viewer

import (
	"image"
	"image/color"
	"math"
	"slices"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"tessera/internal/scalebar"
)

// Scale bar appearance, in canvas units.
const (
	scaleBarMaxWidth = 160
	scaleBarMargin   = 12
	scaleBarPad      = 6
	scaleBarThick    = 4
	scaleBarText     = 12
)

// OutsideColour fills the view where there is no slide, a neutral grey that
// makes the slide's edges visible (areas inside the slide without scanned
// data show the slide's own background colour).
var OutsideColour = color.NRGBA{0x5a, 0x5a, 0x5e, 0xff}

// tileImage is a drawn tile: its canvas object (reused while the tile stays
// on screen, so its texture is uploaded once), the cached tile it shows and
// the display adjustment version it was made with.
type tileImage struct {
	img      *canvas.Image
	src      *image.RGBA
	display  int
	rotation int // the view's quarter turns it was drawn for
}

// slideViewRenderer owns the canvas objects of a SlideView: a background,
// one canvas.Image per drawn tile (reused while the tile stays on screen so
// its GPU texture is uploaded once), and the scale bar overlay.
type slideViewRenderer struct {
	// mu serialises updates. Fyne calls the renderer on its UI goroutine,
	// but its test driver runs fyne.Do on the calling goroutine, so tile
	// loaders can refresh concurrently there.
	mu         sync.Mutex
	v          *SlideView
	background *canvas.Rectangle
	tiles      map[TileKey]*tileImage
	barPill    *canvas.Rectangle
	bar        *canvas.Rectangle
	barLabel   *canvas.Text
	objects    []fyne.CanvasObject
	lastPlan   Plan             // the plan of the last update: what was drawn and wanted
	seen       map[TileKey]bool // the tiles drawn by an update (reused: no map per frame)
}

func newSlideViewRenderer(v *SlideView) *slideViewRenderer {
	r := &slideViewRenderer{
		v:          v,
		background: canvas.NewRectangle(OutsideColour),
		tiles:      map[TileKey]*tileImage{},
		seen:       map[TileKey]bool{},
		barPill:    canvas.NewRectangle(color.NRGBA{255, 255, 255, 210}),
		bar:        canvas.NewRectangle(color.NRGBA{0, 0, 0, 255}),
		barLabel:   canvas.NewText("", color.NRGBA{0, 0, 0, 255}),
	}
	r.barPill.CornerRadius = 4
	r.barLabel.TextSize = scaleBarText
	return r
}

func (r *slideViewRenderer) Destroy() { r.release() }

// release drops the tile images so their memory can be reclaimed.
func (r *slideViewRenderer) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.tiles)
	r.objects = nil
}

func (r *slideViewRenderer) MinSize() fyne.Size { return r.v.MinSize() }

// Objects returns the objects of the last update. Each update builds a new
// slice, so a caller may keep iterating this one.
func (r *slideViewRenderer) Objects() []fyne.CanvasObject {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.objects
}

// Layout adopts the new size (in device pixels at the canvas scale) and
// places the objects. It never calls Refresh.
func (r *slideViewRenderer) Layout(size fyne.Size) {
	v := r.v
	if c := fyne.CurrentApp().Driver().CanvasForObject(v); c != nil && c.Scale() > 0 {
		v.scale = c.Scale()
	}
	w := int(math.Round(float64(size.Width * v.scale)))
	h := int(math.Round(float64(size.Height * v.scale)))
	v.mu.Lock()
	changed := w != v.vp.Width || h != v.vp.Height
	if changed {
		v.vp.Resize(w, h)
	}
	vp := v.vp
	v.mu.Unlock()
	r.update(size)
	if changed && v.OnViewChanged != nil {
		// Not from inside Layout: listeners may refresh other widgets.
		v.post(func() { v.OnViewChanged(vp) })
	}
}

// Refresh re-plans the frame for the current viewport.
func (r *slideViewRenderer) Refresh() {
	r.update(r.v.Size())
}

// update plans the frame, queues missing tiles and positions tile images
// at their snapped device rectangles converted to canvas units.
func (r *slideViewRenderer) update(size fyne.Size) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v := r.v
	vp := v.Viewport()
	plan := v.grid.PlanView(vp, v.id, v.cache.Get)
	if v.inactive.Load() {
		v.loader.Want(nil) // a hidden tab loads nothing
	} else {
		v.loader.Want(plan.Want)
	}
	r.lastPlan = plan

	r.background.Resize(size)
	objects := make([]fyne.CanvasObject, 0, len(plan.Draw)+6)
	objects = append(objects, r.background)
	seen := r.seen
	clear(seen)
	inv := 1 / v.scale
	// Past the scan's resolution each slide pixel covers several device
	// pixels: nearest-neighbour shows them as they are and leaves no seam
	// where the bilinear filter would clamp at tile edges. Otherwise the GPU
	// filters (no CPU resample per frame).
	mode := canvas.ImageScaleFastest
	if vp.Downsample < 1 {
		mode = canvas.ImageScalePixels
	}
	var table *[256]uint8 // the display adjustment's, made once per frame if needed
	for _, d := range plan.Draw {
		t, ok := r.tiles[d.Key]
		if !ok || t.src != d.Img || t.display != v.displayVersion || t.rotation != vp.Rotation {
			var shown image.Image = d.Img
			if !v.display.Identity() {
				if table == nil {
					table = v.display.table()
				}
				shown = v.display.apply(d.Img, table)
			}
			shown = rotateImage(shown, vp.Rotation)
			t = &tileImage{img: canvas.NewImageFromImage(shown), src: d.Img, display: v.displayVersion, rotation: vp.Rotation}
			t.img.ScaleMode = mode
			t.img.FillMode = canvas.ImageFillStretch
			r.tiles[d.Key] = t
		} else if t.img.ScaleMode != mode {
			t.img.ScaleMode = mode
			t.img.Refresh()
		}
		img := t.img
		seen[d.Key] = true
		img.Move(fyne.NewPos(float32(d.Rect.Min.X)*inv, float32(d.Rect.Min.Y)*inv))
		img.Resize(fyne.NewSize(float32(d.Rect.Dx())*inv, float32(d.Rect.Dy())*inv))
		objects = append(objects, img)
	}
	for k := range r.tiles {
		if !seen[k] {
			delete(r.tiles, k)
		}
	}
	for _, l := range v.layers {
		if l.vector != nil {
			objects = append(objects, l.vector.update(l.style, vp, inv)...)
			continue
		}
		l.draw.update(l.overlay, l.style, l.version, vp, inv)
		objects = append(objects, l.draw.img)
	}
	r.layoutScaleBar(vp, size)
	objects = append(objects, r.barPill, r.bar, r.barLabel)
	if !slices.Equal(objects, r.objects) {
		// An object new to the frame (a tile that just landed, a layer's
		// tile just rendered) is not in the window's tree yet, and one
		// that left is no longer there, so nothing tells the window to
		// repaint: a frame whose only change is such an object (the last
		// tile of a view, the first after a reload, a layer removed) would
		// stay unpainted until the next event. The background is always in
		// the tree; refreshing it schedules the repaint.
		r.background.Refresh()
	}
	r.objects = objects
}

// layoutScaleBar sizes the scale bar for the zoom, or shows "uncalibrated",
// enlarged by the view's overlay scale (presentation mode).
func (r *slideViewRenderer) layoutScaleBar(vp Viewport, size fyne.Size) {
	scale := float64(r.v.scale)
	k := max(r.v.overlayScale, 1)
	mpp := r.v.cal.MPP.Mean()
	label := "uncalibrated: no µm/px"
	var barW float32
	if mpp > 0 {
		_, device, text := scalebar.Length(vp.Downsample*mpp, scaleBarMaxWidth*float64(k)*scale)
		barW = float32(math.Round(device) / scale)
		label = text
	}
	if r.barLabel.Text != label || r.barLabel.TextSize != scaleBarText*k {
		r.barLabel.Text = label
		r.barLabel.TextSize = scaleBarText * k
		r.barLabel.Refresh()
	}
	pad, thick, margin := scaleBarPad*k, scaleBarThick*k, scaleBarMargin*k
	textSize := fyne.MeasureText(label, scaleBarText*k, r.barLabel.TextStyle)
	pillW := max(barW, textSize.Width) + 2*pad
	pillH := textSize.Height + 2*pad
	if barW > 0 {
		pillH += thick + 3
	}
	pillPos := fyne.NewPos(margin, size.Height-margin-pillH)
	r.barPill.Move(pillPos)
	r.barPill.Resize(fyne.NewSize(pillW, pillH))
	r.barLabel.Move(pillPos.AddXY(pad, pad))
	r.barLabel.Resize(textSize)
	r.bar.Hidden = barW == 0
	r.bar.Move(pillPos.AddXY(pad, pad+textSize.Height+3))
	r.bar.Resize(fyne.NewSize(barW, thick))
}

package viewer

import (
	"context"
	"fmt"
	"image"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/software"
	"fyne.io/fyne/v2/theme"

	"tessera/slide"
)

// SnapshotRequest describes a headless render of a view.
type SnapshotRequest struct {
	Width, Height int          // output size in pixels (device pixels, scale 1)
	Center        *Level0Point // view centre; nil centres the slide
	UMPerPixel    float64      // µm per output pixel; 0 fits the whole slide
	// Downsample, if set, is the level-0 pixels per output pixel (a saved
	// view's zoom, calibrated or not); it takes precedence over UMPerPixel.
	Downsample float64
	Cache      *TileCache        // nil: a private cache
	Layers     []ViewLayer       // drawn over the slide (heatmap, outline…), whole
	Legend     *LegendContent    // shown top-left; nil for none
	Card       fyne.CanvasObject // shown bottom-right (a case card); nil for none
	// Calibration, if its MPP is known, replaces the slide's (a µm/px the
	// user entered for an uncalibrated slide).
	Calibration *Calibration
	// Display adjusts brightness, contrast and gamma as on screen.
	Display Display
	// Rotation turns the view by Rotation × 90° clockwise, as on screen.
	Rotation int
	// ColourTransform, if set, converts tiles as they are read (the slide's
	// ICC profile to sRGB, as on screen).
	ColourTransform func(*image.RGBA)
	// Notes are burned in top-right, one line each: how the colours were
	// made (ICC or raw, the channels shown and their windows).
	Notes []string
}

// Snapshot renders what a SlideView shows for the requested view, through
// the same widget, renderer, tile planner and loader as the app, painted by
// Fyne's software painter (no window or GPU needed). A Fyne app must exist
// (fyne.CurrentApp, e.g. from fyne.io/fyne/v2/test.NewApp). It waits until
// every tile of the view is loaded or ctx ends.
func Snapshot(ctx context.Context, src slide.Slide, req SnapshotRequest) (image.Image, error) {
	if req.Width <= 0 || req.Height <= 0 || req.Width*req.Height > slide.MaxRegionPixels {
		return nil, fmt.Errorf("snapshot size %d×%d is not allowed", req.Width, req.Height)
	}
	v := NewSlideView(src, Options{Cache: req.Cache, Headless: true})
	defer v.Close()
	if req.Calibration != nil && req.Calibration.MPP.Known() {
		v.SetCalibration(*req.Calibration)
	}
	v.setLayers(req.Layers)
	v.SetDisplay(req.Display)
	v.SetRotation(req.Rotation)
	if req.ColourTransform != nil {
		v.SetColourTransform(req.ColourTransform)
	}
	panels := Panels{BottomRight: req.Card}
	if len(req.Notes) > 0 {
		panels.TopRight = notesPanel(req.Notes)
	}
	if req.Legend != nil {
		l := NewLegend()
		l.SetContent(*req.Legend)
		panels.TopLeft = l
	}
	c := software.NewCanvas()
	c.SetPadded(false)
	c.SetContent(NewStage(v, panels))
	c.Resize(fyne.NewSize(float32(req.Width), float32(req.Height)))
	vp := v.Viewport()
	centre := Level0Point{vp.SlideW / 2, vp.SlideH / 2}
	if req.Center != nil {
		centre = *req.Center
	}
	ds := vp.FitDownsample()
	if req.UMPerPixel > 0 {
		mpp := v.Calibration().MPP
		if !mpp.Known() {
			return nil, fmt.Errorf("%s has no µm/px calibration, so a view in µm per pixel cannot be set; omit --mpp to fit the slide", src.Path())
		}
		ds = req.UMPerPixel / mpp.Mean()
	}
	if req.Downsample > 0 {
		ds = req.Downsample
	}
	v.SetView(centre, ds)
	if err := v.Settle(ctx); err != nil {
		return nil, fmt.Errorf("snapshot of %s: %w", src.Path(), err)
	}
	if err := v.LastError(); err != nil {
		return nil, fmt.Errorf("snapshot of %s: some tiles could not be read: %w", src.Path(), err)
	}
	return c.Capture(), nil
}

// notesPanel is small dark text on a light translucent box, one line per
// note, as the legend is drawn.
func notesPanel(notes []string) fyne.CanvasObject {
	lines := container.NewVBox()
	for _, n := range notes {
		t := canvas.NewText(n, color.NRGBA{20, 20, 20, 255})
		t.TextSize = theme.CaptionTextSize()
		lines.Add(t)
	}
	bg := canvas.NewRectangle(color.NRGBA{255, 255, 255, 220})
	return container.NewStack(bg, container.NewPadded(lines))
}

package viewer

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"tessera/slide"
)

var (
	_ fyne.Widget         = (*SlideView)(nil)
	_ fyne.Draggable      = (*SlideView)(nil)
	_ fyne.Scrollable     = (*SlideView)(nil)
	_ fyne.Tappable       = (*SlideView)(nil)
	_ fyne.DoubleTappable = (*SlideView)(nil)
	_ fyne.Focusable      = (*SlideView)(nil)
	_ desktop.Hoverable   = (*SlideView)(nil)
	_ desktop.Mouseable   = (*SlideView)(nil)
)

// Interaction constants.
const (
	zoomAnimation = 180 * time.Millisecond
	wheelNotch    = 25.0  // Fyne's scroll delta for one mouse-wheel notch on Linux/Windows
	wheelZoomStep = 1.414 // zoom ratio per wheel notch
	keyZoomStep   = 2.0   // zoom ratio per +/- key and double-click
	keyPanFrac    = 0.125 // arrow keys pan by this fraction of the view
)

var nextSlideID atomic.Uint64

// SlideView is the slide canvas widget: it draws a slide's tiles at the
// current viewport and handles pan and zoom from mouse, trackpad and
// keyboard. Create it with NewSlideView; Close it when the slide is closed
// (it stops its loader but does not close the slide, which the caller owns).
//
// Methods must be called on the Fyne UI goroutine (inside fyne.Do from
// others), except Viewport, Settle and LastError, which are safe anywhere.
type SlideView struct {
	widget.BaseWidget

	src   slide.Slide
	id    uint64 // the tiles' cache namespace (changes with the colour transform)
	grid  TileGrid
	cache *TileCache

	colourManaged bool // tiles are converted by a colour transform (ICC)
	loader        *Loader
	cal           Calibration

	mu    sync.Mutex // guards vp, which background readers may query
	vp    Viewport
	scale float32 // device pixels per canvas unit, from the last Layout

	anim       *fyne.Animation
	zoomTarget float64 // downsample the running animation heads to
	focused    bool
	// presses are the positions of the last two mouse presses (widget
	// coordinates; presses[1] the latest) and pressCount how many there
	// were: a double tap whose presses lie apart is two clicks.
	presses    [2]fyne.Position
	pressCount int

	post          func(func()) // to the UI goroutine: Options.Post or fyne.Do
	headless      bool         // Options.Headless: vector layers render at once
	refreshQueued atomic.Bool
	inactive      atomic.Bool        // set by SetActive(false): the view is not on screen
	renderer      *slideViewRenderer // the live renderer, released by Close

	overlayScale   float32               // enlarges the scale bar (SetOverlayScale); ≤ 1 is normal
	display        Display               // brightness, contrast, gamma on screen (SetDisplay)
	displayVersion int                   // bumped by SetDisplay
	layers         []*layer              // drawn above the tiles, bottom up (see SetLayer)
	layerStyles    map[string]LayerStyle // by layer name, set by SetLayerStyle

	// OnViewChanged, if set, is called on the UI goroutine after the view moves.
	OnViewChanged func(Viewport)
	// OnOtherKey, if set, receives keys the view does not use (F1, Escape…),
	// so that window-level keys work while the view has focus.
	OnOtherKey func(*fyne.KeyEvent)
	// OnOtherRune, if set, receives characters the view does not use.
	OnOtherRune func(rune)
	// OnZoomLimit, if set, is called when a magnification preset cannot be
	// shown (the slide would be smaller than half the view, or the zoom
	// deeper than the limit): mag was asked for, shown is what the view
	// shows instead.
	OnZoomLimit func(mag, shown float64)
	// OnCursor, if set, is called on the UI goroutine when the pointer moves
	// over the view; inside is false when it leaves the slide or the view.
	OnCursor func(p Level0Point, inside bool)
	// Tool, if set, takes the pointer's drags and taps instead of panning
	// (measuring, drawing; a ClickTool takes taps only); the wheel and the
	// keys still zoom and pan.
	Tool PointerTool

	dragging bool        // a tool's drag is under way (its first event was seen)
	lastDrag Level0Point // where it is
}

// PointerTool receives pointer gestures in level-0 pixels, on the UI
// goroutine: a drag's start, each move, its end; and single taps.
type PointerTool interface {
	DragStart(p Level0Point)
	DragMove(p Level0Point)
	DragEnd(p Level0Point)
	Tap(p Level0Point)
	// DoubleTap is two quick taps at p (Fyne delivers them as one event).
	DoubleTap(p Level0Point)
}

// ClickTool is a PointerTool that takes clicks only: while it is the
// view's tool, drags still pan the view (its drag methods are not called).
type ClickTool interface {
	PointerTool
	ClicksOnly()
}

// Options configure a SlideView.
type Options struct {
	// Cache holds decoded tiles; share one between views so that the byte
	// bound is global. nil makes a private cache of DefaultCacheBytes.
	Cache *TileCache
	// Workers is the number of tile-reading goroutines (0: one per CPU).
	Workers int
	// Headless views do not refresh themselves when tiles arrive; the owner
	// calls Settle and then renders (snapshots, tests, benchmarks).
	Headless bool
	// Post hands a function to the UI goroutine (nil: fyne.Do). Tests that
	// run their own UI loop set it.
	Post func(func())
}

// NewSlideView returns a view of src. The caller keeps ownership of src.
func NewSlideView(src slide.Slide, opts Options) *SlideView {
	cache := opts.Cache
	if cache == nil {
		cache = NewTileCache(0)
	}
	levels := src.Levels()
	v := &SlideView{src: src, id: nextSlideID.Add(1), grid: TileGrid{Levels: levels},
		cache: cache, cal: CalibrationOf(src), scale: 1, post: opts.Post, headless: opts.Headless}
	if v.post == nil {
		v.post = fyne.Do
	}
	v.vp = Viewport{SlideW: float64(levels[0].Width), SlideH: float64(levels[0].Height)}
	onLoaded := v.queueRefresh
	if opts.Headless {
		onLoaded = nil
	}
	v.loader = NewLoader(src, cache, opts.Workers, onLoaded)
	v.ExtendBaseWidget(v)
	return v
}

// Settle loads every tile the current view wants and refreshes, so that
// the next render is complete. It returns early with ctx's error. Call it
// on the goroutine that owns the widget (headless use).
func (v *SlideView) Settle(ctx context.Context) error {
	for {
		plan := v.Plan()
		if plan.Complete() {
			v.Refresh()
			return nil
		}
		v.loader.Want(plan.Want)
		if err := v.loader.WaitIdle(ctx); err != nil {
			return err
		}
	}
}

// Slide returns the slide shown.
func (v *SlideView) Slide() slide.Slide { return v.src }

// Calibration returns the slide's calibration (µm/px, objective).
func (v *SlideView) Calibration() Calibration { return v.cal }

// SetCalibration overrides the calibration, e.g. with a user-entered µm/px.
func (v *SlideView) SetCalibration(c Calibration) {
	v.cal = c
	v.Refresh()
}

// SetOverlayScale enlarges the scale bar by s (presentation mode: legible
// from the back of a room); 1 is the normal size. UI goroutine.
func (v *SlideView) SetOverlayScale(s float32) {
	if v.overlayScale != s {
		v.overlayScale = s
		v.Refresh()
	}
}

// SetActive says whether the view is on screen (its tab selected). An
// inactive view drops its pending loads and asks for none, so a hidden tab
// neither takes the loader's time nor fills the shared cache; it plans its
// tiles again when it becomes active. UI goroutine.
func (v *SlideView) SetActive(active bool) {
	if v.inactive.Load() == !active {
		return
	}
	v.inactive.Store(!active)
	if active {
		v.Refresh()
	} else {
		v.loader.Want(nil)
	}
}

// Inactive reports whether the view was set inactive (SetActive(false)).
func (v *SlideView) Inactive() bool { return v.inactive.Load() }

// Close stops tile loading and drops this slide's tiles from the cache and
// from the renderer, which Fyne may keep for a while after the view is gone.
func (v *SlideView) Close() {
	v.loader.Close()
	v.cache.Forget(v.id)
	if v.renderer != nil {
		v.renderer.release()
	}
}

// Viewport returns the current view. Safe from any goroutine.
func (v *SlideView) Viewport() Viewport {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.vp
}

// LastError returns the last tile read error (a damaged region), or nil.
func (v *SlideView) LastError() error { return v.loader.LastError() }

// Plan returns the current frame plan (what is drawn and what is missing).
func (v *SlideView) Plan() Plan {
	return v.grid.PlanView(v.Viewport(), v.id, v.cache.Get)
}

// SetView moves the view to centre c (level-0 pixels) at downsample ds
// (level-0 pixels per device pixel), without animation.
func (v *SlideView) SetView(c Level0Point, ds float64) {
	v.stopAnimation()
	v.updateViewport(func(vp *Viewport) {
		vp.Center = c
		vp.Downsample = ds
		vp.Fitted = false
		vp.Clamp()
	})
}

// SetRotation turns the slide on screen by r × 90° clockwise (0–3), around
// the view centre; a fitted view stays fitted. UI goroutine.
func (v *SlideView) SetRotation(r int) {
	v.stopAnimation()
	v.updateViewport(func(vp *Viewport) {
		vp.Rotation = r & 3
		if vp.Fitted {
			vp.Fit()
		}
		vp.Clamp()
	})
}

// Rotation returns the view's quarter turns clockwise (0–3).
func (v *SlideView) Rotation() int { return v.Viewport().Rotation }

// Fit shows the whole slide, animated.
func (v *SlideView) Fit() {
	vp := v.Viewport()
	v.animateZoom(vp.FitDownsample(), DevicePoint{float64(vp.Width) / 2, float64(vp.Height) / 2}, (*Viewport).Fit)
}

// ZoomBy zooms by ratio (> 1 zooms in) around anchor, animated in log space.
func (v *SlideView) ZoomBy(ratio float64, anchor DevicePoint) {
	target := v.Viewport().Downsample
	if v.anim != nil {
		target = v.zoomTarget
	}
	v.animateZoom(target/ratio, anchor, nil)
}

// ZoomToMagnification zooms to mag× around the view centre; it does nothing
// when the slide has no calibration.
func (v *SlideView) ZoomToMagnification(mag float64) {
	if !v.cal.HasMagnification() {
		return
	}
	vp := v.Viewport()
	target := v.cal.DownsampleFor(mag)
	if shown := vp.clampDownsample(target); math.Abs(shown-target) > 1e-9*target && v.OnZoomLimit != nil {
		v.OnZoomLimit(mag, v.cal.Magnification(shown))
	}
	v.animateZoom(target, DevicePoint{float64(vp.Width) / 2, float64(vp.Height) / 2}, nil)
}

// PanBy pans by (dx, dy) device pixels; content follows the pointer.
func (v *SlideView) PanBy(dx, dy float64) {
	v.updateViewport(func(vp *Viewport) { vp.PanDevice(dx, dy) })
}

// CenterOn moves the view centre to p (level-0 pixels).
func (v *SlideView) CenterOn(p Level0Point) {
	v.updateViewport(func(vp *Viewport) { vp.CenterOn(p) })
}

// updateViewport applies change, refreshes and notifies. UI goroutine only.
func (v *SlideView) updateViewport(change func(*Viewport)) {
	v.mu.Lock()
	change(&v.vp)
	vp := v.vp
	v.mu.Unlock()
	v.Refresh()
	if v.OnViewChanged != nil {
		v.OnViewChanged(vp)
	}
}

// animateZoom animates the downsample to target in log space, keeping the
// level-0 point under anchor fixed. finish, if not nil, also moves the view
// progressively (used by Fit to recentre).
func (v *SlideView) animateZoom(target float64, anchor DevicePoint, finish func(*Viewport)) {
	v.stopAnimation()
	start := v.Viewport()
	target = start.clampDownsample(target)
	v.zoomTarget = target
	var endCenter Level0Point
	if finish != nil {
		end := start
		finish(&end)
		endCenter = end.Center
	}
	if fyne.CurrentApp() == nil || math.Abs(math.Log(target/start.Downsample)) < 1e-6 && finish == nil {
		v.updateViewport(func(vp *Viewport) {
			vp.ZoomAround(target, anchor)
			if finish != nil {
				finish(vp)
			}
		})
		return
	}
	anim := fyne.NewAnimation(zoomAnimation, func(t float32) {
		ds := LogLerpDownsample(start.Downsample, target, float64(t))
		v.updateViewport(func(vp *Viewport) {
			vp.ZoomAround(ds, anchor)
			if finish != nil {
				vp.Center.X = start.Center.X + (endCenter.X-start.Center.X)*float64(t)
				vp.Center.Y = start.Center.Y + (endCenter.Y-start.Center.Y)*float64(t)
				vp.Clamp()
				if t >= 1 {
					finish(vp)
				}
			}
		})
		if t >= 1 {
			v.anim = nil
		}
	})
	anim.Curve = fyne.AnimationEaseOut
	v.anim = anim
	anim.Start()
}

func (v *SlideView) stopAnimation() {
	if v.anim != nil {
		v.anim.Stop()
		v.anim = nil
	}
}

// queueRefresh asks for one refresh on the UI goroutine; calls while one is
// pending coalesce. Safe from any goroutine (the loader calls it).
func (v *SlideView) queueRefresh() {
	if v.refreshQueued.CompareAndSwap(false, true) {
		v.post(func() {
			v.refreshQueued.Store(false)
			v.Refresh()
		})
	}
}

// toDevice converts a Fyne position (canvas units) to device pixels.
func (v *SlideView) toDevice(p fyne.Position) DevicePoint {
	return DevicePoint{float64(p.X * v.scale), float64(p.Y * v.scale)}
}

// Dragged pans the view with the pointer, or hands the drag to the tool.
func (v *SlideView) Dragged(ev *fyne.DragEvent) {
	if _, clicks := v.Tool.(ClickTool); v.Tool != nil && !clicks {
		vp := v.Viewport()
		p := vp.DeviceToLevel0(v.toDevice(ev.Position))
		if !v.dragging {
			v.dragging = true
			start := ev.Position.Subtract(fyne.NewPos(ev.Dragged.DX, ev.Dragged.DY))
			v.Tool.DragStart(vp.DeviceToLevel0(v.toDevice(start)))
		}
		v.lastDrag = p
		v.Tool.DragMove(p)
		return
	}
	v.PanBy(float64(ev.Dragged.DX*v.scale), float64(ev.Dragged.DY*v.scale))
}

// DragEnd ends a pan, or the tool's drag.
func (v *SlideView) DragEnd() {
	if _, clicks := v.Tool.(ClickTool); v.dragging && v.Tool != nil && !clicks {
		v.Tool.DragEnd(v.lastDrag)
	}
	v.dragging = false
}

// Scrolled zooms around the pointer on a vertical wheel; a horizontal
// (trackpad) scroll pans.
func (v *SlideView) Scrolled(ev *fyne.ScrollEvent) {
	dx, dy := float64(ev.Scrolled.DX), float64(ev.Scrolled.DY)
	if math.Abs(dx) > math.Abs(dy) {
		v.PanBy(dx*float64(v.scale), 0)
		return
	}
	if dy == 0 {
		return
	}
	v.ZoomBy(math.Pow(wheelZoomStep, dy/wheelNotch), v.toDevice(ev.Position))
}

// Tapped takes keyboard focus, and hands the tap to the tool.
func (v *SlideView) Tapped(ev *fyne.PointEvent) {
	if c := fyne.CurrentApp().Driver().CanvasForObject(v); c != nil {
		c.Focus(v)
	}
	if v.Tool != nil {
		vp := v.Viewport()
		v.Tool.Tap(vp.DeviceToLevel0(v.toDevice(ev.Position)))
	}
}

// DoubleTapped zooms in by keyZoomStep at the pointer, or hands the
// double tap to the tool.
func (v *SlideView) DoubleTapped(ev *fyne.PointEvent) {
	if v.Tool != nil {
		vp := v.Viewport()
		if first, ok := v.clicksApart(); ok {
			// Two quick clicks in different places (a polygon's corners
			// clicked fast) are two taps, not a double click.
			v.Tool.Tap(vp.DeviceToLevel0(v.toDevice(first)))
			v.Tool.Tap(vp.DeviceToLevel0(v.toDevice(ev.Position)))
			return
		}
		v.Tool.DoubleTap(vp.DeviceToLevel0(v.toDevice(ev.Position)))
		return
	}
	v.ZoomBy(keyZoomStep, v.toDevice(ev.Position))
}

// doubleClickSlop is how far apart (device-independent pixels) the two
// presses of a double click may lie.
const doubleClickSlop = 6

// MouseDown records where the mouse was pressed (a double tap is told
// from two quick clicks apart by it).
func (v *SlideView) MouseDown(ev *desktop.MouseEvent) {
	v.presses[0], v.presses[1] = v.presses[1], ev.Position
	v.pressCount++
}

// MouseUp is part of desktop.Mouseable.
func (v *SlideView) MouseUp(*desktop.MouseEvent) {}

// clicksApart returns the first press of a double tap when its two presses
// lie farther apart than a double click's.
func (v *SlideView) clicksApart() (fyne.Position, bool) {
	if v.pressCount < 2 {
		return fyne.Position{}, false
	}
	d := v.presses[1].Subtract(v.presses[0])
	return v.presses[0], math.Hypot(float64(d.X), float64(d.Y)) > doubleClickSlop
}

// FocusGained and FocusLost track keyboard focus.
func (v *SlideView) FocusGained() { v.focused = true }

// FocusLost is called when another object takes focus.
func (v *SlideView) FocusLost() { v.focused = false }

// TypedRune handles +, -, 0 (fit) and 1–6 (magnification presets).
func (v *SlideView) TypedRune(r rune) {
	vp := v.Viewport()
	centre := DevicePoint{float64(vp.Width) / 2, float64(vp.Height) / 2}
	switch {
	case r == '+' || r == '=':
		v.ZoomBy(keyZoomStep, centre)
	case r == '-' || r == '_':
		v.ZoomBy(1/keyZoomStep, centre)
	case r == '0':
		v.Fit()
	case r >= '1' && r <= '6':
		v.ZoomToMagnification(MagnificationPresets[r-'1'])
	default:
		if v.OnOtherRune != nil {
			v.OnOtherRune(r)
		}
	}
}

// TypedKey pans with the arrow keys and fits with Home.
func (v *SlideView) TypedKey(ev *fyne.KeyEvent) {
	vp := v.Viewport()
	dx, dy := float64(vp.Width)*keyPanFrac, float64(vp.Height)*keyPanFrac
	switch ev.Name {
	case fyne.KeyLeft:
		v.PanBy(dx, 0)
	case fyne.KeyRight:
		v.PanBy(-dx, 0)
	case fyne.KeyUp:
		v.PanBy(0, dy)
	case fyne.KeyDown:
		v.PanBy(0, -dy)
	case fyne.KeyHome:
		v.Fit()
	default:
		if v.OnOtherKey != nil {
			v.OnOtherKey(ev)
		}
	}
}

// MouseIn, MouseMoved and MouseOut report the cursor position in level-0 pixels.
func (v *SlideView) MouseIn(ev *desktop.MouseEvent) { v.MouseMoved(ev) }

// MouseMoved reports the level-0 position under the pointer.
func (v *SlideView) MouseMoved(ev *desktop.MouseEvent) {
	if v.OnCursor == nil {
		return
	}
	vp := v.Viewport()
	p := vp.DeviceToLevel0(v.toDevice(ev.Position))
	v.OnCursor(p, p.X >= 0 && p.Y >= 0 && p.X < vp.SlideW && p.Y < vp.SlideH)
}

// MouseOut reports that the pointer left the view.
func (v *SlideView) MouseOut() {
	if v.OnCursor != nil {
		v.OnCursor(Level0Point{}, false)
	}
}

// CreateRenderer implements fyne.Widget.
func (v *SlideView) CreateRenderer() fyne.WidgetRenderer {
	v.renderer = newSlideViewRenderer(v)
	return v.renderer
}

// MinSize is small: the view takes whatever room its container gives.
func (v *SlideView) MinSize() fyne.Size { return fyne.NewSize(64, 64) }

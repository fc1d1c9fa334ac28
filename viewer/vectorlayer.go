package viewer

import (
	"image"
	"math"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
)

// Drawer draws vector content (annotations, cell detections) onto an
// image of any part of the slide: dst pixel (i, j) is the level-0 square
// at (x0 + i·ds, y0 + j·ds). It must be safe for concurrent use.
type Drawer interface {
	Draw(dst *image.RGBA, x0, y0, ds float64)
}

// vectorTileSide is the side of a vector layer's tiles, device pixels.
const vectorTileSide = 512

// vectorCacheTiles bounds a vector layer's rendered tiles (512² RGBA:
// 1 MiB each): a 1920×1080 view shows up to 20, the rest serve panning.
const vectorCacheTiles = 64

// vectorKey is a rendered tile: the scale (level-0 pixels per tile pixel is
// 2^k) and its place in that scale's grid.
type vectorKey struct{ k, col, row int }

// vectorLayer draws a Drawer as tiles rendered at a power-of-two scale at
// or finer than the screen's, so the content is crisp at every zoom, off
// the UI goroutine (headless views render at once), cached (LRU-bounded)
// so that panning only places images. Owned by one layer of one view.
type vectorLayer struct {
	drawer Drawer
	v      *SlideView

	mu      sync.Mutex // guards cache, order, pending, version
	cache   map[vectorKey]*image.RGBA
	order   []vectorKey // least recently used first
	pending map[vectorKey]bool
	version int // bumped when the drawer changes: late renders are dropped

	images map[vectorKey]*canvas.Image // on screen; UI goroutine only
	shown  []fyne.CanvasObject
	seen   map[vectorKey]bool // the tiles an update placed (reused: no map per frame)
}

func newVectorLayer(v *SlideView, d Drawer) *vectorLayer {
	return &vectorLayer{drawer: d, v: v, cache: map[vectorKey]*image.RGBA{}, pending: map[vectorKey]bool{}, images: map[vectorKey]*canvas.Image{}, seen: map[vectorKey]bool{}}
}

// setDrawer replaces the content: every tile is drawn again.
func (l *vectorLayer) setDrawer(d Drawer) {
	l.mu.Lock()
	l.drawer, l.cache, l.order, l.pending = d, map[vectorKey]*image.RGBA{}, nil, map[vectorKey]bool{}
	l.version++
	l.mu.Unlock()
	for k, img := range l.images {
		img.Image = nil // drawn again from the new content by the next update
		l.images[k] = img
	}
}

// update places the tiles of the viewport (rendering missing ones) and
// returns the canvas objects to draw. UI goroutine.
func (l *vectorLayer) update(st LayerStyle, vp Viewport, inv float32) []fyne.CanvasObject {
	l.shown = l.shown[:0]
	if st.Hidden || st.Opacity <= 0 || vp.Width == 0 {
		clear(l.images)
		return nil
	}
	k := int(math.Floor(math.Log2(vp.Downsample)))
	ds := math.Ldexp(1, k)
	side := vectorTileSide * ds // level-0 pixels
	a, z := vp.VisibleLevel0()
	c0, r0 := int(math.Floor(max(a.X, 0)/side)), int(math.Floor(max(a.Y, 0)/side))
	c1, r1 := int(math.Floor(min(z.X, vp.SlideW-1)/side)), int(math.Floor(min(z.Y, vp.SlideH-1)/side))
	seen := l.seen
	clear(seen)
	for row := r0; row <= r1; row++ {
		for col := c0; col <= c1; col++ {
			key := vectorKey{k, col, row}
			src := l.tile(key, ds)
			if src == nil {
				continue
			}
			img, ok := l.images[key]
			if !ok || img.Image == nil {
				img = canvas.NewImageFromImage(rotateImage(src, vp.Rotation))
				img.FillMode = canvas.ImageFillStretch
				img.ScaleMode = canvas.ImageScaleFastest
				l.images[key] = img
			}
			img.Translucency = 1 - min(st.Opacity, 1)
			r := vp.Level0RectToDevice(float64(col)*side, float64(row)*side, float64(col+1)*side, float64(row+1)*side)
			img.Move(fyne.NewPos(float32(r.Min.X)*inv, float32(r.Min.Y)*inv))
			img.Resize(fyne.NewSize(float32(r.Dx())*inv, float32(r.Dy())*inv))
			seen[key] = true
			l.shown = append(l.shown, img)
		}
	}
	for key := range l.images {
		if !seen[key] {
			delete(l.images, key)
		}
	}
	return l.shown
}

// tile returns the rendered tile, or nil while it is being rendered.
func (l *vectorLayer) tile(key vectorKey, ds float64) *image.RGBA {
	l.mu.Lock()
	if img, ok := l.cache[key]; ok {
		l.touch(key)
		l.mu.Unlock()
		return img
	}
	if l.v.headless {
		d := l.drawer
		l.mu.Unlock()
		img := render(d, key, ds)
		l.mu.Lock()
		l.store(key, img)
		l.mu.Unlock()
		return img
	}
	if l.pending[key] {
		l.mu.Unlock()
		return nil
	}
	l.pending[key] = true
	d, version := l.drawer, l.version
	l.mu.Unlock()
	go func() { // short-lived: one tile, owned by the layer's cache
		img := render(d, key, ds)
		l.mu.Lock()
		delete(l.pending, key)
		if version == l.version {
			l.store(key, img)
		}
		l.mu.Unlock()
		l.v.queueRefresh()
	}()
	return nil
}

func render(d Drawer, key vectorKey, ds float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, vectorTileSide, vectorTileSide))
	side := vectorTileSide * ds
	d.Draw(img, float64(key.col)*side, float64(key.row)*side, ds)
	return img
}

// store keeps a rendered tile, dropping the least recently used beyond
// the bound. l.mu held.
func (l *vectorLayer) store(key vectorKey, img *image.RGBA) {
	l.cache[key] = img
	l.order = append(l.order, key)
	for len(l.order) > vectorCacheTiles {
		delete(l.cache, l.order[0])
		l.order = l.order[1:]
	}
}

// touch marks key as recently used. l.mu held.
func (l *vectorLayer) touch(key vectorKey) {
	for i, k := range l.order {
		if k == key {
			copy(l.order[i:], l.order[i+1:])
			l.order[len(l.order)-1] = key
			return
		}
	}
}

// SetVectorLayer shows d in the layer called name, drawn above the tiles
// and every layer of lower z, as crisp tiles rendered off the UI goroutine
// (annotations, detections). nil removes the layer. Call it again with a
// new Drawer when the content changes. UI goroutine.
func (v *SlideView) SetVectorLayer(name string, z int, d Drawer) {
	i := v.layerIndex(name)
	switch {
	case d == nil && i >= 0:
		v.layers = append(v.layers[:i], v.layers[i+1:]...)
	case d == nil:
		return
	case i >= 0 && v.layers[i].vector != nil:
		v.layers[i].vector.setDrawer(d)
		v.layers[i].z = z
	default:
		if i >= 0 {
			v.layers = append(v.layers[:i], v.layers[i+1:]...)
		}
		st := LayerStyle{Opacity: 1}
		if s, ok := v.layerStyles[name]; ok {
			st = s
		}
		v.layers = append(v.layers, &layer{name: name, z: z, style: st, vector: newVectorLayer(v, d), draw: newOverlayLayer()})
	}
	sortLayers(v.layers)
	v.Refresh()
}

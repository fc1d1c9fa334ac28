package viewer

import "image"

// SetColourTransform converts every tile read from now on with fn (the
// slide's ICC profile to sRGB, say), or reads raw pixels with nil. The
// conversion runs on the loader's goroutines as tiles are decoded, never
// on the UI goroutine; tiles cached before the change are dropped and read
// again. fn must be safe for concurrent use. UI goroutine only.
func (v *SlideView) SetColourTransform(fn func(*image.RGBA)) {
	if fn == nil && v.loader.transform.Load() == nil {
		return
	}
	v.loader.SetTransform(fn)
	v.colourManaged = fn != nil
	v.Reload() // no raw tile is drawn as converted or the reverse
}

// Reload drops the view's cached tiles and reads them again from the
// slide (whose pixels changed: a colour transform, channel settings).
// Tiles being read meanwhile land in the old namespace and are not drawn.
// UI goroutine only.
func (v *SlideView) Reload() {
	old := v.id
	v.id = nextSlideID.Add(1)
	v.cache.Forget(old)
	v.Refresh()
}

// ColourManaged reports whether tiles are converted by a colour transform.
func (v *SlideView) ColourManaged() bool { return v.colourManaged }

// SetTransform converts each tile read from now on with fn (nil: none).
// Tiles already cached are not converted: the caller keys them apart
// (SlideView.SetColourTransform does). Safe for concurrent use.
func (l *Loader) SetTransform(fn func(*image.RGBA)) {
	if fn == nil {
		l.transform.Store(nil)
		return
	}
	l.transform.Store(&fn)
}

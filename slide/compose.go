package slide

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"os"
	"sync"
)

// Helpers shared by the pure-Go readers (OME-TIFF, DICOM) to fill a
// ReadRegion from a level's tile grid.

// regionAt is the rectangle of level pixels that dst covers when its
// top-left corner is the level-0 point (x0, y0) on a level of downsample ds.
func regionAt(dst *image.RGBA, x0, y0 int64, ds float64) image.Rectangle {
	return image.Rect(0, 0, dst.Rect.Dx(), dst.Rect.Dy()).Add(image.Pt(int(math.Round(float64(x0)/ds)), int(math.Round(float64(y0)/ds))))
}

// fillBackground paints dst with c.
func fillBackground(dst *image.RGBA, c color.RGBA) {
	draw.Draw(dst, dst.Rect, image.NewUniform(c), image.Point{}, draw.Src)
}

// composeTiles draws into dst, which shows the level rectangle region, the
// parts of the tw×th tiles (across per row, index ty*across+tx) that lie in
// clip (region cut to the level's bounds). tile returns a tile's pixels, or
// nil for a tile the level does not have (the background stays).
func composeTiles(dst *image.RGBA, region, clip image.Rectangle, tw, th, across int, tile func(k int) (*image.RGBA, error)) error {
	if clip.Empty() {
		return nil
	}
	for ty := clip.Min.Y / th; ty <= (clip.Max.Y-1)/th; ty++ {
		for tx := clip.Min.X / tw; tx <= (clip.Max.X-1)/tw; tx++ {
			img, err := tile(ty*across + tx)
			if err != nil {
				return err
			}
			if img == nil {
				continue
			}
			origin := image.Pt(tx*tw, ty*th)
			part := image.Rect(0, 0, tw, th).Add(origin).Intersect(clip)
			draw.Draw(dst, part.Sub(region.Min).Add(dst.Rect.Min), img, part.Min.Sub(origin).Add(img.Rect.Min), draw.Src)
		}
	}
	return nil
}

// fileBacked is what the pure-Go single-file readers (OME-TIFF, channel
// images) share: the file, its properties and fingerprint, and closing it
// safely while reads are in flight. Embedded; its zero value is unusable
// (set path and props).
type fileBacked struct {
	path        string
	f           *os.File // nil in fuzz tests
	props       map[string]string
	fingerprint string

	mu     sync.RWMutex // guards f against Close; reads hold RLock
	closed bool
}

func (b *fileBacked) Path() string        { return b.path }
func (b *fileBacked) Fingerprint() string { return b.fingerprint }

// Properties returns a copy of the metadata.
func (b *fileBacked) Properties() map[string]string {
	out := make(map[string]string, len(b.props))
	for k, v := range b.props {
		out[k] = v
	}
	return out
}

// Close closes the file once; reads in flight finish first.
func (b *fileBacked) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	if b.f != nil {
		return b.f.Close()
	}
	return nil
}

// readLock holds the file open for a read: ErrClosed after Close, else nil
// and the caller must call b.mu.RUnlock.
func (b *fileBacked) readLock() error {
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return ErrClosed
	}
	return nil
}

// readGrid is ReadRegion for a level of w×h pixels in tw×th tiles: the
// region is checked, the file held open, dst painted with bg and the tiles
// drawn; a tile that cannot be decoded makes the read a damage error.
func (b *fileBacked) readGrid(dst *image.RGBA, levels []Level, level int, x0, y0 int64, w, h, tw, th int, bg color.RGBA, tile func(k int) (*image.RGBA, error)) error {
	if err := ValidateRegion(levels, level, dst.Rect.Dx(), dst.Rect.Dy()); err != nil {
		return err
	}
	if err := b.readLock(); err != nil {
		return err
	}
	defer b.mu.RUnlock()
	fillBackground(dst, bg)
	region := regionAt(dst, x0, y0, levels[level].Downsample)
	if err := composeTiles(dst, region, region.Intersect(image.Rect(0, 0, w, h)), tw, th, (w+tw-1)/tw, tile); err != nil {
		return &DamageError{Path: b.path, Detail: err.Error()}
	}
	return nil
}

// pyramid lists n levels of the given sizes (largest first), each with its
// downsample from level 0's width.
func pyramid(n int, size func(i int) (w, h int)) []Level {
	out := make([]Level, n)
	w0, _ := size(0)
	for i := range out {
		w, h := size(i)
		out[i] = Level{Width: int64(w), Height: int64(h), Downsample: float64(w0) / float64(w)}
	}
	return out
}

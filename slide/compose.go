package slide

import (
	"image"
	"image/color"
	"image/draw"
	"math"
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

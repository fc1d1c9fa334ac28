package slide

import (
	"image"

	"github.com/disintegration/imaging"
)

// ReadThumbnail reads the whole slide as an image of about maxSide pixels on
// its longest side, from the finest pyramid level not finer than needed
// (never reading more than MaxRegionPixels), resized with a box filter. It
// returns the image and its downsample: level-0 pixels per image pixel.
func ReadThumbnail(s Slide, maxSide int) (*image.RGBA, float64, error) {
	levels := s.Levels()
	l0 := levels[0]
	ds := float64(max(l0.Width, l0.Height)) / float64(maxSide)
	level := BestLevelForDownsample(levels, ds)
	for level < len(levels)-1 && levels[level].Width*levels[level].Height > MaxRegionPixels {
		level++
	}
	lv := levels[level]
	if lv.Width*lv.Height > MaxRegionPixels {
		return nil, 0, ErrBadRegion
	}
	img := image.NewRGBA(image.Rect(0, 0, int(lv.Width), int(lv.Height)))
	if err := s.ReadRegion(img, level, 0, 0); err != nil {
		return nil, 0, err
	}
	if max(lv.Width, lv.Height) > int64(maxSide) {
		// The slide image is opaque, so NRGBA and RGBA bytes are identical.
		img = (*image.RGBA)(imaging.Fit(img, maxSide, maxSide, imaging.Box))
	}
	return img, float64(l0.Width) / float64(img.Bounds().Dx()), nil
}

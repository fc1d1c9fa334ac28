package heatmap

import (
	"image"
	"image/color"

	"tessera/inference"
)

// OutlineColour draws the tissue outline: cyan, visible on H&E and on heatmaps.
var OutlineColour = color.NRGBA{0x00, 0xe5, 0xff, 0xff}

// TissueOutline renders the boundary of a tissue mask: mask pixels that
// are tissue with a non-tissue 4-neighbour (or the image edge), in
// OutlineColour; everything else transparent. One pixel per mask pixel.
func TissueOutline(m *inference.TissueMask) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, m.W, m.H))
	at := func(x, y int) bool { return x >= 0 && y >= 0 && x < m.W && y < m.H && m.Tissue[y*m.W+x] }
	for y := 0; y < m.H; y++ {
		for x := 0; x < m.W; x++ {
			if at(x, y) && (!at(x-1, y) || !at(x+1, y) || !at(x, y-1) || !at(x, y+1)) {
				img.SetNRGBA(x, y, OutlineColour)
			}
		}
	}
	return img
}

package heatmap

import (
	"image"
	"image/color"

	"tessera/inference"
	"tessera/viewer"
)

// The quality-control layer: a frame around every tile quality control
// flagged, coloured by its first flag, so the tissue and the heatmap stay
// visible inside it.
const (
	QCName = "quality-control"
	QCZ    = 15 // above the heatmap, below the tissue outline
)

// qcCellPixels is how many overlay pixels a grid cell spans; its frame is
// qcFramePixels wide.
const (
	qcCellPixels  = 16
	qcFramePixels = 2
)

// QCColours are the colours of the flags, one per flag in
// inference.QCFlags order; chosen apart from viridis and from H&E.
var QCColours = []struct {
	Flag   inference.QCFlags
	Colour color.NRGBA
}{
	{inference.QCBlur, color.NRGBA{0xff, 0x8c, 0x00, 0xff}},    // orange
	{inference.QCInk, color.NRGBA{0xff, 0x00, 0xff, 0xff}},     // magenta
	{inference.QCEmpty, color.NRGBA{0x9e, 0x9e, 0x9e, 0xff}},   // grey
	{inference.QCDark, color.NRGBA{0xd5, 0x00, 0x00, 0xff}},    // red
	{inference.QCOutlier, color.NRGBA{0xff, 0xff, 0xff, 0xff}}, // white
}

// QCColour returns the colour of a tile's flags (its first flag's).
func QCColour(f inference.QCFlags) color.NRGBA {
	for _, c := range QCColours {
		if f&c.Flag != 0 {
			return c.Colour
		}
	}
	return color.NRGBA{}
}

// QCOverlay draws the flagged tiles of r as framed cells; nil when quality
// control flagged nothing (or did not run).
func QCOverlay(r *inference.Result) *viewer.Overlay {
	if r == nil || len(r.QC.Tiles) == 0 || r.Grid.Cols <= 0 || r.Grid.Rows <= 0 {
		return nil
	}
	img := image.NewNRGBA(image.Rect(0, 0, r.Grid.Cols*qcCellPixels, r.Grid.Rows*qcCellPixels))
	for _, t := range r.QC.Tiles {
		c := QCColour(t.Flags)
		x0, y0 := t.Col*qcCellPixels, t.Row*qcCellPixels
		for y := 0; y < qcCellPixels; y++ {
			for x := 0; x < qcCellPixels; x++ {
				frame := x < qcFramePixels || y < qcFramePixels || x >= qcCellPixels-qcFramePixels || y >= qcCellPixels-qcFramePixels
				if frame {
					img.SetNRGBA(x0+x, y0+y, c)
				} else {
					img.SetNRGBA(x0+x, y0+y, color.NRGBA{c.R, c.G, c.B, 0x30}) // a light wash
				}
			}
		}
	}
	return &viewer.Overlay{Image: img, Cell: r.Grid.Side0 / qcCellPixels}
}

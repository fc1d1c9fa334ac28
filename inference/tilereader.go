package inference

import (
	"image"

	"github.com/disintegration/imaging"

	"tessera/slide"
	"tessera/stainnorm"
)

// Reading grid tiles into a model's input: each tile read at the grid's
// level, colour-converted when asked, resized to the model's size,
// measured for quality control, and normalised per channel through a
// table, in the model's channel order.

// normalisationTable maps 0–255 to model input per channel (model order).
func normalisationTable(m *Model) *[3][256]float32 {
	var lut [3][256]float32
	for c := 0; c < 3; c++ {
		for v := 0; v < 256; v++ {
			lut[c][v] = m.normalise(c, float32(v))
		}
	}
	return &lut
}

// TileReader decodes grid tiles into a model's input, exactly as the
// pipeline's readers do (exported for benchmarks). One per goroutine: it
// reuses its buffers.
type TileReader struct{ tr *tileReader }

// NewTileReader returns a reader of g's tiles from s for model m.
func NewTileReader(s slide.Slide, g *Grid, m *Model) *TileReader {
	return &TileReader{newTileReader(s, g, normalisationTable(m), m.Bundle.Manifest.Input.ChannelOrder == "BGR")}
}

// Read fills dst ([3,H,W] floats, e.g. Batch.Tile) with tile t.
func (r *TileReader) Read(t GridTile, dst []float32) error { return r.tr.read(t, dst) }

// tileReader decodes grid tiles into model input; one per reader goroutine,
// reusing its buffers.
type tileReader struct {
	s     slide.Slide
	g     *Grid
	lut   *[3][256]float32
	bgr   bool
	read0 *image.RGBA // ReadSide² region of the read level

	qc     bool // measure quality control on each tile
	colour func(*image.RGBA)
	stain  *stainStep // the bundle's stain normalisation, nil if none
	lastQC TileQC     // quality control of the last tile read
}

func newTileReader(s slide.Slide, g *Grid, lut *[3][256]float32, bgr bool) *tileReader {
	return &tileReader{s: s, g: g, lut: lut, bgr: bgr, read0: image.NewRGBA(image.Rect(0, 0, g.ReadSide, g.ReadSide))}
}

// pixels reads tile t as the slide has it, colour-converted when asked and
// resized to the model's size: RGBA bytes, stride bytes per row, owned by
// the reader until its next read.
func (tr *tileReader) pixels(t GridTile) (pix []byte, stride int, err error) {
	if err := tr.s.ReadRegion(tr.read0, tr.g.Level, int64(t.X+0.5), int64(t.Y+0.5)); err != nil {
		return nil, 0, err
	}
	if tr.colour != nil {
		tr.colour(tr.read0)
	}
	ts := tr.g.TileSize
	pix, stride = tr.read0.Pix, tr.read0.Stride
	if tr.g.ReadSide != ts {
		resized := imaging.Resize(tr.read0, ts, ts, imaging.Linear)
		pix, stride = resized.Pix, resized.Stride
	}
	return pix, stride, nil
}

// read fills dst ([3,H,W] floats) with tile t, resized to the model's size.
func (tr *tileReader) read(t GridTile, dst []float32) error {
	pix, stride, err := tr.pixels(t)
	if err != nil {
		return err
	}
	ts := tr.g.TileSize
	if tr.qc {
		tr.lastQC = measureQC(pix, stride, ts) // of the tile as scanned
	}
	if tr.stain != nil {
		tr.stain.apply(stainnorm.Image{Pix: pix, Stride: stride, W: ts, H: ts})
	}
	plane := ts * ts
	src := [3]int{0, 1, 2} // byte offset of model channel c in an RGBA pixel
	if tr.bgr {
		src = [3]int{2, 1, 0}
	}
	lut := tr.lut
	ch0, ch1, ch2 := dst[:plane], dst[plane:2*plane], dst[2*plane:3*plane]
	for y := 0; y < ts; y++ {
		row := pix[y*stride : y*stride+4*ts]
		o := y * ts
		for x := 0; x < ts; x++ {
			p := row[4*x : 4*x+4]
			ch0[o+x] = lut[0][p[src[0]]]
			ch1[o+x] = lut[1][p[src[1]]]
			ch2[o+x] = lut[2][p[src[2]]]
		}
	}
	return nil
}

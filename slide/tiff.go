package slide

import (
	"bytes"
	"compress/zlib"
	"container/list"
	"encoding/binary"
	"errors"
	"fmt"
	"golang.org/x/image/tiff/lzw"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"io"
	"math"
	"sync"
)

// A TIFF structure reader shared by Tessera's own TIFF-family readers
// (OME-TIFF today; QPTIFF and more to come): classic and BigTIFF headers,
// IFDs and their entries, tiled 8-bit RGB images and their tiles, and a
// cache of decoded tiles. Every size read from a file is checked against
// limits before anything is allocated.

// TIFF tags used.
const (
	tagImageWidth      = 256
	tagImageLength     = 257
	tagBitsPerSample   = 258
	tagCompression     = 259
	tagPhotometric     = 262
	tagImageDesc       = 270
	tagSamplesPerPixel = 277
	tagPlanarConfig    = 284
	tagPredictor       = 317
	tagTileWidth       = 322
	tagTileLength      = 323
	tagTileOffsets     = 324
	tagTileByteCounts  = 325
	tagSubIFDs         = 330
	tagJPEGTables      = 347
	tagICCProfile      = 34675 // the embedded colour profile (TIFF/EP, Aperio)
	tagStripOffsets    = 273
	tagRowsPerStrip    = 278
	tagStripByteCounts = 279
	tagXResolution     = 282
	tagResolutionUnit  = 296
)

// Limits that keep a malformed file from allocating or looping without end.
const (
	maxIFDEntries = 4096
	maxTagBytes   = 64 << 20
	maxTiles      = 1 << 22
	maxTileSide   = 2048
	maxLevels     = 32
)

// TIFF compression schemes (tag 259) the tile decoder handles.
const (
	compressionNone         = 1
	compressionLZW          = 5
	compressionJPEG         = 7     // "new-style" JPEG, often with shared JPEGTables
	compressionDeflate      = 8     // zlib (Adobe's code)
	compressionAdobeDeflate = 32946 // zlib (the older, unofficial code)
	photometricRGB          = 2     // PhotometricInterpretation RGB
	compressionAperioJ2KYCC = 33003 // Aperio's JPEG 2000, YCbCr components (no colour transform in the codestream)
	compressionAperioJ2KRGB = 33005 // Aperio's JPEG 2000, RGB (the codestream's own colour transform)
)

// tiffReader reads TIFF structures from a file. Safe for concurrent use
// (it only uses ReadAt).
type tiffReader struct {
	r     io.ReaderAt
	size  int64
	order binary.ByteOrder
	big   bool // BigTIFF
}

type tiffEntry struct {
	typ   uint16
	count uint64
	raw   []byte // the value field (4 or 8 bytes)
}

type tiffIFD map[uint16]tiffEntry

func typeSize(t uint16) int {
	switch t {
	case 1, 2, 6, 7:
		return 1
	case 3, 8:
		return 2
	case 4, 9, 11, 13:
		return 4
	case 5, 10, 12, 16, 17, 18:
		return 8
	}
	return 0
}

func newTIFFReader(r io.ReaderAt, size int64) (*tiffReader, uint64, error) {
	var h [16]byte
	if size < 8 {
		return nil, 0, errNotOME
	}
	if _, err := r.ReadAt(h[:8], 0); err != nil {
		return nil, 0, errNotOME
	}
	t := &tiffReader{r: r, size: size}
	switch string(h[:2]) {
	case "II":
		t.order = binary.LittleEndian
	case "MM":
		t.order = binary.BigEndian
	default:
		return nil, 0, errNotOME
	}
	switch t.order.Uint16(h[2:4]) {
	case 42:
		return t, uint64(t.order.Uint32(h[4:8])), nil
	case 43:
		if size < 16 {
			return nil, 0, errNotOME
		}
		if _, err := r.ReadAt(h[:16], 0); err != nil {
			return nil, 0, errNotOME
		}
		t.big = true
		return t, t.order.Uint64(h[8:16]), nil
	}
	return nil, 0, errNotOME
}

func (t *tiffReader) readAt(off uint64, n int) ([]byte, error) {
	if n < 0 || n > maxTagBytes || off > uint64(t.size) || uint64(n) > uint64(t.size)-off {
		return nil, fmt.Errorf("TIFF data out of the file (offset %d, %d bytes)", off, n)
	}
	b := make([]byte, n)
	_, err := t.r.ReadAt(b, int64(off))
	return b, err
}

// readIFD reads the directory at off.
func (t *tiffReader) readIFD(off uint64) (tiffIFD, error) {
	countSize, entrySize, valueSize := 2, 12, 4
	if t.big {
		countSize, entrySize, valueSize = 8, 20, 8
	}
	head, err := t.readAt(off, countSize)
	if err != nil {
		return nil, err
	}
	var n uint64
	if t.big {
		n = t.order.Uint64(head)
	} else {
		n = uint64(t.order.Uint16(head))
	}
	if n == 0 || n > maxIFDEntries {
		return nil, fmt.Errorf("TIFF directory with %d entries", n)
	}
	body, err := t.readAt(off+uint64(countSize), int(n)*entrySize)
	if err != nil {
		return nil, err
	}
	ifd := tiffIFD{}
	for i := 0; i < int(n); i++ {
		e := body[i*entrySize : (i+1)*entrySize]
		var count uint64
		if t.big {
			count = t.order.Uint64(e[4:12])
		} else {
			count = uint64(t.order.Uint32(e[4:8]))
		}
		ifd[t.order.Uint16(e[0:2])] = tiffEntry{typ: t.order.Uint16(e[2:4]), count: count, raw: e[entrySize-valueSize:]}
	}
	return ifd, nil
}

// data returns an entry's bytes, inline or at its offset.
func (t *tiffReader) data(e tiffEntry) ([]byte, error) {
	size := typeSize(e.typ)
	if size == 0 || e.count > maxTagBytes/uint64(size) {
		return nil, fmt.Errorf("TIFF tag of type %d with %d values", e.typ, e.count)
	}
	n := int(e.count) * size
	if n <= len(e.raw) {
		return e.raw[:n], nil
	}
	var off uint64
	if t.big {
		off = t.order.Uint64(e.raw)
	} else {
		off = uint64(t.order.Uint32(e.raw))
	}
	return t.readAt(off, n)
}

// uints reads an integer tag (BYTE, SHORT, LONG, LONG8, IFD, IFD8).
func (t *tiffReader) uints(ifd tiffIFD, tag uint16) ([]uint64, error) {
	e, ok := ifd[tag]
	if !ok {
		return nil, fmt.Errorf("TIFF tag %d missing", tag)
	}
	b, err := t.data(e)
	if err != nil {
		return nil, err
	}
	out := make([]uint64, e.count)
	for i := range out {
		switch e.typ {
		case 1:
			out[i] = uint64(b[i])
		case 3:
			out[i] = uint64(t.order.Uint16(b[2*i:]))
		case 4, 13:
			out[i] = uint64(t.order.Uint32(b[4*i:]))
		case 16, 18:
			out[i] = t.order.Uint64(b[8*i:])
		default:
			return nil, fmt.Errorf("TIFF tag %d has type %d, want an integer", tag, e.typ)
		}
	}
	return out, nil
}

func (t *tiffReader) uint1(ifd tiffIFD, tag uint16, def uint64) (uint64, error) {
	if _, ok := ifd[tag]; !ok {
		return def, nil
	}
	v, err := t.uints(ifd, tag)
	if err != nil || len(v) == 0 {
		return 0, fmt.Errorf("TIFF tag %d unreadable", tag)
	}
	return v[0], nil
}

// omeLevel is one resolution of an OME-TIFF image.
// tiledImage is one tiled 8-bit RGB image of a TIFF file (a pyramid level):
// its size and tile size in pixels, compression and tile tables.
type tiledImage struct {
	w, h, tw, th int // image and block size: a tile, or a strip (tw = w)
	compression  uint64
	photometric  uint64 // 2: RGB
	// rawJPEG: a JPEG's three components are R, G, B as they are, never
	// Y, Cb, Cr (Aperio's tiles: photometric RGB, no JFIF or Adobe marker
	// to say so, read by OpenSlide without colour conversion).
	rawJPEG    bool
	predictor  uint64 // 2: horizontal differencing (LZW, Deflate)
	offsets    []uint64
	counts     []uint64
	jpegTables []byte
}

// maxStripPixels bounds a strip of a stripped RGB image: each strip is
// decoded whole (strips of 16 rows of a 100,000-pixel-wide image fit;
// one strip holding a whole large image does not).
const maxStripPixels = 1 << 22

// tiledImage reads the 8-bit RGB image of ifd, in tiles or strips (QuPath
// writes small RGB OME-TIFFs in LZW strips); other images are refused
// with a sentence saying why.
func (t *tiffReader) tiledImage(ifd tiffIFD) (*tiledImage, error) {
	get := func(tag uint16, def uint64) int {
		v, err := t.uint1(ifd, tag, def)
		if err != nil || v > math.MaxInt32 {
			return -1
		}
		return int(v)
	}
	l := &tiledImage{w: get(tagImageWidth, 0), h: get(tagImageLength, 0), tw: get(tagTileWidth, 0), th: get(tagTileLength, 0)}
	if l.w <= 0 || l.h <= 0 {
		return nil, errors.New("image without a size")
	}
	offTag, countTag := uint16(tagTileOffsets), uint16(tagTileByteCounts)
	if _, tiled := ifd[tagTileWidth]; !tiled {
		l.tw, l.th = l.w, min(get(tagRowsPerStrip, uint64(l.h)), l.h)
		offTag, countTag = tagStripOffsets, tagStripByteCounts
		if l.th <= 0 || int64(l.tw)*int64(l.th) > maxStripPixels {
			return nil, fmt.Errorf("strips of %d×%d pixels are too large to read in pieces (tiled images, or strips of up to %d pixels, are supported)", l.tw, l.th, maxStripPixels)
		}
	} else if l.tw <= 0 || l.th <= 0 || l.tw > maxTileSide || l.th > maxTileSide {
		return nil, fmt.Errorf("tiles of %d×%d pixels are not supported", l.tw, l.th)
	}
	l.compression, l.predictor, l.photometric = uint64(get(tagCompression, 1)), uint64(get(tagPredictor, 1)), uint64(get(tagPhotometric, 0))
	if get(tagBitsPerSample, 8) != 8 || get(tagSamplesPerPixel, 1) != 3 || get(tagPlanarConfig, 1) != 1 {
		return nil, errors.New("only 8-bit RGB images are supported (this is fluorescence or multi-channel)")
	}
	switch l.compression {
	case compressionNone, compressionJPEG, compressionDeflate, compressionAdobeDeflate, compressionLZW,
		compressionAperioJ2KYCC, compressionAperioJ2KRGB:
	default:
		return nil, fmt.Errorf("TIFF compression %d is not supported (JPEG, JPEG 2000, Deflate, LZW or none are)", l.compression)
	}
	if l.predictor != 1 && (l.predictor != 2 || l.compression == compressionJPEG || l.compression == compressionNone) {
		return nil, fmt.Errorf("TIFF predictor %d with compression %d is not supported", l.predictor, l.compression)
	}
	across, down := (l.w+l.tw-1)/l.tw, (l.h+l.th-1)/l.th
	if across*down > maxTiles {
		return nil, errors.New("too many tiles")
	}
	var err error
	if l.offsets, err = t.uints(ifd, offTag); err != nil {
		return nil, err
	}
	if l.counts, err = t.uints(ifd, countTag); err != nil {
		return nil, err
	}
	if len(l.offsets) < across*down || len(l.counts) < across*down {
		return nil, errors.New("tile tables shorter than the tile grid")
	}
	if e, ok := ifd[tagJPEGTables]; ok {
		if l.jpegTables, err = t.data(e); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// rowsIn is the number of image rows block i holds (a last strip or row
// of tiles may be cut by the image's end).
func (l *tiledImage) rowsIn(i int) int {
	across := (l.w + l.tw - 1) / l.tw
	return min(l.th, l.h-(i/across)*l.th)
}

// decode reads and decodes tile (or strip) index i (row-major) into a new
// image of the block size; rows past the image's end are left clear.
func (l *tiledImage) decode(t *tiffReader, i int) (*image.RGBA, error) {
	data, err := t.readAt(l.offsets[i], int(min(l.counts[i], maxTagBytes)))
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, l.tw, l.th))
	want := l.tw * l.rowsIn(i) * 3 // bytes the block must hold
	switch l.compression {
	case compressionJPEG:
		dec, err := jpeg.Decode(bytes.NewReader(withJPEGTables(l.jpegTables, data)))
		if err != nil {
			return nil, fmt.Errorf("JPEG tile %d: %v", i, err)
		}
		if ycc, ok := dec.(*image.YCbCr); ok && l.rawJPEG {
			rawComponents(img, ycc)
			return img, nil
		}
		draw.Draw(img, img.Rect, dec, dec.Bounds().Min, draw.Src)
		return img, nil
	case compressionAperioJ2KYCC, compressionAperioJ2KRGB:
		dec, err := decodeJ2K(data, l.tw, l.th)
		if err != nil {
			return nil, fmt.Errorf("JPEG 2000 tile %d: %v", i, err)
		}
		if l.compression == compressionAperioJ2KYCC {
			yccToRGB(dec.Pix)
		}
		draw.Draw(img, img.Rect, dec, dec.Bounds().Min, draw.Src)
		return img, nil
	case compressionDeflate, compressionAdobeDeflate:
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("Deflate tile %d: %v", i, err)
		}
		if data, err = io.ReadAll(io.LimitReader(zr, int64(l.tw*l.th*3))); err != nil {
			return nil, fmt.Errorf("Deflate tile %d: %v", i, err)
		}
	case compressionLZW:
		lr := lzw.NewReader(bytes.NewReader(data), lzw.MSB, 8)
		data, err = io.ReadAll(io.LimitReader(lr, int64(l.tw*l.th*3)))
		lr.Close()
		if err != nil && len(data) < want {
			return nil, fmt.Errorf("LZW tile %d: %v", i, err)
		}
	}
	if len(data) < want {
		return nil, fmt.Errorf("tile %d is short (%d bytes)", i, len(data))
	}
	rows := len(data) / (l.tw * 3)
	rows = min(rows, l.th)
	if l.predictor == 2 { // horizontal differencing, per sample
		for y := 0; y < rows; y++ {
			row := data[y*l.tw*3 : (y+1)*l.tw*3]
			for x := 3; x < len(row); x++ {
				row[x] += row[x-3]
			}
		}
	}
	for p := 0; p < l.tw*rows; p++ {
		img.Pix[4*p], img.Pix[4*p+1], img.Pix[4*p+2], img.Pix[4*p+3] = data[3*p], data[3*p+1], data[3*p+2], 255
	}
	return img, nil
}

// tiledPyramid is the levels of a TIFF that Tessera's own readers read
// (OME-TIFF, SVS, tiled TIFF), with their decoded-tile cache: display
// tiles are smaller than file tiles, so each file tile serves several
// reads. Safe for concurrent use.
type tiledPyramid struct {
	t      *tiffReader
	levels []*tiledImage // largest first
	cache  *decodedTiles
}

// tile decodes tile index i of a level through the cache.
func (p *tiledPyramid) tile(level, i int) (*image.RGBA, error) {
	key := [2]int{level, i}
	if img := p.cache.get(key); img != nil {
		return img, nil
	}
	img, err := p.levels[level].decode(p.t, i)
	if err != nil {
		return nil, err
	}
	p.cache.put(key, img)
	return img, nil
}

// readLevel is ReadRegion of the slide b whose pyramid this is (levels as
// its Levels reports them, bg its background).
func (p *tiledPyramid) readLevel(b *fileBacked, dst *image.RGBA, levels []Level, level int, x0, y0 int64, bg color.RGBA) error {
	if level < 0 || level >= len(p.levels) {
		return ValidateRegion(levels, level, dst.Rect.Dx(), dst.Rect.Dy())
	}
	l := p.levels[level]
	return b.readGrid(dst, levels, level, x0, y0, l.w, l.h, l.tw, l.th, bg, func(k int) (*image.RGBA, error) {
		return p.tile(level, k)
	})
}

// whole decodes the whole image (an associated image's strips) at once.
func (l *tiledImage) whole(t *tiffReader) (*image.RGBA, error) {
	if int64(l.w)*int64(l.h) > maxAssociatedPixels {
		return nil, fmt.Errorf("an image of %d×%d pixels is too large to decode whole", l.w, l.h)
	}
	img := image.NewRGBA(image.Rect(0, 0, l.w, l.h))
	across := (l.w + l.tw - 1) / l.tw
	for i := 0; i < across*((l.h+l.th-1)/l.th); i++ {
		block, err := l.decode(t, i)
		if err != nil {
			return nil, err
		}
		at := image.Pt((i%across)*l.tw, (i/across)*l.th)
		draw.Draw(img, image.Rectangle{Min: at, Max: at.Add(block.Rect.Size())}, block, image.Point{}, draw.Src)
	}
	return img, nil
}

// rawComponents draws a JPEG's three components into img as R, G and B
// unconverted (tiledImage.rawJPEG), which Go's decoder, seeing no Adobe
// marker, took for YCbCr. Subsampled components are repeated (nearest).
func rawComponents(img *image.RGBA, ycc *image.YCbCr) {
	b := ycc.Rect.Intersect(image.Rect(0, 0, img.Rect.Dx(), img.Rect.Dy()).Add(ycc.Rect.Min))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[(y-ycc.Rect.Min.Y)*img.Stride:]
		for x := b.Min.X; x < b.Max.X; x++ {
			yi, ci := ycc.YOffset(x, y), ycc.COffset(x, y)
			p := 4 * (x - ycc.Rect.Min.X)
			row[p], row[p+1], row[p+2], row[p+3] = ycc.Y[yi], ycc.Cb[ci], ycc.Cr[ci], 255
		}
	}
}

// yccToRGB converts RGBA pixels holding Y, Cb, Cr in place to RGB, with
// libjpeg's fixed-point BT.601 arithmetic (jdcolor.c), as OpenSlide does
// for Aperio's YCbCr JPEG 2000 tiles.
func yccToRGB(pix []byte) {
	const scale, half = 16, 1 << 15
	fix := func(x float64) int { return int(x*(1<<scale) + 0.5) }
	for p := 0; p+3 < len(pix); p += 4 {
		y, cb, cr := int(pix[p]), int(pix[p+1])-128, int(pix[p+2])-128
		r := y + (fix(1.40200)*cr+half)>>scale
		g := y + (-fix(0.34414)*cb-fix(0.71414)*cr+half)>>scale
		b := y + (fix(1.77200)*cb+half)>>scale
		pix[p], pix[p+1], pix[p+2] = clamp8(r), clamp8(g), clamp8(b)
	}
}

func clamp8(v int) byte { return byte(min(max(v, 0), 255)) }

// withJPEGTables completes an abbreviated JPEG stream (a TIFF tile or
// strip whose tables are in the JPEGTables tag): the tables (minus EOI)
// then the data (minus SOI). data is returned as it is without tables.
func withJPEGTables(tables, data []byte) []byte {
	if len(tables) > 4 && len(data) > 2 {
		return append(append([]byte(nil), tables[:len(tables)-2]...), data[2:]...)
	}
	return data
}

// decodedTiles is a least-recently-used cache of decoded file tiles, by
// (level, tile index), holding at most max tiles. Safe for concurrent use.
type decodedTiles struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recently used; values are [2]int keys
	tiles map[[2]int]*list.Element
}

type decodedTile struct {
	key [2]int
	img *image.RGBA
}

func newDecodedTiles(n int) *decodedTiles {
	return &decodedTiles{max: n, order: list.New(), tiles: map[[2]int]*list.Element{}}
}

// get returns the tile under k, or nil, and marks it used.
func (c *decodedTiles) get(k [2]int) *image.RGBA {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.tiles[k]
	if !ok {
		return nil
	}
	c.order.MoveToFront(e)
	return e.Value.(decodedTile).img
}

// put stores img under k, dropping the least recently used tile when full.
func (c *decodedTiles) put(k [2]int, img *image.RGBA) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.tiles[k]; ok {
		c.order.MoveToFront(e)
		return
	}
	c.tiles[k] = c.order.PushFront(decodedTile{k, img})
	if c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.tiles, last.Value.(decodedTile).key)
	}
}

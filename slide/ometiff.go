package slide

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// OME-TIFF: a pure-Go reader for the tiled OME-TIFF files that OpenSlide
// 3.4.1 does not recognise (Bio-Formats and QuPath exports). It reads the
// first image's full-resolution IFD and its SubIFD pyramid, with JPEG,
// Deflate or uncompressed 8-bit RGB tiles, and µm/px from the OME-XML.

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
)

// Limits that keep a malformed file from allocating or looping without end.
const (
	maxIFDEntries = 4096
	maxTagBytes   = 64 << 20
	maxTiles      = 1 << 22
	maxTileSide   = 2048
	maxLevels     = 32
)

var errNotOME = errors.New("not an OME-TIFF")

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
type omeLevel struct {
	w, h, tw, th int
	compression  uint64
	offsets      []uint64
	counts       []uint64
	jpegTables   []byte
}

func (t *tiffReader) level(ifd tiffIFD) (*omeLevel, error) {
	get := func(tag uint16, def uint64) int {
		v, err := t.uint1(ifd, tag, def)
		if err != nil || v > math.MaxInt32 {
			return -1
		}
		return int(v)
	}
	l := &omeLevel{w: get(tagImageWidth, 0), h: get(tagImageLength, 0), tw: get(tagTileWidth, 0), th: get(tagTileLength, 0)}
	if l.w <= 0 || l.h <= 0 {
		return nil, errors.New("image without a size")
	}
	if l.tw <= 0 || l.th <= 0 || l.tw > maxTileSide || l.th > maxTileSide {
		return nil, errors.New("only tiled OME-TIFF images are supported")
	}
	if get(tagBitsPerSample, 8) != 8 || get(tagSamplesPerPixel, 1) != 3 || get(tagPlanarConfig, 1) != 1 || get(tagPredictor, 1) != 1 {
		return nil, errors.New("only 8-bit RGB OME-TIFF images are supported (this is fluorescence or multi-channel)")
	}
	l.compression = uint64(get(tagCompression, 1))
	switch l.compression {
	case 1, 7, 8, 32946:
	default:
		return nil, fmt.Errorf("OME-TIFF compression %d is not supported (JPEG, Deflate or none are)", l.compression)
	}
	across, down := (l.w+l.tw-1)/l.tw, (l.h+l.th-1)/l.th
	if across*down > maxTiles {
		return nil, errors.New("too many tiles")
	}
	var err error
	if l.offsets, err = t.uints(ifd, tagTileOffsets); err != nil {
		return nil, err
	}
	if l.counts, err = t.uints(ifd, tagTileByteCounts); err != nil {
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

// omeSlide is a Slide read from an OME-TIFF file in pure Go.
type omeSlide struct {
	path        string
	f           *os.File
	t           *tiffReader
	levels      []*omeLevel
	props       map[string]string
	mpp         MPP
	fingerprint string

	mu     sync.RWMutex // guards f against Close
	closed bool
	cache  *decodedTiles
}

var omePhysicalSize = regexp.MustCompile(`PhysicalSize([XY])="([0-9.eE+-]+)"(?:\s+PhysicalSize[XY]Unit="([^"]*)")?`)

// openOMETIFF opens path as an OME-TIFF, or returns errNotOME.
func openOMETIFF(path string) (Slide, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	s, err := parseOMETIFF(path, f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	s.f = f
	if s.fingerprint, err = FingerprintFile(path); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// parseOMETIFF reads the OME-TIFF structure from r (size bytes); the caller
// sets the file to close.
func parseOMETIFF(path string, r io.ReaderAt, size int64) (*omeSlide, error) {
	t, first, err := newTIFFReader(r, size)
	if err != nil {
		return nil, errNotOME
	}
	ifd, err := t.readIFD(first)
	if err != nil {
		return nil, errNotOME
	}
	desc := ""
	if e, ok := ifd[tagImageDesc]; ok && e.typ == 2 {
		if b, err := t.data(e); err == nil {
			desc = strings.TrimRight(string(b), "\x00")
		}
	}
	if !strings.Contains(desc, "<OME") {
		return nil, errNotOME
	}
	// From here the file is an OME-TIFF: problems are damage or unsupported content.
	s := &omeSlide{path: path, t: t, props: map[string]string{"openslide.vendor": "ome-tiff"}, cache: newDecodedTiles(48)}
	l0, err := t.level(ifd)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (%v)", path, ErrUnsupported, err)
	}
	s.levels = append(s.levels, l0)
	if subs, err := t.uints(ifd, tagSubIFDs); err == nil {
		for _, off := range subs {
			if len(s.levels) >= maxLevels {
				break
			}
			sub, err := t.readIFD(off)
			if err != nil {
				return nil, &DamageError{Path: path, Detail: "unreadable pyramid level: " + err.Error()}
			}
			l, err := t.level(sub)
			if err != nil || l.w >= s.levels[len(s.levels)-1].w {
				continue // not a smaller level of the same image
			}
			s.levels = append(s.levels, l)
		}
	}
	s.mpp = MPP{Source: MPPUnknown}
	var x, y float64
	for _, m := range omePhysicalSize.FindAllStringSubmatch(desc, 2) {
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil || (m[3] != "" && m[3] != "µm" && m[3] != "um" && m[3] != "micron") {
			continue
		}
		if m[1] == "X" {
			x = v
		} else {
			y = v
		}
		s.props["ome.PhysicalSize"+m[1]] = m[2]
	}
	if plausibleMPP(x) && plausibleMPP(y) {
		s.mpp = MPP{X: x, Y: y, Source: MPPFromOME}
		s.props["openslide.mpp-x"], s.props["openslide.mpp-y"] = strconv.FormatFloat(x, 'g', -1, 64), strconv.FormatFloat(y, 'g', -1, 64)
	}
	for i, l := range s.levels {
		s.props[fmt.Sprintf("openslide.level[%d].width", i)] = strconv.Itoa(l.w)
		s.props[fmt.Sprintf("openslide.level[%d].height", i)] = strconv.Itoa(l.h)
	}
	// Decode one tile now, so a file whose image data is broken is refused at open.
	if _, err := s.tile(len(s.levels)-1, 0); err != nil {
		return nil, &DamageError{Path: path, Detail: err.Error()}
	}
	return s, nil
}

func (s *omeSlide) Path() string   { return s.path }
func (s *omeSlide) Format() string { return "ome-tiff" }
func (s *omeSlide) Levels() []Level {
	out := make([]Level, len(s.levels))
	for i, l := range s.levels {
		out[i] = Level{Width: int64(l.w), Height: int64(l.h), Downsample: float64(s.levels[0].w) / float64(l.w)}
	}
	return out
}
func (s *omeSlide) MPP() MPP                       { return s.mpp }
func (s *omeSlide) ObjectivePower() float64        { return 0 }
func (s *omeSlide) AssociatedImageNames() []string { return nil }
func (s *omeSlide) AssociatedImage(name string) (*image.RGBA, error) {
	return nil, fmt.Errorf("%s: no associated image %q", s.path, name)
}
func (s *omeSlide) Background() color.RGBA { return color.RGBA{255, 255, 255, 255} }
func (s *omeSlide) Fingerprint() string    { return s.fingerprint }
func (s *omeSlide) Properties() map[string]string {
	out := make(map[string]string, len(s.props))
	for k, v := range s.props {
		out[k] = v
	}
	return out
}

func (s *omeSlide) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		if s.f != nil {
			return s.f.Close()
		}
	}
	return nil
}

// tile decodes tile index i of a level (through a small cache: display tiles
// are smaller than file tiles, so each file tile serves several reads).
func (s *omeSlide) tile(level, i int) (*image.RGBA, error) {
	key := [2]int{level, i}
	if img := s.cache.get(key); img != nil {
		return img, nil
	}
	l := s.levels[level]
	data, err := s.t.readAt(l.offsets[i], int(min(l.counts[i], maxTagBytes)))
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, l.tw, l.th))
	switch l.compression {
	case 7:
		if len(l.jpegTables) > 4 && len(data) > 2 {
			// Abbreviated stream: the tables (minus EOI) then the tile (minus SOI).
			data = append(append([]byte(nil), l.jpegTables[:len(l.jpegTables)-2]...), data[2:]...)
		}
		dec, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("JPEG tile %d: %v", i, err)
		}
		draw.Draw(img, img.Rect, dec, dec.Bounds().Min, draw.Src)
	case 8, 32946:
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("Deflate tile %d: %v", i, err)
		}
		raw, err := io.ReadAll(io.LimitReader(zr, int64(l.tw*l.th*3)))
		if err != nil {
			return nil, fmt.Errorf("Deflate tile %d: %v", i, err)
		}
		data = raw
		fallthrough
	case 1:
		if len(data) < l.tw*l.th*3 {
			return nil, fmt.Errorf("tile %d is short (%d bytes)", i, len(data))
		}
		for p := 0; p < l.tw*l.th; p++ {
			img.Pix[4*p], img.Pix[4*p+1], img.Pix[4*p+2], img.Pix[4*p+3] = data[3*p], data[3*p+1], data[3*p+2], 255
		}
	}
	s.cache.put(key, img)
	return img, nil
}

func (s *omeSlide) ReadRegion(dst *image.RGBA, level int, x0, y0 int64) error {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	if err := ValidateRegion(s.Levels(), level, w, h); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	draw.Draw(dst, dst.Rect, image.NewUniform(s.Background()), image.Point{}, draw.Src)
	l := s.levels[level]
	ds := float64(s.levels[0].w) / float64(l.w)
	region := image.Rect(0, 0, w, h).Add(image.Pt(int(math.Round(float64(x0)/ds)), int(math.Round(float64(y0)/ds))))
	across := (l.w + l.tw - 1) / l.tw
	in := region.Intersect(image.Rect(0, 0, l.w, l.h))
	if in.Empty() {
		return nil
	}
	for ty := in.Min.Y / l.th; ty <= (in.Max.Y-1)/l.th; ty++ {
		for tx := in.Min.X / l.tw; tx <= (in.Max.X-1)/l.tw; tx++ {
			img, err := s.tile(level, ty*across+tx)
			if err != nil {
				return &DamageError{Path: s.path, Detail: err.Error()}
			}
			tileRect := image.Rect(tx*l.tw, ty*l.th, (tx+1)*l.tw, (ty+1)*l.th).Intersect(in)
			draw.Draw(dst, tileRect.Sub(region.Min).Add(dst.Rect.Min), img, tileRect.Min.Sub(image.Pt(tx*l.tw, ty*l.th)), draw.Src)
		}
	}
	return nil
}

// decodedTiles is a small LRU of decoded file tiles. Safe for concurrent use.
type decodedTiles struct {
	mu    sync.Mutex
	max   int
	order [][2]int
	tiles map[[2]int]*image.RGBA
}

func newDecodedTiles(n int) *decodedTiles {
	return &decodedTiles{max: n, tiles: map[[2]int]*image.RGBA{}}
}

func (c *decodedTiles) get(k [2]int) *image.RGBA {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tiles[k]
}

func (c *decodedTiles) put(k [2]int, img *image.RGBA) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.tiles[k]; ok {
		return
	}
	c.tiles[k] = img
	c.order = append(c.order, k)
	if len(c.order) > c.max {
		delete(c.tiles, c.order[0])
		c.order = c.order[1:]
	}
}

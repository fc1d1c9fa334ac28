package slide

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/image/tiff/lzw"

	"tessera/internal/histogram"
)

// Fluorescence and multiplex images stored one plane per channel in a TIFF
// (OME-TIFF exports from Bio-Formats and QuPath, Akoya/PerkinElmer QPTIFF):
// each channel is a greyscale plane (8 or 16 bits, strips or tiles, none,
// Deflate or LZW), shown composited additively on black in the channel's
// colour, each channel windowed between black and white points chosen
// from its histogram (16-bit data windowed, never truncated). One
// resolution level (the full-resolution planes).

// channel is one plane of a multi-channel image and how it is shown.
type channel struct {
	name     string
	colour   color.RGBA
	plane    *plane
	lo, hi   int // window: values ≤ lo are black, ≥ hi full colour
	maxValue int // largest value the bit depth allows
	off      bool
	autoLo   int // the window chosen from the histogram
	autoHi   int
}

// maxQPTIFFPages bounds the pages read of a QPTIFF (channels × levels plus
// a few associated images).
const maxQPTIFFPages = 1024

// maxBlockPixels bounds a strip or tile of a channel plane.
const maxBlockPixels = 1 << 20

// plane is one greyscale image of a TIFF, in blocks (strips or tiles).
type plane struct {
	w, h, bw, bh int // image and block size, pixels
	bits         int // 8 or 16
	samples      int // values per pixel: 1 (a channel) or 3 (an RGB associated image)
	compression  uint64
	predictor    uint64
	offsets      []uint64
	counts       []uint64
}

// readPlane reads the layout of a one-sample greyscale IFD.
func (t *tiffReader) readPlane(ifd tiffIFD) (*plane, error) {
	return t.readPlaneOf(ifd, 1)
}

// readPlaneOf reads the layout of an IFD of samples values per pixel
// (chunky), 8 or 16 bits each.
func (t *tiffReader) readPlaneOf(ifd tiffIFD, samples int) (*plane, error) {
	get := func(tag uint16, def uint64) int {
		v, err := t.uint1(ifd, tag, def)
		if err != nil || v > 1<<30 {
			return -1
		}
		return int(v)
	}
	p := &plane{w: get(tagImageWidth, 0), h: get(tagImageLength, 0), bits: get(tagBitsPerSample, 8), samples: samples}
	if p.w <= 0 || p.h <= 0 || p.w > 1<<20 || p.h > 1<<20 {
		return nil, errors.New("a channel plane without a sensible size")
	}
	if get(tagSamplesPerPixel, 1) != samples || get(tagPlanarConfig, 1) != 1 || (p.bits != 8 && p.bits != 16) {
		return nil, fmt.Errorf("channel planes of %d samples of %d bits are not supported", get(tagSamplesPerPixel, 1), p.bits)
	}
	p.compression, p.predictor = uint64(get(tagCompression, 1)), uint64(get(tagPredictor, 1))
	switch p.compression {
	case compressionNone, compressionDeflate, compressionAdobeDeflate, compressionLZW:
	default:
		return nil, fmt.Errorf("channel planes with TIFF compression %d are not supported (none, Deflate, LZW are)", p.compression)
	}
	offTag, countTag := uint16(tagStripOffsets), uint16(tagStripByteCounts)
	if _, tiled := ifd[tagTileWidth]; tiled {
		p.bw, p.bh = get(tagTileWidth, 0), get(tagTileLength, 0)
		offTag, countTag = tagTileOffsets, tagTileByteCounts
	} else {
		p.bw, p.bh = p.w, get(tagRowsPerStrip, uint64(p.h))
		if p.bh > p.h {
			p.bh = p.h
		}
	}
	// A block is decoded whole: at most a megapixel (a 1024² tile, or
	// strips of 16 rows of a 65,536-pixel-wide image), so a size field
	// cannot make a reader allocate more.
	if p.bw <= 0 || p.bh <= 0 || int64(p.bw)*int64(p.bh) > maxBlockPixels {
		return nil, fmt.Errorf("channel blocks of %d×%d pixels", p.bw, p.bh)
	}
	n := ((p.w + p.bw - 1) / p.bw) * ((p.h + p.bh - 1) / p.bh)
	if n > maxTiles {
		return nil, errors.New("too many blocks")
	}
	var err error
	if p.offsets, err = t.uints(ifd, offTag); err != nil {
		return nil, err
	}
	if p.counts, err = t.uints(ifd, countTag); err != nil {
		return nil, err
	}
	if len(p.offsets) < n || len(p.counts) < n {
		return nil, errors.New("block tables shorter than the image")
	}
	return p, nil
}

// block decodes block i into values (row-major, bw×bh; rows past the
// image's end are zero).
func (p *plane) block(t *tiffReader, i int) ([]uint16, error) {
	data, err := t.readAt(p.offsets[i], int(min(p.counts[i], maxTagBytes)))
	if err != nil {
		return nil, err
	}
	want := p.bw * p.bh * p.samples * p.bits / 8
	switch p.compression {
	case compressionDeflate, compressionAdobeDeflate:
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("Deflate block %d: %v", i, err)
		}
		data, err = io.ReadAll(io.LimitReader(zr, int64(want)))
		if err != nil {
			return nil, fmt.Errorf("Deflate block %d: %v", i, err)
		}
	case compressionLZW:
		lr := lzw.NewReader(bytes.NewReader(data), lzw.MSB, 8)
		data, err = io.ReadAll(io.LimitReader(lr, int64(want)))
		lr.Close()
		if err != nil && len(data) == 0 {
			return nil, fmt.Errorf("LZW block %d: %v", i, err)
		}
	}
	vals := make([]uint16, p.bw*p.bh*p.samples)
	n := min(len(vals), len(data)*8/p.bits)
	for k := 0; k < n; k++ {
		if p.bits == 16 {
			vals[k] = t.order.Uint16(data[2*k:])
		} else {
			vals[k] = uint16(data[k])
		}
	}
	if p.predictor == 2 { // horizontal differencing
		rowLen := p.bw * p.samples
		for y := 0; y < p.bh; y++ {
			row := vals[y*rowLen : (y+1)*rowLen]
			for x := p.samples; x < len(row); x++ {
				row[x] += row[x-p.samples]
				if p.bits == 8 {
					row[x] &= 0xff
				}
			}
		}
	}
	return vals, nil
}

// channelSlide is a multi-channel fluorescence image.
type channelSlide struct {
	fileBacked
	format string
	t      *tiffReader
	mpp    MPP
	// levels[l][c] is channel c's plane at pyramid level l (level 0: the
	// full resolution; every channel's planes of a level are alike).
	levels [][]*plane
	// associated are RGB images beside the channels (QPTIFF thumbnail,
	// overview, label), decoded when asked for.
	associated map[string]*plane

	// settings guards channels' display settings and cache (composites
	// made with them), which SetChannel changes while tiles are read.
	settings sync.RWMutex
	channels []channel
	cache    *decodedTiles
}

// ChannelInfo is one channel of a multi-channel slide and how it is
// shown: values at or below Lo are black, at or above Hi full colour.
type ChannelInfo struct {
	Name           string
	Colour         color.RGBA
	Bits           int
	On             bool
	Lo, Hi, Max    int
	AutoLo, AutoHi int // the window chosen from the histogram
}

// Channeled is a slide of fluorescence channels whose display can change.
// Safe for concurrent use; after SetChannel, tiles read before it are
// stale (a viewer reloads them).
type Channeled interface {
	Channels() []ChannelInfo
	// SetChannel shows channel i or not, windowed between lo and hi
	// (0 ≤ lo < hi ≤ Max).
	SetChannel(i int, on bool, lo, hi int) error
}

// ChannelsOf returns s's channels control, if s is a channel image.
func ChannelsOf(s Slide) (Channeled, bool) {
	c, ok := s.(Channeled)
	return c, ok
}

// Channels describes the channels and their display settings.
func (s *channelSlide) Channels() []ChannelInfo {
	s.settings.RLock()
	defer s.settings.RUnlock()
	out := make([]ChannelInfo, len(s.channels))
	for i, c := range s.channels {
		out[i] = ChannelInfo{Name: c.name, Colour: c.colour, Bits: c.plane.bits, On: !c.off, Lo: c.lo, Hi: c.hi, Max: c.maxValue, AutoLo: c.autoLo, AutoHi: c.autoHi}
	}
	return out
}

// SetChannel changes how channel i is shown and drops the composites made
// before.
func (s *channelSlide) SetChannel(i int, on bool, lo, hi int) error {
	s.settings.Lock()
	defer s.settings.Unlock()
	if i < 0 || i >= len(s.channels) {
		return fmt.Errorf("no channel %d", i+1)
	}
	c := &s.channels[i]
	if lo < 0 || hi > c.maxValue || lo >= hi {
		return fmt.Errorf("the window %d–%d does not fit channel %s (0–%d, black point below white point)", lo, hi, c.name, c.maxValue)
	}
	c.off, c.lo, c.hi = !on, lo, hi
	s.cache = newDecodedTiles(32)
	return nil
}

// defaultPalette colours channels that say nothing of their colour: blue
// (the nuclear stain first, as DAPI usually is), green, red, then others.
var defaultPalette = []color.RGBA{{0, 0, 255, 255}, {0, 255, 0, 255}, {255, 0, 0, 255}, {255, 0, 255, 255},
	{0, 255, 255, 255}, {255, 255, 0, 255}, {255, 128, 0, 255}, {255, 255, 255, 255}}

// newChannelSlide builds a slide from channel planes (names and colours
// may be empty), sets each channel's window from its histogram, and
// decodes a block to refuse broken data at open.
func newChannelSlide(path, format string, t *tiffReader, planes []*plane, names []string, colours []*color.RGBA) (*channelSlide, error) {
	if len(planes) == 0 {
		return nil, fmt.Errorf("%s: %w: no channel planes", path, ErrUnsupported)
	}
	s := &channelSlide{fileBacked: fileBacked{path: path, props: map[string]string{"openslide.vendor": format}}, format: format, t: t, cache: newDecodedTiles(32),
		levels: [][]*plane{planes}, associated: map[string]*plane{}}
	for i, p := range planes {
		if p.w != planes[0].w || p.h != planes[0].h || p.bw != planes[0].bw || p.bh != planes[0].bh {
			return nil, &DamageError{Path: path, Detail: "channel planes of different sizes"}
		}
		c := channel{name: fmt.Sprintf("Channel %d", i+1), colour: defaultPalette[i%len(defaultPalette)], plane: p, maxValue: 1<<p.bits - 1}
		if i < len(names) && names[i] != "" {
			c.name = names[i]
		}
		if i < len(colours) && colours[i] != nil {
			c.colour = *colours[i]
		}
		lo, hi, err := autoWindow(t, p)
		if err != nil {
			return nil, &DamageError{Path: path, Detail: err.Error()}
		}
		c.lo, c.hi, c.autoLo, c.autoHi = lo, hi, lo, hi
		s.channels = append(s.channels, c)
		s.props[fmt.Sprintf("channel[%d].name", i)] = c.name
		s.props[fmt.Sprintf("channel[%d].color", i)] = hexColour(c.colour.R, c.colour.G, c.colour.B)
		s.props[fmt.Sprintf("channel[%d].bits", i)] = strconv.Itoa(p.bits)
		s.props[fmt.Sprintf("channel[%d].window", i)] = fmt.Sprintf("%d–%d (automatic, from the histogram)", lo, hi)
	}
	s.props["channels"] = strconv.Itoa(len(s.channels))
	s.props["openslide.level[0].width"], s.props["openslide.level[0].height"] = strconv.Itoa(planes[0].w), strconv.Itoa(planes[0].h)
	return s, nil
}

// autoWindow samples a plane's blocks (spread over the image, about a
// megapixel in all) and returns the values at the 1st and 99.8th
// percentiles (at least one step apart) as black and white points.
func autoWindow(t *tiffReader, p *plane) (lo, hi int, err error) {
	hist := make([]int, 1<<p.bits)
	n := ((p.w + p.bw - 1) / p.bw) * ((p.h + p.bh - 1) / p.bh)
	samples := max(1, min(n, maxBlockPixels/(p.bw*p.bh)))
	step := max(1, n/samples)
	total := 0
	across := (p.w + p.bw - 1) / p.bw
	for i := 0; i < n && total < maxBlockPixels; i += step {
		vals, err := p.block(t, i)
		if err != nil {
			return 0, 0, err
		}
		// Only pixels inside the image: edge tiles are padded.
		x0, y0 := (i%across)*p.bw, (i/across)*p.bh
		for y := 0; y < min(p.bh, p.h-y0); y++ {
			for _, v := range vals[y*p.bw : y*p.bw+min(p.bw, p.w-x0)] {
				hist[v]++
				total++
			}
		}
	}
	lo, hi = histogram.Percentile(hist, total, 0.01), histogram.Percentile(hist, total, 0.998)
	if hi <= lo {
		hi = min(lo+1, len(hist)-1)
		if hi == lo {
			lo--
		}
	}
	return lo, hi, nil
}

func (s *channelSlide) Format() string { return s.format }
func (s *channelSlide) Levels() []Level {
	return pyramid(len(s.levels), func(i int) (int, int) { return s.levels[i][0].w, s.levels[i][0].h })
}

// addLevel appends a reduced level (one plane per channel, in channel
// order) when it is smaller than the last level and its planes are alike;
// it reports whether it did.
func (s *channelSlide) addLevel(planes []*plane) bool {
	last := s.levels[len(s.levels)-1][0]
	if len(planes) != len(s.channels) || len(s.levels) >= maxLevels || planes[0].w >= last.w || planes[0].h >= last.h {
		return false
	}
	for c, p := range planes {
		if p.w != planes[0].w || p.h != planes[0].h || p.bw != planes[0].bw || p.bh != planes[0].bh || p.bits != s.channels[c].plane.bits {
			return false
		}
	}
	i := len(s.levels)
	s.levels = append(s.levels, planes)
	s.props[fmt.Sprintf("openslide.level[%d].width", i)], s.props[fmt.Sprintf("openslide.level[%d].height", i)] = strconv.Itoa(planes[0].w), strconv.Itoa(planes[0].h)
	return true
}
func (s *channelSlide) MPP() MPP                { return s.mpp }
func (s *channelSlide) ObjectivePower() float64 { return 0 }
func (s *channelSlide) AssociatedImageNames() []string {
	var names []string
	for n := range s.associated {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// maxAssociatedPixels bounds an associated image Tessera decodes.
const maxAssociatedPixels = 16 << 20

func (s *channelSlide) AssociatedImage(name string) (*image.RGBA, error) {
	p, ok := s.associated[name]
	if !ok {
		return nil, fmt.Errorf("%s: no associated image %q", s.path, name)
	}
	if p.w*p.h > maxAssociatedPixels {
		return nil, fmt.Errorf("%s: the %s image is too large to show (%d×%d)", s.path, name, p.w, p.h)
	}
	if err := s.readLock(); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	img := image.NewRGBA(image.Rect(0, 0, p.w, p.h))
	across := (p.w + p.bw - 1) / p.bw
	for i := 0; i < across*((p.h+p.bh-1)/p.bh); i++ {
		vals, err := p.block(s.t, i)
		if err != nil {
			return nil, &DamageError{Path: s.path, Detail: fmt.Sprintf("the %s image: %v", name, err)}
		}
		x0, y0 := (i%across)*p.bw, (i/across)*p.bh
		for y := 0; y < p.bh && y0+y < p.h; y++ {
			for x := 0; x < p.bw && x0+x < p.w; x++ {
				v := vals[(y*p.bw+x)*3:]
				shift := uint(p.bits - 8)
				o := img.PixOffset(x0+x, y0+y)
				img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = uint8(v[0]>>shift), uint8(v[1]>>shift), uint8(v[2]>>shift), 255
			}
		}
	}
	return img, nil
}
func (s *channelSlide) Background() color.RGBA { return color.RGBA{0, 0, 0, 255} }

// composite decodes block i of every channel at level and adds them,
// windowed and coloured, on black.
func (s *channelSlide) composite(level, i int) (*image.RGBA, error) {
	s.settings.RLock()
	channels, cache := slices.Clone(s.channels), s.cache
	s.settings.RUnlock()
	if img := cache.get([2]int{level, i}); img != nil {
		return img, nil
	}
	planes := s.levels[level]
	p := planes[0]
	acc := make([]int32, 3*p.bw*p.bh)
	for ci, c := range channels {
		if c.off {
			continue
		}
		vals, err := planes[ci].block(s.t, i)
		if err != nil {
			return nil, err
		}
		span := int32(c.hi - c.lo)
		for k, v := range vals {
			x := (int32(v) - int32(c.lo)) * 255 / span
			if x <= 0 {
				continue
			}
			x = min(x, 255)
			acc[3*k] += x * int32(c.colour.R) / 255
			acc[3*k+1] += x * int32(c.colour.G) / 255
			acc[3*k+2] += x * int32(c.colour.B) / 255
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, p.bw, p.bh))
	for k := 0; k < p.bw*p.bh; k++ {
		img.Pix[4*k], img.Pix[4*k+1], img.Pix[4*k+2], img.Pix[4*k+3] = uint8(min(acc[3*k], 255)), uint8(min(acc[3*k+1], 255)), uint8(min(acc[3*k+2], 255)), 255
	}
	cache.put([2]int{level, i}, img) // the cache of these settings (a stale one is dropped)
	return img, nil
}

func (s *channelSlide) ReadRegion(dst *image.RGBA, level int, x0, y0 int64) error {
	levels := s.Levels()
	if level < 0 || level >= len(levels) {
		return ValidateRegion(levels, level, dst.Rect.Dx(), dst.Rect.Dy())
	}
	p := s.levels[level][0]
	return s.readGrid(dst, levels, level, x0, y0, p.w, p.h, p.bw, p.bh, s.Background(), func(k int) (*image.RGBA, error) { return s.composite(level, k) })
}

// Channel metadata in OME-XML and QPTIFF XML.
var (
	omeChannel   = regexp.MustCompile(`<(?:\w+:)?Channel\b[^>]*>`)
	omeAttr      = regexp.MustCompile(`\b(Name|Color)="([^"]*)"`)
	qptiffName   = regexp.MustCompile(`<Name>([^<]*)</Name>`)
	qptiffColour = regexp.MustCompile(`<Color>\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*</Color>`)
	qptiffType   = regexp.MustCompile(`<ImageType>([^<]*)</ImageType>`)
)

// omeChannels reads channel names and colours (signed RGBA integers) from
// OME-XML, in order.
func omeChannels(xml string) (names []string, colours []*color.RGBA) {
	for _, tag := range omeChannel.FindAllString(xml, -1) {
		var name string
		var col *color.RGBA
		for _, m := range omeAttr.FindAllStringSubmatch(tag, -1) {
			switch m[1] {
			case "Name":
				name = m[2]
			case "Color":
				if v, err := strconv.ParseInt(m[2], 10, 64); err == nil {
					u := uint32(v)
					col = &color.RGBA{uint8(u >> 24), uint8(u >> 16), uint8(u >> 8), 255}
				}
			}
		}
		names, colours = append(names, name), append(colours, col)
	}
	return names, colours
}

// ifdChain reads up to max directories following the first.
func (t *tiffReader) ifdChain(first uint64, max int) ([]tiffIFD, error) {
	var out []tiffIFD
	seen := map[uint64]bool{}
	for off := first; off != 0 && len(out) < max; {
		if seen[off] {
			return nil, errors.New("a loop in the TIFF directories")
		}
		seen[off] = true
		ifd, err := t.readIFD(off)
		if err != nil {
			return nil, err
		}
		out = append(out, ifd)
		if off, err = t.nextIFD(off, len(ifd)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// nextIFD reads the offset of the directory after the one at off (which
// has n entries).
func (t *tiffReader) nextIFD(off uint64, n int) (uint64, error) {
	countSize, entrySize, ptrSize := uint64(2), uint64(12), 4
	if t.big {
		countSize, entrySize, ptrSize = 8, 20, 8
	}
	b, err := t.readAt(off+countSize+uint64(n)*entrySize, ptrSize)
	if err != nil {
		return 0, err
	}
	if t.big {
		return t.order.Uint64(b), nil
	}
	return uint64(t.order.Uint32(b)), nil
}

// description returns an IFD's ImageDescription ("" if none).
func (t *tiffReader) description(ifd tiffIFD) string {
	e, ok := ifd[tagImageDesc]
	if !ok || e.typ != 2 {
		return ""
	}
	b, err := t.data(e)
	if err != nil {
		return ""
	}
	return strings.TrimRight(string(b), "\x00")
}

// openChannels opens the one-plane-per-channel images of an OME-TIFF or a
// QPTIFF, or returns errNotOME when the file is neither.
func openChannels(path string) (Slide, error) {
	return openParsed(path, parseChannels, func(s *channelSlide, f *os.File, fp string) { s.f, s.fingerprint = f, fp })
}

func parseChannels(path string, r io.ReaderAt, size int64) (*channelSlide, error) {
	t, first, err := newTIFFReader(r, size)
	if err != nil {
		return nil, errNotOME
	}
	ifds, err := t.ifdChain(first, 64)
	if err != nil || len(ifds) == 0 {
		return nil, errNotOME
	}
	desc := t.description(ifds[0])
	var planes []*plane
	var names []string
	var colours []*color.RGBA
	format := ""
	extraProps := map[string]string{}
	var reducedOME [][]*plane  // [level-1][channel], from SubIFDs
	var reducedQPTIFF []*plane // in file order: each level's channels in turn
	assoc := map[string]*plane{}
	switch {
	case strings.Contains(desc, "PerkinElmer-QPI-ImageDescription"):
		format = "qptiff"
		if ifds, err = t.ifdChain(first, maxQPTIFFPages); err != nil {
			return nil, &DamageError{Path: path, Detail: err.Error()}
		}
		for _, ifd := range ifds {
			d := t.description(ifd)
			kind := ""
			if m := qptiffType.FindStringSubmatch(d); m != nil {
				kind = m[1]
			}
			switch kind {
			case "FullResolution":
			case "ReducedResolution":
				if p, err := t.readPlane(ifd); err == nil {
					reducedQPTIFF = append(reducedQPTIFF, p)
				}
				continue
			case "Thumbnail", "Overview", "Label":
				if p, err := t.readPlaneOf(ifd, 3); err == nil {
					assoc[map[string]string{"Thumbnail": "thumbnail", "Overview": "macro", "Label": "label"}[kind]] = p
				}
				continue
			default:
				continue
			}
			p, err := t.readPlane(ifd)
			if err != nil {
				return nil, fmt.Errorf("%s: %w (%v)", path, ErrUnsupported, err)
			}
			planes = append(planes, p)
			name := ""
			if m := qptiffName.FindStringSubmatch(d); m != nil {
				name = m[1]
			}
			var col *color.RGBA
			if m := qptiffColour.FindStringSubmatch(d); m != nil {
				r, _ := strconv.Atoi(m[1])
				g, _ := strconv.Atoi(m[2])
				b, _ := strconv.Atoi(m[3])
				col = &color.RGBA{uint8(r), uint8(g), uint8(b), 255}
			}
			names, colours = append(names, name), append(colours, col)
		}
	case strings.Contains(desc, "<OME"):
		format = "ome-tiff"
		names, colours = omeChannels(desc)
		dims := omeDimensionsOf(desc, max(len(names), 1))
		if last := dims.ifdIndex(dims.sizeC - 1); last >= len(ifds) {
			if ifds, err = t.ifdChain(first, last+1); err != nil || len(ifds) <= last {
				return nil, fmt.Errorf("%s: %w: the OME-XML describes %d planes but the file has fewer directories", path, ErrDamaged, dims.sizeZ*dims.sizeC*dims.sizeT)
			}
		}
		for c := 0; c < dims.sizeC; c++ {
			ifd := ifds[dims.ifdIndex(c)]
			p, err := t.readPlane(ifd)
			if err != nil {
				return nil, fmt.Errorf("%s: %w (%v)", path, ErrUnsupported, err)
			}
			planes = append(planes, p)
			// The plane's SubIFDs are its reduced levels (Bio-Formats, QuPath).
			subs, _ := t.uints(ifd, tagSubIFDs)
			for l, off := range subs {
				if l >= maxLevels {
					break
				}
				sub, err := t.readIFD(off)
				if err != nil {
					break
				}
				p, err := t.readPlane(sub)
				if err != nil {
					break
				}
				if len(reducedOME) <= l {
					reducedOME = append(reducedOME, nil)
				}
				reducedOME[l] = append(reducedOME[l], p)
			}
		}
		dims.describe(extraProps)
	default:
		return nil, errNotOME
	}
	s, err := newChannelSlide(path, format, t, planes, names, colours)
	if err != nil {
		return nil, err
	}
	maps.Copy(s.props, extraProps)
	for _, lvl := range reducedOME {
		if !s.addLevel(lvl) {
			break
		}
	}
	for n := len(planes); len(reducedQPTIFF) >= n; reducedQPTIFF = reducedQPTIFF[n:] {
		if !s.addLevel(reducedQPTIFF[:n]) {
			break
		}
	}
	s.associated = assoc
	s.mpp = MPP{Source: MPPUnknown}
	if format == "ome-tiff" {
		s.mpp = omeMPP(desc, s.props)
	}
	if !s.mpp.Known() {
		s.mpp = t.resolutionMPP(ifds[0])
	}
	return s, nil
}

// resolutionMPP reads µm/px from the TIFF resolution tags when they are in
// centimetres or inches (not the 72-dpi default).
func (t *tiffReader) resolutionMPP(ifd tiffIFD) MPP {
	unit, _ := t.uint1(ifd, tagResolutionUnit, 2)
	e, ok := ifd[tagXResolution]
	if !ok || e.typ != 5 {
		return MPP{Source: MPPUnknown}
	}
	b, err := t.data(e)
	if err != nil || len(b) < 8 {
		return MPP{Source: MPPUnknown}
	}
	num, den := float64(t.order.Uint32(b)), float64(t.order.Uint32(b[4:]))
	if num <= 0 || den <= 0 {
		return MPP{Source: MPPUnknown}
	}
	perUnit := num / den
	var mpp float64
	switch unit {
	case 3: // centimetre
		mpp = 1e4 / perUnit
	case 2: // inch
		if perUnit == 72 || perUnit == 96 {
			return MPP{Source: MPPUnknown}
		}
		mpp = 25400 / perUnit
	}
	if !plausibleMPP(mpp) {
		return MPP{Source: MPPUnknown}
	}
	return MPP{X: mpp, Y: mpp, Source: MPPFromTIFF}
}

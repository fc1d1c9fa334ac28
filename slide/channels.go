package slide

import (
	"fmt"
	"image"
	"image/color"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"tessera/internal/histogram"
)

// Fluorescence and multiplex images stored one plane per channel in a TIFF
// (OME-TIFF exports from Bio-Formats and QuPath, Akoya/PerkinElmer QPTIFF):
// each channel is a greyscale plane (8 or 16 bits, strips or tiles, none,
// Deflate or LZW), shown composited additively on black in the channel's
// colour, each channel windowed between black and white points chosen
// from its histogram (16-bit data windowed, never truncated), read through
// their pyramids where the file has them. The planes are plane.go's; the
// files' layouts (OME-TIFF, QPTIFF) are read in channelfiles.go.

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

// colourWords are the colours a channel's name can say it is drawn in.
var colourWords = map[string]color.RGBA{
	"red": {255, 0, 0, 255}, "green": {0, 255, 0, 255}, "blue": {0, 0, 255, 255},
	"cyan": {0, 255, 255, 255}, "magenta": {255, 0, 255, 255}, "yellow": {255, 255, 0, 255},
	"orange": {255, 128, 0, 255}, "white": {255, 255, 255, 255}, "grey": {255, 255, 255, 255}, "gray": {255, 255, 255, 255},
}

// colourNamed is the colour a channel name says ("Green", "green
// channel", "Blue 2"), for a channel whose file gives no colour or
// wavelength: a channel named "Green" is never drawn blue. ok is false
// when the name holds no colour word, or more than one.
func colourNamed(name string) (c color.RGBA, ok bool) {
	found := 0
	for _, word := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if w, has := colourWords[word]; has {
			c, found = w, found+1
		}
	}
	return c, found == 1
}

// newChannelSlide builds a slide from channel planes (names and colours
// may be empty), sets each channel's window from its histogram, and
// decodes a block to refuse broken data at open.
func newChannelSlide(path, format string, t *tiffReader, planes []*plane, names []string, colours []*color.RGBA) (*channelSlide, error) {
	if len(planes) == 0 {
		return nil, &UnsupportedError{Name: filepath.Base(path), Reason: "no channel planes"}
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
		} else if named, ok := colourNamed(c.name); ok {
			c.colour = named
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

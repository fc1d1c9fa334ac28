package slide

import (
	"fmt"
	"image"
	"image/color"
	"path/filepath"
	"sort"
	"strconv"
)

// A DICOM fluorescence or multiplex series: monochrome VOLUME images with
// several optical paths, each path a channel (coloured by its emission
// filter's pass band, else its illumination wavelength, else the default
// palette), stored one instance per path
// (the usual layout) or several paths in one instance (TILED_FULL order
// or per-frame OpticalPathIdentificationSequence). It opens as a channel
// slide (channels.go): each channel's planes read the path's frames.

// dicomChannelSlide is a channel slide over DICOM instances.
type dicomChannelSlide struct {
	*channelSlide
	files      []*dicomInstance // every instance the planes read, closed with the slide
	associated map[string]*dicomInstance
	objective  float64
}

// isChannelSeries reports whether the VOLUME instances (largest first) are
// monochrome images of at least two optical paths at full size.
func isChannelSeries(volumes []*dicomInstance) bool {
	ids := map[string]bool{}
	for _, in := range volumes {
		if in.width != volumes[0].width {
			break
		}
		if in.spp != 1 {
			return false
		}
		for id := range in.pathTiles {
			ids[id] = true
		}
	}
	return len(ids) >= 2
}

// assembleDICOMChannels builds the channel slide of a series: channels in
// the order their paths first appear at full size, a level for each
// smaller size at which every channel has a plane.
func assembleDICOMChannels(path string, volumes []*dicomInstance, associated map[string]*dicomInstance) (*dicomChannelSlide, error) {
	type source struct {
		in    *dicomInstance
		tiles []int
	}
	var order []opticalPath
	bySize := map[int]map[string]source{} // width → path id → where its frames are
	var widths []int
	for _, in := range volumes {
		if bySize[in.width] == nil {
			bySize[in.width] = map[string]source{}
			widths = append(widths, in.width)
		}
		for _, o := range in.paths {
			tiles := in.pathTiles[o.id]
			if tiles == nil {
				continue
			}
			if in.width == volumes[0].width && !hasPath(order, o.id) {
				order = append(order, o)
			}
			if _, dup := bySize[in.width][o.id]; !dup {
				bySize[in.width][o.id] = source{in, tiles}
			}
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(widths)))
	planesAt := func(width int) ([]*plane, bool) {
		var planes []*plane
		for _, o := range order {
			src, ok := bySize[width][o.id]
			if !ok || src.in.spp != 1 {
				return nil, false
			}
			planes = append(planes, src.in.channelPlane(src.tiles))
		}
		return planes, true
	}
	l0 := volumes[0]
	for _, in := range volumes {
		if err := in.checkCodec(); err != nil {
			return nil, &UnsupportedError{Name: filepath.Base(path), Reason: err.Error(), DICOM: true}
		}
	}
	planes, _ := planesAt(widths[0])
	names := make([]string, len(order))
	colours := make([]*color.RGBA, len(order))
	for i, o := range order {
		names[i] = o.name()
		if nm := o.colourWavelength(); nm > 0 {
			c := wavelengthColour(nm)
			colours[i] = &c
		}
	}
	cs, err := newChannelSlide(path, "dicom", nil, planes, names, colours)
	if err != nil {
		return nil, err
	}
	for _, w := range widths[1:] {
		if lvl, ok := planesAt(w); ok {
			cs.addLevel(lvl)
		}
	}
	s := &dicomChannelSlide{channelSlide: cs, files: volumes, associated: associated, objective: l0.objective}
	cs.props["openslide.vendor"] = "dicom"
	cs.mpp = l0.describeSeries(cs.props)
	cs.props["dicom.optical-paths"] = strconv.Itoa(len(order))
	for i, o := range order {
		cs.props[fmt.Sprintf("channel[%d].optical-path", i)] = o.id
		if o.wavelength > 0 {
			cs.props[fmt.Sprintf("channel[%d].illumination-nm", i)] = strconv.FormatFloat(o.wavelength, 'g', -1, 64)
		}
		if o.emission > 0 {
			cs.props[fmt.Sprintf("channel[%d].emission-nm", i)] = strconv.FormatFloat(o.emission, 'g', -1, 64)
		}
	}
	if cs.fingerprint, err = FingerprintFile(l0.path); err != nil {
		return nil, err
	}
	return s, nil
}

func hasPath(ps []opticalPath, id string) bool {
	for _, p := range ps {
		if p.id == id {
			return true
		}
	}
	return false
}

// channelPlane is one optical path of the instance as a channel plane:
// its frames, placed by tiles, are the blocks.
func (in *dicomInstance) channelPlane(tiles []int) *plane {
	p := &plane{w: in.width, h: in.height, bw: in.tw, bh: in.th, bits: in.bits, samples: 1}
	p.decode = func(k int) ([]uint16, error) {
		if k < 0 || k >= len(tiles) || tiles[k] < 0 {
			return make([]uint16, in.tw*in.th), nil // a sparse image's missing tile: black
		}
		return in.frameValues(tiles[k])
	}
	return p
}

// frameValues decodes monochrome frame i as values (tw × th, row-major;
// a smaller edge frame padded with zeros), unscaled: 16-bit data keeps
// its 16 bits for the channel's window.
func (in *dicomInstance) frameValues(i int) ([]uint16, error) {
	data, err := in.readFrame(i)
	if err != nil {
		return nil, err
	}
	vals := make([]uint16, in.tw*in.th)
	switch in.syntax {
	case syntaxJ2KLossless, syntaxJ2K:
		dec, w, h, err := decodeJ2KValues(data, in.tw, in.th)
		if err != nil {
			return nil, fmt.Errorf("frame %d: %v", i+1, err)
		}
		for y := 0; y < h; y++ {
			copy(vals[y*in.tw:y*in.tw+w], dec[y*w:(y+1)*w])
		}
	case syntaxJPEGBaseline:
		if vals, err = jpegValues(data, in.tw, in.th, 1); err != nil {
			return nil, fmt.Errorf("JPEG frame %d: %v", i+1, err)
		}
	default: // native little-endian
		if len(data) < len(vals)*in.bits/8 {
			return nil, fmt.Errorf("frame %d: %d bytes, %d×%d pixels of %d bits need %d", i+1, len(data), in.tw, in.th, in.bits, len(vals)*in.bits/8)
		}
		for p := range vals {
			if in.bits == 16 {
				vals[p] = uint16(data[2*p]) | uint16(data[2*p+1])<<8
			} else {
				vals[p] = uint16(data[p])
			}
		}
	}
	if in.photometric == "MONOCHROME1" { // white is zero: turn it round
		top := uint16(1<<in.bits - 1)
		for p := range vals {
			vals[p] = top - vals[p]
		}
	}
	return vals, nil
}

// wavelengthColour is the colour of light of the given wavelength (nm),
// brightest channel at full: violet below 440 nm, through blue, green and
// yellow, to red above 645 nm (the usual piecewise approximation of the
// visible spectrum; ultraviolet shows violet, infrared red).
func wavelengthColour(nm float64) color.RGBA {
	var r, g, b float64
	switch {
	case nm < 440:
		r, b = max(0, (440-max(nm, 380))/60), 1
	case nm < 490:
		g, b = (nm-440)/50, 1
	case nm < 510:
		g, b = 1, (510-nm)/20
	case nm < 580:
		r, g = (nm-510)/70, 1
	case nm < 645:
		r, g = 1, (645-nm)/65
	default:
		r = 1
	}
	return color.RGBA{uint8(255 * r), uint8(255 * g), uint8(255 * b), 255}
}

func (s *dicomChannelSlide) Format() string          { return "dicom" }
func (s *dicomChannelSlide) ObjectivePower() float64 { return s.objective }

// Close closes the slide (reads in flight finish first), then its files.
func (s *dicomChannelSlide) Close() error {
	err := s.channelSlide.Close()
	for _, in := range s.files {
		in.f.Close()
	}
	for _, in := range s.associated {
		in.f.Close()
	}
	return err
}

func (s *dicomChannelSlide) AssociatedImageNames() []string { return associatedNames(s.associated) }

// AssociatedImage decodes the series' label, overview ("macro") or
// thumbnail whole (they are RGB images).
func (s *dicomChannelSlide) AssociatedImage(name string) (*image.RGBA, error) {
	in, ok := s.associated[name]
	if !ok {
		return nil, fmt.Errorf("%s: no associated image %q", s.path, name)
	}
	if err := s.readLock(); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return decodeWhole(in, color.RGBA{255, 255, 255, 255})
}

package slide

import (
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
)

// DICOM VL Whole Slide Microscopy Image: a series of instances, each a
// Part 10 file, opened as one slide. VOLUME instances are the pyramid's
// levels (largest total pixel matrix first); LABEL, OVERVIEW and THUMBNAIL
// instances are associated images. Each instance (dicominstance.go) has
// its metadata from github.com/suyashkumar/dicom; frames are read lazily
// through the byte layout found by dicomfile.go and decoded on demand
// (dicomcodec.go).

// maxDICOMFiles bounds how many files of a folder are looked at.
const maxDICOMFiles = 4096

// dicomSlide is one series opened as a slide.
type dicomSlide struct {
	path        string
	levels      []*dicomInstance
	associated  map[string]*dicomInstance // "label", "macro", "thumbnail"
	mpp         MPP
	props       map[string]string
	fingerprint string
	cache       *decodedTiles

	mu     sync.RWMutex // guards the files against Close
	closed bool
}

// openDICOM opens path (a DICOM file, or a folder of them) as the series
// of the file (or the folder's largest series). It returns errNotDICOM for
// anything that is not DICOM.
func openDICOM(path string) (Slide, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	dir, want := filepath.Dir(path), ""
	if st.IsDir() {
		dir = path
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		ok := isDICOM(f)
		f.Close()
		if !ok {
			return nil, errNotDICOM
		}
		first, err := readDICOMInstance(path)
		if err != nil {
			return nil, err
		}
		want = first.series
		first.f.Close()
	}
	instances, err := seriesIn(dir, want)
	if err != nil {
		return nil, err
	}
	if len(instances) == 0 {
		return nil, errNotDICOM
	}
	s, err := assembleDICOM(path, instances)
	if err != nil {
		for _, in := range instances {
			in.f.Close()
		}
		return nil, err
	}
	return s, nil
}

// seriesIn reads the DICOM files of dir; with want set, those of that
// series, else those of the series with the largest image; among equals,
// one whose pixels Tessera decodes, then the lowest series UID (the same
// folder always opens as the same slide: a map's order chose among equals
// before). Files that are
// not DICOM are skipped; a damaged or foreign DICOM file is an error only
// when it is the one asked for (want == "" and nothing else is found).
func seriesIn(dir, want string) ([]*dicomInstance, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	bySeries := map[string][]*dicomInstance{}
	var firstErr error
	seen := 0
	for _, e := range entries {
		if e.IsDir() || seen >= maxDICOMFiles {
			continue
		}
		seen++
		p := filepath.Join(dir, e.Name())
		in, err := readDICOMInstance(p)
		if err == errNotDICOM {
			continue
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if want != "" && in.series != want {
			in.f.Close()
			continue
		}
		bySeries[in.series] = append(bySeries[in.series], in)
	}
	best, bestSize, bestDecoded := "", 0, false
	for series, ins := range bySeries {
		for _, in := range ins {
			if in.kind != "VOLUME" {
				continue
			}
			size, decoded := in.width*in.height, in.checkCodec() == nil
			switch {
			case size != bestSize:
				if size < bestSize {
					continue
				}
			case decoded != bestDecoded:
				if !decoded {
					continue
				}
			case series >= best:
				continue
			}
			best, bestSize, bestDecoded = series, size, decoded
		}
	}
	for series, ins := range bySeries {
		if series != best {
			for _, in := range ins {
				in.f.Close()
			}
		}
	}
	if best == "" && firstErr != nil {
		return nil, firstErr
	}
	return bySeries[best], nil
}

// assembleDICOM orders a series' instances into levels and associated images.
func assembleDICOM(path string, instances []*dicomInstance) (Slide, error) {
	s := &dicomSlide{path: path, associated: map[string]*dicomInstance{}, props: map[string]string{"openslide.vendor": "dicom"}, cache: newDecodedTiles(64)}
	var extra []*dicomInstance
	for _, in := range instances {
		switch in.kind {
		case "VOLUME":
			s.levels = append(s.levels, in)
		case "LABEL":
			s.associated["label"] = in
		case "OVERVIEW":
			s.associated["macro"] = in
		case "THUMBNAIL":
			s.associated["thumbnail"] = in
		default: // a localizer or an unknown kind is never a level
			extra = append(extra, in)
		}
	}
	for _, in := range extra {
		in.f.Close()
	}
	if len(s.levels) == 0 {
		return nil, &UnsupportedError{Name: filepath.Base(path), Reason: "a label or overview only (the series has no VOLUME image)", DICOM: true}
	}
	sort.SliceStable(s.levels, func(i, j int) bool { return s.levels[i].width > s.levels[j].width })
	if isChannelSeries(s.levels) {
		cs, err := assembleDICOMChannels(path, s.levels, s.associated)
		if err != nil {
			return nil, err
		}
		return cs, nil
	}
	// Two instances of the same size (another focal plane or optical path
	// stored separately): the first is the level.
	kept := s.levels[:1]
	dropped := 0
	for _, l := range s.levels[1:] {
		if l.width < kept[len(kept)-1].width {
			kept = append(kept, l)
		} else {
			l.f.Close()
			dropped++
		}
	}
	s.levels = kept
	if dropped > 0 {
		s.props["tessera.optical-paths"] = fmt.Sprintf("%d more image(s) of a level's size (other focal planes or optical paths); the first of each size is shown", dropped)
	}
	for _, l := range s.levels {
		if err := l.checkCodec(); err != nil {
			return nil, &UnsupportedError{Name: filepath.Base(path), Reason: err.Error(), DICOM: true}
		}
	}
	l0 := s.levels[0]
	s.mpp = l0.describeSeries(s.props)
	s.props["dicom.icc-profile"] = strconv.FormatBool(len(l0.icc) > 0)
	for i, l := range s.levels {
		s.props[fmt.Sprintf("openslide.level[%d].width", i)] = strconv.Itoa(l.width)
		s.props[fmt.Sprintf("openslide.level[%d].height", i)] = strconv.Itoa(l.height)
		s.props[fmt.Sprintf("openslide.level[%d].tile-width", i)] = strconv.Itoa(l.tw)
		s.props[fmt.Sprintf("openslide.level[%d].tile-height", i)] = strconv.Itoa(l.th)
	}
	var err error
	if s.fingerprint, err = FingerprintFile(l0.path); err != nil {
		return nil, err
	}
	// Decode one tile of the smallest level now, so that broken image data
	// is refused at open.
	last := len(s.levels) - 1
	for k, fi := range s.levels[last].tileFrame {
		if fi >= 0 {
			if _, err := s.tile(last, k); err != nil {
				return nil, &DamageError{Path: path, Detail: err.Error()}
			}
			break
		}
	}
	return s, nil
}

// describeSeries records what the full-resolution instance says of its
// series in props (µm/px, objective power, encoding, frame order and how
// frames were found, focal planes) and returns its µm/px.
func (l0 *dicomInstance) describeSeries(props map[string]string) MPP {
	mpp := MPP{Source: MPPUnknown}
	if plausibleMPP(l0.mppX) && plausibleMPP(l0.mppY) {
		mpp = MPP{X: l0.mppX, Y: l0.mppY, Source: MPPFromDICOM}
		props["openslide.mpp-x"], props["openslide.mpp-y"] = strconv.FormatFloat(l0.mppX, 'g', -1, 64), strconv.FormatFloat(l0.mppY, 'g', -1, 64)
	}
	if l0.objective > 0 {
		props["openslide.objective-power"] = strconv.FormatFloat(l0.objective, 'g', -1, 64)
	}
	if l0.manufacturer != "" {
		props["dicom.Manufacturer"] = l0.manufacturer
	}
	if l0.model != "" {
		props["dicom.ManufacturerModelName"] = l0.model
	}
	props["dicom.transfer-syntax"] = l0.syntax
	props["dicom.photometric-interpretation"] = l0.photometric
	props["dicom.frame-order"] = l0.frameOrder
	if l0.frameIndex != "" {
		props["dicom.frames-found-by"] = l0.frameIndex
	}
	if l0.focalPlanes > 1 {
		props["tessera.focal-planes"] = strconv.Itoa(l0.focalPlanes) + " focal planes; the first is shown"
	}
	return mpp
}

func (s *dicomSlide) Path() string   { return s.path }
func (s *dicomSlide) Format() string { return "dicom" }
func (s *dicomSlide) Levels() []Level {
	return pyramid(len(s.levels), func(i int) (int, int) { return s.levels[i].width, s.levels[i].height })
}
func (s *dicomSlide) MPP() MPP { return s.mpp }

// ICCProfile is the first optical path's ICC profile (nil if none).
func (s *dicomSlide) ICCProfile() []byte { return s.levels[0].icc }
func (s *dicomSlide) ObjectivePower() float64 {
	return s.levels[0].objective
}
func (s *dicomSlide) AssociatedImageNames() []string { return associatedNames(s.associated) }

// associatedNames lists the associated images' names, sorted.
func associatedNames(m map[string]*dicomInstance) []string {
	var names []string
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// AssociatedImage decodes a label, overview ("macro") or thumbnail whole.
func (s *dicomSlide) AssociatedImage(name string) (*image.RGBA, error) {
	in, ok := s.associated[name]
	if !ok {
		return nil, fmt.Errorf("%s: no associated image %q", s.path, name)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	return decodeWhole(in, s.Background())
}

// decodeWhole decodes an instance (an associated image) into one image on
// the background bg.
func decodeWhole(in *dicomInstance, bg color.RGBA) (*image.RGBA, error) {
	img := image.NewRGBA(image.Rect(0, 0, in.width, in.height))
	fillBackground(img, bg)
	err := composeTiles(img, img.Rect, img.Rect, in.tw, in.th, in.across, func(k int) (*image.RGBA, error) {
		if k >= len(in.tileFrame) || in.tileFrame[k] < 0 {
			return nil, nil
		}
		return in.decodeFrame(in.tileFrame[k])
	})
	return img, err
}
func (s *dicomSlide) Background() color.RGBA { return color.RGBA{255, 255, 255, 255} }
func (s *dicomSlide) Fingerprint() string    { return s.fingerprint }
func (s *dicomSlide) Properties() map[string]string {
	out := make(map[string]string, len(s.props))
	for k, v := range s.props {
		out[k] = v
	}
	return out
}

func (s *dicomSlide) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	for _, l := range s.levels {
		l.f.Close()
	}
	for _, in := range s.associated {
		in.f.Close()
	}
	return nil
}

// tile decodes tile k of a level through the decoded-tile cache; nil for a
// tile a sparse image does not have.
func (s *dicomSlide) tile(level, k int) (*image.RGBA, error) {
	l := s.levels[level]
	if k >= len(l.tileFrame) || l.tileFrame[k] < 0 {
		return nil, nil
	}
	key := [2]int{level, k}
	if img := s.cache.get(key); img != nil {
		return img, nil
	}
	img, err := l.decodeFrame(l.tileFrame[k])
	if err != nil {
		return nil, err
	}
	s.cache.put(key, img)
	return img, nil
}

func (s *dicomSlide) ReadRegion(dst *image.RGBA, level int, x0, y0 int64) error {
	if err := ValidateRegion(s.Levels(), level, dst.Rect.Dx(), dst.Rect.Dy()); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	l := s.levels[level]
	ds := float64(s.levels[0].width) / float64(l.width)
	fillBackground(dst, s.Background())
	region := regionAt(dst, x0, y0, ds)
	err := composeTiles(dst, region, region.Intersect(image.Rect(0, 0, l.width, l.height)), l.tw, l.th, l.across, func(k int) (*image.RGBA, error) {
		return s.tile(level, k)
	})
	if err != nil {
		return &DamageError{Path: s.path, Detail: err.Error()}
	}
	return nil
}

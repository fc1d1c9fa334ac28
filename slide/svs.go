package slide

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Aperio SVS and generic pyramidal TIFF, read in pure Go (with OpenJPEG
// for JPEG 2000 tiles): the reader of builds without OpenSlide (Windows).
// On Linux OpenSlide reads these first; the tests hold this reader to
// OpenSlide's levels, properties and pixels.
//
// A generic pyramidal TIFF is its tiled directories, largest first, each
// a level (OpenSlide's "generic-tiff"); µm/px from the resolution tags.
//
// An SVS file is a TIFF: the first directory is level 0 (tiled, JPEG with
// shared tables, or JPEG 2000: 33003 YCbCr, 33005 RGB); further tiled
// directories are the smaller levels; the second directory is the
// thumbnail (stripped), and later stripped ones are named by their
// description's second line ("label 387x463", "macro 1280x431"). The
// first description carries "key = value" pairs after '|' (AppMag, MPP…),
// which become "aperio.KEY" properties as OpenSlide names them.

var errNotSVS = errors.New("not an Aperio SVS or tiled TIFF file")

// svsSlide is an Aperio SVS or generic tiled TIFF file read by Tessera's
// own reader.
type svsSlide struct {
	fileBacked
	tiledPyramid
	vendor     string // "aperio" or "generic-tiff", as OpenSlide names them
	associated map[string]*tiledImage
	names      []string // associated image names, in file order
	mpp        MPP
	objective  float64
	icc        []byte
}

// isAperio reports whether a TIFF description is Aperio's.
func isAperio(desc string) bool { return strings.HasPrefix(desc, "Aperio") }

// openSVS opens path as an Aperio SVS or tiled TIFF file, or returns
// errNotSVS.
func openSVS(path string) (Slide, error) {
	return openParsed(path, parseSVS, func(s *svsSlide, f *os.File, fp string) { s.f, s.fingerprint = f, fp })
}

// parseSVS reads the SVS structure from r (size bytes); the caller sets
// the file to close.
func parseSVS(path string, r io.ReaderAt, size int64) (*svsSlide, error) {
	t, first, err := newTIFFReader(r, size)
	if err != nil {
		return nil, errNotSVS
	}
	ifds, chainErr := t.ifdChain(first, maxLevels+8)
	if len(ifds) == 0 {
		return nil, errNotSVS
	}
	if e, ok := ifds[0][tagImageDesc]; ok {
		if _, err := t.data(e); err != nil { // cut off, or damaged: which reader would know
			return nil, &DamageError{Path: path, Detail: "the file is incomplete or damaged: its first image's description cannot be read (" + err.Error() + "); copy it again from the scanner or the archive"}
		}
	}
	desc := t.description(ifds[0])
	_, tiled := ifds[0][tagTileWidth]
	if !isAperio(desc) && (!tiled || strings.Contains(desc, "<OME")) {
		return nil, errNotSVS
	}
	// From here the file is an SVS or a tiled TIFF: problems are damage or unsupported content.
	name := filepath.Base(path)
	s := &svsSlide{vendor: "aperio", tiledPyramid: tiledPyramid{t: t, cache: newDecodedTiles(48)}, associated: map[string]*tiledImage{}}
	s.fileBacked = fileBacked{path: path, props: aperioProperties(desc)}
	if !isAperio(desc) {
		s.vendor, s.props = "generic-tiff", map[string]string{"openslide.vendor": "generic-tiff"}
		if desc != "" {
			s.props["tiff.ImageDescription"], s.props["openslide.comment"] = desc, desc
		}
	}
	for i, ifd := range ifds {
		_, tiled := ifd[tagTileWidth]
		img, err := t.tiledImage(ifd)
		if err == nil {
			img.rawJPEG = s.vendor == "aperio" && img.photometric == photometricRGB
		}
		switch {
		case tiled && err != nil && i == 0:
			if s.vendor != "aperio" { // a tiled TIFF of another kind (channels, 16-bit): the plane readers decide
				return nil, fmt.Errorf("%w: %v", errNotSVS, err)
			}
			return nil, &UnsupportedError{Name: name, Reason: err.Error()}
		case err != nil:
			continue // a directory this reader cannot use: the others still show the slide
		case tiled:
			if len(s.levels) == 0 || img.w < s.levels[len(s.levels)-1].w {
				s.levels = append(s.levels, img)
			}
		case s.vendor == "aperio":
			what := associatedName(t.description(ifd), i)
			if what != "" && s.associated[what] == nil && int64(img.w)*int64(img.h) <= maxAssociatedPixels {
				s.associated[what] = img
				s.names = append(s.names, what)
			}
		}
	}
	if len(s.levels) == 0 {
		return nil, &UnsupportedError{Name: name, Reason: "an SVS file without a tiled image"}
	}
	if chainErr != nil {
		return nil, &DamageError{Path: path, Detail: "the file is incomplete or damaged: its TIFF directories cannot all be read (" + chainErr.Error() + "); copy it again from the scanner or the archive"}
	}
	for i, l := range s.levels {
		for k, off := range l.offsets {
			if off+l.counts[k] > uint64(size) {
				return nil, &DamageError{Path: path, Detail: fmt.Sprintf("the file is incomplete: level %d's image data runs to byte %d but the file ends at byte %d; copy it again from the scanner or the archive", i, off+l.counts[k], size)}
			}
		}
	}
	if e, ok := ifds[0][tagICCProfile]; ok {
		s.icc, _ = t.data(e)
	}
	s.mpp = MPP{Source: MPPUnknown}
	if s.vendor == "generic-tiff" {
		if s.mpp = t.resolutionMPP(ifds[0]); s.mpp.Known() {
			s.props["openslide.mpp-x"], s.props["openslide.mpp-y"] = strconv.FormatFloat(s.mpp.X, 'g', -1, 64), strconv.FormatFloat(s.mpp.Y, 'g', -1, 64)
		}
	}
	if v, err := strconv.ParseFloat(s.props["aperio.MPP"], 64); err == nil && plausibleMPP(v) {
		s.mpp = MPP{X: v, Y: v, Source: MPPFromVendor}
		s.props["openslide.mpp-x"], s.props["openslide.mpp-y"] = strconv.FormatFloat(v, 'g', -1, 64), strconv.FormatFloat(v, 'g', -1, 64)
	}
	if v, err := strconv.ParseFloat(s.props["aperio.AppMag"], 64); err == nil && v > 0 {
		s.objective = v
		s.props["openslide.objective-power"] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	for i, l := range s.levels {
		s.props[fmt.Sprintf("openslide.level[%d].width", i)] = strconv.Itoa(l.w)
		s.props[fmt.Sprintf("openslide.level[%d].height", i)] = strconv.Itoa(l.h)
		s.props[fmt.Sprintf("openslide.level[%d].tile-width", i)] = strconv.Itoa(l.tw)
		s.props[fmt.Sprintf("openslide.level[%d].tile-height", i)] = strconv.Itoa(l.th)
	}
	// Decode one tile now, so a file whose image data is broken is refused at open.
	if _, err := s.tile(len(s.levels)-1, 0); err != nil {
		return nil, &DamageError{Path: path, Detail: err.Error()}
	}
	return s, nil
}

// aperioProperties are the properties OpenSlide gives an SVS file: the
// description, and each "key = value" after the first '|' as aperio.KEY.
func aperioProperties(desc string) map[string]string {
	props := map[string]string{"openslide.vendor": "aperio", "tiff.ImageDescription": desc, "openslide.comment": desc}
	parts := strings.Split(desc, "|")
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, " = ")
		if ok && strings.TrimSpace(k) != "" {
			props["aperio."+strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return props
}

// associatedName names a stripped directory: the second is the thumbnail;
// others by the first word of their description's second line.
func associatedName(desc string, index int) string {
	if index == 1 {
		return "thumbnail"
	}
	lines := strings.FieldsFunc(desc, func(r rune) bool { return r == '\r' || r == '\n' })
	if len(lines) < 2 {
		return ""
	}
	word, _, _ := strings.Cut(strings.TrimSpace(lines[1]), " ")
	switch word = strings.ToLower(word); word {
	case "label", "macro":
		return word
	}
	return ""
}

func (s *svsSlide) Format() string { return s.vendor }

// Levels lists the pyramid with OpenSlide's downsamples: the mean of the
// width's and the height's ratio to level 0 (Aperio's levels are not
// exact halves: 4443×3567 → 2221×1783).
func (s *svsSlide) Levels() []Level {
	out := pyramid(len(s.levels), func(i int) (int, int) { return s.levels[i].w, s.levels[i].h })
	for i := range out {
		out[i].Downsample = (float64(s.levels[0].w)/float64(s.levels[i].w) + float64(s.levels[0].h)/float64(s.levels[i].h)) / 2
	}
	return out
}
func (s *svsSlide) MPP() MPP                       { return s.mpp }
func (s *svsSlide) ICCProfile() []byte             { return s.icc }
func (s *svsSlide) ObjectivePower() float64        { return s.objective }
func (s *svsSlide) AssociatedImageNames() []string { return append([]string(nil), s.names...) }
func (s *svsSlide) Background() color.RGBA         { return color.RGBA{255, 255, 255, 255} }

// AssociatedImage decodes the label, macro or thumbnail whole.
func (s *svsSlide) AssociatedImage(name string) (*image.RGBA, error) {
	l := s.associated[name]
	if l == nil {
		return nil, fmt.Errorf("%s: no associated image %q", filepath.Base(s.path), name)
	}
	if err := s.readLock(); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return l.whole(s.t)
}

func (s *svsSlide) ReadRegion(dst *image.RGBA, level int, x0, y0 int64) error {
	return s.readLevel(&s.fileBacked, dst, s.Levels(), level, x0, y0, s.Background())
}

package slide

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// OME-TIFF: a pure-Go reader for the tiled OME-TIFF files that OpenSlide
// 3.4.1 does not recognise (Bio-Formats and QuPath exports). It reads the
// first image's full-resolution IFD and its SubIFD pyramid, with JPEG,
// Deflate or uncompressed 8-bit RGB tiles, and µm/px from the OME-XML.

var errNotOME = errors.New("not an OME-TIFF")

// omeSlide is a Slide read from an OME-TIFF file in pure Go.
type omeSlide struct {
	fileBacked
	tiledPyramid
	mpp MPP
	icc []byte // tag 34675 of the first image, nil if none
}

var omePhysicalSize = regexp.MustCompile(`PhysicalSize([XY])="([0-9.eE+-]+)"(?:\s+PhysicalSize[XY]Unit="([^"]*)")?`)

// openOMETIFF opens path as an OME-TIFF, or returns errNotOME.
func openOMETIFF(path string) (Slide, error) {
	return openParsed(path, parseOMETIFF, func(s *omeSlide, f *os.File, fp string) { s.f, s.fingerprint = f, fp })
}

// openParsed opens the file at path, parses it with parse and hands the
// open file and the slide's fingerprint to set; on any error the file is
// closed. The pure-Go TIFF readers open through it.
func openParsed[T Slide](path string, parse func(string, io.ReaderAt, int64) (T, error), set func(T, *os.File, string)) (Slide, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	s, err := parse(path, f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	fp, err := FingerprintFile(path)
	if err != nil {
		f.Close()
		return nil, err
	}
	set(s, f, fp)
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
	s := &omeSlide{fileBacked: fileBacked{path: path, props: map[string]string{"openslide.vendor": "ome-tiff"}}, tiledPyramid: tiledPyramid{t: t, cache: newDecodedTiles(48)}}
	l0, err := t.tiledImage(ifd)
	if err != nil {
		return nil, &UnsupportedError{Name: filepath.Base(path), Reason: err.Error()}
	}
	s.levels = append(s.levels, l0)
	if e, ok := ifd[tagICCProfile]; ok {
		s.icc, _ = t.data(e)
	}
	if subs, err := t.uints(ifd, tagSubIFDs); err == nil {
		for _, off := range subs {
			if len(s.levels) >= maxLevels {
				break
			}
			sub, err := t.readIFD(off)
			if err != nil {
				return nil, &DamageError{Path: path, Detail: "unreadable pyramid level: " + err.Error()}
			}
			l, err := t.tiledImage(sub)
			if err != nil || l.w >= s.levels[len(s.levels)-1].w {
				continue // not a smaller level of the same image
			}
			s.levels = append(s.levels, l)
		}
	}
	s.mpp = omeMPP(desc, s.props)
	if s.mpp.Known() {
		s.props["openslide.mpp-x"], s.props["openslide.mpp-y"] = strconv.FormatFloat(s.mpp.X, 'g', -1, 64), strconv.FormatFloat(s.mpp.Y, 'g', -1, 64)
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

func (s *omeSlide) Format() string { return "ome-tiff" }
func (s *omeSlide) Levels() []Level {
	return pyramid(len(s.levels), func(i int) (int, int) { return s.levels[i].w, s.levels[i].h })
}
func (s *omeSlide) MPP() MPP                       { return s.mpp }
func (s *omeSlide) ICCProfile() []byte             { return s.icc }
func (s *omeSlide) ObjectivePower() float64        { return 0 }
func (s *omeSlide) AssociatedImageNames() []string { return nil }
func (s *omeSlide) AssociatedImage(name string) (*image.RGBA, error) {
	return nil, fmt.Errorf("%s: no associated image %q", s.path, name)
}
func (s *omeSlide) Background() color.RGBA { return color.RGBA{255, 255, 255, 255} }

func (s *omeSlide) ReadRegion(dst *image.RGBA, level int, x0, y0 int64) error {
	return s.readLevel(&s.fileBacked, dst, s.Levels(), level, x0, y0, s.Background())
}

// omeMPP reads µm/px from the OME-XML's PhysicalSizeX/Y (in µm, or with no
// unit), recording the raw values in props.
func omeMPP(desc string, props map[string]string) MPP {
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
		props["ome.PhysicalSize"+m[1]] = m[2]
	}
	if plausibleMPP(x) && plausibleMPP(y) {
		return MPP{X: x, Y: y, Source: MPPFromOME}
	}
	return MPP{Source: MPPUnknown}
}

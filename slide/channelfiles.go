package slide

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Reading the channel images' files: OME-TIFF (OME-XML channels, focal
// planes and time points, SubIFD pyramids) and Akoya/PerkinElmer QPTIFF
// (pages by ImageType, reduced-resolution levels, associated images).

// maxQPTIFFPages bounds the pages read of a QPTIFF (channels × levels plus
// a few associated images).
const maxQPTIFFPages = 1024

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

// ifdChain reads up to max directories following the first. On an error
// (a loop, a directory past the file's end) it returns the directories
// read before it with the error.
func (t *tiffReader) ifdChain(first uint64, max int) ([]tiffIFD, error) {
	var out []tiffIFD
	seen := map[uint64]bool{}
	for off := first; off != 0 && len(out) < max; {
		if seen[off] {
			return out, errors.New("a loop in the TIFF directories")
		}
		seen[off] = true
		ifd, err := t.readIFD(off)
		if err != nil {
			return out, err
		}
		out = append(out, ifd)
		if off, err = t.nextIFD(off, len(ifd)); err != nil {
			return out, err
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
				return nil, &UnsupportedError{Name: filepath.Base(path), Reason: err.Error()}
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
				return nil, &UnsupportedError{Name: filepath.Base(path), Reason: err.Error()}
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

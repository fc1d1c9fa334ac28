package slide

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The dispatcher: which reader opens a file. One ordered list of
// detect/open pairs; the first reader whose detect accepts the file opens
// it. What a file is comes from its content (fileFacts, read once), never
// from its name; the names each reader's files carry are in Extensions
// (files.go), for file dialogs and folders.

// reader is one way of opening slides.
type reader struct {
	name       string
	extensions []string // the file names its formats carry (lower case)
	detect     func(f *fileFacts) bool
	open       func(f *fileFacts) (Slide, error)
}

// readers, in the order they are asked.
var readers = []reader{
	// DICOM (a file of a series, or a folder of one), which Tessera reads
	// itself: OpenSlide 3.4.1 cannot.
	{name: "DICOM WSI", extensions: []string{".dcm"},
		detect: func(f *fileFacts) bool { return f.dir || f.dicom },
		open:   openDICOMFacts},
	// OpenSlide takes any tiled TIFF as "generic-tiff", OME-TIFF and QPTIFF
	// included, and would show a fluorescence image's first plane in grey:
	// those go to Tessera's own TIFF readers below.
	{name: "OpenSlide", extensions: []string{".svs", ".tif", ".tiff", ".ndpi", ".vms", ".vmu", ".mrxs", ".scn", ".bif", ".svslide"},
		detect: func(f *fileFacts) bool { return f.vendor != "" && !(f.vendor == "generic-tiff" && f.ownTIFF) },
		open:   openWithOpenSlide},
	// Aperio SVS and generic tiled TIFF by Tessera's own reader: the
	// builds without OpenSlide (with it, OpenSlide takes them above).
	// Other TIFFs go on to the plane readers below.
	{name: "Aperio SVS and tiled TIFF", extensions: []string{".svs", ".tif", ".tiff"},
		detect: func(f *fileFacts) bool { return f.aperio || (f.tiff && !f.ownTIFF && !HasOpenSlide) },
		open: func(f *fileFacts) (Slide, error) {
			s, err := openSVS(f.path)
			if !errors.Is(err, errNotSVS) {
				return s, err
			}
			s, ownErr := openOwnTIFF(f)
			var u *UnsupportedError
			if errors.As(ownErr, &u) && u.Unknown && errors.Unwrap(err) != nil {
				// No plane reader knew it either: say what the tiled reader found.
				return nil, &UnsupportedError{Name: filepath.Base(f.path), Reason: "a tiled TIFF, but " + strings.TrimPrefix(err.Error(), errNotSVS.Error()+": ")}
			}
			return s, ownErr
		}},
	// OME-TIFF (tiled RGB), or one plane per channel (OME-TIFF, QPTIFF).
	{name: "OME-TIFF and QPTIFF", extensions: []string{".ome.tif", ".ome.tiff", ".qptiff", ".tif", ".tiff"},
		detect: func(f *fileFacts) bool { return f.tiff },
		open:   openOwnTIFF},
}

// unknownTIFF is why a TIFF no reader takes is refused.
const unknownTIFF = "a TIFF, but no format Tessera knows (no pyramid, or an unknown layout)"

// fileFacts is what the dispatcher learns of a file before choosing a
// reader: each fact read once.
type fileFacts struct {
	path    string
	dir     bool
	dicom   bool   // DICOM Part 10 (preamble and "DICM")
	vendor  string // OpenSlide's format name; "" when OpenSlide does not read it
	tiff    bool   // a classic or Big TIFF
	ownTIFF bool   // an OME-TIFF or QPTIFF by its first description
	aperio  bool   // an Aperio SVS by its first description
	cut     string // why the TIFF is incomplete ("" when it is not, or not a TIFF)
	icc     []byte // the first TIFF directory's colour profile (nil: none)
}

// Open opens a slide file (or a folder of a DICOM series). Errors wrap
// ErrUnsupported (an *UnsupportedError saying why) when the file is not a
// format Tessera can read, and ErrDamaged when it is but cannot be read.
func Open(path string) (Slide, error) {
	f, err := factsOf(path)
	if err != nil {
		return nil, err
	}
	if f.cut != "" {
		return nil, &DamageError{Path: path, Detail: "the file is incomplete: " + f.cut + "; copy it again from the scanner or the archive"}
	}
	for _, r := range readers {
		if r.detect(f) {
			return r.open(f)
		}
	}
	reason := "not a slide format Tessera knows"
	if f.tiff {
		reason = unknownTIFF
	}
	return nil, &UnsupportedError{Name: filepath.Base(path), Reason: reason, Unknown: true}
}

// factsOf reads what the dispatcher needs of path.
func factsOf(path string) (*fileFacts, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	f := &fileFacts{path: path, dir: st.IsDir()}
	if f.dir {
		return f, nil
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	defer file.Close()
	if f.dicom = isDICOM(file); f.dicom {
		return f, nil
	}
	if t, first, err := newTIFFReader(file, st.Size()); err == nil {
		f.tiff = true
		ifd, err := t.readIFD(first)
		if err != nil {
			f.cut = fmt.Sprintf("its first TIFF directory cannot be read (%v)", err)
		}
		if err == nil {
			f.cut = cutShort(t, ifd, st.Size())
			d := t.description(ifd)
			f.ownTIFF = strings.Contains(d, "<OME") || strings.Contains(d, "PerkinElmer-QPI-ImageDescription")
			f.aperio = isAperio(d)
			if e, ok := ifd[tagICCProfile]; ok {
				f.icc, _ = t.data(e)
			}
		}
	}
	f.vendor = detectVendor(path)
	return f, nil
}

// openDICOMFacts opens a DICOM file or folder; a folder without a DICOM
// slide is unsupported.
func openDICOMFacts(f *fileFacts) (Slide, error) {
	s, err := openDICOM(f.path)
	if errors.Is(err, errNotDICOM) {
		return nil, &UnsupportedError{Name: filepath.Base(f.path), Reason: "a folder without DICOM slide files"}
	}
	return s, err
}

// openOwnTIFF opens a TIFF OpenSlide does not (or should not) read: an
// OME-TIFF, else a one-plane-per-channel image.
func openOwnTIFF(f *fileFacts) (Slide, error) {
	s, err := openOMETIFF(f.path)
	if errors.Is(err, errNotOME) || errors.Is(err, ErrUnsupported) {
		if cs, cerr := openChannels(f.path); !errors.Is(cerr, errNotOME) {
			return cs, cerr
		}
	}
	if errors.Is(err, errNotOME) {
		return nil, &UnsupportedError{Name: filepath.Base(f.path), Reason: unknownTIFF, Unknown: true}
	}
	return s, err
}

// cutShort says why the first image of a TIFF is cut short ("" when its
// tiles or strips all lie inside the file): a copy interrupted, a download
// not finished.
func cutShort(t *tiffReader, ifd tiffIFD, size int64) string {
	offTag, countTag := uint16(tagStripOffsets), uint16(tagStripByteCounts)
	if _, tiled := ifd[tagTileOffsets]; tiled {
		offTag, countTag = tagTileOffsets, tagTileByteCounts
	}
	offs, err1 := t.uints(ifd, offTag)
	counts, err2 := t.uints(ifd, countTag)
	if err1 != nil || err2 != nil || len(offs) != len(counts) {
		return "" // not this check's to judge: the reader says what is wrong
	}
	var end uint64
	for i, o := range offs {
		end = max(end, o+counts[i])
	}
	if end > uint64(size) {
		return fmt.Sprintf("its image data runs to byte %d but the file ends at byte %d", end, size)
	}
	return ""
}

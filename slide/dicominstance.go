package slide

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// One DICOM file of a whole-slide series (an instance): its metadata, read
// with github.com/suyashkumar/dicom, its frames' places in the file
// (dicomfile.go) and their places on the tile grid. dicom.go assembles the
// instances of a series into a slide.

// maxOpticalPaths bounds the optical paths (channels) of one instance.
const maxOpticalPaths = 64

// sopClassWSI is the SOP class of VL Whole Slide Microscopy Image Storage.
const sopClassWSI = "1.2.840.10008.5.1.4.1.1.77.1.6"

// dicomInstance is one file of a series.
type dicomInstance struct {
	path        string
	f           *os.File    // closed with the slide (nil in fuzz tests)
	r           io.ReaderAt // where frames are read from
	kind        string      // VOLUME, LABEL, OVERVIEW, THUMBNAIL (ImageType's third value)
	series      string
	width       int // total pixel matrix, pixels
	height      int
	tw, th      int // frame (tile) size
	spp         int // samples per pixel: 3 (RGB, YBR) or 1 (monochrome)
	bits        int // bits allocated: 8 or 16
	bitsStored  int
	photometric string
	planar      bool
	// manufacturer and model are the scanner's (Manufacturer, Manufacturer's
	// Model Name), "" when the file does not say.
	manufacturer, model string
	syntax              string
	frames              [][]byteRange // each frame's fragments (one range for native data)
	tileFrame           []int         // frame of tile ty*across+tx, −1 where a sparse image has none
	across              int
	mppX, mppY          float64 // µm per pixel from PixelSpacing; 0 if absent
	objective           float64
	icc                 []byte
	// frameOrder says how frames were placed: "TILED_FULL", "positions",
	// or for files that declare neither, "row-major" or "column-major"
	// as chosen by chooseOrder.
	frameOrder string
	// itemSpans: each frame is one range of encapsulated items (headers
	// and data), found from the Basic Offset Table; readFrame parses them.
	itemSpans bool
	// frameIndex says how encapsulated frames were found: "basic offset
	// table", "extended offset table" or "fragments" (walked); "" for
	// native pixel data.
	frameIndex string
	// paths are the instance's optical paths (OpticalPathSequence), at
	// least one; pathTiles[id] is tile → frame of path id (−1 where none)
	// on the first focal plane; tileFrame is the first path's.
	paths     []opticalPath
	pathTiles map[string][]int
	// focalPlanes counts the focal planes the instance holds (1 or more);
	// the first is shown (TILED_FULL order, or the Z offset nearest 0 when
	// frames have plane positions).
	focalPlanes int
}

// opticalPath is one illumination/filter path of a DICOM slide image: a
// fluorescence channel when a series has several.
type opticalPath struct {
	id          string
	description string
	wavelength  float64 // illumination, nm; 0 when unsaid
	emission    float64 // centre of the light path filter's pass band, nm; 0 when unsaid
}

// colourWavelength is the wavelength a channel is coloured by: the
// emission filter's (what the camera saw), else the illumination's.
func (o opticalPath) colourWavelength() float64 {
	if o.emission > 0 {
		return o.emission
	}
	return o.wavelength
}

// name is how the path is called: its description, else its identifier.
func (o opticalPath) name() string {
	if o.description != "" {
		return o.description
	}
	return o.id
}

// DICOM tags read from the metadata.
var (
	tagSOPClass          = tag.Tag{Group: 0x0008, Element: 0x0016}
	tagImageType         = tag.Tag{Group: 0x0008, Element: 0x0008}
	tagSeriesUID         = tag.Tag{Group: 0x0020, Element: 0x000E}
	tagManufacturer      = tag.Tag{Group: 0x0008, Element: 0x0070}
	tagModelName         = tag.Tag{Group: 0x0008, Element: 0x1090}
	tagRows              = tag.Tag{Group: 0x0028, Element: 0x0010}
	tagColumns           = tag.Tag{Group: 0x0028, Element: 0x0011}
	tagSamples           = tag.Tag{Group: 0x0028, Element: 0x0002}
	dcmPhotometric       = tag.Tag{Group: 0x0028, Element: 0x0004}
	tagPlanar            = tag.Tag{Group: 0x0028, Element: 0x0006}
	tagFrames            = tag.Tag{Group: 0x0028, Element: 0x0008}
	tagBitsAllocated     = tag.Tag{Group: 0x0028, Element: 0x0100}
	tagBitsStored        = tag.Tag{Group: 0x0028, Element: 0x0101}
	tagTotalColumns      = tag.Tag{Group: 0x0048, Element: 0x0006}
	tagTotalRows         = tag.Tag{Group: 0x0048, Element: 0x0007}
	tagDimensionOrg      = tag.Tag{Group: 0x0020, Element: 0x9311}
	tagSharedGroups      = tag.Tag{Group: 0x5200, Element: 0x9229}
	tagPerFrameGroups    = tag.Tag{Group: 0x5200, Element: 0x9230}
	tagPixelMeasures     = tag.Tag{Group: 0x0028, Element: 0x9110}
	tagPixelSpacing      = tag.Tag{Group: 0x0028, Element: 0x0030}
	tagPlanePositionWSI  = tag.Tag{Group: 0x0048, Element: 0x021A}
	tagColumnInMatrix    = tag.Tag{Group: 0x0048, Element: 0x021E}
	tagRowInMatrix       = tag.Tag{Group: 0x0048, Element: 0x021F}
	tagOpticalPaths      = tag.Tag{Group: 0x0048, Element: 0x0105}
	tagOpticalPathID     = tag.Tag{Group: 0x0048, Element: 0x0106}
	tagOpticalPathDesc   = tag.Tag{Group: 0x0048, Element: 0x0107}
	tagOpticalPathIdent  = tag.Tag{Group: 0x0048, Element: 0x0207} // per-frame OpticalPathIdentificationSequence
	tagNumOpticalPaths   = tag.Tag{Group: 0x0048, Element: 0x0302}
	tagFocalPlanes       = tag.Tag{Group: 0x0048, Element: 0x0303}
	tagIlluminationWL    = tag.Tag{Group: 0x0022, Element: 0x0055}
	tagZOffset           = tag.Tag{Group: 0x0040, Element: 0x074A}
	tagFilterPassBand    = tag.Tag{Group: 0x0022, Element: 0x0002}
	tagObjectivePower    = tag.Tag{Group: 0x0048, Element: 0x0112}
	dcmICCProfile        = tag.Tag{Group: 0x0028, Element: 0x2000}
	tagTransferSyntaxUID = tag.Tag{Group: 0x0002, Element: 0x0010}
)

// sopClassName names a SOP class for a reader: "Microscopy Bulk Simple
// Annotations (SOP class 1.2.…)", or the bare UID when unknown.
func sopClassName(uid string) string {
	if name := sopClassNames[uid]; name != "" {
		return name + " (SOP class " + uid + ")"
	}
	if uid == "" {
		return "no SOP class"
	}
	return "SOP class " + uid
}

// sopClassNames names the SOP classes a user may mistake for a slide.
var sopClassNames = map[string]string{
	"1.2.840.10008.5.1.4.1.1.91.1":   "Microscopy Bulk Simple Annotations",
	"1.2.840.10008.5.1.4.1.1.77.1.3": "VL Slide-Coordinates Microscopic Image",
	"1.2.840.10008.5.1.4.1.1.7":      "Secondary Capture",
	"1.2.840.10008.5.1.4.1.1.4":      "MR Image",
	"1.2.840.10008.5.1.4.1.1.2":      "CT Image",
	"1.2.840.10008.5.1.4.1.1.66.4":   "Segmentation",
}

// readDICOMInstance reads one file's metadata and frame layout. A file
// that is DICOM but not a slide instance gives an ErrUnsupported error
// naming its SOP class; a broken one a DamageError.
func readDICOMInstance(path string) (*dicomInstance, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	in, err := parseDICOMInstance(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	in.f = f
	return in, nil
}

func parseDICOMInstance(path string, f io.ReaderAt) (*dicomInstance, error) {
	size, err := sizeOf(f)
	if err != nil {
		return nil, err
	}
	layout, err := readLayout(f, size)
	if err == errNotDICOM {
		return nil, err
	}
	if err == errNoPixelData && layout.sopClass != sopClassWSI {
		return nil, &UnsupportedError{Name: filepath.Base(path), Reason: "not an image (" + sopClassName(layout.sopClass) + ")", DICOM: true}
	}
	if err != nil {
		return nil, &DamageError{Path: path, Detail: "DICOM structure: " + err.Error()}
	}
	// The library parses everything before the pixel data and its offset
	// tables (it would otherwise read through them; v1.0.7 fails on the
	// Extended Offset Table's OV values).
	ds, err := parseMetadata(io.NewSectionReader(f, 0, layout.metadataEnd), layout.metadataEnd)
	if err != nil {
		return nil, &DamageError{Path: path, Detail: "DICOM metadata: " + err.Error()}
	}
	get := func(t tag.Tag) *dicom.Element {
		e, err := ds.FindElementByTag(t)
		if err != nil {
			return nil
		}
		return e
	}
	sop := firstString(get(tagSOPClass))
	if sop != sopClassWSI {
		return nil, &UnsupportedError{Name: filepath.Base(path), Reason: "not a whole-slide image (" + sopClassName(sop) + ")", DICOM: true}
	}
	in := &dicomInstance{path: path, syntax: layout.transferSyntax, series: firstString(get(tagSeriesUID))}
	if types := strings_(get(tagImageType)); len(types) >= 3 {
		in.kind = strings.ToUpper(strings.TrimSpace(types[2]))
	}
	in.th, in.tw = firstInt(get(tagRows)), firstInt(get(tagColumns))
	in.width, in.height = firstInt(get(tagTotalColumns)), firstInt(get(tagTotalRows))
	if in.width <= 0 || in.height <= 0 { // labels and overviews may have no total pixel matrix
		in.width, in.height = in.tw, in.th
	}
	in.spp, in.bits, in.bitsStored = firstInt(get(tagSamples)), firstInt(get(tagBitsAllocated)), firstInt(get(tagBitsStored))
	if in.bitsStored == 0 {
		in.bitsStored = in.bits
	}
	in.photometric = strings.TrimSpace(firstString(get(dcmPhotometric)))
	in.manufacturer = strings.Join(strings.Fields(firstString(get(tagManufacturer))), " ")
	in.model = strings.Join(strings.Fields(firstString(get(tagModelName))), " ")
	in.planar = firstInt(get(tagPlanar)) == 1
	nFrames := 1
	if e := get(tagFrames); e != nil {
		nFrames = firstInt(e)
		if nFrames == 0 {
			if n, err := strconv.Atoi(strings.TrimSpace(firstString(e))); err == nil {
				nFrames = n
			}
		}
	}
	if err := in.checkGeometry(nFrames, size); err != nil {
		return nil, &DamageError{Path: path, Detail: err.Error()}
	}
	if in.kind == "" && (nFrames > 1 || in.width > in.tw || in.height > in.th) {
		in.kind = "VOLUME" // an ImageType without its third value (older converters): a tiled image is a level
	}
	if shared := items(get(tagSharedGroups)); len(shared) > 0 {
		if pm := items(findIn(shared[0], tagPixelMeasures)); len(pm) > 0 {
			if sp := floats(findIn(pm[0], tagPixelSpacing)); len(sp) == 2 {
				in.mppY, in.mppX = 1000*sp[0], 1000*sp[1] // mm → µm; row spacing first
			}
		}
	}
	paths := items(get(tagOpticalPaths))
	if len(paths) > 0 {
		if p := floats(findIn(paths[0], tagObjectivePower)); len(p) > 0 {
			in.objective = p[0]
		}
		if b, ok := bytesOf(findIn(paths[0], dcmICCProfile)); ok {
			in.icc = b
		}
	}
	for _, item := range paths {
		o := opticalPath{id: firstString(findIn(item, tagOpticalPathID)), description: firstString(findIn(item, tagOpticalPathDesc))}
		if wl := floats(findIn(item, tagIlluminationWL)); len(wl) > 0 && wl[0] > 0 && wl[0] < 2000 {
			o.wavelength = wl[0]
		}
		if band := findIn(item, tagFilterPassBand); band != nil {
			if lo, hi := intAt(band, 0), intAt(band, 1); lo > 0 && hi >= lo && hi < 2000 {
				o.emission = float64(lo+hi) / 2
			}
		}
		in.paths = append(in.paths, o)
	}
	if len(in.paths) == 0 {
		in.paths = []opticalPath{{}}
	}
	in.focalPlanes = max(1, firstInt(get(tagFocalPlanes)))
	w := &dicomWalker{r: f, size: size}
	if err := in.locateFrames(w, layout, nFrames); err != nil {
		return nil, &DamageError{Path: path, Detail: err.Error()}
	}
	org := strings.TrimSpace(firstString(get(tagDimensionOrg)))
	if err := in.mapTiles(items(get(tagPerFrameGroups)), org, max(1, firstInt(get(tagNumOpticalPaths)))); err != nil {
		return nil, &DamageError{Path: path, Detail: err.Error()}
	}
	in.r = f
	if in.frameOrder == "" {
		in.chooseOrder()
	}
	return in, nil
}

// parseMetadata parses the n bytes before the pixel data with the library,
// turning its panics on malformed input (found by fuzzing v1.0.7: an index
// out of range in readHeader) into errors: a broken file must not take the
// viewer down.
func parseMetadata(r io.Reader, n int64) (ds dicom.Dataset, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the metadata cannot be parsed (%v)", p)
		}
	}()
	return dicom.Parse(r, n, nil, dicom.SkipPixelData())
}

func sizeOf(f io.ReaderAt) (int64, error) {
	if st, ok := f.(interface{ Stat() (os.FileInfo, error) }); ok {
		fi, err := st.Stat()
		if err != nil {
			return 0, err
		}
		return fi.Size(), nil
	}
	if s, ok := f.(interface{ Size() int64 }); ok {
		return s.Size(), nil
	}
	return 0, fmt.Errorf("cannot tell the file's size")
}

// checkGeometry refuses sizes no slide has and sizes the file cannot hold,
// before anything is allocated from them.
func (in *dicomInstance) checkGeometry(nFrames int, size int64) error {
	switch {
	case in.tw <= 0 || in.th <= 0 || in.tw > maxTileSide || in.th > maxTileSide:
		return fmt.Errorf("frame size %d×%d", in.tw, in.th)
	case in.width <= 0 || in.height <= 0 || in.width > 1<<24 || in.height > 1<<24:
		return fmt.Errorf("total pixel matrix %d×%d", in.width, in.height)
	case nFrames <= 0 || int64(nFrames) > size/2:
		return fmt.Errorf("%d frames in a file of %d bytes", nFrames, size)
	case in.spp != 1 && in.spp != 3:
		return fmt.Errorf("%d samples per pixel", in.spp)
	case in.bits != 8 && in.bits != 16:
		return fmt.Errorf("%d bits allocated", in.bits)
	}
	across, down := (in.width+in.tw-1)/in.tw, (in.height+in.th-1)/in.th
	if across*down > maxTiles {
		return fmt.Errorf("%d×%d tiles", across, down)
	}
	return nil
}

// locateFrames finds each frame's bytes.
func (in *dicomInstance) locateFrames(w *dicomWalker, l *dicomLayout, n int) error {
	if l.pixelLength >= 0 { // native
		frameSize := int64(in.tw) * int64(in.th) * int64(in.spp) * int64(in.bits/8)
		if int64(n)*frameSize > l.pixelLength {
			return fmt.Errorf("the pixel data holds %d bytes, %d frames of %d×%d need %d", l.pixelLength, n, in.tw, in.th, int64(n)*frameSize)
		}
		in.frames = make([][]byteRange, n)
		for i := range in.frames {
			in.frames[i] = []byteRange{{l.pixelValue + int64(i)*frameSize, frameSize}}
		}
		return nil
	}
	// With a full Basic Offset Table, each frame is the span between two
	// offsets, its items parsed when it is read: opening a level of
	// thousands of frames then reads a few bytes, not every item header.
	if spans, ok := w.spansFromTable(l.pixelValue, n); ok {
		in.frames, in.itemSpans, in.frameIndex = spans, true, "basic offset table"
		return nil
	}
	if frames, ok := w.framesFromExtendedTable(l, l.pixelValue, n); ok {
		in.frames, in.frameIndex = frames, "extended offset table"
		return nil
	}
	in.frameIndex = "fragments"
	table, frags, err := w.fragments(l.pixelValue)
	if err != nil {
		return err
	}
	in.frames, err = w.framesOf(table, frags, n)
	return err
}

// Metadata helpers over the library's values.

func firstString(e *dicom.Element) string {
	if s := strings_(e); len(s) > 0 {
		return strings.TrimRight(s[0], "\x00 ")
	}
	return ""
}

func strings_(e *dicom.Element) []string {
	if e == nil || e.Value == nil {
		return nil
	}
	s, _ := e.Value.GetValue().([]string)
	return s
}

func firstInt(e *dicom.Element) int {
	if e == nil || e.Value == nil {
		return 0
	}
	switch v := e.Value.GetValue().(type) {
	case []int:
		if len(v) > 0 {
			return v[0]
		}
	case []string:
		if len(v) > 0 {
			n, _ := strconv.Atoi(strings.TrimSpace(v[0]))
			return n
		}
	}
	return 0
}

// intAt is the i-th integer value of e (0 when there is none).
func intAt(e *dicom.Element, i int) int {
	if e == nil || e.Value == nil {
		return 0
	}
	if v, ok := e.Value.GetValue().([]int); ok && i < len(v) {
		return v[i]
	}
	return 0
}

func floats(e *dicom.Element) []float64 {
	if e == nil || e.Value == nil {
		return nil
	}
	switch v := e.Value.GetValue().(type) {
	case []float64:
		return v
	case []string: // DS values
		out := make([]float64, 0, len(v))
		for _, s := range v {
			f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return nil
			}
			out = append(out, f)
		}
		return out
	}
	return nil
}

func bytesOf(e *dicom.Element) ([]byte, bool) {
	if e == nil || e.Value == nil {
		return nil, false
	}
	b, ok := e.Value.GetValue().([]byte)
	return b, ok && len(b) > 0
}

func items(e *dicom.Element) []*dicom.SequenceItemValue {
	if e == nil || e.Value == nil {
		return nil
	}
	v, _ := e.Value.GetValue().([]*dicom.SequenceItemValue)
	return v
}

func findIn(item *dicom.SequenceItemValue, t tag.Tag) *dicom.Element {
	if item == nil {
		return nil
	}
	elems, _ := item.GetValue().([]*dicom.Element)
	for _, e := range elems {
		if e.Tag == t {
			return e
		}
	}
	return nil
}

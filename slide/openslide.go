//go:build !windows && !noopenslide

package slide

/*
#cgo pkg-config: openslide
#include <stdlib.h>
#include <stdint.h>
#include <openslide.h>

// tessera_argb_to_rgba converts OpenSlide's premultiplied ARGB (native-endian
// uint32) in place to premultiplied RGBA bytes, compositing over an opaque
// background so that the result is opaque.
static void tessera_argb_to_rgba(uint32_t *buf, int64_t n, uint8_t br, uint8_t bg, uint8_t bb) {
	uint8_t *out = (uint8_t *)buf;
	for (int64_t i = 0; i < n; i++) {
		uint32_t p = buf[i];
		uint32_t a = p >> 24;
		uint32_t r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;
		if (a != 255) {
			uint32_t k = 255 - a;
			r += (br * k + 127) / 255;
			g += (bg * k + 127) / 255;
			b += (bb * k + 127) / 255;
		}
		out[4*i+0] = (uint8_t)r;
		out[4*i+1] = (uint8_t)g;
		out[4*i+2] = (uint8_t)b;
		out[4*i+3] = 255;
	}
}
*/
import "C"

import (
	"fmt"
	"image"
	"image/color"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"unsafe"
)

// openSlide is a Slide read through the OpenSlide C library.
type openSlide struct {
	path        string
	format      string
	levels      []Level
	props       map[string]string
	assocNames  []string
	mpp         MPP
	objective   float64
	background  color.RGBA
	fingerprint string
	icc         []byte // the first TIFF directory's tag 34675, nil if none

	mu  sync.RWMutex // guards osr against Close; reads take RLock (OpenSlide reads are thread-safe)
	osr *C.openslide_t
}

// openWithOpenSlide opens a vendor format through OpenSlide (the
// dispatcher in open.go chose it: f.vendor is set). icc is the first TIFF
// directory's colour profile, read once by the dispatcher (nil: none).
func openWithOpenSlide(f *fileFacts) (Slide, error) {
	path := f.path
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	osr := C.openslide_open(cpath)
	if osr == nil {
		return nil, &UnsupportedError{Name: filepath.Base(path), Reason: "OpenSlide recognised the file but cannot open it"}
	}
	if msg := C.openslide_get_error(osr); msg != nil {
		e := C.GoString(msg)
		C.openslide_close(osr)
		return nil, &DamageError{Path: path, Detail: e}
	}
	s := &openSlide{path: path, format: f.vendor, osr: osr}
	s.readMetadata()
	if err := s.check(); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.probe(); err != nil {
		s.Close()
		return nil, err
	}
	fp, err := FingerprintFile(path)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.fingerprint = fp
	s.icc = f.icc
	return s, nil
}

// detectVendor is OpenSlide's name for the file's format ("" when
// OpenSlide does not read it).
func detectVendor(path string) string {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	if v := C.openslide_detect_vendor(cpath); v != nil {
		return C.GoString(v)
	}
	return ""
}

// ICCProfile is the embedded colour profile of a TIFF-based slide (nil if
// none, or for formats that are not TIFF).
func (s *openSlide) ICCProfile() []byte { return s.icc }

// readMetadata copies levels, properties and associated image names out of
// the handle once, so later accessors need no C calls.
func (s *openSlide) readMetadata() {
	n := int(C.openslide_get_level_count(s.osr))
	for i := 0; i < n; i++ {
		var w, h C.int64_t
		C.openslide_get_level_dimensions(s.osr, C.int32_t(i), &w, &h)
		ds := float64(C.openslide_get_level_downsample(s.osr, C.int32_t(i)))
		s.levels = append(s.levels, Level{Width: int64(w), Height: int64(h), Downsample: ds})
	}
	s.props = map[string]string{}
	for _, name := range goStrings(C.openslide_get_property_names(s.osr)) {
		cname := C.CString(name)
		if v := C.openslide_get_property_value(s.osr, cname); v != nil {
			s.props[name] = C.GoString(v)
		}
		C.free(unsafe.Pointer(cname))
	}
	s.assocNames = goStrings(C.openslide_get_associated_image_names(s.osr))
	sort.Strings(s.assocNames)
	s.mpp = MPPFromProperties(s.props)
	s.objective, _ = strconv.ParseFloat(s.props["openslide.objective-power"], 64)
	s.background = parseBackground(s.props["openslide.background-color"])
}

// probe decodes a small region at the centre of the coarsest level, so that
// a slide whose image data cannot be decoded is refused at open rather than
// shown as an empty view. OpenSlide's errors are sticky, so such a handle
// could not show anything anyway.
func (s *openSlide) probe() error {
	if len(s.levels) == 0 || s.levels[0].Width <= 0 || s.levels[0].Height <= 0 {
		return &DamageError{Path: s.path, Detail: "the slide has no image levels"}
	}
	last := len(s.levels) - 1
	l := s.levels[last]
	w, h := min(l.Width, 64), min(l.Height, 64)
	dst := image.NewRGBA(image.Rect(0, 0, int(w), int(h)))
	x0 := int64(float64(l.Width-w) / 2 * l.Downsample)
	y0 := int64(float64(l.Height-h) / 2 * l.Downsample)
	return s.ReadRegion(dst, last, x0, y0)
}

// goStrings converts a NULL-terminated C array of strings.
func goStrings(list **C.char) []string {
	var out []string
	if list == nil {
		return out
	}
	for p := list; *p != nil; p = (**C.char)(unsafe.Add(unsafe.Pointer(p), unsafe.Sizeof(*p))) {
		out = append(out, C.GoString(*p))
	}
	return out
}

// check returns the handle's sticky error, if any, as ErrDamaged.
// The caller holds s.mu (read or write).
func (s *openSlide) check() error {
	if s.osr == nil {
		return ErrClosed
	}
	if msg := C.openslide_get_error(s.osr); msg != nil {
		return &DamageError{Path: s.path, Detail: C.GoString(msg)}
	}
	return nil
}

func (s *openSlide) Path() string   { return s.path }
func (s *openSlide) Format() string { return s.format }
func (s *openSlide) Levels() []Level {
	return append([]Level(nil), s.levels...)
}
func (s *openSlide) MPP() MPP                       { return s.mpp }
func (s *openSlide) ObjectivePower() float64        { return s.objective }
func (s *openSlide) AssociatedImageNames() []string { return append([]string(nil), s.assocNames...) }
func (s *openSlide) Background() color.RGBA         { return s.background }
func (s *openSlide) Fingerprint() string            { return s.fingerprint }

func (s *openSlide) Properties() map[string]string {
	out := make(map[string]string, len(s.props))
	for k, v := range s.props {
		out[k] = v
	}
	return out
}

func (s *openSlide) ReadRegion(dst *image.RGBA, level int, x0, y0 int64) error {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	if err := ValidateRegion(s.levels, level, w, h); err != nil {
		return err
	}
	if dst.Stride != 4*w {
		return fmt.Errorf("%w: destination stride %d is not 4×width", ErrBadRegion, dst.Stride)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.osr == nil {
		return ErrClosed
	}
	buf := (*C.uint32_t)(unsafe.Pointer(&dst.Pix[0]))
	C.openslide_read_region(s.osr, buf, C.int64_t(x0), C.int64_t(y0), C.int32_t(level), C.int64_t(w), C.int64_t(h))
	if err := s.check(); err != nil {
		return err
	}
	bg := s.background
	C.tessera_argb_to_rgba(buf, C.int64_t(w*h), C.uint8_t(bg.R), C.uint8_t(bg.G), C.uint8_t(bg.B))
	return nil
}

func (s *openSlide) AssociatedImage(name string) (*image.RGBA, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.osr == nil {
		return nil, ErrClosed
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var w, h C.int64_t
	C.openslide_get_associated_image_dimensions(s.osr, cname, &w, &h)
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%s: no associated image %q", s.path, name)
	}
	if int64(w)*int64(h) > MaxRegionPixels {
		return nil, fmt.Errorf("%w: associated image %q is %d×%d", ErrBadRegion, name, w, h)
	}
	img := image.NewRGBA(image.Rect(0, 0, int(w), int(h)))
	buf := (*C.uint32_t)(unsafe.Pointer(&img.Pix[0]))
	C.openslide_read_associated_image(s.osr, cname, buf)
	if err := s.check(); err != nil {
		return nil, err
	}
	C.tessera_argb_to_rgba(buf, C.int64_t(w*h), 255, 255, 255)
	return img, nil
}

func (s *openSlide) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.osr != nil {
		C.openslide_close(s.osr)
		s.osr = nil
	}
	return nil
}

// HasOpenSlide is true: vendor formats are read through OpenSlide.
const HasOpenSlide = true

// SupportedFormats names the formats this build opens, for messages.
const SupportedFormats = "Aperio SVS, Hamamatsu NDPI/VMS, MIRAX, Leica SCN, Philips TIFF, Ventana BIF, Sakura SVSLIDE, generic pyramidal TIFF, RGB OME-TIFF (tiled, or in strips), one-plane-per-channel fluorescence OME-TIFF and QPTIFF, DICOM WSI (JPEG, JPEG 2000 or uncompressed; a file or a folder of a series)"

// Package colour converts slide pixels from a scanner's embedded ICC
// profile to sRGB with Little CMS 2 (cgo, Debian liblcms2-dev): the colour
// management the issue asks for, not hand-written matrix code. To keep
// up with the tile decoder, Little CMS's answer for every one of the 2^24
// 8-bit RGB colours is tabulated once per profile (table.go): a lookup
// then gives exactly what Little CMS gives, about four times faster.
package colour

/*
#cgo pkg-config: lcms2
#include <lcms2.h>
#include <stdlib.h>

static void tessera_lcms_quiet(cmsContext ctx, cmsUInt32Number code, const char *text) {
	(void)ctx; (void)code; (void)text;
}

// tessera_to_srgb builds a transform from the profile in memory to sRGB on
// RGBA bytes (alpha left as it is, the conversion being in place), with
// Little CMS's one-pixel cache: not safe for concurrent use, so Transform
// keeps one per goroutine that may use it at once. NULL when the profile is
// not an RGB input profile lcms can use.
static cmsHTRANSFORM tessera_to_srgb(const void *data, cmsUInt32Number size) {
	cmsSetLogErrorHandler(tessera_lcms_quiet);
	cmsHPROFILE in = cmsOpenProfileFromMem(data, size);
	if (!in) return NULL;
	if (cmsGetColorSpace(in) != cmsSigRgbData) { cmsCloseProfile(in); return NULL; }
	cmsHPROFILE out = cmsCreate_sRGBProfile();
	cmsHTRANSFORM t = cmsCreateTransform(in, TYPE_RGBA_8, out, TYPE_RGBA_8, INTENT_PERCEPTUAL, 0);
	cmsCloseProfile(in);
	cmsCloseProfile(out);
	return t;
}

static void tessera_apply(cmsHTRANSFORM t, void *pix, cmsUInt32Number pixels) {
	cmsDoTransform(t, pix, pix, pixels);
}

static void tessera_description(const void *data, cmsUInt32Number size, char *buf, cmsUInt32Number n) {
	buf[0] = 0;
	cmsHPROFILE p = cmsOpenProfileFromMem(data, size);
	if (!p) return;
	cmsGetProfileInfoASCII(p, cmsInfoDescription, "en", "US", buf, n);
	cmsCloseProfile(p);
}
*/
import "C"

import (
	"errors"
	"image"
	"runtime"
	"strings"
	"unsafe"
)

// Transform converts RGBA pixels from one ICC profile to sRGB. It is safe
// for concurrent use: it holds one Little CMS transform per CPU (each with
// its one-pixel cache, which makes slide background nearly free) and lends
// them out. Close releases them (a finalizer does too).
type Transform struct {
	pool        chan C.cmsHTRANSFORM
	Description string // the profile's description, for the status line
	table       *table // Little CMS's output for every colour, once built (shared by profile)
}

// ErrProfile means the embedded profile cannot be used (damaged, or not
// an RGB profile).
var ErrProfile = errors.New("the slide's ICC profile cannot be used")

// ToSRGB returns the transform from the ICC profile to sRGB.
func ToSRGB(profile []byte) (*Transform, error) {
	if len(profile) < 128 { // an ICC header alone is 128 bytes
		return nil, ErrProfile
	}
	n := runtime.NumCPU()
	tr := &Transform{pool: make(chan C.cmsHTRANSFORM, n)}
	for i := 0; i < n; i++ {
		t := C.tessera_to_srgb(unsafe.Pointer(&profile[0]), C.cmsUInt32Number(len(profile)))
		if t == nil {
			tr.Close()
			return nil, ErrProfile
		}
		tr.pool <- t
	}
	var desc [256]C.char
	C.tessera_description(unsafe.Pointer(&profile[0]), C.cmsUInt32Number(len(profile)), &desc[0], C.cmsUInt32Number(len(desc)))
	tr.Description = strings.TrimSpace(C.GoString(&desc[0]))
	tr.table = tableFor(profile)
	runtime.SetFinalizer(tr, (*Transform).Close)
	return tr, nil
}

// Ready reports whether the profile's table is built (Apply is then a
// lookup; before, Little CMS converts each pixel, with the same result).
func (t *Transform) Ready() bool { return t != nil && t.table != nil && t.table.ready() != nil }

// WaitReady waits until the table is built (benchmarks; tests).
func (t *Transform) WaitReady() {
	if t != nil && t.table != nil {
		<-t.table.done
	}
}

// Apply converts img in place. img's rows must be contiguous (as in every
// image.NewRGBA); other images are converted row by row.
func (t *Transform) Apply(img *image.RGBA) {
	if t == nil || t.pool == nil || len(img.Pix) == 0 {
		return
	}
	if lut := t.table.ready(); lut != nil {
		lookUp(lut, img)
		return
	}
	t.applyLCMS(img)
}

// applyLCMS converts img in place with Little CMS, pixel by pixel.
func (t *Transform) applyLCMS(img *image.RGBA) {
	lcms := <-t.pool
	defer func() { t.pool <- lcms }()
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if img.Stride == 4*w {
		C.tessera_apply(lcms, unsafe.Pointer(&img.Pix[0]), C.cmsUInt32Number(w*h))
	} else {
		for y := 0; y < h; y++ {
			row := img.Pix[y*img.Stride:]
			C.tessera_apply(lcms, unsafe.Pointer(&row[0]), C.cmsUInt32Number(w))
		}
	}
	runtime.KeepAlive(t)
}

// Close releases the transform; it must not be in use.
func (t *Transform) Close() {
	if t == nil || t.pool == nil {
		return
	}
	for {
		select {
		case lcms := <-t.pool:
			C.cmsDeleteTransform(lcms)
		default:
			t.pool = nil
			return
		}
	}
}

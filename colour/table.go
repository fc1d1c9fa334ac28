package colour

/*
#cgo pkg-config: lcms2
#include <lcms2.h>

static void tessera_table_quiet(cmsContext ctx, cmsUInt32Number code, const char *text) {
	(void)ctx; (void)code; (void)text;
}

// tessera_tabulate writes, for the colours first .. first+n-1 (r<<16 |
// g<<8 | b), the profile's sRGB values (3 bytes each) into out, through a
// transform of its own from RGB to RGB bytes. Returns 0, or -1 when the
// profile cannot be used.
static int tessera_tabulate(const void *data, cmsUInt32Number size, unsigned int first, unsigned int n, unsigned char *out) {
	cmsSetLogErrorHandler(tessera_table_quiet);
	cmsHPROFILE in = cmsOpenProfileFromMem(data, size);
	if (!in) return -1;
	cmsHPROFILE srgb = cmsCreate_sRGBProfile();
	cmsHTRANSFORM t = cmsCreateTransform(in, TYPE_RGB_8, srgb, TYPE_RGB_8, INTENT_PERCEPTUAL, 0);
	cmsCloseProfile(in);
	cmsCloseProfile(srgb);
	if (!t) return -1;
	unsigned char row[256 * 3];
	for (unsigned int c = first; c < first + n; c += 256) {
		for (int b = 0; b < 256; b++) {
			row[3 * b] = (unsigned char)(c >> 16);
			row[3 * b + 1] = (unsigned char)(c >> 8);
			row[3 * b + 2] = (unsigned char)b;
		}
		cmsDoTransform(t, row, out + 3 * (size_t)(c - first), 256);
	}
	cmsDeleteTransform(t);
	return 0;
}
*/
import "C"

import (
	"crypto/sha256"
	"image"
	"runtime"
	"sync"
	"unsafe"
)

// A table holds Little CMS's sRGB answer for every 8-bit RGB colour of one
// profile: 2^24 × 3 bytes (48 MiB), built once per profile in the
// background by a goroutine the table owns (it ends when the table is
// built: 0.08 s on two cores, 0.16 s on one) and shared by every
// Transform of that profile; at most maxTables are kept (the oldest is
// dropped when a new profile comes). Until it is built, Transform.Apply
// asks Little CMS pixel by pixel, with the same result.
type table struct {
	done chan struct{} // closed when lut is set (or the build failed)
	lut  []byte        // nil until built, or when the build failed
}

// maxTables bounds the tables kept (48 MiB each).
const maxTables = 2

var tables struct {
	sync.Mutex
	byProfile map[[32]byte]*table
	order     [][32]byte // oldest first
}

// ready returns the table's values once built, else nil.
func (t *table) ready() []byte {
	if t == nil {
		return nil
	}
	select {
	case <-t.done:
		return t.lut
	default:
		return nil
	}
}

// tableFor returns the profile's table, starting its build if it is new.
func tableFor(profile []byte) *table {
	key := sha256.Sum256(profile)
	tables.Lock()
	defer tables.Unlock()
	if t, ok := tables.byProfile[key]; ok {
		return t
	}
	if tables.byProfile == nil {
		tables.byProfile = map[[32]byte]*table{}
	}
	if len(tables.order) >= maxTables {
		delete(tables.byProfile, tables.order[0]) // Transforms holding it keep it
		tables.order = tables.order[1:]
	}
	t := &table{done: make(chan struct{})}
	tables.byProfile[key] = t
	tables.order = append(tables.order, key)
	go t.build(append([]byte(nil), profile...))
	return t
}

// build tabulates every colour, split over all CPUs but one (left to the
// tiles being read meanwhile).
func (t *table) build(profile []byte) {
	defer close(t.done)
	const colours = 1 << 24
	lut := make([]byte, 3*colours)
	parts := max(1, runtime.NumCPU()-1)
	per := colours / parts / 256 * 256
	var wg sync.WaitGroup
	failed := make([]bool, parts)
	for p := 0; p < parts; p++ {
		first, n := p*per, per
		if p == parts-1 {
			n = colours - first
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := lut[3*first : 3*(first+n)]
			rc := C.tessera_tabulate(unsafe.Pointer(&profile[0]), C.cmsUInt32Number(len(profile)), C.uint(first), C.uint(n), (*C.uchar)(unsafe.Pointer(&out[0])))
			failed[p] = rc != 0
		}()
	}
	wg.Wait()
	for _, f := range failed {
		if f {
			return // lut stays nil: Little CMS converts pixel by pixel
		}
	}
	t.lut = lut
}

// lookUp converts img in place through the table (alpha untouched). The
// table is read without bounds checks (a third faster on tissue): every
// index, 3 × (r<<16 | g<<8 | b), lies inside its 3 × 2^24 bytes.
func lookUp(lut []byte, img *image.RGBA) {
	if len(lut) != 3<<24 {
		panic("colour: a table of the wrong size")
	}
	base := unsafe.Pointer(unsafe.SliceData(lut))
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w : y*img.Stride+4*w]
		for k := 0; k+4 <= len(row); k += 4 {
			p := row[k : k+4 : k+4]
			v := (*[3]byte)(unsafe.Add(base, 3*(int(p[0])<<16|int(p[1])<<8|int(p[2]))))
			p[0], p[1], p[2] = v[0], v[1], v[2]
		}
	}
}

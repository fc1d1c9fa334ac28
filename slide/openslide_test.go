package slide

import (
	"errors"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"tessera/internal/testslides"
	"testing"
	"time"
)

// sharedSlides returns the shared slides folder or skips the test.
func sharedSlides(t testing.TB) string { return testslides.Dir(t) }

func TestOpenRealSlides(t *testing.T) {
	dir := sharedSlides(t)
	cases := []struct {
		file      string
		format    string
		w, h      int64
		levels    int
		mpp       float64 // 0: uncalibrated
		mppSource MPPSource
		objective float64
		assoc     []string
	}{
		{"aperio/CMU-1-Small-Region.svs", "aperio", 2220, 2967, 1, 0.499, MPPFromVendor, 20, []string{"label", "macro", "thumbnail"}},
		{"aperio/tcga-cr-7395-01a-01-ts1.svs", "aperio", 4443, 3567, 2, 0, MPPUnknown, 0, []string{"thumbnail"}},
		{"aperio/openslide-python-small.svs", "aperio", 16, 16, 1, 0.499, MPPFromVendor, 20, []string{"thumbnail"}},
		{"hamamatsu/test3-DAPI-2-387.ndpi", "hamamatsu", 3968, 4864, 7, 0.228, MPPFromVendor, 40, []string{"macro"}},
		{"generic/openslide-python-boxes.tiff", "generic-tiff", 300, 250, 4, 0, MPPUnknown, 0, nil},
		{"ometiff/OS-1-detail.ome.tif", "ome-tiff", 1101, 1101, 1, 0.227, MPPFromOME, 0, nil},
		{"ometiff/OS-2-ndpi.ome.tif", "ome-tiff", 2202, 2202, 1, 0.227, MPPFromOME, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			s, err := Open(filepath.Join(dir, c.file))
			if !HasOpenSlide && c.format == "hamamatsu" {
				// The build without OpenSlide names the format and the build that reads it.
				if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "Hamamatsu NDPI is read through OpenSlide") {
					t.Errorf("NDPI without OpenSlide: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer s.Close()
			if s.Format() != c.format {
				t.Errorf("format %q, want %q", s.Format(), c.format)
			}
			lv := s.Levels()
			if len(lv) != c.levels || lv[0].Width != c.w || lv[0].Height != c.h {
				t.Fatalf("levels %+v, want %d levels, level 0 %d×%d", lv, c.levels, c.w, c.h)
			}
			for i := 1; i < len(lv); i++ {
				if lv[i].Downsample <= lv[i-1].Downsample {
					t.Errorf("downsamples not increasing: %+v", lv)
				}
			}
			m := s.MPP()
			if m.Source != c.mppSource || math.Abs(m.Mean()-c.mpp) > 0.002 {
				t.Errorf("mpp %v, want %.3f from %s", m, c.mpp, c.mppSource)
			}
			if s.ObjectivePower() != c.objective {
				t.Errorf("objective %v, want %v", s.ObjectivePower(), c.objective)
			}
			names := s.AssociatedImageNames()
			if len(names) != len(c.assoc) {
				t.Errorf("associated %v, want %v", names, c.assoc)
			}
			for _, n := range names {
				img, err := s.AssociatedImage(n)
				if err != nil || img.Bounds().Empty() {
					t.Errorf("associated %q: %v", n, err)
				}
			}
			// Read the centre of level 0 and the whole of the last level.
			last := len(lv) - 1
			side := int(min(256, lv[0].Width, lv[0].Height))
			dst := image.NewRGBA(image.Rect(0, 0, side, side))
			if err := s.ReadRegion(dst, 0, lv[0].Width/2-int64(side)/2, lv[0].Height/2-int64(side)/2); err != nil {
				t.Fatalf("read level 0: %v", err)
			}
			for i := 3; i < len(dst.Pix); i += 4 {
				if dst.Pix[i] != 255 {
					t.Fatalf("pixel %d not opaque", i/4)
				}
			}
			thumb := image.NewRGBA(image.Rect(0, 0, int(lv[last].Width), int(lv[last].Height)))
			if err := s.ReadRegion(thumb, last, 0, 0); err != nil {
				t.Fatalf("read last level: %v", err)
			}
			if fp := s.Fingerprint(); len(fp) != 67 {
				t.Errorf("fingerprint %q", fp)
			}
		})
	}
}

func TestCMUHasTissue(t *testing.T) {
	s, err := Open(filepath.Join(sharedSlides(t), "aperio/CMU-1-Small-Region.svs"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dst := image.NewRGBA(image.Rect(0, 0, 512, 512))
	if err := s.ReadRegion(dst, 0, 800, 1200); err != nil {
		t.Fatal(err)
	}
	// H&E tissue: many pixels clearly darker than the white background and pinkish (R > G).
	var tissue int
	for i := 0; i < len(dst.Pix); i += 4 {
		r, g := int(dst.Pix[i]), int(dst.Pix[i+1])
		if r < 235 && r > g+10 {
			tissue++
		}
	}
	if tissue < 512*512/10 {
		t.Errorf("only %d tissue-coloured pixels in a region of CMU-1 that is mostly tissue", tissue)
	}
}

func TestOpenBrokenAndUnsupported(t *testing.T) {
	dir := sharedSlides(t)
	cases := []struct {
		file string
		want error
	}{
		{"broken/histolab-broken.svs", ErrUnsupported},
		{"broken/openslide-python-unopenable.tiff", ErrDamaged},
		{"broken/tiff-fuzz/image-tiff-divide_by_zero-000034.tif", ErrUnsupported},
		{"broken/tiff-fuzz/image-tiff-colormap-shl-overflow.tif", ErrUnsupported},
		{"broken/tiff-fuzz/image-tiff-graydepth-invert-overflow.tif", ErrUnsupported},
		{"dicom/highdicom-sm/sm_image_jpegls.dcm", ErrUnsupported}, // JPEG-LS: named, not decoded
		{"dicom", ErrUnsupported}, // a folder of DICOM folders, no DICOM file in it
		{"does-not-exist.svs", os.ErrNotExist},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			start := time.Now()
			s, err := Open(filepath.Join(dir, c.file))
			if err == nil {
				s.Close()
				t.Fatalf("opened, want %v", c.want)
			}
			// Without OpenSlide, Tessera's own TIFF readers judge the broken
			// TIFFs: unsupported or damaged, with their own sentence.
			ownReaders := !HasOpenSlide && (c.want == ErrDamaged || c.want == ErrUnsupported)
			if !errors.Is(err, c.want) && !(ownReaders && (errors.Is(err, ErrDamaged) || errors.Is(err, ErrUnsupported))) {
				t.Errorf("error %q, want %v", err, c.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestTruncatedSlide(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedSlides(t), "aperio/CMU-1-Small-Region.svs"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "truncated.svs")
	if err := os.WriteFile(path, data[:1_000_000], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrDamaged) {
		t.Errorf("truncated slide: %v, want unsupported or damaged", err)
	}
}

// OpenSlide opens this file and fails only when decoding its tile; Open's
// probe read must catch that, so the user gets "damaged" at once.
func TestUnreadableTileIsDamaged(t *testing.T) {
	s, err := Open(filepath.Join(sharedSlides(t), "broken/openslide-python-unreadable.svs"))
	if err == nil {
		s.Close()
		t.Fatal("opened a slide whose only tile cannot be decoded")
	}
	message := "Bogus marker length" // OpenSlide's (libjpeg's)
	if !HasOpenSlide {
		message = "DQT has wrong length" // Go's JPEG decoder's
	}
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), message) {
		t.Errorf("error %q, want ErrDamaged with OpenSlide's message", err)
	}
}

func TestRegionValidation(t *testing.T) {
	s, err := Open(filepath.Join(sharedSlides(t), "aperio/openslide-python-small.svs"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []struct {
		name  string
		level int
		w, h  int
	}{{"bad level", 3, 4, 4}, {"negative level", -1, 4, 4}, {"too large", 0, 9000, 9000}} {
		dst := &image.RGBA{Rect: image.Rect(0, 0, c.w, c.h), Stride: 4 * c.w} // no pixels: must be refused before use
		if err := s.ReadRegion(dst, c.level, 0, 0); !errors.Is(err, ErrBadRegion) {
			t.Errorf("%s: %v, want ErrBadRegion", c.name, err)
		}
	}
}

func TestConcurrentReadsAndClose(t *testing.T) {
	s, err := Open(filepath.Join(sharedSlides(t), "aperio/CMU-1-Small-Region.svs"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			dst := image.NewRGBA(image.Rect(0, 0, 240, 240))
			for i := 0; i < 20; i++ {
				err := s.ReadRegion(dst, 0, int64(240*((g+i)%8)), 240)
				if err != nil && !errors.Is(err, ErrClosed) {
					t.Errorf("read: %v", err)
					return
				}
			}
		}(g)
	}
	time.Sleep(5 * time.Millisecond)
	s.Close()
	wg.Wait()
	if err := s.ReadRegion(image.NewRGBA(image.Rect(0, 0, 4, 4)), 0, 0, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("read after close: %v", err)
	}
}

package slide

import (
	"bytes"
	"errors"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tessera/internal/testslides"
)

// The shared DICOM files: each series opens, from its folder or any of its
// files, with its size, µm/px and associated images; what cannot be shown
// is refused with the reason.
func TestDICOMSharedFiles(t *testing.T) {
	dir := filepath.Join(sharedSlides(t), "dicom")
	cases := []struct {
		path          string
		width, height int64
		mpp           float64
		associated    string
		order         string
	}{
		{"pathml-small_dicom", 3236, 2638, 0, "", "column-major"},
		{"pathml-small_dicom/pathml-small_dicom.dcm", 3236, 2638, 0, "", "column-major"},
		{"google-camelyon-jpeg", 1152, 700, 28.969, "", ""},
		{"wsi2dcm-jpeg/wsi2dcm-jpeg.dcm", 957, 715, 16.783, "", "TILED_FULL"},
		{"openslide-python-boxes/openslide-python-boxes_1.dcm", 16, 16, 0.499, "thumbnail", ""},
		{"highdicom-sm/sm_image_grayscale.dcm", 50, 50, 0.499, "", ""},
	}
	for _, c := range cases {
		s, err := Open(filepath.Join(dir, c.path))
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		l0 := s.Levels()[0]
		if s.Format() != "dicom" || l0.Width != c.width || l0.Height != c.height {
			t.Errorf("%s: %s %d×%d, want dicom %d×%d", c.path, s.Format(), l0.Width, l0.Height, c.width, c.height)
		}
		if m := s.MPP(); c.mpp > 0 && (m.Source != MPPFromDICOM || math.Abs(m.X-c.mpp) > 1e-3) || c.mpp == 0 && m.Known() {
			t.Errorf("%s: µm/px %+v, want %v", c.path, m, c.mpp)
		}
		if got := strings.Join(s.AssociatedImageNames(), ","); got != c.associated {
			t.Errorf("%s: associated images %q, want %q", c.path, got, c.associated)
		}
		if c.order != "" && s.Properties()["dicom.frame-order"] != c.order {
			t.Errorf("%s: frame order %q, want %q", c.path, s.Properties()["dicom.frame-order"], c.order)
		}
		img := image.NewRGBA(image.Rect(0, 0, int(min(l0.Width, 300)), int(min(l0.Height, 300))))
		if err := s.ReadRegion(img, 0, 0, 0); err != nil {
			t.Errorf("%s: %v", c.path, err)
		}
		s.Close()
	}
	_, err := Open(filepath.Join(dir, "highdicom-sm", "sm_image_jpegls.dcm"))
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "JPEG-LS lossless (transfer syntax 1.2.840.10008.1.2.4.80)") {
		t.Errorf("JPEG-LS: %v", err)
	}
}

// A folder of three series of the same size (RGB, greyscale, JPEG-LS)
// opens as the same one every time, and as one Tessera decodes.
func TestDICOMFolderOfEqualSeriesOpensTheSameWay(t *testing.T) {
	dir := filepath.Join(sharedSlides(t), "dicom", "highdicom-sm")
	first := ""
	for i := 0; i < 12; i++ {
		s, err := Open(dir)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if first == "" {
			first = s.Fingerprint()
		} else if s.Fingerprint() != first {
			t.Fatalf("open %d gave another series (%s, then %s)", i, first, s.Fingerprint())
		}
		s.Close()
	}
}

// A DICOM file of another SOP class, and a cut-short one, are refused with
// the right kind of error.
func TestDICOMNotASlideAndDamaged(t *testing.T) {
	src := filepath.Join(sharedSlides(t), "dicom", "wsi2dcm-jpeg", "wsi2dcm-jpeg.dcm")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	other := filepath.Join(dir, "other.dcm")
	// VL slide-coordinates microscopic image: the same length of UID.
	os.WriteFile(other, bytes.ReplaceAll(data, []byte("1.2.840.10008.5.1.4.1.1.77.1.6"), []byte("1.2.840.10008.5.1.4.1.1.77.1.3")), 0o644)
	if _, err := Open(other); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "not a whole-slide image (VL Slide-Coordinates Microscopic Image") {
		t.Errorf("another SOP class: %v", err)
	}
	// A Microscopy Bulk Simple Annotations object: no pixel data at all.
	ann := filepath.Join(dir, "ann.dcm")
	annData := bytes.ReplaceAll(data, []byte("1.2.840.10008.5.1.4.1.1.77.1.6"), []byte("1.2.840.10008.5.1.4.1.1.91.1\x00\x00"))
	if i := bytes.Index(annData, []byte("\xe0\x7f\x10\x00")); i > 0 {
		annData = annData[:i]
	}
	os.WriteFile(ann, annData, 0o644)
	_, err = Open(ann)
	if !errors.Is(err, ErrUnsupported) || UnsupportedReason(err) != "not an image (Microscopy Bulk Simple Annotations (SOP class 1.2.840.10008.5.1.4.1.1.91.1))" {
		t.Errorf("an annotation object: %v", err)
	}
	if strings.Contains(err.Error(), dir) {
		t.Errorf("the error names the folder: %v", err)
	}
	cut := filepath.Join(t.TempDir(), "cut.dcm")
	os.WriteFile(cut, data[:len(data)*2/3], 0o644)
	if _, err := Open(cut); !errors.Is(err, ErrDamaged) {
		t.Errorf("cut short: %v", err)
	}
}

// Real tissue through an independent DICOM writer: the copies of
// CMU-1-Small-Region (three levels, TILED_FULL with an offset table, and
// TILED_SPARSE without one, frames reversed, some tiles missing) give the
// original's pixels within JPEG error, and the missing tiles are background.
func TestDICOMCopiesMatchTheOriginal(t *testing.T) {
	orig, err := Open(filepath.Join(sharedSlides(t), "aperio", "CMU-1-Small-Region.svs"))
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	for _, mode := range []string{testslides.DICOMFull, testslides.DICOMSparse} {
		dir := testslides.DICOMCopy(t, mode)
		s, err := Open(filepath.Join(dir, "level-1.dcm")) // any file of the series
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		levels := s.Levels()
		if len(levels) != 3 || levels[0].Width != 2220 || levels[0].Height != 2967 || math.Abs(levels[2].Downsample-4) > 0.01 {
			t.Errorf("%s: levels %+v", mode, levels)
		}
		if m := s.MPP(); math.Abs(m.X-0.499) > 1e-6 || m.Source != MPPFromDICOM {
			t.Errorf("%s: µm/px %+v", mode, m)
		}
		if names := s.AssociatedImageNames(); len(names) != 1 || names[0] != "label" {
			t.Errorf("%s: associated %v", mode, names)
		} else if lab, err := s.AssociatedImage("label"); err != nil || lab.Rect.Dx() != 120 {
			t.Errorf("%s: label %v %v", mode, lab.Rect, err)
		}
		a, b := image.NewRGBA(image.Rect(0, 0, 700, 500)), image.NewRGBA(image.Rect(0, 0, 700, 500))
		orig.ReadRegion(a, 0, 700, 1100)
		if err := s.ReadRegion(b, 0, 700, 1100); err != nil {
			t.Fatal(err)
		}
		if mode == testslides.DICOMFull {
			// JPEG at quality 95 with 4:2:0 chroma costs about 5 per channel on
			// tissue; one pixel of misplacement costs several times that.
			shifted := image.NewRGBA(image.Rect(0, 0, 700, 500))
			orig.ReadRegion(shifted, 0, 701, 1100)
			d, off := meanAbsDiff(a, b), meanAbsDiff(shifted, b)
			if d > 6 || off < 2*d {
				t.Errorf("%s: level 0 differs from the original by %.2f per channel (shifted by a pixel: %.2f)", mode, d, off)
			}
			t.Logf("level 0: %.2f per channel from the original, %.2f from it shifted by a pixel", d, off)
		} else {
			// Sorted by (row, col), tile k%7 == 3 is left out: on level 0 (9
			// tiles a row) that is row 0, column 3: x 768–1024, y 0–256.
			gap := image.NewRGBA(image.Rect(0, 0, 200, 200))
			s.ReadRegion(gap, 0, 800, 20)
			for i := 0; i < len(gap.Pix); i++ {
				if gap.Pix[i] != 255 {
					t.Fatalf("%s: a missing tile is not background", mode)
				}
			}
			// Elsewhere the pixels still match (positions, not order, place frames).
			pa, pb := image.NewRGBA(image.Rect(0, 0, 256, 256)), image.NewRGBA(image.Rect(0, 0, 256, 256))
			orig.ReadRegion(pa, 0, 256, 1024)
			s.ReadRegion(pb, 0, 256, 1024)
			if d := meanAbsDiff(pa, pb); d > 6 {
				t.Errorf("%s: a present tile differs by %.2f", mode, d)
			}
		}
		s.Close()
	}
}

// Frames indexed by an Extended Offset Table (pydicom's
// encapsulate_extended: empty Basic Offset Table) are found through it and
// are the same frames as the copy with a Basic Offset Table.
func TestDICOMExtendedOffsetTable(t *testing.T) {
	full, err := Open(testslides.DICOMCopy(t, testslides.DICOMFull))
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	s, err := Open(testslides.DICOMCopy(t, testslides.DICOMEOT))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if by := s.Properties()["dicom.frames-found-by"]; by != "extended offset table" || full.Properties()["dicom.frames-found-by"] != "basic offset table" {
		t.Fatalf("frames found by %q (and %q with a Basic Offset Table)", by, full.Properties()["dicom.frames-found-by"])
	}
	for level := range s.Levels() {
		a, b := image.NewRGBA(image.Rect(0, 0, 500, 500)), image.NewRGBA(image.Rect(0, 0, 500, 500))
		if err := full.ReadRegion(a, level, 300, 400); err != nil {
			t.Fatal(err)
		}
		if err := s.ReadRegion(b, level, 300, 400); err != nil {
			t.Fatal(err)
		}
		if d := meanAbsDiff(a, b); d != 0 {
			t.Errorf("level %d differs from the copy with a Basic Offset Table by %.3f", level, d)
		}
	}
}

func meanAbsDiff(a, b *image.RGBA) float64 {
	var sum float64
	for i := 0; i < len(a.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			sum += math.Abs(float64(a.Pix[i+c]) - float64(b.Pix[i+c]))
		}
	}
	return sum / float64(3*len(a.Pix)/4)
}

// FuzzParseDICOM: malformed DICOM structures give errors, never panics,
// hangs or allocations from size fields. Seeds: the small shared files.
func FuzzParseDICOM(f *testing.F) {
	dir := filepath.Join(testslides.Dir(f), "dicom")
	for _, rel := range []string{"openslide-python-boxes/openslide-python-boxes_0.dcm", "openslide-python-boxes/openslide-python-boxes_1.dcm",
		"highdicom-sm/sm_image.dcm", "highdicom-sm/sm_image_grayscale.dcm", "highdicom-sm/sm_image_jpegls.dcm"} {
		if data, err := os.ReadFile(filepath.Join(dir, rel)); err == nil {
			f.Add(data)
			f.Add(data[:len(data)/2])
		}
	}
	// Fluorescence: two optical paths in one file with per-frame path
	// identifiers and Z offsets (the smallest level).
	if data, err := os.ReadFile(filepath.Join(testslides.FluorescenceDICOM(f, testslides.FluoSparse), "level-2.dcm")); err == nil {
		f.Add(data)
	}
	// Frames indexed by an Extended Offset Table (the smallest level).
	if data, err := os.ReadFile(filepath.Join(testslides.DICOMCopy(f, testslides.DICOMEOT), "level-2.dcm")); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := parseDICOMInstance("fuzz", bytes.NewReader(data))
		if err == nil && in.checkCodec() == nil {
			// A few frames each (decoding is Go's and OpenJPEG's; the
			// layout that finds the frames is what is fuzzed here).
			for k, fi := range in.tileFrame {
				if fi >= 0 {
					in.decodeFrame(fi)
				}
				if k >= 2 {
					break
				}
			}
			for _, tiles := range in.pathTiles {
				for k := 0; k < len(tiles) && k < 2 && in.spp == 1; k++ {
					if tiles[k] >= 0 {
						in.frameValues(tiles[k])
					}
				}
			}
		}
	})
}

// Lossless JPEG 2000 (through OpenJPEG): the copy's pixels are the
// original's, exactly, on every level read.
func TestDICOMJPEG2000Lossless(t *testing.T) {
	orig, err := Open(filepath.Join(sharedSlides(t), "aperio", "CMU-1-Small-Region.svs"))
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	s, err := Open(testslides.DICOMCopy(t, testslides.DICOMJ2K))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Properties()["dicom.transfer-syntax"] != "1.2.840.10008.1.2.4.90" || len(s.Levels()) != 3 {
		t.Fatalf("properties %v, %d levels", s.Properties()["dicom.transfer-syntax"], len(s.Levels()))
	}
	a, b := image.NewRGBA(image.Rect(0, 0, 600, 600)), image.NewRGBA(image.Rect(0, 0, 600, 600))
	orig.ReadRegion(a, 0, 1000, 1500)
	if err := s.ReadRegion(b, 0, 1000, 1500); err != nil {
		t.Fatal(err)
	}
	// The copy was made from OpenSlide's pixels; without OpenSlide the
	// original is read by Go's JPEG decoder, one grey level apart at most.
	if d := meanAbsDiff(a, b); d != 0 && (HasOpenSlide || d > 0.05) {
		t.Errorf("lossless JPEG 2000 differs from the original by %.3f per channel", d)
	}
}

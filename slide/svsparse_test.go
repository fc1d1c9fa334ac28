package slide

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"
)

// The own SVS reader on the broken shared files: a corrupt JPEG tile is
// damage at open, text named .svs is not an SVS, a fuzzed TIFF is not one.
func TestSVSReaderBrokenFiles(t *testing.T) {
	dir := sharedSlides(t)
	if _, err := openSVS(filepath.Join(dir, "broken/openslide-python-unreadable.svs")); !errors.Is(err, ErrDamaged) {
		t.Errorf("a corrupt JPEG tile: %v, want damaged", err)
	}
	for _, name := range []string{"broken/histolab-broken.svs", "broken/tiff-fuzz/image-tiff-divide_by_zero-000034.tif", "ometiff/OS-1-detail.ome.tif"} {
		if _, err := openSVS(filepath.Join(dir, name)); !errors.Is(err, errNotSVS) {
			t.Errorf("%s: %v, want not an SVS", name, err)
		}
	}
	s, err := openSVS(filepath.Join(dir, "aperio/CMU-1-Small-Region.svs"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Format() != "aperio" || s.MPP().Source != MPPFromVendor || s.ObjectivePower() != 20 || Scanner(s) != "aperio" {
		t.Errorf("format %s, mpp %+v, objective %v", s.Format(), s.MPP(), s.ObjectivePower())
	}
	if _, err := s.AssociatedImage("slide"); err == nil {
		t.Error("an associated image the file does not have")
	}
	s.Close()
	if err := s.ReadRegion(image.NewRGBA(image.Rect(0, 0, 8, 8)), 0, 0, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("read after close: %v", err)
	}
}

// yccToRGB is BT.601 as Go's colour package computes it, within the one
// grey level their fixed-point roundings may differ by.
func TestYCCToRGB(t *testing.T) {
	for _, c := range [][3]uint8{{0, 128, 128}, {255, 128, 128}, {120, 90, 200}, {200, 30, 240}, {16, 240, 16}} {
		pix := []byte{c[0], c[1], c[2], 255}
		yccToRGB(pix)
		r, g, b := color.YCbCrToRGB(c[0], c[1], c[2])
		for k, want := range []uint8{r, g, b} {
			if d := int(pix[k]) - int(want); d < -1 || d > 1 {
				t.Errorf("YCbCr %v: %v, Go's colour package %v %v %v", c, pix[:3], r, g, b)
			}
		}
	}
}

// FuzzParseSVS: any bytes give a slide or an error, never a panic or a
// hang, and a slide's reads and associated images return.
func FuzzParseSVS(f *testing.F) {
	dir := filepath.Join("..", "..", "shared", "slides")
	for _, rel := range []string{"aperio/openslide-python-small.svs", "broken/openslide-python-unreadable.svs", "broken/histolab-broken.svs", "generic/openslide-python-boxes.tiff",
		"broken/tiff-fuzz/image-tiff-colormap-shl-overflow.tif"} {
		if data, err := os.ReadFile(filepath.Join(dir, rel)); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("II*\x00\x08\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parseSVS("fuzz", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		s.ReadRegion(image.NewRGBA(image.Rect(0, 0, 64, 64)), 0, 0, 0)
		for _, n := range s.AssociatedImageNames() {
			s.AssociatedImage(n)
		}
	})
}

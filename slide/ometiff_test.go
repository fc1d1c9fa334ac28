package slide

import (
	"bytes"
	"errors"
	"image"
	"os"
	"path/filepath"
	"testing"
)

// The OME-TIFF crop of OS-1 is H&E: its centre is tissue-coloured, and the
// pure-Go reader gives the same pixels whether a region spans tiles or not.
func TestOMETIFFPixels(t *testing.T) {
	s, err := Open(filepath.Join(sharedSlides(t), "ometiff", "OS-1-detail.ome.tif"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	whole := image.NewRGBA(image.Rect(0, 0, 1101, 1101))
	if err := s.ReadRegion(whole, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	var tissue int
	for i := 0; i < len(whole.Pix); i += 4 {
		if r, g := int(whole.Pix[i]), int(whole.Pix[i+1]); r < 235 && r > g+10 {
			tissue++
		}
	}
	if tissue < 1101*1101/3 {
		t.Errorf("only %d tissue-coloured pixels in an H&E crop", tissue)
	}
	// A region across the tile corner at (512, 512), and one past the image edge.
	part := image.NewRGBA(image.Rect(0, 0, 100, 90))
	if err := s.ReadRegion(part, 0, 470, 480); err != nil {
		t.Fatal(err)
	}
	for y := 0; y < 90; y++ {
		if !bytes.Equal(part.Pix[y*part.Stride:(y+1)*part.Stride], whole.Pix[(480+y)*whole.Stride+4*470:(480+y)*whole.Stride+4*570]) {
			t.Fatalf("row %d of a region across tiles differs from the whole read", y)
		}
	}
	edge := image.NewRGBA(image.Rect(0, 0, 50, 50))
	if err := s.ReadRegion(edge, 0, 1080, 1080); err != nil {
		t.Fatal(err)
	}
	if c := edge.RGBAAt(40, 40); c != (s.Background()) {
		t.Errorf("outside the image: %v, want the background", c)
	}
}

func TestOMETIFFDamaged(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedSlides(t), "ometiff", "OS-2-ndpi.ome.tif"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{100, 4000, len(data) / 2, len(data) - 1000} {
		p := filepath.Join(t.TempDir(), "cut.ome.tif")
		os.WriteFile(p, data[:cut], 0o644)
		s, err := Open(p)
		if err == nil {
			// Metadata may survive a cut; reading the lost tiles must then fail cleanly.
			img := image.NewRGBA(image.Rect(0, 0, 2202, 2202))
			err = s.ReadRegion(img, 0, 0, 0)
			s.Close()
		}
		if !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrUnsupported) {
			t.Errorf("cut at %d: %v, want damaged or unsupported", cut, err)
		}
	}
}

// FuzzParseOMETIFF: malformed TIFF structures give errors, never panics or
// huge allocations. Seeds: the fuzz corpus of ../shared and the OME files.
func FuzzParseOMETIFF(f *testing.F) {
	dir := filepath.Join("..", "..", "shared", "slides")
	for _, rel := range []string{"broken/tiff-fuzz/image-tiff-divide_by_zero-000034.tif", "broken/tiff-fuzz/image-tiff-colormap-shl-overflow.tif",
		"broken/tiff-fuzz/image-tiff-graydepth-invert-overflow.tif", "ometiff/OS-1-detail.ome.tif"} {
		if data, err := os.ReadFile(filepath.Join(dir, rel)); err == nil {
			if len(data) > 64<<10 {
				data = data[:64<<10]
			}
			f.Add(data)
		}
	}
	f.Add([]byte("MM\x00*\x00\x00\x00\x08"))
	strips := image.NewRGBA(image.Rect(0, 0, 64, 40))
	for _, compression := range []uint16{5, 8} { // RGB in strips, LZW and Deflate
		if data, err := os.ReadFile(stripOMETIFF(f, strips, 16, compression)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parseOMETIFF("fuzz", bytes.NewReader(data), int64(len(data)))
		if err == nil {
			img := image.NewRGBA(image.Rect(0, 0, 64, 64))
			s.ReadRegion(img, 0, 0, 0)
		}
	})
}

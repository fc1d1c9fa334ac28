package slide

import (
	"bytes"
	"errors"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The shared fluorescence images open as composited channels on black:
// QuPath's two-channel OME-TIFF export (big-endian, Deflate strips,
// palette) and the Vectra QPTIFF (three LZW channel planes), with channel
// names and colours from their metadata and windows from their histograms.
func TestFluorescenceChannels(t *testing.T) {
	dir := sharedSlides(t)
	cases := []struct {
		file, format string
		channels     int
		w, h         int64
	}{
		{"ometiff/qupath-cells-2c.ome.tif", "ome-tiff", 2, 93, 131},
		{"other/pathml-small_vectra.qptiff", "qptiff", 3, 1920, 1440},
	}
	for _, c := range cases {
		s, err := Open(filepath.Join(dir, c.file))
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		props := s.Properties()
		l0 := s.Levels()[0]
		if s.Format() != c.format || props["channels"] != itoa(c.channels) || l0.Width != c.w || l0.Height != c.h {
			t.Errorf("%s: %s, %s channels, %d×%d", c.file, s.Format(), props["channels"], l0.Width, l0.Height)
		}
		for i := 0; i < c.channels; i++ {
			if props["channel["+itoa(i)+"].name"] == "" || !strings.Contains(props["channel["+itoa(i)+"].window"], "automatic") {
				t.Errorf("%s: channel %d: %q %q", c.file, i, props["channel["+itoa(i)+"].name"], props["channel["+itoa(i)+"].window"])
			}
		}
		if bg := s.Background(); bg.R != 0 || bg.G != 0 || bg.B != 0 {
			t.Errorf("%s: background %v, want black", c.file, bg)
		}
		img := image.NewRGBA(image.Rect(0, 0, int(c.w), int(c.h)))
		if err := s.ReadRegion(img, 0, 0, 0); err != nil {
			t.Fatal(err)
		}
		lit := 0
		for i := 0; i < len(img.Pix); i += 4 {
			if img.Pix[i]|img.Pix[i+1]|img.Pix[i+2] > 40 {
				lit++
			}
		}
		if lit < len(img.Pix)/4/10 {
			t.Errorf("%s: only %d of %d pixels lit", c.file, lit, len(img.Pix)/4)
		}
		s.Close()
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

// FuzzParseChannels: malformed channel TIFFs give errors, never panics.
func FuzzParseChannels(f *testing.F) {
	dir := filepath.Join("..", "..", "shared", "slides")
	for _, rel := range []string{"ometiff/qupath-cells-2c.ome.tif", "broken/tiff-fuzz/image-tiff-divide_by_zero-000034.tif"} {
		if data, err := os.ReadFile(filepath.Join(dir, rel)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parseChannels("fuzz", bytes.NewReader(data), int64(len(data)))
		if err == nil {
			img := image.NewRGBA(image.Rect(0, 0, 32, 32))
			s.ReadRegion(img, 0, 0, 0)
		} else if errors.Is(err, ErrClosed) {
			t.Fatal(err)
		}
	})
}

package slide

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"tessera/internal/testslides"
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

// An OME-TIFF with focal planes and time points (made by tifffile from
// QuPath's real export, in both common plane orders) shows every channel of
// the first focal plane and time point, pixel for pixel the source's
// composite, and says in its properties that the others are not shown.
func TestOMEFocalPlanesAndTimePoints(t *testing.T) {
	src, err := Open(filepath.Join(sharedSlides(t), "ometiff", "qupath-cells-2c.ome.tif"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	want := image.NewRGBA(image.Rect(0, 0, 93, 131))
	if err := src.ReadRegion(want, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	for _, axes := range []string{"TCZYX", "TZCYX"} {
		s, err := Open(testslides.OMEStack(t, axes))
		if err != nil {
			t.Fatalf("%s: %v", axes, err)
		}
		props := s.Properties()
		if props["channels"] != "2" || !strings.Contains(props["tessera.focal-planes"], "3 focal planes; the first is shown") ||
			!strings.Contains(props["tessera.time-points"], "2 time points; the first is shown") {
			t.Errorf("%s: channels %q, planes %q, times %q", axes, props["channels"], props["tessera.focal-planes"], props["tessera.time-points"])
		}
		got := image.NewRGBA(want.Rect)
		if err := s.ReadRegion(got, 0, 0, 0); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Pix, want.Pix) {
			t.Errorf("%s: the composite differs from the source's (another focal plane or time point shown)", axes)
		}
		s.Close()
	}
}

// Tiled channel pyramids (OME-TIFF with SubIFDs, QPTIFF with reduced
// pages; made by tifffile from QuPath's real export enlarged 8×) open
// with their three levels, not as OpenSlide's grey generic TIFF: level 0
// is the source's composite, pixel for pixel, enlarged; the reduced levels
// agree with level 0 shrunk; the QPTIFF's thumbnail and label are
// associated images.
func TestChannelPyramids(t *testing.T) {
	src, err := Open(filepath.Join(sharedSlides(t), "ometiff", "qupath-cells-2c.ome.tif"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	small := image.NewRGBA(image.Rect(0, 0, 93, 131))
	if err := src.ReadRegion(small, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"ome", "qptiff"} {
		s, err := Open(testslides.ChannelPyramid(t, kind))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		levels := s.Levels()
		if len(levels) != 3 || levels[0].Width != 744 || levels[2].Downsample != 4 {
			t.Fatalf("%s: levels %+v (format %s)", kind, levels, s.Format())
		}
		if _, ok := ChannelsOf(s); !ok {
			t.Fatalf("%s: no channels", kind)
		}
		l0 := image.NewRGBA(image.Rect(0, 0, 744, 1048))
		if err := s.ReadRegion(l0, 0, 0, 0); err != nil {
			t.Fatal(err)
		}
		for y := 0; y < 1048; y += 7 {
			for x := 0; x < 744; x += 5 {
				a, b := l0.RGBAAt(x, y), small.RGBAAt(x/8, y/8)
				if a != b {
					t.Fatalf("%s: level 0 (%d, %d) = %v, the source's (%d, %d) = %v", kind, x, y, a, x/8, y/8, b)
				}
			}
		}
		l2 := image.NewRGBA(image.Rect(0, 0, 186, 262))
		if err := s.ReadRegion(l2, 2, 0, 0); err != nil {
			t.Fatal(err)
		}
		var diff, n float64
		for y := 0; y < 262; y++ {
			for x := 0; x < 186; x++ {
				for c := 0; c < 3; c++ {
					var sum float64
					for dy := 0; dy < 4; dy++ {
						for dx := 0; dx < 4; dx++ {
							sum += float64(l0.Pix[l0.PixOffset(4*x+dx, 4*y+dy)+c])
						}
					}
					diff += math.Abs(sum/16 - float64(l2.Pix[l2.PixOffset(x, y)+c]))
					n++
				}
			}
		}
		if diff/n > 6 {
			t.Errorf("%s: level 2 differs from level 0 shrunk by %.1f on average", kind, diff/n)
		}
		if kind == "qptiff" {
			names := s.AssociatedImageNames()
			label, err := s.AssociatedImage("label")
			if strings.Join(names, ",") != "label,thumbnail" || err != nil || label.Bounds().Dx() != 100 || label.RGBAAt(50, 30).R != 30 || label.RGBAAt(5, 5).R != 200 {
				t.Errorf("associated %v, label %v", names, err)
			}
		}
		s.Close()
	}
}

// JPEG-compressed channel planes (8-bit, tiled and in strips, with shared
// JPEGTables as libtiff writes them; made by vips from QuPath's real
// export's first channel, enlarged 8×) decode to the channel's values
// within JPEG error.
func TestJPEGChannelPlanes(t *testing.T) {
	if _, err := exec.LookPath("vips"); err != nil {
		t.Skip("vips not installed (scripts/setup.sh installs it)")
	}
	src, err := Open(testslides.ChannelPyramid(t, "ome"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ch, _ := ChannelsOf(src)
	for i := range ch.Channels() { // DAPI alone, its full range: the composite's blue is the value
		ch.SetChannel(i, i == 0, 0, 255)
	}
	want := image.NewRGBA(image.Rect(0, 0, 744, 1048))
	if err := src.ReadRegion(want, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	grey := image.NewGray(want.Rect)
	for p := 0; p < 744*1048; p++ {
		grey.Pix[p] = want.Pix[4*p+2]
	}
	dir := t.TempDir()
	pngPath := filepath.Join(dir, "dapi.png")
	f, _ := os.Create(pngPath)
	png.Encode(f, grey)
	f.Close()
	for _, layout := range []string{"--tile --tile-width 128 --tile-height 128", "--strip"} {
		out := filepath.Join(dir, "dapi.tif")
		cmd := exec.Command("sh", "-c", "vips tiffsave "+pngPath+" "+out+" --compression jpeg --Q 95 "+layout)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, msg)
		}
		file, _ := os.Open(out)
		st, _ := file.Stat()
		tr, first, err := newTIFFReader(file, st.Size())
		if err != nil {
			t.Fatal(err)
		}
		ifd, err := tr.readIFD(first)
		if err != nil {
			t.Fatal(err)
		}
		p, err := tr.readPlane(ifd)
		if err != nil {
			t.Fatalf("%s: %v", layout, err)
		}
		var diff, n float64
		across := (p.w + p.bw - 1) / p.bw
		for b := 0; b < across*((p.h+p.bh-1)/p.bh); b++ {
			vals, err := p.block(tr, b)
			if err != nil {
				t.Fatalf("%s, block %d: %v", layout, b, err)
			}
			x0, y0 := (b%across)*p.bw, (b/across)*p.bh
			for y := 0; y < p.bh && y0+y < p.h; y++ {
				for x := 0; x < p.bw && x0+x < p.w; x++ {
					diff += math.Abs(float64(vals[y*p.bw+x]) - float64(grey.GrayAt(x0+x, y0+y).Y))
					n++
				}
			}
		}
		file.Close()
		if p.jpegTables == nil || diff/n > 2 {
			t.Errorf("%s: tables %d bytes, mean difference %.2f", layout, len(p.jpegTables), diff/n)
		}
		t.Logf("%s: %d×%d blocks, mean difference %.2f", layout, p.bw, p.bh, diff/n)
	}
}

// A channel whose file gives no colour is drawn in the colour its name
// says (WG26 DICOM optical paths named "Green" and "Blue"), else from the
// palette.
func TestChannelColourFromItsName(t *testing.T) {
	for name, want := range map[string]color.RGBA{
		"Green": {0, 255, 0, 255}, "blue channel": {0, 0, 255, 255}, "Red 2": {255, 0, 0, 255}, "GREY": {255, 255, 255, 255},
	} {
		if got, ok := colourNamed(name); !ok || got != want {
			t.Errorf("%q: %v %v, want %v", name, got, ok, want)
		}
	}
	for _, name := range []string{"DAPI", "Channel 1", "red-green", "Bluetooth"} {
		if _, ok := colourNamed(name); ok {
			t.Errorf("%q read as a colour", name)
		}
	}
}

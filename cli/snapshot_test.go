package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"tessera/internal/testslides"
	"tessera/internal/xvfbtest"
	"tessera/slide"
)

func TestInfoJSON(t *testing.T) {
	slides := sharedSlides(t)
	var out bytes.Buffer
	if err := Info([]string{filepath.Join(slides, "hamamatsu", "test3-DAPI-2-387.ndpi")}, &out); err != nil {
		t.Fatal(err)
	}
	var info slide.Info
	if err := json.Unmarshal(out.Bytes(), &info); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if info.Format != "hamamatsu" || info.Width != 3968 || info.Height != 4864 || len(info.Levels) != 7 ||
		info.MPPSource != slide.MPPFromVendor || info.ObjectivePower != 40 || !strings.HasPrefix(info.Fingerprint, "t1:") {
		t.Errorf("info %+v", info)
	}
	if len(info.Channels) != 0 || len(info.Notes) != 0 {
		t.Errorf("a brightfield slide lists channels %v, notes %v", info.Channels, info.Notes)
	}

	// A fluorescence stack: its channels (name, colour, bit depth) and
	// what is not shown.
	out.Reset()
	if err := Info([]string{testslides.OMEStack(t, "TCZYX")}, &out); err != nil {
		t.Fatal(err)
	}
	info = slide.Info{}
	if err := json.Unmarshal(out.Bytes(), &info); err != nil {
		t.Fatal(err)
	}
	if info.Format != "ome-tiff" || len(info.Channels) != 2 || info.Channels[0].Bits != 8 || info.Channels[0].Colour != "#0000ff" ||
		info.MPPSource != slide.MPPFromOME || len(info.Notes) != 2 || !strings.Contains(info.Notes[0], "focal planes") {
		t.Errorf("stack info %+v", info)
	}
}

func TestHeadlessCommandsRejectBadInput(t *testing.T) {
	slides := sharedSlides(t)
	tmp := t.TempDir()
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"info: not a slide", func() error {
			return Info([]string{filepath.Join(slides, "broken", "histolab-broken.svs")}, &bytes.Buffer{})
		}, "has a slide's name (.svs) but not a slide's content"},
		{"info: damaged", func() error {
			return Info([]string{filepath.Join(slides, "broken", "openslide-python-unopenable.tiff")}, &bytes.Buffer{})
		}, "damaged"},
		{"info: missing", func() error { return Info([]string{filepath.Join(tmp, "nope.svs")}, &bytes.Buffer{}) }, "no such file"},
		{"info: no argument", func() error { return Info(nil, &bytes.Buffer{}) }, "usage"},
		{"snapshot: no --out", func() error {
			return Snapshot([]string{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs")}, &bytes.Buffer{})
		}, "--out"},
		{"snapshot: bad size", func() error {
			return Snapshot([]string{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), "--out", filepath.Join(tmp, "a.png"), "--size", "big"}, &bytes.Buffer{})
		}, "--size"},
		{"snapshot: --mpp on an uncalibrated slide", func() error {
			return Snapshot([]string{filepath.Join(slides, "aperio", "tcga-cr-7395-01a-01-ts1.svs"), "--out", filepath.Join(tmp, "b.png"), "--mpp", "1"}, &bytes.Buffer{})
		}, "no µm/px calibration"},
	}
	for _, c := range cases {
		err := c.run()
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %q, want one line containing %q", c.name, err, c.want)
		}
		if code := ExitCode(err); code != ExitBadInput {
			t.Errorf("%s: exit code %d, want %d", c.name, code, ExitBadInput)
		}
	}
	if ExitCode(errors.New("internal")) != ExitFailure || ExitCode(nil) != ExitOK {
		t.Error("exit codes for failure and success")
	}
}

// A snapshot of CMU-1-Small-Region at 1 µm per pixel centred on tissue: the
// image has the requested size, shows tissue, and carries the scale bar.
func TestSnapshotRealSlide(t *testing.T) {
	slides := sharedSlides(t)
	out := filepath.Join(t.TempDir(), "view.png")
	err := Snapshot([]string{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"),
		"--out", out, "--size", "640x480", "--center", "1100,1500", "--mpp", "1"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, out)
	if img.Bounds() != image.Rect(0, 0, 640, 480) {
		t.Fatalf("size %v", img.Bounds())
	}
	if frac := xvfbtest.TissueFraction(img, img.Bounds()); frac < 0.2 {
		t.Errorf("only %.0f%% tissue in a view centred on tissue", 100*frac)
	}
	// The scale bar: a black bar, 4 px thick, in the bottom-left corner. At
	// 1 µm/px the largest round length under 160 px is 100 µm = 100 px.
	dark := 0
	for x := 12; x < 200; x++ {
		for y := 440; y < 472; y++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r < 0x1000 && g < 0x1000 && b < 0x1000 {
				dark++
			}
		}
	}
	if dark < 100*4 || dark > 100*4+250 {
		t.Errorf("%d black pixels in the scale-bar corner, want a 100×4 bar (plus text)", dark)
	}
}

// An annotated snapshot carries the scale bar (bottom-left), the legend
// (top-left) and the case card (bottom-right), and no file path.
func TestAnnotatedSnapshot(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	out := filepath.Join(t.TempDir(), "annotated.png")
	if err := Snapshot([]string{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), "--out", out, "--size", "1280x800", "--annotate"}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(out)
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	legend := image.Rect(0, 0, 300, 80)
	if xvfbtest.CountNear(img, legend, 0x44, 0x01, 0x54) < 10 || xvfbtest.CountNear(img, legend, 0xfd, 0xe7, 0x25) < 10 {
		t.Error("no legend colour bar at the top left")
	}
	bar := 0
	for x := 10; x < 200; x++ {
		for y := 740; y < 795; y++ {
			if c := xvfbtest.RGBAt(img, x, y); c[0] < 16 && c[1] < 16 && c[2] < 16 {
				bar++
			}
		}
	}
	if bar < 200 {
		t.Errorf("no scale bar at the bottom left (%d black pixels)", bar)
	}
	card := image.Rect(860, 640, 1280, 800)
	if xvfbtest.CountRed(img, card) < 50 {
		t.Error("no class line on a card at the bottom right")
	}
	if xvfbtest.CountNear(img, card, 0xff, 0xc1, 0x07) < 20 {
		t.Error("no demonstration warning on the card")
	}
}

// Headless commands print no errors that are not errors: under Debian's
// default LANG=C.UTF-8 and without a display, info and snapshot print
// nothing on stderr.
func TestHeadlessCommandsQuietUnderCLocale(t *testing.T) {
	slides := sharedSlides(t)
	bin := xvfbtest.Binary(t, "..")
	svs := filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs")
	for _, args := range [][]string{{"info", svs}, {"snapshot", svs, "--out", filepath.Join(t.TempDir(), "s.png"), "--size", "320x240"}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = []string{"LANG=C.UTF-8", "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil || stderr.Len() > 0 {
			t.Errorf("tessera %s: %v, stderr:\n%s", args[0], err, stderr.String())
		}
	}
}

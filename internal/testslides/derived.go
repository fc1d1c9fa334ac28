package testslides

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"tessera/internal/testicc"
)

// Derived slides: real tissue (CMU-1-Small-Region, 0.499 µm/px) made into
// the faulty slides quality control must catch, with vips and ImageMagick.
// Each is a tiled pyramidal JPEG TIFF carrying its µm/px.
const (
	Sharp     = "sharp"     // the tissue as scanned
	Blurred   = "blurred"   // out of focus everywhere (Gaussian blur, σ = 4 level-0 pixels)
	PenMarked = "pen"       // green, blue and black marker strokes across the tissue
	NearEmpty = "nearempty" // a 250-pixel piece of tissue on blank glass
	Greyscale = "greyscale" // the tissue without its colours: no H&E stain
	// PenLines: thin green, blue and black pen lines (30 level-0 pixels,
	// 15 µm) crossing the tissue, which cover only part of each tile they
	// cross. Centre lines in PenLineSegments.
	PenLines = "penlines"
	// Underexposed: every channel × 0.45 (grey glass, dark tissue).
	Underexposed = "underexposed"
	// Specks: three 120-pixel (60 µm) pieces of tissue on blank glass,
	// each smaller than half of a 112 µm tile.
	Specks = "specks"
)

// PenLineSegments are the PenLines strokes' centre lines, each x0, y0, x1,
// y1 in level-0 pixels, and PenLineWidth their width.
var PenLineSegments = [][4]float64{{100, 500, 2100, 900}, {100, 1700, 2100, 1400}, {300, 2300, 2000, 2600}}

// PenLineWidth is the width of the PenLines strokes in level-0 pixels.
const PenLineWidth = 30

// recipes are the shell steps from base.v (the flattened slide) to out.png
// or out.v in the working folder.
var recipes = map[string]string{
	Sharp:   `vips copy base.v out.v`,
	Blurred: `vips gaussblur base.v out.v 4`,
	PenMarked: `vips copy base.v base.png && convert base.png -fill none -strokewidth 150 ` +
		`-stroke "rgba(20,140,60,0.75)" -draw "line 100,300 2100,700" ` +
		`-stroke "rgba(30,60,200,0.75)" -draw "line 100,1500 2100,1300" ` +
		`-stroke "rgba(15,15,20,0.85)" -draw "line 300,2400 2000,2700" out.png`,
	PenLines: `vips copy base.v base.png && convert base.png -fill none -strokewidth 30 ` +
		`-stroke "rgba(20,140,60,0.8)" -draw "line 100,500 2100,900" ` +
		`-stroke "rgba(30,60,200,0.8)" -draw "line 100,1700 2100,1400" ` +
		`-stroke "rgba(15,15,20,0.85)" -draw "line 300,2300 2000,2600" out.png`,
	Underexposed: `vips linear base.v out.v 0.45 0 --uchar`,
	NearEmpty:    `vips crop base.v piece.v 900 1300 250 250 && vips embed piece.v out.v 900 1300 2220 2967 --extend background --background 255`,
	Greyscale:    `vips colourspace base.v grey.v b-w && vips colourspace grey.v out.v srgb`,
	Specks: `vips copy base.v base.png && convert -size 2220x2967 xc:white ` +
		`\( base.png -crop 120x120+900+1300 +repage \) -geometry +400+400 -composite ` +
		`\( base.png -crop 120x120+1000+1400 +repage \) -geometry +1300+1500 -composite ` +
		`\( base.png -crop 120x120+920+1420 +repage \) -geometry +600+2400 -composite out.png`,
}

var derivedMu sync.Mutex

// madeBy returns the path of tools/SCRIPT and the place its output goes in
// $TMPDIR/tessera-test-slides: NAME-HASH plus ext, the hash that of the
// script and of inputs (the paths of files it reads, themselves named by
// their makers' hashes), so that a changed script or source makes the
// file again. The caller holds derivedMu while it makes the file.
func madeBy(t testing.TB, script, name, ext string, inputs ...string) (scriptPath, out string) {
	t.Helper()
	scriptPath = filepath.Join(moduleRoot(), "tools", script)
	code, err := os.ReadFile(scriptPath)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	h.Write(code)
	for _, in := range inputs {
		h.Write([]byte("\x00" + in))
	}
	return scriptPath, filepath.Join(os.TempDir(), "tessera-test-slides", name+"-"+hex.EncodeToString(h.Sum(nil)[:4])+ext)
}

// Derived returns the path of a derived slide (one of the constants),
// building it on first use in a folder shared by test runs
// ($TMPDIR/tessera-test-slides). It skips the test when the shared slides,
// vips or ImageMagick are missing.
func Derived(t testing.TB, kind string) string {
	t.Helper()
	recipe, ok := recipes[kind]
	if !ok {
		t.Fatalf("no derived slide %q", kind)
	}
	src := filepath.Join(Dir(t), "aperio", "CMU-1-Small-Region.svs")
	for _, tool := range []string{"vips", "convert"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/setup.sh installs it): skipping test on a derived slide", tool)
		}
	}
	derivedMu.Lock()
	defer derivedMu.Unlock()
	dir := filepath.Join(os.TempDir(), "tessera-test-slides")
	sum := sha256.Sum256([]byte(recipe))
	out := filepath.Join(dir, kind+"-"+hex.EncodeToString(sum[:4])+".tif") // a changed recipe is made again
	if _, err := os.Stat(out); err == nil {
		return out
	}
	work, err := os.MkdirTemp(os.TempDir(), "derive-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(work)
	last := "out.v"
	if strings.HasSuffix(recipe, "out.png") {
		last = "out.png"
	}
	// 0.499 µm/px is 2004 pixels per millimetre (vips takes px/mm).
	script := fmt.Sprintf(`set -e
vips openslideload %q raw.v
vips flatten raw.v base.v --background 255
%s
vips tiffsave %s slide.tif --tile --pyramid --compression jpeg --Q 90 --xres 2004 --yres 2004
`, src, recipe, last)
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = work
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("making the %s slide: %v\n%s", kind, err, msg)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(work, "slide.tif"), out); err != nil {
		t.Fatal(err)
	}
	return out
}

// AdobeRGBCopy returns the sharp derived slide saved again with an Adobe
// RGB (1998) ICC profile embedded (tag 34675, written by vips), made on
// first use: real tissue whose colours a colour-managed reader converts.
func AdobeRGBCopy(t testing.TB) string {
	t.Helper()
	sharp := Derived(t, Sharp)
	derivedMu.Lock()
	defer derivedMu.Unlock()
	dir := filepath.Join(os.TempDir(), "tessera-test-slides")
	out := filepath.Join(dir, "adobergb-"+filepath.Base(sharp))
	if _, err := os.Stat(out); err == nil {
		return out
	}
	work, err := os.MkdirTemp(os.TempDir(), "icc-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(work)
	prof := filepath.Join(work, "adobergb.icc")
	if err := os.WriteFile(prof, testicc.AdobeRGB(), 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(work, "slide.tif")
	cmd := exec.Command("vips", "tiffsave", sharp, tmp, "--tile", "--pyramid", "--compression", "jpeg", "--Q", "90", "--xres", "2004", "--yres", "2004", "--profile", prof)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("embedding the ICC profile: %v\n%s", err, msg)
	}
	if err := os.Rename(tmp, out); err != nil {
		t.Fatal(err)
	}
	return out
}

package testslides

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// CohortSlides returns n small real-tissue slides for cohort tests: pieces
// of CMU-1-Small-Region (1024 × 1024 level-0 pixels at 0.499 µm/px, cut at
// different places, some mirrored), each its own file and fingerprint, as
// tiled pyramidal JPEG TIFFs written by vips. Made on first use in
// $TMPDIR/tessera-test-slides/cohort-v1; skips when vips or the shared
// slides are missing.
func CohortSlides(t testing.TB, n int) []string {
	t.Helper()
	src := filepath.Join(Dir(t), "aperio", "CMU-1-Small-Region.svs")
	if _, err := exec.LookPath("vips"); err != nil {
		t.Skip("vips not installed (scripts/setup.sh installs it): skipping test on cohort slides")
	}
	derivedMu.Lock()
	defer derivedMu.Unlock()
	dir := filepath.Join(os.TempDir(), "tessera-test-slides", "cohort-v1")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "base.v")
	if _, err := os.Stat(base); err != nil {
		// Named by process: test binaries of several packages run at once.
		script := fmt.Sprintf("set -e; vips openslideload %q raw-$$.v; vips flatten raw-$$.v base-$$.v --background 255; rm raw-$$.v; mv base-$$.v %q", src, base)
		cmd := exec.Command("sh", "-c", script)
		cmd.Dir = dir
		if msg, err := cmd.CombinedOutput(); err != nil {
			os.Remove(base)
			t.Fatalf("cohort slides: %v\n%s", err, msg)
		}
	}
	var out []string
	for i := 0; i < n; i++ {
		path := filepath.Join(dir, fmt.Sprintf("slide-%03d.tif", i))
		out = append(out, path)
		if _, err := os.Stat(path); err == nil {
			continue
		}
		// Offsets over the 2220 × 2967 image; every third piece mirrored.
		x, y := (i*337)%(2220-1024), (i*541)%(2967-1024)
		step := fmt.Sprintf("vips crop %q piece-$$.v %d %d 1024 1024", base, x, y)
		if i%3 == 2 {
			step += " && vips flip piece-$$.v flip-$$.v horizontal && mv flip-$$.v piece-$$.v"
		}
		script := fmt.Sprintf("set -e; %s; vips tiffsave piece-$$.v part-$$.tif --tile --pyramid --compression jpeg --Q 90 --xres 2004 --yres 2004; mv part-$$.tif %q; rm -f piece-$$.v",
			step, path)
		cmd := exec.Command("sh", "-c", script)
		cmd.Dir = dir
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("cohort slide %d: %v\n%s", i, err, msg)
		}
	}
	return out
}

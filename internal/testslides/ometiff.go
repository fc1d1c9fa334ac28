package testslides

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// OMEStack returns a multi-channel OME-TIFF with 3 focal planes and 2 time
// points made from QuPath's real two-channel export
// (ometiff/qupath-cells-2c.ome.tif) by tifffile
// (tools/ometiff/make_stack.py): the first focal plane of the first time
// point holds the source's channels unchanged, every other plane differs.
// axes is tifffile's axis order of the written array: "TCZYX" is written
// with DimensionOrder XYZCT, "TZCYX" with XYCZT. Made on first use in
// $TMPDIR/tessera-test-slides; skips when tifffile is missing.
func OMEStack(t testing.TB, axes string) string {
	t.Helper()
	return tifffileMade(t, "make_stack.py", "stack-"+axes, ".ome.tif", axes)
}

// ChannelPyramid returns a tiled two-channel pyramid (three levels, 128²
// tiles, Deflate) made by tifffile (tools/ometiff/make_pyramid.py) from
// QuPath's real export, enlarged 8 times by repeating pixels: kind "ome"
// (reduced levels as SubIFDs) or "qptiff" (PerkinElmer-style pages, with
// a thumbnail and a label). Made on first use in
// $TMPDIR/tessera-test-slides; skips when tifffile is missing.
func ChannelPyramid(t testing.TB, kind string) string {
	t.Helper()
	ext := ".ome.tif"
	if kind == "qptiff" {
		ext = ".qptiff"
	}
	return tifffileMade(t, "make_pyramid.py", "pyramid-"+kind, ext, kind)
}

// tifffileMade runs tools/ometiff/SCRIPT on QuPath's real two-channel
// export (SCRIPT SRC OUT ARGS...) once, into $TMPDIR/tessera-test-slides
// as NAME-HASH plus ext (madeBy), and returns the file. It skips the test
// when the shared slides or tifffile are missing.
func tifffileMade(t testing.TB, script, name, ext string, args ...string) string {
	t.Helper()
	src := filepath.Join(Dir(t), "ometiff", "qupath-cells-2c.ome.tif")
	if err := exec.Command("/usr/bin/python3", "-c", "import tifffile, numpy").Run(); err != nil {
		t.Skip("python3-tifffile not installed (scripts/setup.sh installs it): skipping test on a tifffile-made image")
	}
	derivedMu.Lock()
	defer derivedMu.Unlock()
	path, out := madeBy(t, filepath.Join("ometiff", script), name, ext)
	dir := filepath.Dir(out)
	if _, err := os.Stat(out); err == nil {
		return out
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := out + ".part"
	if msg, err := exec.Command("/usr/bin/python3", append([]string{path, src, tmp}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, msg)
	}
	if err := os.Rename(tmp, out); err != nil {
		t.Fatal(err)
	}
	return out
}

package inference

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The machine-wide folder lists bundle folders (with a manifest) and
// zips, and nothing else.
func TestMachineBundles(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TESSERA_BUNDLES_DIR", dir)
	os.MkdirAll(filepath.Join(dir, "uni-relapse"), 0o755)
	os.WriteFile(filepath.Join(dir, "uni-relapse", "manifest.toml"), []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(dir, "not-a-bundle"), 0o755)
	os.WriteFile(filepath.Join(dir, "ki67.zip"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "README.txt"), []byte("x"), 0o644)
	got := MachineBundles()
	want := []string{filepath.Join(dir, "ki67.zip"), filepath.Join(dir, "uni-relapse")}
	if len(got) < 2 || !slices.Equal(got[:2], want) {
		t.Errorf("machine bundles %q, want %q first", got, want)
	}
	if MachineBundleDirs()[0] != dir {
		t.Errorf("dirs %q", MachineBundleDirs())
	}
}

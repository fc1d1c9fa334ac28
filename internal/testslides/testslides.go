// Package testslides finds the shared real test slides (../shared/slides
// beside the repository, or $TESSERA_SHARED_SLIDES) for tests.
package testslides

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the absolute path of the shared slides folder, or skips the
// test with a message when it is absent (a user's clone has none).
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("TESSERA_SHARED_SLIDES")
	if dir == "" {
		// Tests run in their package's folder, somewhere below the module
		// root; the shared folder is beside the repository.
		dir = filepath.Join(moduleRoot(), "..", "shared", "slides")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Skipf("shared test slides not found at %s (set TESSERA_SHARED_SLIDES): skipping real-slide test", abs)
	}
	return abs
}

// moduleRoot is the nearest folder with a go.mod above the working
// directory (the working directory itself if there is none).
func moduleRoot() string {
	wd, _ := os.Getwd()
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return wd
		}
		dir = parent
	}
}

package inference

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindRuntimeLibraryMessages(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "libonnxruntime.so")
	t.Setenv("ONNXRUNTIME_SHARED_LIBRARY_PATH", missing)
	_, err := FindRuntimeLibrary()
	if !errors.Is(err, ErrNoRuntime) || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "fix the variable") {
		t.Errorf("missing library named by the variable: %v", err)
	}
	t.Setenv("ONNXRUNTIME_SHARED_LIBRARY_PATH", "")
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	_, err = FindRuntimeLibrary()
	if err != nil && (!errors.Is(err, ErrNoRuntime) || !strings.Contains(err.Error(), "./run.sh")) {
		t.Errorf("no library anywhere: %v", err)
	}
	// Installed per user: found.
	dir := filepath.Join(os.Getenv("XDG_DATA_HOME"), "tessera", "onnxruntime-"+RuntimeVersion)
	os.MkdirAll(dir, 0o755)
	lib := filepath.Join(dir, libraryName()[0])
	os.WriteFile(lib, []byte("x"), 0o644)
	if got, err := FindRuntimeLibrary(); err != nil || (got != lib && !strings.HasPrefix(got, filepath.Dir(os.Args[0]))) {
		t.Errorf("per-user library: %q, %v", got, err)
	}
}

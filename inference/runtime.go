// Package inference runs AI models on whole slides, on this machine: model
// bundles (a manifest, an encoder and a head in ONNX), tissue detection, a
// tile grid at the model's resolution, the batched ONNX Runtime pipeline,
// multiple-instance aggregation, results and their on-disk cache.
//
// It imports no UI package: progress and partial results leave through
// the Options.Progress callback (Events, on the analysing goroutine), and
// the caller decides how they reach a screen.
package inference

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// RuntimeVersion is the ONNX Runtime release the set-up installs and the
// tests run against. Older libraries than MinRuntimeVersion cannot serve
// the C API the Go wrapper needs.
const (
	RuntimeVersion    = "1.30.0"
	MinRuntimeVersion = "1.24"
)

// ErrNoRuntime means the ONNX Runtime library could not be found or loaded.
var ErrNoRuntime = errors.New("ONNX Runtime is not available")

var (
	runtimeOnce sync.Once
	runtimeInfo RuntimeInfo
	runtimeErr  error
)

// RuntimeInfo describes the loaded ONNX Runtime library.
type RuntimeInfo struct {
	Path    string // shared library file
	Version string // as reported by the library
}

// libraryName is the ONNX Runtime shared library's file name on this OS.
func libraryName() []string {
	switch runtime.GOOS {
	case "windows":
		return []string{"onnxruntime.dll"}
	case "darwin":
		return []string{"libonnxruntime." + RuntimeVersion + ".dylib", "libonnxruntime.dylib"}
	}
	return []string{"libonnxruntime.so." + RuntimeVersion, "libonnxruntime.so.1", "libonnxruntime.so"}
}

// UserRuntimeDir is where the set-up installs the library for this user.
func UserRuntimeDir() string {
	data := os.Getenv("XDG_DATA_HOME")
	if data == "" {
		home, _ := os.UserHomeDir()
		data = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(data, "tessera", "onnxruntime-"+RuntimeVersion)
}

// FindRuntimeLibrary returns the library to load: the file named by
// ONNXRUNTIME_SHARED_LIBRARY_PATH, else one beside the executable or in
// ../lib from it (the portable folder and the .deb), else the per-user
// install. It is loaded by its full path, never by a search. The error lists where it looked and what to do.
func FindRuntimeLibrary() (string, error) {
	if p := os.Getenv("ONNXRUNTIME_SHARED_LIBRARY_PATH"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: ONNXRUNTIME_SHARED_LIBRARY_PATH names %s, which does not exist; fix the variable or unset it", ErrNoRuntime, p)
		}
		return p, nil
	}
	var dirs []string
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe), filepath.Join(filepath.Dir(exe), "..", "lib"))
	}
	dirs = append(dirs, UserRuntimeDir())
	for _, d := range dirs {
		for _, name := range libraryName() {
			p := filepath.Join(d, name)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("%w: no %s found in %s. Run ./run.sh once to install ONNX Runtime %s, or set ONNXRUNTIME_SHARED_LIBRARY_PATH to the library file", ErrNoRuntime, libraryName()[0], strings.Join(dirs, " or "), RuntimeVersion)
}

// InitRuntime loads ONNX Runtime once per process. Later calls return the
// first call's outcome. Safe for concurrent use.
func InitRuntime() (RuntimeInfo, error) {
	runtimeOnce.Do(func() {
		path, err := FindRuntimeLibrary()
		if err != nil {
			runtimeErr = err
			return
		}
		ort.SetSharedLibraryPath(path)
		if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
			runtimeErr = fmt.Errorf("%w: loading %s failed (%v). Tessera needs ONNX Runtime %s or newer (tested with %s): run ./run.sh to install it, or point ONNXRUNTIME_SHARED_LIBRARY_PATH at a suitable libonnxruntime", ErrNoRuntime, path, err, MinRuntimeVersion, RuntimeVersion)
			if runtime.GOOS == "windows" {
				runtimeErr = fmt.Errorf("%w: loading %s failed (%v). ONNX Runtime needs the Microsoft Visual C++ 2015-2022 Redistributable (x64): ask your IT department to install it; slides still open without it", ErrNoRuntime, path, err)
			}
			return
		}
		runtimeInfo = RuntimeInfo{Path: path, Version: ort.GetVersion()}
	})
	return runtimeInfo, runtimeErr
}

package inference

import (
	"os"
	"path/filepath"
)

// validationDir holds one empty file per bundle that passed OpenModel's
// checks with a runtime version: $XDG_CACHE_HOME/tessera/validated.
func validationDir() string {
	return filepath.Join(filepath.Dir(DefaultResultCacheDir()), "validated")
}

func validationMarker(sha, runtimeVersion string) string {
	return filepath.Join(validationDir(), sha+"-ort-"+runtimeVersion)
}

// validationRemembered reports whether the bundle with sha256 sha passed
// validation before with this runtime version.
func validationRemembered(sha, runtimeVersion string) bool {
	_, err := os.Stat(validationMarker(sha, runtimeVersion))
	return err == nil
}

// rememberValidation records a passed validation; a cache that cannot be
// written only means validating again next time.
func rememberValidation(sha, runtimeVersion string) {
	if os.MkdirAll(validationDir(), 0o755) == nil {
		os.WriteFile(validationMarker(sha, runtimeVersion), nil, 0o644)
	}
}

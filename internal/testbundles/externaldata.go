package testbundles

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// WithExternalData returns a copy of the built-in bundle whose encoder keeps
// its weights in ONNX external data (tools/bundles/make_external_data.py),
// in a temporary folder: the same model, so the same results.
func WithExternalData(t testing.TB) string {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "external-data-bundle")
	cmd := exec.Command(Python, filepath.Join(root, "tools", "bundles", "make_external_data.py"), filepath.Join(root, "assets", "builtin-model"), out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("making the external-data bundle: %v\n%s", err, b)
	}
	return out
}

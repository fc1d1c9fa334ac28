package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tessera/internal/testbundles"
)

// tightened is the ViT-S bundle with [precision.tolerances] asking for a
// feature cosine no int8 encoder reaches (its ONNX files linked).
func tightened(t *testing.T, src string) string {
	dir := t.TempDir()
	for _, f := range []string{"encoder.onnx", "head.onnx"} {
		if err := os.Symlink(filepath.Join(src, f), filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	m, err := os.ReadFile(filepath.Join(src, "manifest.toml"))
	if err != nil {
		t.Fatal(err)
	}
	m = append(m, "\n[precision.tolerances]\nmin_cosine = 0.9999999\n"...)
	if err := os.WriteFile(filepath.Join(dir, "manifest.toml"), m, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestBundleQuantizeGatesAndWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and runs ViT-S bundles")
	}
	slides := sharedSlides(t)
	requireRuntime(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	src := testbundles.Path(t, "vit-s-registers")
	slide := filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs")
	var stdout, stderr bytes.Buffer

	// The bundle's own tolerances: refused with the figures, nothing written.
	refused := filepath.Join(t.TempDir(), "refused")
	err := BundleCmd([]string{"quantize", tightened(t, src), "--slides", slide, "--out", refused}, &stdout, &stderr)
	if err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), "refused, nothing written") || !strings.Contains(err.Error(), "≥ 0.9999999 on") {
		t.Errorf("tight tolerances: %v (exit %d)\n%s", err, ExitCode(err), stdout.String())
	}
	if _, err := os.Stat(refused); !os.IsNotExist(err) {
		t.Errorf("a refused variant was written: %v", err)
	}

	out := filepath.Join(t.TempDir(), "int8")
	stdout.Reset()
	if err := BundleCmd([]string{"quantize", src, "--slides", slide, "--out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	for _, want := range []string{"48 matrix products in int8", "parity on 46 tissue tiles of 1 slide(s)", "feature cosine to fp32: lowest 0.99", "wrote " + out} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("no %q in\n%s", want, stdout.String())
		}
	}
	results := t.TempDir()
	if err := Analyze([]string{slide, "--model", out, "--out", results, "--ep", "cpu"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(filepath.Join(results, "*", "result.json"))
	if len(matches) != 1 {
		t.Fatalf("results: %v", matches)
	}
	js, _ := os.ReadFile(matches[0])
	for _, want := range []string{`"precision": "int8"`, `"parity": "parity with fp32 on 46 tiles`, `"cpu": "`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("no %s in result.json", want)
		}
	}

	for _, args := range [][]string{{}, {"quantize", src}, {"quantize", src, slide}, {"shrink", src}} {
		if err := BundleCmd(args, &stdout, &stderr); err == nil || ExitCode(err) != 2 {
			t.Errorf("%v: %v", args, err)
		}
	}
}

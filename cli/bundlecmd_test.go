package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tessera/internal/testbundles"
)

// The command's way through: the variant measured, its figures printed,
// written, analysed. (The gate's refusals are tested in inference, on the
// same measurement: a second parity run here cost a minute under -race.)
func TestBundleQuantizeWritesAMeasuredVariant(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and runs ViT-S bundles")
	}
	slides := sharedSlides(t)
	requireRuntime(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	src := testbundles.Path(t, "vit-s-registers")
	slide := filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs")
	var stdout, stderr bytes.Buffer

	out := filepath.Join(t.TempDir(), "int8")
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

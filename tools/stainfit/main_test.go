package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tessera/inference"
	"tessera/internal/testbundles"
	"tessera/internal/testslides"
	"tessera/stainnorm"
)

// Fitted on a real slide, appended to a bundle, loaded back: the bundle
// declares the normaliser with the fitted target.
func TestStainfitAppendsALoadableSection(t *testing.T) {
	slide := filepath.Join(testslides.Dir(t), "aperio", "CMU-1-Small-Region.svs")
	for _, method := range []string{stainnorm.Macenko, stainnorm.Reinhard} {
		dir := testbundles.WithSection(t, "")
		var out bytes.Buffer
		if err := run(method, stainnorm.PerSlide, "", false, 0, []string{slide}, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "[input.stain_normalisation]\nmethod = \""+method+"\"") {
			t.Errorf("printed:\n%s", out.String())
		}
		out.Reset()
		if err := run(method, stainnorm.PerTile, dir, true, 0, []string{slide}, &out); err != nil {
			t.Fatal(err)
		}
		b, err := inference.LoadBundle(dir)
		if err != nil {
			t.Fatal(err)
		}
		spec := b.Manifest.Input.StainNormalisation
		if spec.Method != method || spec.Fit != stainnorm.PerTile {
			t.Errorf("loaded %+v", spec)
		}
		if err := run(method, stainnorm.PerSlide, dir, true, 0, []string{slide}, &out); err == nil || !strings.Contains(err.Error(), "already declares") {
			t.Errorf("second append: %v", err)
		}
		m, _ := os.ReadFile(filepath.Join(dir, "manifest.toml"))
		if strings.Count(string(m), "[input.stain_normalisation]") != 1 {
			t.Errorf("manifest:\n%s", m)
		}
	}
}

package cli

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"tessera/inference"
	"tessera/internal/testslides"
)

// tessera analyze on the DICOM copy of CMU-1-Small-Region gives the
// original's result: the same tiles, class and verdict, and a probability
// within JPEG's error.
func TestAnalyzeDICOMCopyGivesTheOriginalsResult(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	copyDir := testslides.DICOMCopy(t, testslides.DICOMFull)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := Analyze([]string{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), copyDir, "--out", out, "--ep", "cpu"}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	read := func(name string) *inference.Result {
		data, err := os.ReadFile(filepath.Join(out, name, "result.json"))
		if err != nil {
			t.Fatal(err)
		}
		var r inference.Result
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatal(err)
		}
		return &r
	}
	orig, dcm := read("CMU-1-Small-Region"), read(filepath.Base(copyDir))
	if dcm.TilesTotal != orig.TilesTotal || dcm.Class != orig.Class || dcm.Validity.Verdict != orig.Validity.Verdict ||
		math.Abs(dcm.Probability-orig.Probability) > 0.02 || dcm.Slide.MPP != orig.Slide.MPP {
		t.Errorf("DICOM copy: %d tiles, %s p=%.3f %s at %v µm/px; original: %d tiles, %s p=%.3f %s at %v µm/px",
			dcm.TilesTotal, dcm.Class, dcm.Probability, dcm.Validity.Verdict, dcm.Slide.MPP,
			orig.TilesTotal, orig.Class, orig.Probability, orig.Validity.Verdict, orig.Slide.MPP)
	}
}

package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tessera/inference"
	"tessera/internal/testruntime"
	"tessera/internal/testslides"
)

func requireRuntime(t testing.TB) { t.Helper(); testruntime.Require(t) }

func sharedSlides(t testing.TB) string { return testslides.Dir(t) }

func TestAnalyzeCommand(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := Analyze([]string{
		filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"),
		filepath.Join(slides, "broken", "histolab-broken.svs"),
		filepath.Join(slides, "aperio", "tcga-cr-7395-01a-01-ts1.svs"),
		filepath.Join(slides, "hamamatsu", "test3-DAPI-2-387.ndpi"),
		"--out", out, "--ep", "cpu"}, &stdout, &stderr)
	if ExitCode(err) != ExitBadInput {
		t.Fatalf("exit %d (%v), want %d: two slides are bad input\n%s", ExitCode(err), err, ExitBadInput, stderr.String())
	}
	log := stderr.String()
	for _, want := range []string{"DEMONSTRATION model", "execution provider: cpu",
		"histolab-broken.svs has a slide's name (.svs) but not a slide's content", "no µm/px calibration", "pass it with --mpp"} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
	for _, name := range []string{"CMU-1-Small-Region", "test3-DAPI-2-387"} {
		data, err := os.ReadFile(filepath.Join(out, name, "result.json"))
		if err != nil {
			t.Fatal(err)
		}
		var r inference.Result
		if err := json.Unmarshal(data, &r); err != nil || len(r.Tiles) == 0 || r.Model.SHA256 == "" || r.Slide.Fingerprint == "" {
			t.Errorf("%s result.json: %v %+v", name, err, r.Slide)
		}
		if strings.Contains(string(data), slides) {
			t.Errorf("%s result.json contains the slide's folder path", name)
		}
		f, err := os.Open(filepath.Join(out, name, "heatmap.png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() < 400 {
			t.Errorf("%s heatmap.png: %v", name, err)
		}
	}
	f, _ := os.Open(filepath.Join(out, "summary.csv"))
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 3 || rows[1][0] != "CMU-1-Small-Region.svs" {
		t.Fatalf("summary.csv: %v %v", err, rows)
	}
	// The fluorescence slide's result is withheld from the H&E model: no
	// class or probability anywhere, the verdict and its reason instead.
	if h, dapi := rows[0], rows[2]; h[len(h)-2] != "verdict" || dapi[len(dapi)-2] != "withheld" || dapi[len(dapi)-1] != "wrong-stain" ||
		dapi[1] != "" || dapi[2] != "" || rows[1][len(h)-2] != "ok" {
		t.Errorf("summary.csv verdicts: %v", rows)
	}
	if !strings.Contains(stdout.String(), "test3-DAPI-2-387.ndpi\twithheld\t-") || !strings.Contains(log, "RESULT WITHHELD: This is a fluorescence") {
		t.Errorf("the terminal does not say the DAPI result is withheld:\n%s\n%s", stdout.String(), log)
	}

	// A second run hits the cache.
	stderr.Reset()
	if err := Analyze([]string{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), "--out", out}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "cached result") {
		t.Errorf("second run did not use the cache:\n%s", stderr.String())
	}
	// With --mpp the uncalibrated slide runs.
	if err := Analyze([]string{filepath.Join(slides, "aperio", "tcga-cr-7395-01a-01-ts1.svs"), "--mpp", "0.25", "--out", out}, &stdout, &stderr); err != nil {
		t.Errorf("with --mpp: %v", err)
	}
}

func TestAnalyzeBadBundleAndArguments(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	bundle := t.TempDir()
	os.WriteFile(filepath.Join(bundle, "manifest.toml"), []byte("schema = 1\nname = \"x\"\n"), 0o644)
	for _, args := range [][]string{
		{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), "--model", bundle},
		{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), "--model", filepath.Join(bundle, "missing")},
		{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), "--ep", "gpu"},
		{},
	} {
		var stdout, stderr bytes.Buffer
		err := Analyze(args, &stdout, &stderr)
		if ExitCode(err) != ExitBadInput || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: exit %d, error %q; want one line and exit 2", args, ExitCode(err), err)
		}
	}
}

package cli

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tessera/annotation"
	"tessera/inference"
)

// `tessera analyze --roi`: only tiles whose centre lies inside the
// polygons (a hole respected) are analysed, the result names the region,
// and the cache keeps whole-slide and region results apart;
// evidence.geojson holds the evidence regions as QuPath annotations.
func TestAnalyzeWithRegionOfInterest(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	slide := filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs")
	dir := t.TempDir()
	roi := filepath.Join(dir, "roi.geojson")
	// Tumor: the left half of the slide (2220 × 2967), with a 600² hole;
	// Stroma: a band on the right, left out by --roi-class.
	os.WriteFile(roi, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[
		[[0,0],[1110,0],[1110,2967],[0,2967],[0,0]],[[300,1000],[900,1000],[900,1600],[300,1600],[300,1000]]]},
		"properties":{"objectType":"annotation","classification":{"name":"Tumor","color":[200,0,0]}}},
		{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1500,0],[2220,0],[2220,2967],[1500,2967],[1500,0]]]},
		"properties":{"objectType":"annotation","classification":{"name":"Stroma","color":[0,200,0]}}}]}`), 0o644)

	run := func(out string, extra ...string) *inference.Result {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if err := Analyze(append([]string{slide, "--out", out, "--ep", "cpu"}, extra...), &stdout, &stderr); err != nil {
			t.Fatalf("%v\n%s", err, stderr.String())
		}
		b, err := os.ReadFile(filepath.Join(out, "CMU-1-Small-Region", "result.json"))
		if err != nil {
			t.Fatal(err)
		}
		var r inference.Result
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return &r
	}
	whole := run(filepath.Join(dir, "whole"))
	both := run(filepath.Join(dir, "both"), "--roi", roi)
	part := run(filepath.Join(dir, "part"), "--roi", roi, "--roi-class", "tumor")
	if len(both.Tiles) <= len(part.Tiles) || both.Params.ROI == part.Params.ROI {
		t.Errorf("--roi-class did not narrow the region: %d tiles in both classes, %d in Tumor", len(both.Tiles), len(part.Tiles))
	}
	if part.Params.ROI == "" || whole.Params.ROI != "" || len(part.Tiles) == 0 || len(part.Tiles) >= len(whole.Tiles) {
		t.Fatalf("ROI %q / %q, %d tiles of %d", part.Params.ROI, whole.Params.ROI, len(part.Tiles), len(whole.Tiles))
	}
	side := part.Grid.Side0
	for _, tile := range part.Tiles {
		cx, cy := tile.X+side/2, tile.Y+side/2
		if cx > 1110 || (cx > 300 && cx < 900 && cy > 1000 && cy < 1600) {
			t.Errorf("tile centred at (%.0f, %.0f) lies outside the region or in its hole", cx, cy)
		}
	}
	ev, err := annotation.Load(filepath.Join(dir, "part", "CMU-1-Small-Region", "evidence.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Features) != len(part.Evidence) || len(ev.Features) == 0 || ev.Features[0].Class != "AI evidence" ||
		ev.Features[0].Measurements[0].Name != "AI score" || !strings.Contains(string(ev.Features[0].Properties["tesseraCaveats"]), "DEMONSTRATION") {
		t.Errorf("evidence.geojson: %d features for %d regions: %+v", len(ev.Features), len(part.Evidence), ev.Features)
	}

	lines := filepath.Join(dir, "lines.geojson")
	os.WriteFile(lines, []byte(`{"type":"LineString","coordinates":[[0,0],[10,10]]}`), 0o644)
	var stderr bytes.Buffer
	if err := Analyze([]string{slide, "--roi", lines, "--out", dir}, &bytes.Buffer{}, &stderr); ExitCode(err) != ExitBadInput || !strings.Contains(err.Error(), "has no polygon") {
		t.Errorf("a region without polygons: %v", err)
	}
	if err := Analyze([]string{slide, "--roi", roi, "--roi-class", "Necrosis", "--out", dir}, &bytes.Buffer{}, &stderr); ExitCode(err) != ExitBadInput || !strings.Contains(err.Error(), "no polygon of class Necrosis") {
		t.Errorf("a class with no polygon: %v", err)
	}
	if err := Analyze([]string{slide, "--roi-class", "Tumor", "--out", dir}, &bytes.Buffer{}, &stderr); ExitCode(err) != ExitBadInput {
		t.Errorf("--roi-class without --roi: %v", err)
	}
}

func TestAnnotationsCommand(t *testing.T) {
	slides := sharedSlides(t)
	out := filepath.Join(t.TempDir(), "out.geojson")
	var stdout bytes.Buffer
	err := Annotations([]string{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), "--import", filepath.Join("..", "annotation", "testdata", "qupath-variants.geojson"), "--export", out}, &stdout, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"7 objects", "Polygon 3", "cell 1", "Tumor: Positive 1", "3 objects lie wholly or partly outside the slide", `feature 5 ("Points, one outside")`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	c, err := annotation.Load(out)
	if err != nil || len(c.Features) != 7 {
		t.Errorf("export: %v", err)
	}
	notGeo := filepath.Join(t.TempDir(), "coco.json")
	os.WriteFile(notGeo, []byte(`{"images":[],"annotations":[],"categories":[]}`), 0o644)
	err = Annotations([]string{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), "--import", notGeo}, &bytes.Buffer{}, &bytes.Buffer{})
	if ExitCode(err) != ExitBadInput || !strings.Contains(err.Error(), "COCO") {
		t.Errorf("COCO file: %v", err)
	}
}

// `tessera snapshot --annotations` draws the objects over the slide: the
// square's outline changes the pixels there, its hole and the rest of the
// slide stay as they were.
func TestSnapshotWithAnnotations(t *testing.T) {
	slides := sharedSlides(t)
	dir := t.TempDir()
	slide := filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs")
	plain, drawn := filepath.Join(dir, "plain.png"), filepath.Join(dir, "drawn.png")
	args := []string{slide, "--size", "444x593", "--center", "1110,1482", "--mpp", "2.495"} // 5 level-0 px per pixel, the view from (0, −1.5)
	if err := Snapshot(append(args, "--out", plain), &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if err := Snapshot(append(args, "--out", drawn, "--annotations", filepath.Join("..", "annotation", "testdata", "qupath-variants.geojson")), &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "annotations: 7 objects") {
		t.Errorf("stderr %q", stderr.String())
	}
	a, b := readPNG(t, plain), readPNG(t, drawn)
	at := func(img image.Image, x, y float64) [3]uint32 { // level-0 → pixel
		r, g, bl, _ := img.At(int(x/5), int(y/5)).RGBA()
		return [3]uint32{r >> 8, g >> 8, bl >> 8}
	}
	if at(a, 1000, 1500) == at(b, 1000, 1500) {
		t.Error("the square's outline (x = 1000) is not drawn")
	}
	if at(a, 1500, 1500) != at(b, 1500, 1500) || at(a, 200, 2500) != at(b, 200, 2500) {
		t.Error("the hole or the slide outside the objects changed")
	}
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

package inference

import (
	"context"
	"errors"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"tessera/internal/testslides"
	"testing"
	"time"

	"go.uber.org/goleak"

	"tessera/internal/testbundles"
	"tessera/slide"
)

// sharedSlides returns the shared slides folder or skips the test.
func sharedSlides(t testing.TB) string { return testslides.Dir(t) }

func openShared(t testing.TB, rel string) slide.Slide {
	t.Helper()
	s, err := slide.Open(filepath.Join(sharedSlides(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openDerived opens a derived slide (testslides.Derived), closed when the
// test ends.
func openDerived(t testing.TB, kind string) slide.Slide {
	t.Helper()
	s, err := slide.Open(testslides.Derived(t, kind))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// modelAt opens the bundle in dir on the CPU, closed when the test ends.
func modelAt(t testing.TB, dir string) *Model {
	t.Helper()
	return opened(t, func() (*Bundle, error) { return LoadBundle(dir) })
}

// builtinModel opens the built-in bundle on the CPU, closed when the test ends.
func builtinModel(t testing.TB) *Model {
	t.Helper()
	return opened(t, LoadBuiltinBundle)
}

// opened loads a bundle and opens it on the CPU for the test.
func opened(t testing.TB, load func() (*Bundle, error)) *Model {
	t.Helper()
	requireRuntime(t)
	b, err := load()
	if err != nil {
		t.Fatal(err)
	}
	m, err := OpenModel(b, ProviderCPU)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

func TestAnalyzeCMUWithBuiltin(t *testing.T) {
	s := openShared(t, "aperio/CMU-1-Small-Region.svs")
	m := builtinModel(t)
	var events int
	res, err := Analyze(context.Background(), s, m, Options{Progress: func(Event) { events++ }})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d tiles, p=%.3f class %s, %.0f ms (%.1f tiles/s), events %d", len(res.Tiles), res.Probability, res.Class, res.Timings.TotalMS, res.Timings.TilesPerSec, events)
	lo, hi := ScoreRange(res.Tiles)
	t.Logf("scores %v..%v", lo, hi)
}

// Every tile of the grid lies inside the slide, on the regular grid, has the
// model's size in level-0 pixels, and covers tissue.
func TestGridPositions(t *testing.T) {
	s := openShared(t, "aperio/CMU-1-Small-Region.svs")
	mask, err := DetectTissue(s)
	if err != nil {
		t.Fatal(err)
	}
	g, err := PlanGrid(s, 0.499, 224, 0.5, mask, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	wantSide := 224 * 0.5 / 0.499
	if math.Abs(g.Side0-wantSide) > 1e-9 || g.Cols != int(2220/wantSide) || g.Rows != int(2967/wantSide) {
		t.Fatalf("grid side %v cols %d rows %d", g.Side0, g.Cols, g.Rows)
	}
	if len(g.Tiles) < 10 || len(g.Tiles) > g.Cols*g.Rows*3/4 {
		t.Errorf("%d tissue tiles of %d: detection kept too few or too many", len(g.Tiles), g.Cols*g.Rows)
	}
	for _, tile := range g.Tiles {
		if tile.X != float64(tile.Col)*g.Side0 || tile.Y != float64(tile.Row)*g.Side0 {
			t.Fatalf("tile %+v off the grid", tile)
		}
		if tile.X+g.Side0 > 2220 || tile.Y+g.Side0 > 2967 {
			t.Fatalf("tile %+v extends past the slide", tile)
		}
		if f := mask.Fraction(tile.X, tile.Y, g.Side0); f < 0.5 {
			t.Fatalf("tile %+v has only %.2f tissue", tile, f)
		}
	}
	// Tissue tiles really are darker and more coloured than the background:
	// compare the mean of a tissue tile read at level 0 with a corner.
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	tile := g.Tiles[len(g.Tiles)/2]
	s.ReadRegion(img, 0, int64(tile.X+g.Side0/2-32), int64(tile.Y+g.Side0/2-32))
	if m := meanGrey(img); m > 215 {
		t.Errorf("the middle tissue tile is bright (%.0f): grid and mask disagree", m)
	}
}

func meanGrey(img *image.RGBA) float64 {
	var sum float64
	for i := 0; i < len(img.Pix); i += 4 {
		sum += float64(img.Pix[i]) + float64(img.Pix[i+1]) + float64(img.Pix[i+2])
	}
	return sum / float64(len(img.Pix)/4*3)
}

func TestAnalyzeBothBundlesOnTwoScanners(t *testing.T) {
	requireRuntime(t)
	models := map[string]*Model{"builtin": builtinModel(t), "resnet-abmil": modelAt(t, testbundles.Path(t, "resnet-abmil"))}
	for _, rel := range []string{"aperio/CMU-1-Small-Region.svs", "hamamatsu/test3-DAPI-2-387.ndpi"} {
		s := openShared(t, rel)
		for name, m := range models {
			t.Run(rel+"/"+name, func(t *testing.T) {
				var last Event
				res, err := Analyze(context.Background(), s, m, Options{Progress: func(e Event) { last = e }})
				if err != nil {
					t.Fatal(err)
				}
				if res.Partial || len(res.Tiles) == 0 || last.Done != len(res.Tiles) || last.Total != len(res.Tiles) {
					t.Fatalf("partial %v, %d tiles, last event %d/%d", res.Partial, len(res.Tiles), last.Done, last.Total)
				}
				if !(res.Probability >= 0 && res.Probability <= 1) || res.Class == "" || res.ClassLabel == "" {
					t.Errorf("probability %v class %q", res.Probability, res.Class)
				}
				if res.Model.SHA256 != m.Bundle.SHA256 || res.Runtime.Provider != ProviderCPU || res.Runtime.Library == "" {
					t.Errorf("provenance %+v %+v", res.Model, res.Runtime)
				}
				if res.Slide.Fingerprint != s.Fingerprint() || res.Slide.MPPSource != "vendor" {
					t.Errorf("slide %+v", res.Slide)
				}
				if m.Bundle.Manifest.Scores.Meaning == ScoreAttention {
					var sum float64
					for _, tile := range res.Tiles {
						sum += float64(tile.Score)
					}
					if math.Abs(sum-1) > 1e-3 {
						t.Errorf("attention weights sum to %v", sum)
					}
				}
			})
		}
	}
}

func TestSlideWithoutMPPNeedsOne(t *testing.T) {
	s := openShared(t, "aperio/tcga-cr-7395-01a-01-ts1.svs")
	m := builtinModel(t)
	_, err := Analyze(context.Background(), s, m, Options{})
	if !errors.Is(err, ErrNoMPP) || !strings.Contains(err.Error(), "enter the µm/px") {
		t.Fatalf("error %v, want ErrNoMPP with advice", err)
	}
	res, err := Analyze(context.Background(), s, m, Options{MPP: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	if res.Slide.MPPSource != "user" || res.Params.MPPOverride != 0.25 {
		t.Errorf("slide %+v params %+v", res.Slide, res.Params)
	}
}

func TestCancelStopsPromptlyWithoutLeaks(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s := openShared(t, "hamamatsu/test3-DAPI-2-387.ndpi")
	m := builtinModel(t)
	ctx, cancel := context.WithCancel(context.Background())
	var cancelledAt time.Time
	res, err := Analyze(ctx, s, m, Options{Progress: func(e Event) {
		if e.Done >= 16 && cancelledAt.IsZero() {
			cancelledAt = time.Now()
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if since := time.Since(cancelledAt); since > 2*time.Second {
		t.Errorf("took %v to stop after cancel", since)
	}
	if res == nil || !res.Partial || len(res.Tiles) < 16 || len(res.Tiles) >= res.TilesTotal {
		t.Fatalf("partial result %+v", res)
	}
}

func TestResultCache(t *testing.T) {
	s := openShared(t, "aperio/CMU-1-Small-Region.svs")
	m := builtinModel(t)
	cache := &ResultCache{Dir: t.TempDir()}
	first, cached, storeErr, err := AnalyzeCached(context.Background(), cache, s, m, Options{})
	if err != nil || storeErr != nil || cached {
		t.Fatalf("first run: cached %v, %v, %v", cached, storeErr, err)
	}
	start := time.Now()
	again, cached, _, err := AnalyzeCached(context.Background(), cache, s, m, Options{})
	if err != nil || !cached {
		t.Fatalf("second run: cached %v, %v", cached, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("cache hit took %v", d)
	}
	if again.Probability != first.Probability || len(again.Tiles) != len(first.Tiles) || again.Model.SHA256 != first.Model.SHA256 {
		t.Error("cached result differs")
	}
	// Other parameters: another entry.
	if _, cached, _, _ := AnalyzeCached(context.Background(), cache, s, m, Options{MinTissue: 0.9}); cached {
		t.Error("different parameters hit the same cache entry")
	}
	// A hand-entered µm/px is part of the key, and ResultKey (what the app
	// looks up when a slide is reopened) finds the entry AnalyzeCached stored.
	if _, _, _, err := AnalyzeCached(context.Background(), cache, s, m, Options{MPP: 0.5}); err != nil {
		t.Fatal(err)
	}
	if r, err := cache.Load(ResultKey(s.Fingerprint(), m.Bundle.SHA256, 0.5)); err != nil || r.Params.MPPOverride != 0.5 {
		t.Errorf("the result analysed with a typed µm/px is not found by ResultKey: %v", err)
	} else if !r.HasCaveat(CaveatHandMPP) {
		t.Error("a result with a typed µm/px does not say so")
	}
	// Damage the entry: detected, removed, recomputed.
	key := ResultKey(s.Fingerprint(), m.Bundle.SHA256, 0)
	path := filepath.Join(cache.Dir, key+".json")
	data, _ := os.ReadFile(path)
	os.WriteFile(path, append(data[:len(data)/2], []byte("garbage")...), 0o644)
	if _, err := cache.Load(key); !errors.Is(err, ErrCacheDamaged) {
		t.Errorf("damaged entry: %v", err)
	}
	if _, cached, _, err := AnalyzeCached(context.Background(), cache, s, m, Options{}); err != nil || cached {
		t.Errorf("after damage: cached %v err %v", cached, err)
	}
	if _, err := cache.Load(key); err != nil {
		t.Errorf("recomputed entry not stored: %v", err)
	}
}

func TestProviderFallsBackToCPU(t *testing.T) {
	requireRuntime(t)
	b, _ := LoadBuiltinBundle()
	for _, p := range []Provider{ProviderCUDA, ProviderTensorRT, ProviderAuto} {
		m, err := OpenModel(b, p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if m.Provider == ProviderCPU && p != ProviderAuto && !strings.Contains(m.ProviderNote, string(p)+" unavailable") {
			t.Errorf("%s fell back to the CPU without saying why: %q", p, m.ProviderNote)
		}
		t.Logf("asked %s: got %s (%s)", p, m.Provider, m.ProviderNote)
		m.Close()
	}
	if _, err := ParseProvider("gpu"); err == nil {
		t.Error("unknown provider accepted")
	}
}

package inference

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"tessera/slide"
)

// sharedSlides returns ../shared/slides or skips when it is absent.
func sharedSlides(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "slides")
	if env := os.Getenv("TESSERA_SHARED_SLIDES"); env != "" {
		dir = env
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared test slides not found at %s (set TESSERA_SHARED_SLIDES): skipping real-slide test", dir)
	}
	return dir
}

func openShared(t *testing.T, rel string) slide.Slide {
	t.Helper()
	s, err := slide.Open(filepath.Join(sharedSlides(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func builtinModel(t testing.TB) *Model {
	t.Helper()
	requireRuntime(t)
	b, err := LoadBuiltinBundle()
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
	lo, hi := res.ScoreRange()
	t.Logf("scores %v..%v", lo, hi)
}

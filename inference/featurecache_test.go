package inference

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"tessera/internal/testbundles"
)

// A bundle with another head but the same encoder scores a slide from the
// features the first bundle's analysis cached: the head runs (another
// probability), the result is bit for bit an analysis without the cache
// (same inputs, same bits: a sign-off is bound to the result's hash), and damaged or
// evicted files are simply computed again. On the built-in model and on
// the ResNet-18 + ABMIL bundle (a real encoder, 512 dimensions).
func TestFeatureCacheSharesEncoder(t *testing.T) {
	requireRuntime(t)
	s := openShared(t, "aperio/CMU-1-Small-Region.svs")
	root, err := testbundles.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"builtin", "resnet-abmil"} {
		t.Run(name, func(t *testing.T) {
			src := filepath.Join(root, "assets", "builtin-model")
			if name != "builtin" {
				src = testbundles.Path(t, name)
			}
			a, b := modelAt(t, src), modelAt(t, testbundles.WithOtherHead(t, src, 0.7))
			if a.Bundle.EncoderSHA256 != b.Bundle.EncoderSHA256 || a.Bundle.SHA256 == b.Bundle.SHA256 {
				t.Fatal("the copy does not share the encoder, or is the same bundle")
			}
			fc := &FeatureCache{Dir: t.TempDir()}
			ctx := context.Background()
			first, err := Analyze(ctx, s, a, Options{FeatureCache: fc})
			if err != nil || first.Timings.FeaturesCached {
				t.Fatalf("first: %v, cached %v", err, first.Timings.FeaturesCached)
			}
			if u, _ := fc.Usage(); u.Files != 1 {
				t.Fatalf("%d feature files after the first analysis", u.Files)
			}
			stored, _ := filepath.Glob(filepath.Join(fc.Dir, "*.tfeat"))
			f, err := os.Open(stored[0])
			if err != nil {
				t.Fatal(err)
			}
			st, _ := f.Stat()
			cf, err := readFeatures(f, st.Size(), a.Bundle.Manifest.Encoder.FeatureDim)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("features kept in %d bits", cf.Bits)
			var events int
			reused, err := Analyze(ctx, s, b, Options{FeatureCache: fc, Progress: func(e Event) {
				if e.Grid != nil && e.Done == e.Total {
					events++
				}
			}})
			if err != nil || !reused.Timings.FeaturesCached || events != 1 {
				t.Fatalf("other head: %v, cached %v, final events %d", err, reused.Timings.FeaturesCached, events)
			}
			fresh, err := Analyze(ctx, s, b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if reused.Probability == first.Probability {
				t.Error("the other head gave the same probability: the head did not run")
			}
			// The probability and every tile score, bit for bit.
			if len(reused.Tiles) != len(fresh.Tiles) {
				t.Fatalf("%d tiles from the cache, %d without", len(reused.Tiles), len(fresh.Tiles))
			}
			worst := math.Abs(reused.Probability - fresh.Probability)
			for i := range fresh.Tiles {
				worst = math.Max(worst, math.Abs(float64(reused.Tiles[i].Score-fresh.Tiles[i].Score)))
			}
			if worst != 0 || reused.Probability != fresh.Probability {
				t.Errorf("the result moved by %.2g with cached features: p %.9f vs %.9f", worst, reused.Probability, fresh.Probability)
			}
			if reused.ContentHash() != fresh.ContentHash() {
				t.Error("the result's scores hash differently with and without the cache")
			}
			if reused.Validity.Verdict != fresh.Validity.Verdict || reused.QC.Flagged() != fresh.QC.Flagged() {
				t.Errorf("verdict %s / %s, flagged %d / %d", reused.Validity.Verdict, fresh.Validity.Verdict, reused.QC.Flagged(), fresh.QC.Flagged())
			}
			t.Logf("p %.4f (first head) → %.4f from cached features, %.4f without; largest difference %.2g; %.0f ms vs %.0f ms",
				first.Probability, reused.Probability, fresh.Probability, worst, reused.Timings.TotalMS, fresh.Timings.TotalMS)

			// A damaged file is analysed again (and written again).
			files, _ := filepath.Glob(filepath.Join(fc.Dir, "*.tfeat"))
			if err := os.Truncate(files[0], 100); err != nil {
				t.Fatal(err)
			}
			again, err := Analyze(ctx, s, b, Options{FeatureCache: fc})
			if err != nil || again.Timings.FeaturesCached {
				t.Fatalf("damaged file: %v, cached %v", err, again.Timings.FeaturesCached)
			}
			if st, err := os.Stat(files[0]); err != nil || st.Size() <= 100 {
				t.Error("the damaged file was not written again")
			}
			// The bound: a cache of one byte keeps nothing.
			tiny := &FeatureCache{Dir: t.TempDir(), MaxBytes: 1}
			if _, err := Analyze(ctx, s, a, Options{FeatureCache: tiny}); err != nil {
				t.Fatal(err)
			}
			if u, _ := tiny.Usage(); u.Files != 0 {
				t.Errorf("a one-byte cache kept %d files", u.Files)
			}
		})
	}
}

// FuzzReadFeatures: a damaged or foreign feature file is an error, never a
// panic or a huge allocation.
func FuzzReadFeatures(f *testing.F) {
	var buf bytes.Buffer
	dir := f.TempDir()
	fc := &FeatureCache{Dir: dir}
	cf := &cachedFeatures{Grid: Grid{Tiles: []GridTile{{Col: 1, Row: 2}}}, QC: []TileQC{{Focus: 3}}, Dim: 2, Bits: 32, features: []float32{0.5, -1}}
	if err := fc.store("k", cf); err != nil {
		f.Fatal(err)
	}
	b, _ := os.ReadFile(fc.path("k"))
	f.Add(b)
	buf.WriteString(featureMagic)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := readFeatures(bytes.NewReader(b), int64(len(b)), 2)
		if err == nil && len(got.features) != 2*len(got.Grid.Tiles) {
			t.Errorf("%d features for %d tiles", len(got.features), len(got.Grid.Tiles))
		}
	})
}

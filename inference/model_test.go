package inference

import (
	"math"
	"testing"
)

// requireRuntime initialises ONNX Runtime or skips: tests that run models
// need the library the set-up installs (./test.sh always installs it, and
// sets TESSERA_REQUIRE_ORT=1 so that they fail instead).
func requireRuntime(t testing.TB) {
	t.Helper()
	if _, err := InitRuntime(); err != nil {
		if requireORT() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

func TestBuiltinModelRuns(t *testing.T) {
	requireRuntime(t)
	b, err := LoadBuiltinBundle()
	if err != nil {
		t.Fatal(err)
	}
	if !b.Builtin() || !b.Manifest.Demonstration || b.Manifest.Validated {
		t.Errorf("the built-in bundle must say it is a demonstration: %+v", b.Manifest)
	}
	m, err := OpenModel(b, ProviderCPU)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	batch, err := m.NewBatch()
	if err != nil {
		t.Fatal(err)
	}
	defer batch.Destroy()
	ts := b.Manifest.Input.TileSize
	// Tile 0: white background. Tile 1: dense purple (haematoxylin-rich).
	// Tile 2: pale pink (eosin, sparse).
	colours := [][3]float32{{245, 245, 245}, {90, 50, 130}, {235, 170, 200}}
	for i, c := range colours {
		tile := batch.Tile(i)
		for ch := 0; ch < 3; ch++ {
			for j := 0; j < ts*ts; j++ {
				tile[ch*ts*ts+j] = m.normalise(ch, c[ch])
			}
		}
	}
	feats, err := m.Encode(batch, 3)
	if err != nil {
		t.Fatal(err)
	}
	d := b.Manifest.Encoder.FeatureDim
	tissue := func(i int) float32 { return feats[i*d] }
	haem := func(i int) float32 { return feats[i*d+1] }
	if tissue(0) > 0.05 || tissue(1) < 0.95 {
		t.Errorf("tissue fraction: white %v, purple %v", tissue(0), tissue(1))
	}
	if haem(1) <= haem(2) {
		t.Errorf("haematoxylin: purple %v ≤ pink %v", haem(1), haem(2))
	}
	p, scores, err := m.Aggregate(feats[d:], 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(scores) != 2 || scores[0] <= scores[1] {
		t.Errorf("tile scores %v: the dense purple tile must score above the pale pink one", scores)
	}
	if math.IsNaN(p) || p <= 0 || p >= 1 {
		t.Errorf("slide probability %v", p)
	}
	t.Logf("features purple %v pink %v; scores %v; p %.3f", feats[d:2*d], feats[2*d:3*d], scores, p)
}

package inference

import (
	"context"
	"math"
	"strings"
	"testing"

	"tessera/internal/testbundles"
)

// Pooling by hand: two tiles of T = 4 tokens (a class token, one register,
// two patches) of width 2.
func TestPoolTokens(t *testing.T) {
	tokens := []float32{
		1, 2, 9, 9, 3, 5, 5, 7, // tile 0: cls (1,2), register, patches (3,5) (5,7)
		-1, 0, 9, 9, 0, 0, 2, 4, // tile 1
	}
	for pooling, want := range map[string][]float32{
		PoolCLS:          {1, 2, -1, 0},
		PoolMeanPatch:    {4, 6, 1, 2},
		PoolCLSMeanPatch: {1, 2, 4, 6, -1, 0, 1, 2},
	} {
		m := &Manifest{}
		m.Encoder.Tokens, m.Encoder.PrefixTokens, m.Encoder.Pooling, m.Encoder.FeatureDim = 4, 2, pooling, 2
		if pooling == PoolCLSMeanPatch {
			m.Encoder.FeatureDim = 4
		}
		got, err := m.pool(tokens, 2)
		if err != nil || len(got) != len(want) {
			t.Fatalf("%s: %v %v", pooling, got, err)
		}
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-6 {
				t.Errorf("%s: %v, want %v", pooling, got, want)
				break
			}
		}
	}
}

// Token fields are refused with the field named when they do not add up.
func TestPoolingValidation(t *testing.T) {
	for _, c := range []struct {
		tokens, prefix, dim int
		pooling, want       string
	}{
		{197, 1, 768, "max", "encoder.pooling"},
		{197, 0, 768, "cls", "encoder.prefix_tokens"},
		{5, 5, 768, "mean_patch", "encoder.tokens"},
		{197, 1, 767, "cls_mean_patch", "encoder.feature_dim"},
		{197, 1, 768, "", "encoder.pooling"},
	} {
		m := &Manifest{}
		m.Encoder.Tokens, m.Encoder.PrefixTokens, m.Encoder.FeatureDim, m.Encoder.Pooling = c.tokens, c.prefix, c.dim, c.pooling
		if err := m.validatePooling(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want the field %s named", c, err, c.want)
		}
	}
}

// ViT-S/16 encoders exported as research code exports them (tokens out,
// random seeded weights): with 4 register tokens pooled by the patch
// mean, and with the class token and patch mean concatenated from
// weights in external data. Each analyses a real slide end to end, and a
// second analysis from the feature cache gives the same bits.
func TestViTEncoders(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and runs ViT-S bundles")
	}
	s := openShared(t, "aperio/CMU-1-Small-Region.svs")
	for _, name := range []string{"vit-s-registers", "vit-s-external"} {
		t.Run(name, func(t *testing.T) {
			dir := testbundles.Path(t, name)
			m := opened(t, func() (*Bundle, error) { return LoadBundle(dir) })
			// An 87 MB encoder, or one with external data, is read by ONNX
			// Runtime from the folder; the large one's bytes are not kept.
			if (name == "vit-s-registers" && m.Bundle.Encoder != nil) || m.Bundle.encoderPath() == "" {
				t.Errorf("the encoder's bytes are kept (%d bytes), path %q", len(m.Bundle.Encoder), m.Bundle.encoderPath())
			}
			cache := NewFeatureCache(t.TempDir())
			var fromCache bool
			first, err := Analyze(context.Background(), s, m, Options{FeatureCache: cache})
			if err != nil {
				t.Fatal(err)
			}
			second, err := Analyze(context.Background(), s, m, Options{FeatureCache: cache, Planned: func(p Plan) { fromCache = p.FromCache }})
			if err != nil {
				t.Fatal(err)
			}
			if len(first.Tiles) == 0 || math.IsNaN(first.Probability) || second.Probability != first.Probability || !fromCache {
				t.Errorf("%d tiles, p %v then %v (from the feature cache: %v)", len(first.Tiles), first.Probability, second.Probability, fromCache)
			}
		})
	}
}

package inference

import "fmt"

// Token outputs: transformer encoders (ViT: Phikon, UNI, Virchow, H-optimus)
// often export their last layer's tokens, [N, T, D'], rather than one
// feature vector per tile. The manifest then says how Tessera pools them
// into the [N, feature_dim] the head reads:
//
//	[encoder]
//	tokens = 261             # T: 1 class token + 4 registers + 16×16 patches
//	prefix_tokens = 5        # the class token and the registers, before the patches
//	pooling = "cls"          # "cls": token 0; "mean_patch": the mean of the patch tokens;
//	                         # "cls_mean_patch": both, concatenated (feature_dim = 2 D')
//
// Pooling is part of the encoder's identity in the feature cache.

// Pooling rules.
const (
	PoolCLS          = "cls"
	PoolMeanPatch    = "mean_patch"
	PoolCLSMeanPatch = "cls_mean_patch"
)

// tokenDim is D', the width of one output token: feature_dim, or half of
// it when the class token and the patch mean are concatenated.
func (m *Manifest) tokenDim() int {
	if m.Encoder.Pooling == PoolCLSMeanPatch {
		return m.Encoder.FeatureDim / 2
	}
	return m.Encoder.FeatureDim
}

// EncoderOutputShape is the shape of the encoder's output for n tiles
// (n = -1: any number): [n, feature_dim], or [n, T, D'] for token outputs.
// The batch tensors, the bundle check and the benchmarks all use it.
func (m *Manifest) EncoderOutputShape(n int64) []int64 {
	if m.Encoder.Pooling != "" {
		return []int64{n, int64(m.Encoder.Tokens), int64(m.tokenDim())}
	}
	return []int64{n, int64(m.Encoder.FeatureDim)}
}

// validatePooling checks the token fields.
func (m *Manifest) validatePooling() error {
	e := &m.Encoder
	switch e.Pooling {
	case "":
		if e.Tokens != 0 || e.PrefixTokens != 0 {
			return fieldError("encoder.pooling", "is missing: tokens and prefix_tokens need a pooling rule (cls, mean_patch or cls_mean_patch)")
		}
		return nil
	case PoolCLS, PoolMeanPatch, PoolCLSMeanPatch:
	default:
		return fieldError("encoder.pooling", "is %q, want \"cls\", \"mean_patch\" or \"cls_mean_patch\"", e.Pooling)
	}
	if e.PrefixTokens < 1 {
		return fieldError("encoder.prefix_tokens", "is %d, want the class token and any registers (at least 1)", e.PrefixTokens)
	}
	if e.Tokens <= e.PrefixTokens {
		return fieldError("encoder.tokens", "is %d, want more than prefix_tokens (%d): the output's T", e.Tokens, e.PrefixTokens)
	}
	if e.Pooling == PoolCLSMeanPatch && e.FeatureDim%2 != 0 {
		return fieldError("encoder.feature_dim", "is %d: with cls_mean_patch it is twice the token width, so even", e.FeatureDim)
	}
	return nil
}

// pool turns n tiles' tokens (row-major [n, T, D']) into features
// ([n, feature_dim]) by the manifest's rule.
func (m *Manifest) pool(tokens []float32, n int) ([]float32, error) {
	e := &m.Encoder
	t, d := e.Tokens, m.tokenDim()
	if len(tokens) < n*t*d {
		return nil, fmt.Errorf("%s output %q has %d values, want %d×%d×%d", e.File, e.Output, len(tokens), n, t, d)
	}
	out := make([]float32, 0, n*e.FeatureDim)
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		tile := tokens[i*t*d : (i+1)*t*d]
		if e.Pooling == PoolCLS || e.Pooling == PoolCLSMeanPatch {
			out = append(out, tile[:d]...)
		}
		if e.Pooling == PoolMeanPatch || e.Pooling == PoolCLSMeanPatch {
			clear(mean)
			for k := e.PrefixTokens; k < t; k++ {
				for j, v := range tile[k*d : (k+1)*d] {
					mean[j] += float64(v)
				}
			}
			for _, v := range mean {
				out = append(out, float32(v/float64(t-e.PrefixTokens)))
			}
		}
	}
	return out, nil
}

package inference

import (
	"fmt"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/cpu"
)

// Precision is the manifest's [precision] section: the arithmetic of the
// encoder, and for a reduced one (int8), the parity report that lets it
// stand in for the fp32 encoder it was made from (docs/BUNDLES.md).
type Precision struct {
	// Weights is "fp32" (the default) or "int8" (QuantizeEncoder's
	// dynamic int8 of the weight matrix products).
	Weights string `toml:"weights"`
	Method  string `toml:"method"`
	// SourceEncoderSHA256 is the identity (Bundle.EncoderSHA256) of the
	// fp32 encoder the int8 one was made from.
	SourceEncoderSHA256 string `toml:"source_encoder_sha256"`
	// Tolerances a reduced encoder must meet. An fp32 bundle may declare
	// them for the variants made from it; zero fields take the defaults.
	Tolerances ParityTolerances `toml:"tolerances"`
	// Parity is the measurement (required for int8).
	Parity *ParityReport `toml:"parity"`
}

// Precisions a manifest can declare.
const (
	PrecisionFP32 = "fp32"
	PrecisionInt8 = "int8"
)

// ParityTolerances is how close a reduced-precision encoder must stay to
// its fp32 source. Every slide must also keep its class.
type ParityTolerances struct {
	MinCosine   float64 `toml:"min_cosine"`   // per-tile feature cosine to fp32 (default 0.99) ...
	CosineShare float64 `toml:"cosine_share"` // ... reached by at least this share of tiles (default 0.99)
	MaxDeltaP   float64 `toml:"max_delta_p"`  // largest |Δ probability| of a slide (default 0.01)
}

// Default parity tolerances (issue 23).
const (
	DefaultMinCosine   = 0.99
	DefaultCosineShare = 0.99
	DefaultMaxDeltaP   = 0.01
)

// ParityReport compares a reduced encoder with its fp32 source on the
// tissue tiles of real slides (MeasureParity).
type ParityReport struct {
	Slides       []string `toml:"slides"` // file names only
	Tiles        int      `toml:"tiles"`  // tissue tiles compared
	CosineMin    float64  `toml:"cosine_min"`
	CosineP1     float64  `toml:"cosine_p1"` // 1st percentile of the per-tile cosines
	CosineMedian float64  `toml:"cosine_median"`
	// CosineShare is the share of tiles whose cosine reached
	// CosineShareAt (the tolerances' MinCosine when it was measured).
	CosineShare   float64 `toml:"cosine_share"`
	CosineShareAt float64 `toml:"cosine_share_at"`
	MaxDeltaP     float64 `toml:"max_delta_p"` // largest |Δ probability| over the slides
	// ClassAgreement is the share of slides given the same class.
	ClassAgreement float64 `toml:"class_agreement"`
	// RankCorrelationMin is the lowest, over the slides, Spearman
	// correlation of the tile scores (attention or evidence).
	RankCorrelationMin float64 `toml:"rank_correlation_min"`
	// CPU is the processor kind it was measured on (CPUKind), VNNI whether
	// it has VNNI, with which ONNX Runtime's int8 products are computed
	// differently (onnxruntime#14642).
	CPU        string    `toml:"cpu"`
	VNNI       bool      `toml:"vnni"`
	Runtime    string    `toml:"onnxruntime"`
	MeasuredAt time.Time `toml:"measured_at"`
}

func (t ParityTolerances) withDefaults() ParityTolerances {
	if t.MinCosine == 0 {
		t.MinCosine = DefaultMinCosine
	}
	if t.CosineShare == 0 {
		t.CosineShare = DefaultCosineShare
	}
	if t.MaxDeltaP == 0 {
		t.MaxDeltaP = DefaultMaxDeltaP
	}
	return t
}

// Reduced reports whether the encoder is in a reduced precision (int8).
func (p *Precision) Reduced() bool { return p.Weights == PrecisionInt8 }

func (p *Precision) validate() error {
	switch p.Weights {
	case "":
		p.Weights = PrecisionFP32
	case PrecisionFP32, PrecisionInt8:
	default:
		return fieldError("precision.weights", "is %q, want \"fp32\" or \"int8\"", p.Weights)
	}
	t := p.Tolerances
	if !(t.MinCosine >= 0 && t.MinCosine <= 1) || !(t.CosineShare >= 0 && t.CosineShare <= 1) || !(t.MaxDeltaP >= 0 && t.MaxDeltaP <= 1) {
		return fieldError("precision.tolerances", "min_cosine, cosine_share and max_delta_p are fractions between 0 and 1")
	}
	p.Tolerances = t.withDefaults()
	if !p.Reduced() {
		if p.Parity != nil {
			return fieldError("precision.parity", "belongs to an int8 encoder, but precision.weights is fp32")
		}
		return nil
	}
	if strings.TrimSpace(p.SourceEncoderSHA256) == "" {
		return fieldError("precision.source_encoder_sha256", "an int8 encoder must name the fp32 encoder it was made from")
	}
	if p.Parity == nil {
		return fieldError("precision.parity", "an int8 encoder needs its parity report against fp32 (tessera bundle quantize writes it)")
	}
	if err := p.Parity.Check(p.Tolerances); err != nil {
		return fieldError("precision.parity", "%v", err)
	}
	return nil
}

// Check is the parity gate: nil when r meets t, else an error giving the
// figures that fell short.
func (r *ParityReport) Check(t ParityTolerances) error {
	t = t.withDefaults()
	var short []string
	if r.Tiles == 0 || len(r.Slides) == 0 {
		return fmt.Errorf("the parity report compares no tiles")
	}
	share := r.CosineShare
	switch {
	case r.CosineMin >= t.MinCosine:
		share = 1 // every tile reached it
	case r.CosineShareAt < t.MinCosine:
		return fmt.Errorf("the report counts the tiles with feature cosine ≥ %g, but the tolerance asks ≥ %g, and its lowest tile had %.5f: measure the parity again (tessera bundle quantize)", r.CosineShareAt, t.MinCosine, r.CosineMin)
	}
	if share < t.CosineShare {
		short = append(short, fmt.Sprintf("feature cosine to fp32 ≥ %g on %.1f %% of %d tiles (tolerance: %.1f %%; lowest %.4f, 1st percentile %.4f)",
			t.MinCosine, 100*r.CosineShare, r.Tiles, 100*t.CosineShare, r.CosineMin, r.CosineP1))
	}
	if r.ClassAgreement < 1 {
		short = append(short, fmt.Sprintf("same class on %.0f %% of %d slides (tolerance: every slide)", 100*r.ClassAgreement, len(r.Slides)))
	}
	if r.MaxDeltaP > t.MaxDeltaP {
		short = append(short, fmt.Sprintf("|Δ probability| up to %.4f (tolerance: %.3g)", r.MaxDeltaP, t.MaxDeltaP))
	}
	if len(short) > 0 {
		return fmt.Errorf("the int8 encoder is not close enough to fp32: %s", strings.Join(short, "; "))
	}
	return nil
}

// Summary is the report in one line, for cards, reports and the CLI.
func (r *ParityReport) Summary() string {
	// Words, not Δ or ≤: the PDF report's core fonts have neither.
	return fmt.Sprintf("parity with fp32 on %d tiles of %d slide(s): feature cosine median %.4f, 1st percentile %.4f; probability differs by at most %.4f; same class on %.0f %%; tile-score rank correlation at least %.3f; measured on %s with ONNX Runtime %s",
		r.Tiles, len(r.Slides), r.CosineMedian, r.CosineP1, r.MaxDeltaP, 100*r.ClassAgreement, r.RankCorrelationMin, r.CPU, r.Runtime)
}

// CPUKind names this processor's instruction sets that change ONNX
// Runtime's arithmetic, e.g. "x86-64 AVX2 AVX-512 VNNI".
func CPUKind() string {
	parts := []string{runtime.GOARCH}
	switch runtime.GOARCH {
	case "amd64":
		parts[0] = "x86-64"
		if cpu.X86.HasAVX2 {
			parts = append(parts, "AVX2")
		}
		if cpu.X86.HasAVX512F {
			parts = append(parts, "AVX-512")
		}
	case "arm64":
		if cpu.ARM64.HasASIMDDP {
			parts = append(parts, "dot-product")
		}
	}
	if HasVNNI() {
		parts = append(parts, "VNNI")
	}
	return strings.Join(parts, " ")
}

// HasVNNI reports whether this x86 processor has VNNI (AVX-512 VNNI or
// AVX-VNNI), with which ONNX Runtime computes uint8×int8 products without
// the 16-bit intermediate saturation of plain AVX2.
func HasVNNI() bool { return cpu.X86.HasAVX512VNNI || cpu.X86.HasAVXVNNI }

// PrecisionText is a result's encoder precision in a sentence, with its
// parity report ("" for fp32): the card, the report and exports print it.
func (r *Result) PrecisionText() string {
	if r.Model.Precision == "" {
		return ""
	}
	return fmt.Sprintf("Encoder in %s (a reduced-precision variant of the fp32 encoder); %s.", r.Model.Precision, r.Model.Parity)
}

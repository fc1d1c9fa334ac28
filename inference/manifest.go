package inference

import (
	"fmt"
	"math"
	"strings"

	"tessera/clinical"
	"tessera/stainnorm"
)

// HeadKind is how tile features become a slide output.
type HeadKind string

// Supported head kinds.
const (
	// HeadChowder: per-tile scores, top-R and bottom-R instances, an MLP
	// (Courtiol et al. 2018). head.onnx gives the slide output and tile scores.
	HeadChowder HeadKind = "chowder"
	// HeadAttentionMIL: gated attention MIL (Ilse et al. 2018; CLAM).
	// head.onnx gives the slide output and attention weights per tile.
	HeadAttentionMIL HeadKind = "attention-mil"
	// HeadTileMean and HeadTileTopK: the encoder is a tile classifier whose
	// output is one logit or probability per tile; the slide probability is
	// their mean, or the mean of the top-k. No head.onnx.
	HeadTileMean HeadKind = "tile-classifier-mean"
	HeadTileTopK HeadKind = "tile-classifier-topk"
)

// ScoreMeaning says what a tile score means, for legends and reports.
type ScoreMeaning string

// Tile score meanings.
const (
	ScoreSignedEvidence ScoreMeaning = "signed-evidence" // >0 towards the positive class
	ScoreAttention      ScoreMeaning = "attention"       // weight in the slide decision, sums to 1
	ScoreProbability    ScoreMeaning = "probability"     // tile-level probability of the positive class
)

// Manifest is a model bundle's manifest.toml. Field comments give units.
type Manifest struct {
	Schema        int    `toml:"schema"`
	Name          string `toml:"name"`
	Version       string `toml:"version"`
	Task          string `toml:"task"`
	IntendedUse   string `toml:"intended_use"`
	Demonstration bool   `toml:"demonstration"` // a demonstration model, not for clinical use
	Validated     bool   `toml:"validated"`     // validated for the stated intended use
	Licence       string `toml:"licence"`
	Citation      string `toml:"citation"`

	Input struct {
		TileSize     int       `toml:"tile_size"`     // pixels, square
		MPP          float64   `toml:"mpp"`           // µm per pixel the model expects
		ChannelOrder string    `toml:"channel_order"` // "RGB" or "BGR"
		Layout       string    `toml:"layout"`        // "NCHW"
		Scale        float64   `toml:"scale"`         // multiplies 0–255 pixel values
		Mean         []float64 `toml:"mean"`          // per channel, after scaling
		Std          []float64 `toml:"std"`           // per channel, after scaling
		BatchSize    int       `toml:"batch_size"`    // preferred tiles per encoder run
		// ICC is "ignore" (the default: raw pixels, as training pipelines
		// read them) or "apply" (convert with the slide's ICC profile to
		// sRGB before the model sees the tile).
		ICC string `toml:"icc"`
		// StainNormalisation is the normaliser the model was trained
		// with, applied to every tile before Mean/Std (package stainnorm;
		// default none).
		StainNormalisation stainnorm.Spec `toml:"stain_normalisation"`
	} `toml:"input"`

	Encoder struct {
		File       string `toml:"file"`
		SHA256     string `toml:"sha256"`
		Input      string `toml:"input"`
		Output     string `toml:"output"`
		FeatureDim int    `toml:"feature_dim"` // D of [N,D]; 1 for tile classifiers
		OutputKind string `toml:"output_kind"` // tile classifiers: "logit" or "probability"
		// ExternalData lists the files that hold the encoder's weights
		// outside encoder.onnx (ONNX external data, for weights above
		// protobuf's 2 GB), each with its sha256 (externaldata.go).
		ExternalData []DataFile `toml:"external_data"`
		// Token outputs ([N, T, D']) and how they are pooled (pooling.go).
		Tokens       int    `toml:"tokens"`
		PrefixTokens int    `toml:"prefix_tokens"`
		Pooling      string `toml:"pooling"`
	} `toml:"encoder"`

	Head struct {
		Kind            HeadKind `toml:"kind"`
		File            string   `toml:"file"`
		SHA256          string   `toml:"sha256"`
		Input           string   `toml:"input"`
		SlideOutput     string   `toml:"slide_output"`
		SlideOutputKind string   `toml:"slide_output_kind"` // "probability" or "logit"
		TileOutput      string   `toml:"tile_output"`
		ChowderR        int      `toml:"chowder_r"`
		TopK            int      `toml:"top_k"` // for tile-classifier-topk
	} `toml:"head"`

	Scores struct {
		Meaning     ScoreMeaning `toml:"meaning"`
		Description string       `toml:"description"`
	} `toml:"scores"`

	Output struct {
		Classes            []string `toml:"classes"`      // [negative, positive]
		ClassLabels        []string `toml:"class_labels"` // sentences for the case card
		Threshold          float64  `toml:"threshold"`    // probability ≥ threshold → positive class
		Horizon            string   `toml:"horizon"`
		PatientAggregation string   `toml:"patient_aggregation"` // "max" (default) or "mean"
	} `toml:"output"`

	// Domain is what slides the model was built for (optional; the checks
	// that need a field are skipped when it is absent).
	Domain Domain `toml:"domain"`

	// Interpretation says how to read a probability (optional).
	Interpretation Interpretation `toml:"interpretation"`

	// Reference is what the model was built on, for out-of-distribution
	// checks (optional).
	Reference Reference `toml:"reference"`

	// Clinical is the patient's risk as the clinic computes it: clinical
	// factors combined with the slide score in a Cox model (optional;
	// package clinical, docs/BUNDLES.md).
	Clinical *clinical.Section `toml:"clinical"`

	// Precision is the encoder's arithmetic and, for int8, its parity
	// report against fp32 (precision.go; optional: fp32).
	Precision Precision `toml:"precision"`
}

// Stains a bundle can declare in [domain].
const (
	StainHE           = "brightfield-he"
	StainHES          = "brightfield-hes"
	StainIHC          = "brightfield-ihc"
	StainFluorescence = "fluorescence"
)

// Domain is the manifest's [domain] section.
type Domain struct {
	Stain               string  `toml:"stain"`                 // one of the Stain constants; "" undeclared
	Organ               string  `toml:"organ"`                 // organ / specimen, in words
	MPPTolerance        float64 `toml:"mpp_tolerance"`         // how much coarser than input.mpp a scan may be, as a fraction (0.1 = 10 %); 0: DefaultMPPTolerance
	MinTissueTiles      int     `toml:"min_tissue_tiles"`      // fewer tissue tiles: no result
	MaxArtefactFraction float64 `toml:"max_artefact_fraction"` // share of tissue tiles quality control may flag before the result is withheld (0–1); 0: DefaultMaxArtefactFraction
	ExcludeArtefacts    bool    `toml:"exclude_artefacts"`     // leave flagged tiles out of the slide score
}

// Brightfield reports whether the declared stain is a brightfield one.
func (d Domain) Brightfield() bool { return strings.HasPrefix(d.Stain, "brightfield-") }

// fieldError names the manifest field at fault and what was expected.
func fieldError(field, format string, args ...any) error {
	return fmt.Errorf("manifest.toml: %s: %s", field, fmt.Sprintf(format, args...))
}

// Validate checks the manifest's fields and fills defaults.
func (m *Manifest) Validate() error {
	if m.Schema != 1 {
		return fieldError("schema", "is %d, want 1", m.Schema)
	}
	if strings.TrimSpace(m.Name) == "" || strings.TrimSpace(m.Version) == "" {
		return fieldError("name/version", "both are required so results can be traced to the model")
	}
	in := &m.Input
	if in.TileSize < 16 || in.TileSize > 4096 {
		return fieldError("input.tile_size", "is %d, want 16–4096 pixels", in.TileSize)
	}
	if !(in.MPP >= 0.05 && in.MPP <= 50) {
		return fieldError("input.mpp", "is %v, want µm per pixel between 0.05 and 50", in.MPP)
	}
	switch strings.ToUpper(in.ChannelOrder) {
	case "RGB", "BGR":
		in.ChannelOrder = strings.ToUpper(in.ChannelOrder)
	default:
		return fieldError("input.channel_order", "is %q, want \"RGB\" or \"BGR\"", in.ChannelOrder)
	}
	if in.Layout == "" {
		in.Layout = "NCHW"
	}
	if in.Layout != "NCHW" {
		return fieldError("input.layout", "is %q, only \"NCHW\" is supported", in.Layout)
	}
	if in.Scale == 0 {
		in.Scale = 1.0 / 255
	}
	if len(in.Mean) != 3 || len(in.Std) != 3 {
		return fieldError("input.mean/std", "want 3 values each, got %d and %d", len(in.Mean), len(in.Std))
	}
	for _, s := range in.Std {
		if !(s > 0) || math.IsInf(s, 0) {
			return fieldError("input.std", "values must be positive, got %v", in.Std)
		}
	}
	if in.BatchSize <= 0 {
		in.BatchSize = 16
	}
	switch in.ICC {
	case "":
		in.ICC = "ignore"
	case "ignore", "apply":
	default:
		return fieldError("input.icc", "is %q, want \"ignore\" or \"apply\"", in.ICC)
	}
	if err := in.StainNormalisation.Validate("input.stain_normalisation"); err != nil {
		return err
	}
	if in.StainNormalisation.Active() && m.Domain.Stain == StainFluorescence {
		return fieldError("input.stain_normalisation", "normalises brightfield stains, but domain.stain is fluorescence")
	}
	if in.BatchSize > 256 {
		return fieldError("input.batch_size", "is %d, want at most 256", in.BatchSize)
	}
	if m.Encoder.File == "" || m.Encoder.Input == "" || m.Encoder.Output == "" {
		return fieldError("encoder", "file, input and output are required")
	}
	if m.Encoder.FeatureDim <= 0 {
		return fieldError("encoder.feature_dim", "is %d, want the D of the [N,D] output", m.Encoder.FeatureDim)
	}
	if err := m.validatePooling(); err != nil {
		return err
	}
	h := &m.Head
	switch h.Kind {
	case HeadChowder, HeadAttentionMIL:
		if h.File == "" || h.Input == "" || h.SlideOutput == "" || h.TileOutput == "" {
			return fieldError("head", "kind %s needs file, input, slide_output and tile_output", h.Kind)
		}
		if h.SlideOutputKind != "probability" && h.SlideOutputKind != "logit" {
			return fieldError("head.slide_output_kind", "is %q, want \"probability\" or \"logit\"", h.SlideOutputKind)
		}
	case HeadTileMean, HeadTileTopK:
		if m.Encoder.FeatureDim != 1 {
			return fieldError("encoder.feature_dim", "is %d; a tile classifier gives one value per tile", m.Encoder.FeatureDim)
		}
		if m.Encoder.OutputKind != "probability" && m.Encoder.OutputKind != "logit" {
			return fieldError("encoder.output_kind", "is %q, want \"probability\" or \"logit\"", m.Encoder.OutputKind)
		}
		if h.Kind == HeadTileTopK && h.TopK <= 0 {
			return fieldError("head.top_k", "is %d, want a positive count", h.TopK)
		}
	default:
		return fieldError("head.kind", "is %q, want chowder, attention-mil, tile-classifier-mean or tile-classifier-topk", h.Kind)
	}
	switch m.Scores.Meaning {
	case ScoreSignedEvidence, ScoreAttention, ScoreProbability:
	default:
		return fieldError("scores.meaning", "is %q, want signed-evidence, attention or probability", m.Scores.Meaning)
	}
	o := &m.Output
	if len(o.Classes) != 2 {
		return fieldError("output.classes", "want two names [negative, positive], got %d", len(o.Classes))
	}
	if len(o.ClassLabels) == 0 {
		o.ClassLabels = o.Classes
	}
	if len(o.ClassLabels) != 2 {
		return fieldError("output.class_labels", "want two sentences, got %d", len(o.ClassLabels))
	}
	if !(o.Threshold > 0 && o.Threshold < 1) {
		return fieldError("output.threshold", "is %v, want a probability between 0 and 1", o.Threshold)
	}
	if o.PatientAggregation == "" {
		o.PatientAggregation = "max"
	}
	if o.PatientAggregation != "max" && o.PatientAggregation != "mean" {
		return fieldError("output.patient_aggregation", "is %q, want \"max\" or \"mean\"", o.PatientAggregation)
	}
	if err := m.Domain.validate(); err != nil {
		return err
	}
	if err := m.Interpretation.validate(); err != nil {
		return err
	}
	if m.Clinical != nil {
		if err := m.Clinical.Validate(); err != nil {
			return err
		}
	}
	if err := m.Precision.validate(); err != nil {
		return err
	}
	return m.Reference.validate(m.Encoder.FeatureDim)
}

func (d *Domain) validate() error {
	switch d.Stain {
	case "", StainHE, StainHES, StainIHC, StainFluorescence:
	default:
		return fieldError("domain.stain", "is %q, want %s, %s, %s or %s", d.Stain, StainHE, StainHES, StainIHC, StainFluorescence)
	}
	if !(d.MPPTolerance >= 0 && d.MPPTolerance < 1) {
		return fieldError("domain.mpp_tolerance", "is %v, want a fraction between 0 and 1", d.MPPTolerance)
	}
	if d.MinTissueTiles < 0 {
		return fieldError("domain.min_tissue_tiles", "is %d, want 0 or more", d.MinTissueTiles)
	}
	if !(d.MaxArtefactFraction >= 0 && d.MaxArtefactFraction <= 1) {
		return fieldError("domain.max_artefact_fraction", "is %v, want a fraction between 0 and 1", d.MaxArtefactFraction)
	}
	return nil
}

// HasHead reports whether the bundle has a head.onnx.
func (m *Manifest) HasHead() bool {
	return m.Head.Kind == HeadChowder || m.Head.Kind == HeadAttentionMIL
}

package inference

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"tessera/slide"
)

// ResultSchema is the version of the result format. Cached results of
// another schema are computed again (2: the model's patient rule; 3: the
// validity verdict; 4: per-tile quality control).
const ResultSchema = 4

// Result is one analysis of one slide by one model: everything needed to
// show it again and to trace it to the model, the runtime and the
// parameters that produced it. It is written as result.json and cached.
type Result struct {
	Schema    int       `json:"schema"`
	CreatedAt time.Time `json:"created_at"`
	Partial   bool      `json:"partial"` // cancelled before every tile was scored

	Slide struct {
		Name string `json:"name"` // file name only: no folders (they may name the patient)
		// Scanner is the scanner that made the slide, "vendor model" where
		// the file says (slide.Scanner): per-scanner calibrations and
		// cohort figures are keyed by it.
		Scanner     string          `json:"scanner,omitempty"`
		Fingerprint string          `json:"fingerprint"`
		Width       int64           `json:"width"`  // level-0 pixels
		Height      int64           `json:"height"` // level-0 pixels
		MPP         float64         `json:"mpp"`    // µm per level-0 pixel used
		MPPSource   slide.MPPSource `json:"mpp_source"`
		Brightfield bool            `json:"brightfield"` // bright glass (brightfield stain); false: fluorescence
		// Underexposed: not brightfield by its glass, yet grey rather than
		// black behind the tissue (a brightfield scan far too dark).
		Underexposed bool `json:"underexposed,omitempty"`
		// ICC says what was done with the slide's colour profile: "none"
		// (it has none), "ignored" (the model reads raw pixels) or
		// "applied" (tiles converted to sRGB first, as the bundle asks).
		ICC string `json:"icc"`
	} `json:"slide"`

	Model struct {
		Name             string       `json:"name"`
		Version          string       `json:"version"`
		SHA256           string       `json:"sha256"`
		Source           string       `json:"source"` // "built-in" or the bundle's file name
		Kind             HeadKind     `json:"kind"`
		Demonstration    bool         `json:"demonstration"`
		Validated        bool         `json:"validated"`
		IntendedUse      string       `json:"intended_use"`
		ScoreMeaning     ScoreMeaning `json:"score_meaning"`
		ScoreDescription string       `json:"score_description"`
		// PatientRule combines a patient's slides: "max" or "mean"
		// (the manifest's output.patient_aggregation).
		PatientRule string `json:"patient_rule"`
		// Interpretation is the bundle's [interpretation], nil if none.
		Interpretation *Interpretation `json:"interpretation,omitempty"`
		// Precision is the encoder's arithmetic when reduced ("int8"; ""
		// for fp32), Parity its parity report with fp32 in one line, and
		// ParityCPU / ParityVNNI the processor kind that report was
		// measured on (ParityReport.CPU, VNNI).
		Precision  string `json:"precision,omitempty"`
		Parity     string `json:"parity,omitempty"`
		ParityCPU  string `json:"parity_cpu,omitempty"`
		ParityVNNI bool   `json:"parity_vnni,omitempty"`
	} `json:"model"`

	Runtime struct {
		Library      string   `json:"library"` // ONNX Runtime version
		Provider     Provider `json:"provider"`
		ProviderNote string   `json:"provider_note,omitempty"`
		// CPU is the processor kind that ran the analysis (CPUKind), VNNI
		// whether it has VNNI (int8 products differ without it).
		CPU  string `json:"cpu,omitempty"`
		VNNI bool   `json:"vnni,omitempty"`
	} `json:"runtime"`

	Params Params `json:"params"`

	Timings struct {
		TissueMS      float64 `json:"tissue_ms"`
		FirstScoresMS float64 `json:"first_scores_ms"`
		TotalMS       float64 `json:"total_ms"`
		EncoderMS     float64 `json:"encoder_ms"` // time the encoder was running
		TilesPerSec   float64 `json:"tiles_per_second"`
		// FeaturesCached is true when the encoder's features came from the
		// feature cache (another bundle with this encoder made them).
		FeaturesCached bool `json:"features_cached,omitempty"`
	} `json:"timings"`

	Grid struct {
		Side0    float64 `json:"side0"` // tile side, level-0 pixels
		Cols     int     `json:"cols"`
		Rows     int     `json:"rows"`
		Level    int     `json:"level"` // pyramid level read
		TileSize int     `json:"tile_size"`
	} `json:"grid"`
	Tiles      []TileScore `json:"tiles"`       // scored tiles (all of them unless Partial)
	TilesTotal int         `json:"tiles_total"` // tissue tiles in the grid

	// Validity says whether the result may be read as one (ok, flag,
	// withheld) and why: the slide against the model's [domain].
	Validity Validity `json:"validity"`

	// Stain is the stain normalisation the bundle declares, the slide's
	// fit and the tiles that fell back (nil: the bundle declares none).
	Stain *StainRecord `json:"stain_normalisation,omitempty"`

	// QC is per-tile quality control (blur, ink, glass, dark): the flagged
	// tiles and their counts.
	QC QCSummary `json:"qc"`

	// Evidence lists the regions that drove the result (Evidence).
	Evidence []EvidenceRegion `json:"evidence"`

	Probability float64  `json:"probability"` // of the positive class (Classes[1])
	Threshold   float64  `json:"threshold"`
	Class       string   `json:"class"`       // Classes[0] or Classes[1]
	ClassLabel  string   `json:"class_label"` // the sentence for the case card
	Horizon     string   `json:"horizon"`
	Classes     []string `json:"classes"`
	Labels      []string `json:"class_labels"` // sentences for Classes
}

// TileScore is one analysed tile: grid cell, level-0 top-left corner, score.
type TileScore struct {
	Col   int     `json:"col"`
	Row   int     `json:"row"`
	X     float64 `json:"x"` // level-0 pixels
	Y     float64 `json:"y"`
	Score float32 `json:"score"`
}

// Params are the analysis parameters that change a result; they are part
// of the cache key.
type Params struct {
	MPPOverride float64 `json:"mpp_override,omitempty"` // µm/px entered by the user
	MinTissue   float64 `json:"min_tissue"`
	TissueSide  int     `json:"tissue_side"`
	// ROI identifies the region analysed (tiles whose centre falls inside
	// its polygons); "" for the whole slide.
	ROI string `json:"roi,omitempty"`
	// ROIName names the region by its classes and polygon counts
	// (annotation.Region.Name), for people; "" for the whole slide.
	ROIName string `json:"roi_name,omitempty"`
}

// RegionText names the region analysed for a reader: its classes and
// counts, or its identifier for a result cached before regions had names
// ("" for the whole slide).
func (p Params) RegionText() string {
	if p.ROIName != "" {
		return p.ROIName
	}
	return p.ROI
}

// ScoreRange returns the smallest and largest scores of tiles (0, 0 for none).
func ScoreRange(tiles []TileScore) (lo, hi float32) {
	for i, t := range tiles {
		if i == 0 || t.Score < lo {
			lo = t.Score
		}
		if i == 0 || t.Score > hi {
			hi = t.Score
		}
	}
	return lo, hi
}

// ColourText says what the model read of the slide's colour profile, or
// "" for a slide without one.
func (r *Result) ColourText() string {
	switch r.Slide.ICC {
	case "applied":
		return "Colours: the slide's ICC profile was applied before the model read the tiles (the bundle asks for it)."
	case "ignored":
		return "Colours: the model read raw scanner colours (the slide's ICC profile is for the screen only)."
	}
	return ""
}

// PatientRule returns how a patient's slides analysed by this model are
// combined: "max" or "mean".
func (r *Result) PatientRule() string {
	if r.Model.PatientRule == "mean" {
		return "mean"
	}
	return "max"
}

// ClassLabels returns the sentences for [negative, positive] (the class
// names when the result has no sentences).
func (r *Result) ClassLabels() [2]string {
	if len(r.Labels) == 2 {
		return [2]string{r.Labels[0], r.Labels[1]}
	}
	if len(r.Classes) == 2 {
		return [2]string{r.Classes[0], r.Classes[1]}
	}
	return [2]string{r.ClassLabel, r.ClassLabel}
}

// classify sets Class and ClassLabel from Probability and the manifest.
func (r *Result) classify(m *Manifest) {
	r.Threshold = m.Output.Threshold
	r.Classes = m.Output.Classes
	r.Horizon = m.Output.Horizon
	i := 0
	if r.Probability >= r.Threshold {
		i = 1
	}
	r.Class, r.ClassLabel = m.Output.Classes[i], m.Output.ClassLabels[i]
	r.Labels = m.Output.ClassLabels
}

// ContentHash is the sha256 (hex) of r's JSON without what says when and
// how fast it was computed (CreatedAt, Timings, among them whether features
// came from the cache): the same slide, model and parameters give the same
// hash whether the result was computed now, earlier, or from cached
// features. Sign-offs and log lines are bound to it.
func (r *Result) ContentHash() string {
	c := *r
	c.CreatedAt = time.Time{}
	c.Timings = Result{}.Timings
	b, err := json.Marshal(&c)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

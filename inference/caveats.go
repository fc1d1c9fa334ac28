package inference

import (
	"fmt"
	"strings"

	"tessera/slide"
)

// CaveatKind names something a reader must know before trusting a result.
type CaveatKind string

// The caveats a result can carry, most serious first.
const (
	CaveatDemonstration CaveatKind = "demonstration" // the model is a demonstration, not trained on outcomes
	CaveatNotValidated  CaveatKind = "not-validated" // the bundle is not marked as validated for clinical use
	CaveatHandMPP       CaveatKind = "hand-mpp"      // the slide's µm/px was typed by a user
	CaveatPartial       CaveatKind = "partial"       // the analysis stopped before every tile was scored
	CaveatRegion        CaveatKind = "region"        // only the tiles inside a region of interest were analysed
	CaveatPrecisionCPU  CaveatKind = "precision-cpu" // an int8 encoder ran on a processor kind its parity was not measured on
)

// Caveat is one caveat of a result, as a sentence (Long: the case card, the
// report) and in a few words (Short: overlay cards, legends, exports).
type Caveat struct {
	Kind  CaveatKind `json:"kind"`
	Long  string     `json:"text"`
	Short string     `json:"short"`
}

// Caveats lists what r must be read with, most serious first. It is the one
// home of these sentences: the case card, the legend, the report, exports
// and the command line all print them from here.
func (r *Result) Caveats() []Caveat {
	var out []Caveat
	if r.Model.Demonstration {
		out = append(out, Caveat{CaveatDemonstration,
			"DEMONSTRATION MODEL - NOT FOR CLINICAL USE: it was not trained on outcomes, so the class says nothing about this patient.",
			"DEMONSTRATION MODEL - not for clinical use"})
	} else if !r.Model.Validated {
		out = append(out, Caveat{CaveatNotValidated,
			"This model is not marked as validated for clinical use.",
			"model not validated for clinical use"})
	}
	if r.Slide.MPPSource == slide.MPPFromUser {
		out = append(out, Caveat{CaveatHandMPP,
			fmt.Sprintf("The slide's µm/px (%.4g) was entered by hand, not read from the scanner.", r.Slide.MPP),
			"µm/px entered by hand"})
	}
	if r.Params.ROI != "" {
		out = append(out, Caveat{CaveatRegion,
			fmt.Sprintf("REGION ONLY: only the tiles inside a drawn region (%s) were analysed; the result describes that region, not the whole slide.", r.Params.RegionText()),
			"region of interest only"})
	}
	if r.Model.Precision != "" && r.Model.ParityVNNI != r.Runtime.VNNI {
		has := map[bool]string{true: "has", false: "lacks"}
		out = append(out, Caveat{CaveatPrecisionCPU,
			fmt.Sprintf("INT8 ENCODER ON ANOTHER KIND OF PROCESSOR: its parity with fp32 was measured on %s, which %s VNNI; this analysis ran on %s, which %s it, and ONNX Runtime's int8 products differ between the two. Measure its parity on this workstation (tessera bundle quantize) or use the fp32 bundle.",
				r.Model.ParityCPU, has[r.Model.ParityVNNI], r.Runtime.CPU, has[r.Runtime.VNNI]),
			"int8 parity measured on another processor kind"})
	}
	if r.Partial {
		out = append(out, Caveat{CaveatPartial,
			fmt.Sprintf("PARTIAL RESULT: the analysis was stopped after %d of %d tiles.", len(r.Tiles), r.TilesTotal),
			fmt.Sprintf("PARTIAL: %d of %d tiles", len(r.Tiles), r.TilesTotal)})
	}
	return out
}

// HasCaveat reports whether r carries a caveat of kind k.
func (r *Result) HasCaveat(k CaveatKind) bool {
	for _, c := range r.Caveats() {
		if c.Kind == k {
			return true
		}
	}
	return false
}

// Headline is what a result's class line says: the class sentence of a
// complete result; for a partial one, that it is partial and no finding
// (its provisional class is only in ProvisionalText).
func (r *Result) Headline() string {
	if r.Withheld() { // VerdictText says the whole of why
		return "Result withheld: " + r.WithheldBecause()
	}
	if r.Partial {
		return fmt.Sprintf("Partial analysis (%d of %d tiles): no result", len(r.Tiles), r.TilesTotal)
	}
	return r.ClassLabel
}

// ProvisionalText states a partial result's provisional class, plainly
// marked as such ("" for a complete result).
func (r *Result) ProvisionalText() string {
	if !r.Partial || r.Withheld() {
		return ""
	}
	return fmt.Sprintf("On the tiles scored so far only: %s (p = %.3f). Run the analysis to the end for a result.", r.ClassLabel, r.Probability)
}

// Positive reports whether r's class is the positive one (Classes[1], for
// example "high" risk).
func (r *Result) Positive() bool {
	return len(r.Classes) == 2 && r.Class == r.Classes[1]
}

// CaveatsShort joins the short texts of r's caveats with "; " ("" for none):
// one cell of a table, one line of a legend.
func (r *Result) CaveatsShort() string {
	var parts []string
	for _, c := range r.Caveats() {
		parts = append(parts, c.Short)
	}
	return strings.Join(parts, "; ")
}

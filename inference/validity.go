package inference

import (
	"fmt"
	"sort"
	"strings"
)

// Verdict says whether a result may be read: ok, flag (read it with the
// reasons next to it) or withheld (not a result: the slide is outside what
// the model was built for).
type Verdict string

// Verdicts, least serious first.
const (
	VerdictOK       Verdict = "ok"
	VerdictFlag     Verdict = "flag"
	VerdictWithheld Verdict = "withheld"
)

func (v Verdict) rank() int {
	switch v {
	case VerdictFlag:
		return 1
	case VerdictWithheld:
		return 2
	}
	return 0
}

// Reason is one reason for a verdict: a stable code and a sentence.
type Reason struct {
	Code    string  `json:"code"`
	Text    string  `json:"text"`
	Verdict Verdict `json:"verdict"` // what this reason alone calls for
}

// Reason codes.
const (
	ReasonWrongStain      = "wrong-stain"      // fluorescence slide for a brightfield model, or the reverse
	ReasonStainUnknown    = "stain-undeclared" // the bundle does not say which stain it reads
	ReasonTooLittleTissue = "too-little-tissue"
	ReasonCoarseScan      = "scan-coarser-than-model" // the slide's µm/px is much coarser than the model's
	ReasonHandMPP         = "mpp-by-hand"
	ReasonPartial         = "partial"
	ReasonArtefacts       = "artefacts" // quality control flagged tiles (blur, ink, glass, folds)
	ReasonOutliers        = "features-unlike-reference"
	ReasonStainUnlike     = "stain-unlike-reference"
)

// Outlier shares of tissue tiles (beyond the distance 1 % of reference
// tiles exceed) from which a result is flagged, and withheld.
const (
	OutlierFlagShare     = 0.15
	OutlierWithheldShare = 0.5
	// MinOutlierTiles: fewer outliers say nothing (one odd tile of four).
	MinOutlierTiles = 3
)

// Validity is the verdict of a result and its reasons.
type Validity struct {
	Verdict Verdict  `json:"verdict"`
	Reasons []Reason `json:"reasons"`
}

// DefaultMPPTolerance is how much coarser than the model's µm/px a scan may
// be when the bundle does not say (10 %).
const DefaultMPPTolerance = 0.1

// DefaultMaxArtefactFraction is the share of tissue tiles quality control
// may flag before a result is withheld, when the bundle does not say.
const DefaultMaxArtefactFraction = 0.5

// ArtefactFlagShare is the share of flagged tiles from which a result is
// flagged (below it the flagged tiles are only reported).
const ArtefactFlagShare = 0.05

// slideFacts are what the validity checks look at, gathered by the pipeline.
type slideFacts struct {
	Brightfield bool
	TissueTiles int
	MPP         float64 // µm per level-0 pixel used
	HandMPP     bool
	Partial     bool
	DoneTiles   int        // tiles read and encoded
	QC          *QCSummary // nil or not Checked: no quality control
}

// judge applies the model's domain to the facts of a slide.
func judge(man *Manifest, f slideFacts) Validity {
	var reasons []Reason
	add := func(v Verdict, code, format string, args ...any) {
		reasons = append(reasons, Reason{Code: code, Text: fmt.Sprintf(format, args...), Verdict: v})
	}
	d := man.Domain
	switch {
	case d.Brightfield() && !f.Brightfield:
		add(VerdictWithheld, ReasonWrongStain, "This is a fluorescence (dark-field) slide; the model reads brightfield %s slides.", stainWords(d.Stain))
	case d.Stain == StainFluorescence && f.Brightfield:
		add(VerdictWithheld, ReasonWrongStain, "This is a brightfield slide; the model reads fluorescence slides.")
	case d.Stain == "" && !f.Brightfield:
		add(VerdictFlag, ReasonStainUnknown, "This is a fluorescence (dark-field) slide and the model does not say which stain it reads.")
	}
	usable := f.TissueTiles
	if f.QC != nil && !f.Partial {
		usable -= f.QC.Excluded
	}
	switch {
	case d.MinTissueTiles == 0:
	case f.TissueTiles < d.MinTissueTiles:
		add(VerdictWithheld, ReasonTooLittleTissue, "Only %d tissue tiles; the model needs at least %d.", f.TissueTiles, d.MinTissueTiles)
	case usable < d.MinTissueTiles:
		add(VerdictWithheld, ReasonTooLittleTissue, "Only %d usable tissue tiles once %d artefact tiles are left out; the model needs at least %d.", usable, f.TissueTiles-usable, d.MinTissueTiles)
	}
	if f.QC != nil && f.QC.Checked && f.DoneTiles > 0 && f.QC.Artefacts() > 0 {
		judgeArtefacts(d, f, add)
	}
	if f.QC != nil && f.QC.Checked && f.DoneTiles > 0 {
		judgeReference(&man.Reference, f, add)
	}
	tol := d.MPPTolerance
	if tol == 0 {
		tol = DefaultMPPTolerance
	}
	if f.MPP > man.Input.MPP*(1+tol) {
		add(VerdictWithheld, ReasonCoarseScan, "The slide was scanned at %.3g µm/px, coarser than the %.3g µm/px the model reads: its tiles would be enlarged.", f.MPP, man.Input.MPP)
	}
	if f.HandMPP {
		add(VerdictFlag, ReasonHandMPP, "The µm/px (%.4g) was entered by hand, not read from the scanner.", f.MPP)
	}
	if f.Partial {
		add(VerdictFlag, ReasonPartial, "The analysis was stopped after %d of %d tiles.", f.DoneTiles, f.TissueTiles)
	}
	// The most serious reasons first: they are what the verdict says.
	sort.SliceStable(reasons, func(i, j int) bool { return reasons[i].Verdict.rank() > reasons[j].Verdict.rank() })
	v := Validity{Verdict: VerdictOK, Reasons: reasons}
	for _, r := range reasons {
		if r.Verdict.rank() > v.Verdict.rank() {
			v.Verdict = r.Verdict
		}
	}
	return v
}

// judgeArtefacts weighs the tiles quality control flagged: more than the
// model allows withholds the result, a noticeable share flags it, a few
// are only reported.
func judgeArtefacts(d Domain, f slideFacts, add func(v Verdict, code, format string, args ...any)) {
	flagged := f.QC.Artefacts()
	share := float64(flagged) / float64(f.DoneTiles)
	limit := d.MaxArtefactFraction
	if limit == 0 {
		limit = DefaultMaxArtefactFraction
	}
	words := qcCountsWords(f.QC.Counts, f.DoneTiles)
	fate := "they were scored (the model does not leave artefacts out)"
	if f.QC.Excluded > 0 {
		fate = "they were left out of the score"
	}
	switch {
	case share > limit:
		add(VerdictWithheld, ReasonArtefacts, "%s: %s of the tissue is unusable, more than the %.0f %% the model allows.", capitalise(words), percentText(flagged, f.DoneTiles), 100*limit)
	case share >= ArtefactFlagShare:
		add(VerdictFlag, ReasonArtefacts, "%s; %s.", capitalise(words), fate)
	default:
		add(VerdictOK, ReasonArtefacts, "%s; %s.", capitalise(words), fate)
	}
}

// judgeReference compares the slide with the model's reference: many
// tiles unlike any reference tile withhold the result, a noticeable share
// flags it; a stain outside the reference's range flags it.
func judgeReference(ref *Reference, f slideFacts, add func(v Verdict, code, format string, args ...any)) {
	if ref.HasFeatures() {
		// Among the tiles free of artefacts (an inked tile is unlike the
		// reference for a reason already given).
		n, usable := 0, f.DoneTiles-f.QC.Artefacts()
		for _, t := range f.QC.Tiles {
			if t.Flags&QCOutlier != 0 && t.Flags&artefactFlags == 0 {
				n++
			}
		}
		share := float64(n) / float64(max(usable, 1))
		switch {
		case usable <= 0:
		case share > OutlierWithheldShare && n >= MinOutlierTiles:
			add(VerdictWithheld, ReasonOutliers, "%s of tissue tiles are unlike the tiles the model was built on (1 %% of its reference tiles are): the model has not seen tissue like this.", percentText(n, usable))
		case share >= OutlierFlagShare && n >= MinOutlierTiles:
			add(VerdictFlag, ReasonOutliers, "%s of tissue tiles are unlike the tiles the model was built on (1 %% of its reference tiles are).", percentText(n, usable))
		}
	}
	if ref.HasStain() && f.QC.StainOD != [3]float64{} {
		var out []string
		for c, name := range []string{"red", "green", "blue"} {
			if od := f.QC.StainOD[c]; od < ref.ODLow[c] || od > ref.ODHigh[c] {
				out = append(out, fmt.Sprintf("%s %.2f (reference %.2f–%.2f)", name, od, ref.ODLow[c], ref.ODHigh[c]))
			}
		}
		if len(out) > 0 {
			add(VerdictFlag, ReasonStainUnlike, "The staining is unlike the model's reference slides: optical density %s.", strings.Join(out, ", "))
		}
	}
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func stainWords(stain string) string {
	switch stain {
	case StainHE:
		return "H&E"
	case StainHES:
		return "HES"
	case StainIHC:
		return "IHC"
	}
	return strings.TrimPrefix(stain, "brightfield-")
}

// Withheld reports whether r is withheld: not to be shown as a result.
func (r *Result) Withheld() bool { return r.Validity.Verdict == VerdictWithheld }

// VerdictText is the verdict in a few words with its reasons, for a card
// line, a table cell or a terminal.
func (r *Result) VerdictText() string {
	v := r.Validity
	if v.Verdict == "" {
		return ""
	}
	var texts []string
	for _, reason := range v.Reasons {
		texts = append(texts, reason.Text)
	}
	head := map[Verdict]string{VerdictOK: "Within the model's domain", VerdictFlag: "FLAGGED", VerdictWithheld: "RESULT WITHHELD"}[v.Verdict]
	if len(texts) == 0 {
		return head + "."
	}
	return head + ": " + strings.Join(texts, " ")
}

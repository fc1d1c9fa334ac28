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
	// Short is the reason in a few words, for a headline ("out of focus
	// on 100 % of tissue tiles; rescan").
	Short string `json:"short"`
}

// Reason codes.
const (
	ReasonWrongStain      = "wrong-stain" // fluorescence slide for a brightfield model, IHC for H&E, or the reverse
	ReasonTooLittleTissue = "too-little-tissue"
	ReasonNoTissueTile    = "no-tissue-tile"          // no tile holds enough tissue: none found, or pieces smaller than a tile
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
	Reasons []Reason `json:"reasons"` // never null in JSON
	// DomainDeclared is false when the bundle declares no [domain] stain:
	// the slide was checked as for a brightfield H&E model, and an "ok"
	// verdict says only what was checked.
	DomainDeclared bool `json:"domain_declared"`
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
	// Underexposed: a slide found dark-field whose background is grey
	// rather than black (a brightfield scan too dark), when known.
	Underexposed bool
	TissueTiles  int
	MPP          float64 // µm per level-0 pixel used
	HandMPP      bool
	Partial      bool
	DoneTiles    int          // tiles read and encoded
	QC           *QCSummary   // nil or not Checked: no quality control
	Stain        *StainRecord // nil: the bundle normalises no stain
}

// judge applies the model's domain to the facts of a slide. A bundle that
// declares no stain is taken as a brightfield H&E model (what published
// slide models are), and its verdict says only what was checked.
func judge(man *Manifest, f slideFacts) Validity {
	var reasons []Reason
	add := func(v Verdict, code, short, format string, args ...any) {
		reasons = append(reasons, Reason{Code: code, Text: fmt.Sprintf(format, args...), Verdict: v, Short: short})
	}
	d := man.Domain
	judgeStain(d, f, add)
	usable := f.TissueTiles
	if f.QC != nil && !f.Partial {
		usable -= f.QC.Excluded
	}
	switch {
	case d.MinTissueTiles == 0:
	case f.TissueTiles < d.MinTissueTiles:
		add(VerdictWithheld, ReasonTooLittleTissue, fmt.Sprintf("too little tissue (%s)", tilesText(f.TissueTiles)), "Only %s; the model needs at least %d.", tilesText(f.TissueTiles), d.MinTissueTiles)
	case usable < d.MinTissueTiles:
		add(VerdictWithheld, ReasonTooLittleTissue, fmt.Sprintf("too little usable tissue (%s)", tilesText(usable)), "Only %d usable tissue tiles once %s are left out; the model needs at least %d.", usable, tilesText(f.TissueTiles-usable, "artefact tile"), d.MinTissueTiles)
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
		add(VerdictWithheld, ReasonCoarseScan, fmt.Sprintf("scanned at %.3g µm/px, coarser than the model's %.3g", f.MPP, man.Input.MPP), "The slide was scanned at %.3g µm/px, coarser than the %.3g µm/px the model reads: its tiles would be enlarged.", f.MPP, man.Input.MPP)
	}
	if f.Stain != nil {
		judgeStainNormalisation(f.Stain, add)
	}
	if f.HandMPP {
		add(VerdictFlag, ReasonHandMPP, "µm/px entered by hand", "The µm/px (%.4g) was entered by hand, not read from the scanner.", f.MPP)
	}
	if f.Partial {
		add(VerdictFlag, ReasonPartial, "partial analysis", "The analysis was stopped after %d of %d tiles.", f.DoneTiles, f.TissueTiles)
	}
	// The most serious reasons first: they are what the verdict says.
	sort.SliceStable(reasons, func(i, j int) bool { return reasons[i].Verdict.rank() > reasons[j].Verdict.rank() })
	if reasons == nil {
		reasons = []Reason{}
	}
	v := Validity{Verdict: VerdictOK, Reasons: reasons, DomainDeclared: d.Stain != ""}
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
func judgeArtefacts(d Domain, f slideFacts, add func(v Verdict, code, short, format string, args ...any)) {
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
		add(VerdictWithheld, ReasonArtefacts, artefactShort(f.QC.Counts, f.DoneTiles), "%s: %s of the tissue is unusable, more than the %.0f %% the model allows.", capitalise(words), percentText(flagged, f.DoneTiles), 100*limit)
	case share >= ArtefactFlagShare:
		add(VerdictFlag, ReasonArtefacts, "artefacts on "+percentText(flagged, f.DoneTiles)+" of tissue tiles", "%s; %s.", capitalise(words), fate)
	default:
		add(VerdictOK, ReasonArtefacts, "artefacts on "+percentText(flagged, f.DoneTiles)+" of tissue tiles", "%s; %s.", capitalise(words), fate)
	}
}

// judgeReference compares the slide with the model's reference: many
// tiles unlike any reference tile withhold the result, a noticeable share
// flags it; a stain outside the reference's range flags it.
func judgeReference(ref *Reference, f slideFacts, add func(v Verdict, code, short, format string, args ...any)) {
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
			add(VerdictWithheld, ReasonOutliers, fmt.Sprintf("tissue unlike the model's (%s of tiles)", percentText(n, usable)), "%s of tissue tiles are unlike the tiles the model was built on (1 %% of its reference tiles are): the model has not seen tissue like this.", percentText(n, usable))
		case share >= OutlierFlagShare && n >= MinOutlierTiles:
			add(VerdictFlag, ReasonOutliers, fmt.Sprintf("tissue unlike the model's (%s of tiles)", percentText(n, usable)), "%s of tissue tiles are unlike the tiles the model was built on (1 %% of its reference tiles are).", percentText(n, usable))
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
			add(VerdictFlag, ReasonStainUnlike, "staining unlike the model's reference", "The staining is unlike the model's reference slides: optical density %s.", strings.Join(out, ", "))
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
// line, a table cell or a terminal. An "ok" verdict of a bundle that
// declares no domain says what was checked, not that the slide is within
// a domain nobody declared.
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
	if v.Verdict == VerdictOK && !v.DomainDeclared {
		head = "No domain declared by the model: read as brightfield H&E; stain, focus, ink and tissue checked"
	}
	if len(texts) == 0 {
		return head + "."
	}
	return head + ": " + strings.Join(texts, " ")
}

// WithheldBecause is the most serious reason a withheld result was
// withheld, in a few words ("" when it is not withheld).
func (r *Result) WithheldBecause() string {
	if !r.Withheld() {
		return ""
	}
	for _, reason := range r.Validity.Reasons {
		if reason.Verdict == VerdictWithheld && reason.Short != "" {
			return reason.Short
		}
	}
	return "the slide is outside what the model was built for"
}

// tilesText counts tissue tiles in words: "1 tissue tile", "3 tissue
// tiles" (or another noun).
func tilesText(n int, noun ...string) string {
	word := "tissue tile"
	if len(noun) > 0 {
		word = noun[0]
	}
	return Count(n, word)
}

// Count says n of a noun with its plural: "1 tile", "3 tiles".
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// artefactShort names the commonest artefact of a withheld slide with what
// to do: "out of focus on 100 % of tissue tiles; rescan".
func artefactShort(counts map[string]int, total int) string {
	best := -1
	for i, q := range qcNames {
		if q.flag&artefactFlags != 0 && (best < 0 || counts[q.code] > counts[qcNames[best].code]) {
			best = i
		}
	}
	q := qcNames[best]
	return fmt.Sprintf("%s on %s of tissue tiles; %s", q.words, percentText(counts[q.code], total), q.advice)
}

// judgeStain checks the slide's stain against the model's: a dark-field
// slide for a brightfield model (a bundle declaring no stain is one), a
// brightfield slide for a fluorescence model, an IHC (DAB) slide for an
// H&E model, an H&E slide for an IHC model.
func judgeStain(d Domain, f slideFacts, add func(v Verdict, code, short, format string, args ...any)) {
	stain := d.Stain
	declared := stain != ""
	if !declared {
		stain = StainHE
	}
	modelReads := stainWords(stain)
	if !declared {
		modelReads += " (the model declares no stain; published slide models read H&E)"
	}
	switch {
	case stain != StainFluorescence && !f.Brightfield && f.Underexposed:
		add(VerdictWithheld, ReasonWrongStain, "under-exposed brightfield scan", "The slide is a brightfield scan far too dark to read (its background is grey, not white); the model reads brightfield %s slides. Rescan it.", modelReads)
	case stain != StainFluorescence && !f.Brightfield:
		add(VerdictWithheld, ReasonWrongStain, "fluorescence slide; the model reads brightfield", "This is a fluorescence (dark-field) slide; the model reads brightfield %s slides.", modelReads)
	case stain == StainFluorescence && f.Brightfield:
		add(VerdictWithheld, ReasonWrongStain, "brightfield slide; the model reads fluorescence", "This is a brightfield slide; the model reads fluorescence slides.")
	}
	if f.QC == nil || !f.QC.Checked || !f.Brightfield {
		return
	}
	st := f.QC.Stain
	switch {
	case (stain == StainHE || stain == StainHES) && st.IHC():
		add(VerdictWithheld, ReasonWrongStain, "IHC (DAB) slide; the model reads H&E", "This is an immunohistochemistry (IHC) slide: %s; the model reads %s slides.", st.Words(), modelReads)
	case stain == StainIHC && !st.IHC() && st.EosinShare >= IHCEosinAbove:
		add(VerdictWithheld, ReasonWrongStain, "H&E slide; the model reads IHC", "This looks like an H&E slide (%s of the stained tissue is eosin pink, no DAB); the model reads IHC slides.", percentOf(st.EosinShare))
	}
}

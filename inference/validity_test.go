package inference

import (
	"context"
	"strings"
	"testing"

	"tessera/internal/testslides"
	"tessera/slide"
)

func TestJudge(t *testing.T) {
	man := &Manifest{}
	man.Input.MPP = 0.5
	man.Domain = Domain{Stain: StainHE, MinTissueTiles: 10}
	good := slideFacts{Brightfield: true, TissueTiles: 100, MPP: 0.5, DoneTiles: 100}
	cases := []struct {
		name  string
		edit  func(f *slideFacts, d *Domain)
		want  Verdict
		codes []string
	}{
		{"in domain", func(*slideFacts, *Domain) {}, VerdictOK, nil},
		{"finer scan", func(f *slideFacts, _ *Domain) { f.MPP = 0.25 }, VerdictOK, nil},
		{"fluorescence for an H&E model", func(f *slideFacts, _ *Domain) { f.Brightfield = false }, VerdictWithheld, []string{ReasonWrongStain}},
		{"brightfield for a fluorescence model", func(_ *slideFacts, d *Domain) { d.Stain = StainFluorescence }, VerdictWithheld, []string{ReasonWrongStain}},
		{"fluorescence, stain undeclared (an H&E model)", func(f *slideFacts, d *Domain) { f.Brightfield, d.Stain = false, "" }, VerdictWithheld, []string{ReasonWrongStain}},
		{"under-exposed brightfield", func(f *slideFacts, _ *Domain) { f.Brightfield, f.Underexposed = false, true }, VerdictWithheld, []string{ReasonWrongStain}},
		{"IHC for an H&E model", func(f *slideFacts, _ *Domain) { f.QC = stainFacts(0.04, 0) }, VerdictWithheld, []string{ReasonWrongStain}},
		{"weak IHC, stain undeclared", func(f *slideFacts, d *Domain) { f.QC, d.Stain = stainFacts(0.005, 0.01), "" }, VerdictWithheld, []string{ReasonWrongStain}},
		{"IHC for an IHC model", func(f *slideFacts, d *Domain) { f.QC, d.Stain = stainFacts(0.04, 0), StainIHC }, VerdictOK, nil},
		{"H&E for an IHC model", func(f *slideFacts, d *Domain) { f.QC, d.Stain = stainFacts(0.002, 0.4), StainIHC }, VerdictWithheld, []string{ReasonWrongStain}},
		{"H&E, stain undeclared", func(f *slideFacts, d *Domain) { f.QC, d.Stain = stainFacts(0.002, 0.4), "" }, VerdictOK, nil},
		{"too little tissue", func(f *slideFacts, _ *Domain) { f.TissueTiles, f.DoneTiles = 3, 3 }, VerdictWithheld, []string{ReasonTooLittleTissue}},
		{"scan too coarse", func(f *slideFacts, _ *Domain) { f.MPP = 1.0 }, VerdictWithheld, []string{ReasonCoarseScan}},
		{"within the tolerance", func(f *slideFacts, _ *Domain) { f.MPP = 0.54 }, VerdictOK, nil},
		{"a few artefacts are reported", func(f *slideFacts, _ *Domain) { f.QC = qcFacts(2, 2) }, VerdictOK, []string{ReasonArtefacts}},
		{"18 % out of focus", func(f *slideFacts, _ *Domain) { f.QC = qcFacts(18, 18) }, VerdictFlag, []string{ReasonArtefacts}},
		{"most tiles out of focus", func(f *slideFacts, _ *Domain) { f.QC = qcFacts(60, 60) }, VerdictWithheld, []string{ReasonArtefacts}},
		{"the model's own limit", func(f *slideFacts, d *Domain) { f.QC, d.MaxArtefactFraction = qcFacts(30, 30), 0.2 }, VerdictWithheld, []string{ReasonArtefacts}},
		{"artefacts leave too little tissue", func(f *slideFacts, _ *Domain) { f.TissueTiles, f.DoneTiles, f.QC = 12, 12, qcFacts(4, 4) }, VerdictWithheld, []string{ReasonTooLittleTissue, ReasonArtefacts}},
		{"hand µm/px and partial", func(f *slideFacts, _ *Domain) { f.HandMPP, f.Partial, f.DoneTiles = true, true, 40 }, VerdictFlag, []string{ReasonHandMPP, ReasonPartial}},
	}
	for _, c := range cases {
		f, m := good, *man
		c.edit(&f, &m.Domain)
		v := judge(&m, f)
		var codes []string
		for _, r := range v.Reasons {
			codes = append(codes, r.Code)
			if r.Text == "" || r.Short == "" {
				t.Errorf("%s: reason %s without a sentence or its short form", c.name, r.Code)
			}
		}
		if v.Verdict != c.want || strings.Join(codes, ",") != strings.Join(c.codes, ",") {
			t.Errorf("%s: verdict %s %v, want %s %v", c.name, v.Verdict, codes, c.want, c.codes)
		}
	}
}

// stainFacts is quality control that found no artefact and the given
// shares of DAB and eosin.
func stainFacts(dab, eosin float64) *QCSummary {
	return &QCSummary{Checked: true, Counts: map[string]int{}, Stain: StainSummary{DABShare: dab, EosinShare: eosin, Tiles: 50}}
}

// A bundle that declares no domain is not "within the model's domain":
// its verdict says what was checked.
func TestUndeclaredDomainSaysWhatWasChecked(t *testing.T) {
	man := &Manifest{}
	man.Input.MPP = 0.5
	r := &Result{Validity: judge(man, slideFacts{Brightfield: true, TissueTiles: 100, MPP: 0.5, DoneTiles: 100})}
	if r.Validity.Verdict != VerdictOK || r.Validity.DomainDeclared || strings.Contains(r.VerdictText(), "Within the model's domain") ||
		!strings.Contains(r.VerdictText(), "No domain declared by the model") {
		t.Errorf("undeclared domain: %+v, %q", r.Validity, r.VerdictText())
	}
	man.Domain.Stain = StainHE
	r.Validity = judge(man, slideFacts{Brightfield: true, TissueTiles: 100, MPP: 0.5, DoneTiles: 100})
	if !strings.HasPrefix(r.VerdictText(), "Within the model's domain") || r.Validity.Reasons == nil {
		t.Errorf("declared domain: %q, reasons %v (want [] rather than null)", r.VerdictText(), r.Validity.Reasons)
	}
}

// qcFacts is quality control that flagged n blurred tiles, excluded of them.
func qcFacts(n, excluded int) *QCSummary {
	q := &QCSummary{Checked: true, Counts: map[string]int{"blur": n}, Excluded: excluded}
	for i := 0; i < n; i++ {
		q.Tiles = append(q.Tiles, QCTile{Col: i, Flags: QCBlur})
	}
	return q
}

func TestArtefactReasonSaysWhatHappened(t *testing.T) {
	man := &Manifest{}
	man.Input.MPP = 0.5
	f := slideFacts{Brightfield: true, TissueTiles: 100, MPP: 0.5, DoneTiles: 100, QC: qcFacts(18, 18)}
	want := "18 % of tissue tiles are out of focus; they were left out of the score."
	if got := judge(man, f).Reasons[0].Text; got != want {
		t.Errorf("reason %q, want %q", got, want)
	}
	f.QC.Excluded = 0
	if got := judge(man, f).Reasons[0].Text; !strings.Contains(got, "they were scored") {
		t.Errorf("artefacts kept in the score, reason %q", got)
	}
}

func TestDomainIsChecked(t *testing.T) {
	for _, d := range []Domain{{Stain: "he"}, {MPPTolerance: 1.5}, {MinTissueTiles: -1}, {MaxArtefactFraction: 2}} {
		if err := d.validate(); err == nil {
			t.Errorf("domain %+v accepted", d)
		}
	}
	b, err := LoadBuiltinBundle()
	if err != nil || b.Manifest.Domain.Stain != StainHE {
		t.Errorf("the built-in bundle does not declare its stain: %+v %v", b.Manifest.Domain, err)
	}
}

// The shared slides: the DAPI fluorescence NDPI gets no result from the
// built-in H&E model; CMU-1-Small-Region is within its domain.
func TestVerdictOnRealSlides(t *testing.T) {
	m := builtinModel(t)
	dapi := openShared(t, "hamamatsu/test3-DAPI-2-387.ndpi")
	r, err := Analyze(context.Background(), dapi, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Withheld() || r.Validity.Reasons[0].Code != ReasonWrongStain || r.Slide.Brightfield {
		t.Errorf("DAPI fluorescence slide: validity %+v", r.Validity)
	}
	if h := r.Headline(); !strings.HasPrefix(h, "Result withheld") || strings.Contains(h, r.ClassLabel) ||
		!strings.Contains(r.VerdictText(), "RESULT WITHHELD: This is a fluorescence (dark-field) slide") {
		t.Errorf("headline %q, verdict %q: more than a withheld result, or no reason", h, r.VerdictText())
	}
	// A fluorescence DICOM series of densely packed cells (its composite
	// is bright) is dark-field because it has channels.
	fluo, err := slide.Open(testslides.FluorescenceDICOM(t, testslides.FluoInstances))
	if err != nil {
		t.Fatal(err)
	}
	defer fluo.Close()
	if r, err := Analyze(context.Background(), fluo, m, Options{}); err != nil || r.Slide.Brightfield || r.Validity.Reasons[0].Code != ReasonWrongStain {
		t.Errorf("fluorescence DICOM: %v, validity %+v", err, r.Validity)
	}
	cmu := openShared(t, "aperio/CMU-1-Small-Region.svs")
	r, err = Analyze(context.Background(), cmu, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Validity.Verdict != VerdictOK || !r.Slide.Brightfield || r.Headline() != r.ClassLabel {
		t.Errorf("CMU-1-Small-Region: validity %+v, headline %q", r.Validity, r.Headline())
	}
	// A withheld result's headline gives its real reason.
	r, err = Analyze(context.Background(), openDerived(t, testslides.Blurred), m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Result withheld: out of focus on 100 % of tissue tiles; rescan"; r.Headline() != want {
		t.Errorf("blurred slide: headline %q, want %q", r.Headline(), want)
	}
}

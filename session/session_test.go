package session

import (
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"tessera/cases"
	"tessera/clinical"
	"tessera/inference"
)

func result(model string, p float64, rule string) *inference.Result {
	r := &inference.Result{Probability: p, Threshold: 0.5, Classes: []string{"low", "high"},
		Labels: []string{"Low risk", "High risk"}}
	r.Model.Name, r.Model.Version, r.Model.SHA256, r.Model.PatientRule, r.Model.Validated = model, "1.0", model+"-sha", rule, true
	r.Class, r.ClassLabel = "low", "Low risk"
	if p >= 0.5 {
		r.Class, r.ClassLabel = "high", "High risk"
	}
	return r
}

func TestTabsAreNotAPatient(t *testing.T) {
	c := New()
	a, b := c.Add("/s/a.svs", 0, ""), c.Add("/s/b.svs", 0, "")
	c.SetResult(a, result("relapse", 0.2, "max"))
	c.SetResult(b, result("relapse", 0.7, "max"))
	if p := c.Patient(); p.Available || p.Why != "" {
		t.Errorf("two unrelated tabs got a patient result: %+v", p)
	}
	c.IsCase = true // the user made a case of them
	if p := c.Patient(); !p.Available || p.Probability != 0.7 || p.ClassLabel != "High risk" || !p.Positive {
		t.Errorf("case patient %+v, want the highest slide, High risk", p)
	}
}

func TestPatientNeverMixesModels(t *testing.T) {
	c := New()
	c.IsCase = true
	s := []*Slide{c.Add("1", 0, "/b/relapse"), c.Add("2", 0, ""), c.Add("3", 0, "")}
	c.SetResult(s[0], result("relapse", 0.1, "max"))
	c.SetResult(s[1], result("demo", 0.948, "max"))
	c.SetResult(s[2], result("demo", 0.3, "max"))
	p := c.Patient()
	if p.Available || p.ClassLabel != "" {
		t.Fatalf("results of two models were combined: %+v", p)
	}
	for _, want := range []string{"different models", "slide 1 with relapse 1.0", "slides 2, 3 with demo 1.0"} {
		if !strings.Contains(p.Why, want) {
			t.Errorf("reason %q lacks %q", p.Why, want)
		}
	}
	if len(p.Slides) != 3 || p.Slides[1].Model != "demo 1.0" {
		t.Errorf("slide lines %+v", p.Slides)
	}
	// Once every slide is analysed with one model, the result is back.
	c.SetResult(s[0], result("demo", 0.1, "max"))
	if p := c.Patient(); !p.Available || p.Probability != 0.948 || p.Model != "demo 1.0" {
		t.Errorf("one model again: %+v", p)
	}
}

func TestPatientRuleAndCaveats(t *testing.T) {
	c := New()
	c.IsCase = true
	s := []*Slide{c.Add("1", 0, ""), c.Add("2", 0, ""), c.Add("3", 0, "")}
	c.SetResult(s[0], result("m", 0.4, "mean"))
	partial := result("m", 0.8, "mean")
	partial.Partial, partial.TilesTotal = true, 10
	c.SetResult(s[1], partial)
	if p := c.Patient(); p.Available || !strings.Contains(p.Why, "slide 2 was stopped before the end") {
		t.Errorf("a partial slide result gave a patient result: %+v", p)
	}
	demo := result("m", 0.8, "mean")
	demo.Model.Demonstration = true
	c.SetResult(s[1], demo)
	p := c.Patient()
	if !p.Available || p.Rule != "mean" || p.Probability < 0.599 || p.Probability > 0.601 || p.RuleText() != "mean slide probability" {
		t.Errorf("mean rule: %+v", p)
	}
	all := strings.Join(p.Caveats, "; ")
	if !strings.Contains(all, "DEMONSTRATION") || !strings.Contains(all, "only 2 of 3 slides analysed") {
		t.Errorf("caveats %q", all)
	}
	c.Remove(s[2])
	if p := c.Patient(); p.Total != 2 || strings.Contains(strings.Join(p.Caveats, ";"), "of 3") {
		t.Errorf("after closing slide 3: %+v", p)
	}
}

func TestCaseFileRoundTrip(t *testing.T) {
	c := New()
	c.Add("/s/b.svs", 0, "/b/m")
	c.Add("/s/a.svs", 0.25, "/b/m")
	c.Label, c.Model = "Board 3", "/b/m"
	f := c.File()
	if f.Label != "Board 3" || f.Model != "/b/m" || len(f.Slides) != 2 || f.Slides[1].Path != "/s/a.svs" || f.Slides[1].MPP != 0.25 {
		t.Errorf("case file %+v", f)
	}
	back := FromFile(f, "/c/case.tessera-case.json")
	if !back.IsCase || back.Label != "Board 3" || back.Model != "/b/m" || len(back.Slides()) != 0 {
		t.Errorf("from file: %+v", back)
	}
}

// The mean can cross the threshold where no single slide's probability
// equals it: the class follows the combined probability.
func TestMeanRuleClassFollowsCombinedProbability(t *testing.T) {
	c := New()
	c.IsCase = true
	c.SetResult(c.Add("1", 0, ""), result("m", 0.2, "mean"))
	c.SetResult(c.Add("2", 0, ""), result("m", 0.9, "mean"))
	if p := c.Patient(); p.Probability < 0.549 || p.Probability > 0.551 || p.ClassLabel != "High risk" {
		t.Errorf("mean of 0.2 and 0.9: %v %q, want 0.55 and the high class", p.Probability, p.ClassLabel)
	}
}

// A case whose slides were analysed with different models reopens with
// each slide's own model (the built-in one included), not the case's
// model for every slide; slides the case file does not hold take the
// model given.
func TestCaseReopensWithEachSlidesModel(t *testing.T) {
	c := New()
	c.Model = "/b/bundle"
	c.Add("/s/1.svs", 0, "")
	c.Add("/s/2.svs", 0, "/b/bundle")
	c.Add("/s/3.svs", 0, "/b/other")
	f := c.File()
	if f.Slides[0].Model != cases.BuiltinModel || f.Slides[1].Model != "" || f.Slides[2].Model != "/b/other" {
		t.Fatalf("case file slides %+v", f.Slides)
	}
	back := FromFile(f, "/c/case.tessera-case.json")
	for i, want := range []string{"", "/b/bundle", "/b/other"} {
		if got := back.Add(f.Slides[i].Path, 0, back.Model).ModelPath; got != want {
			t.Errorf("slide %d reopened with model %q, want %q", i+1, got, want)
		}
	}
	if got := back.Add("/s/new.svs", 0, "/b/chosen").ModelPath; got != "/b/chosen" {
		t.Errorf("a slide not in the case file got model %q", got)
	}
}

// A patient result over some of the slides is provisional: not complete,
// said so, never the patient's.
func TestPatientOverSomeSlidesIsProvisional(t *testing.T) {
	c := New()
	c.IsCase = true
	a, b := c.Add("/s/a.svs", 0, ""), c.Add("/s/b.svs", 0, "")
	c.SetResult(a, result("m", 0.7, "max"))
	p := c.Patient()
	if !p.Available || p.Complete() || !strings.Contains(p.ProvisionalText(), "1 of 2 slides") {
		t.Errorf("one of two slides: available %v complete %v %q", p.Available, p.Complete(), p.ProvisionalText())
	}
	c.SetResult(b, result("m", 0.2, "max"))
	if p := c.Patient(); !p.Complete() || p.ProvisionalText() != "" {
		t.Errorf("both slides: complete %v %q", p.Complete(), p.ProvisionalText())
	}
}

// A withheld slide blanks the patient result until the pathologist leaves
// it out with a reason; then the others combine, the result is complete,
// and the slide is listed with the reason. The case file keeps the reason.
func TestLeavingAWithheldSlideOut(t *testing.T) {
	c := New()
	c.IsCase = true
	a, b, w := c.Add("/s/a.svs", 0, ""), c.Add("/s/b.svs", 0, ""), c.Add("/s/ki67.svs", 0, "")
	c.SetResult(a, result("m", 0.7, "max"))
	c.SetResult(b, result("m", 0.2, "max"))
	withheld := result("m", 0.9, "max")
	withheld.Validity.Verdict = inference.VerdictWithheld
	c.SetResult(w, withheld)
	if p := c.Patient(); p.Available || !strings.Contains(p.Why, "slide 3 is withheld") || !strings.Contains(p.Why, "leave it out") {
		t.Fatalf("a withheld slide: %+v", p)
	}
	w.LeftOut = "Ki67 slide, not for this model"
	p := c.Patient()
	if !p.Available || !p.Complete() || p.Probability != 0.7 || p.LeftOut != 1 || p.Analysed != 2 {
		t.Fatalf("slide 3 left out: %+v", p)
	}
	if all := strings.Join(p.Caveats, "; "); !strings.Contains(all, "slide 3 left out by the pathologist") {
		t.Errorf("caveats %q", all)
	}
	if l := p.Slides[2]; l.Index != 2 || l.LeftOut != "Ki67 slide, not for this model" {
		t.Errorf("slide line %+v", l)
	}
	back := FromFile(c.File(), "/c/case.json")
	if s := back.Add("/s/ki67.svs", 0, ""); s.LeftOut != w.LeftOut {
		t.Errorf("reopened: left out %q", s.LeftOut)
	}
	// A slide left out without a result still completes the case.
	c.Remove(w)
	c.Add("/s/unread.svs", 0, "").LeftOut = "tissue folded"
	if p := c.Patient(); !p.Complete() {
		t.Errorf("a slide left out before analysis: %+v", p)
	}
}

// A result over a drawn region is the region's, not the slide's: it never
// becomes the patient result, and the region is named by its classes.
func TestRegionResultIsNotThePatients(t *testing.T) {
	c := New()
	c.IsCase = true
	a, b := c.Add("/s/a.svs", 0, ""), c.Add("/s/b.svs", 0, "")
	c.SetResult(a, result("m", 0.7, "max"))
	region := result("m", 0.2, "max")
	region.Params.ROI, region.Params.ROIName = "sha256:0011 (2 polygons)", "Tumor: 2 polygons"
	c.SetResult(b, region)
	p := c.Patient()
	if p.Available || !strings.Contains(p.Why, "slide 2 (Tumor: 2 polygons) was analysed inside a drawn region only") {
		t.Errorf("a region result: %+v", p)
	}
}

// Closing a slide drops its saved views and keeps every other view on its
// own slide (a view of slide 3 of 3 is a view of slide 2 of 2 after slide 1
// closes, never of another slide).
func TestClosingASlideKeepsViewsOnTheirSlides(t *testing.T) {
	c := FromFile(&cases.Case{Views: []cases.SavedView{
		{Name: "first", Slide: 0}, {Name: "second", Slide: 1}, {Name: "third", Slide: 2}, {Name: "second again", Slide: 1},
	}}, "")
	a, b, d := c.Add("/s/a.svs", 0, ""), c.Add("/s/b.svs", 0, ""), c.Add("/s/c.svs", 0, "")
	dropped := c.Remove(b)
	if len(dropped) != 2 || dropped[0] != "second" || dropped[1] != "second again" {
		t.Errorf("dropped %q, want the two views of the closed slide", dropped)
	}
	if len(c.Views) != 2 {
		t.Fatalf("views %+v", c.Views)
	}
	for _, v := range c.Views {
		want := map[string]*Slide{"first": a, "third": d}[v.Name]
		if c.Slides()[v.Slide] != want {
			t.Errorf("view %q shows slide %d (%s)", v.Name, v.Slide+1, c.Slides()[v.Slide].Path)
		}
	}
	if c.Remove(b) != nil {
		t.Error("removing a slide twice dropped views")
	}
}

// Where the pathologist looked survives the case file; a saved coverage
// that cannot be read is kept as it was, never replaced by an empty one.
func TestCoverageRoundTrip(t *testing.T) {
	c := FromFile(&cases.Case{}, "")
	s := c.Add("/s/a.svs", 0, "")
	if err := s.OpenCoverage(46000, 32914); err != nil {
		t.Fatal(err)
	}
	s.Coverage.Mark(0, 0, 5000, 5000)
	f := c.File()
	if f.Slides[0].Coverage == "" {
		t.Fatal("coverage not saved")
	}
	again := FromFile(f, "").Add("/s/a.svs", 0, "")
	if err := again.OpenCoverage(46000, 32914); err != nil || again.Coverage.Cells() != s.Coverage.Cells() {
		t.Fatalf("reopened: %v, %+v", err, again.Coverage)
	}
	other := FromFile(f, "")
	o := other.Add("/s/a.svs", 0, "")
	if err := o.OpenCoverage(2220, 2967); err == nil || o.Coverage != nil {
		t.Fatalf("a slide of another size took the coverage: %v", err)
	}
	if other.File().Slides[0].Coverage != f.Slides[0].Coverage {
		t.Error("an unreadable coverage was not written back as it was")
	}
}

// The combined risk needs the whole patient result and every required
// factor; then both estimates are those of the section.
func TestClinicalRisk(t *testing.T) {
	var s clinical.Section
	if _, err := toml.Decode(`horizon_months = 60
threshold = 0.05
class_labels = ["low", "high"]
[[covariates]]
name = "age"
label = "Age"
type = "number"
unit = "years"
required = true
[combined]
baseline_survival = 0.96
score_coefficient = 2
[combined.coefficients]
age = 0.02
[clinical_only]
baseline_survival = 0.95
[clinical_only.coefficients]
age = 0.02
`, &s); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	c := FromFile(&cases.Case{}, "")
	a, b := c.Add("/s/a.svs", 0, ""), c.Add("/s/b.svs", 0, "")
	c.SetResult(a, result("m", 0.7, "max"))
	if r := c.ClinicalRisk(&s, ""); r.Available || !strings.Contains(r.Why, "1 of 2 slides") {
		t.Errorf("provisional: %+v", r)
	}
	c.SetResult(b, result("m", 0.4, "max"))
	if r := c.ClinicalRisk(&s, ""); r.Available || !strings.Contains(r.Why, "lacks Age") {
		t.Errorf("no age: %+v", r)
	}
	c.Factors = map[string]string{"age": "60"}
	r := c.ClinicalRisk(&s, "")
	want, _, _ := s.Risk(c.Factors, c.Patient().Probability, "")
	if !r.Available || r.Estimate != want || len(r.Factors) != 1 || r.Factors[0] != "Age: 60 years" {
		t.Errorf("combined %+v, want %+v", r, want)
	}
}

package app

import (
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tessera/caselog"
	"tessera/cases"
	"tessera/internal/testbundles"
)

// A case whose model declares [clinical] shows, on the card, the combined
// risk from the case's factors and the slide result beside the clinical
// factors alone.
func TestCardShowsTheCombinedRisk(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	casePath := filepath.Join(t.TempDir(), "c.tessera-case.json")
	c := &cases.Case{Schema: cases.Schema, Model: testbundles.WithSection(t, testbundles.ClinicalSection),
		Slides:  []cases.SlideRef{{Path: filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs")}},
		Factors: map[string]string{"age": "54", "grade": "3"}}
	if err := c.Save(casePath); err != nil {
		t.Fatal(err)
	}
	ui := newTestUI(t)
	ui.results.Dir = t.TempDir()
	ui.OpenCase(casePath)
	settle(ui)
	p := ui.current()
	analyse(t, p)
	got := p.analysis.card.patient.Text
	for _, want := range []string{"Clinical factors and the combined risk:", "clinical factors alone: ", "With the slide score: ", "Factors used: Age at diagnosis: 54 years; grade: 3", "(the combined estimate includes this slide score)"} {
		if !strings.Contains(got, want) || p.analysis.card.patient.Hidden {
			t.Errorf("card patient section lacks %q (hidden %v):\n%s", want, p.analysis.card.patient.Hidden, got)
		}
	}
	rc, _, err := ui.reportCase()
	if err != nil || len(rc.Clinical) == 0 {
		t.Errorf("the report has no clinical lines (%v)", err)
	}

	// The form: the model's factors with the case's values; a value out
	// of range is refused with the range said; a change is logged and saved.
	f := p.analysis.factors
	age, ok := f.fields["age"].(*widget.Entry)
	if f.content.Hidden || !ok || age.Text != "54" || f.fields["grade"].(*widget.Select).Selected != "3" {
		t.Fatalf("factor form hidden %v, age %v", f.content.Hidden, f.fields["age"])
	}
	age.SetText("130")
	ui.desk.recordFactors(p)
	if !ui.dialogOpen() || !strings.Contains(test.RenderToMarkup(ui.win.Canvas()), "130 years is outside 18–100 years") {
		t.Error("an age of 130 was not refused with the range")
	}
	ui.dialog.Hide()
	age.SetText("60")
	ui.desk.recordFactors(p)
	saved, err := cases.Load(casePath)
	if err != nil || saved.Factors["age"] != "60" {
		t.Fatalf("case file factors %v (%v)", saved.Factors, err)
	}
	rep, _ := caselog.Verify(caselog.PathFor(casePath))
	if last := rep.Entries[len(rep.Entries)-1]; last.Event != caselog.FactorSet || last.Detail != "age: 54 → 60" {
		t.Errorf("log line %+v", last)
	}
	if !strings.Contains(p.analysis.card.patient.Text, "Age at diagnosis: 60 years") {
		t.Errorf("the card did not follow: %q", p.analysis.card.patient.Text)
	}
}

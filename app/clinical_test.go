package app

import (
	"path/filepath"
	"strings"
	"testing"

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
	c := &cases.Case{Schema: cases.Schema, Model: testbundles.WithClinical(t, testbundles.ClinicalSection),
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
}

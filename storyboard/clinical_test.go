package storyboard

import (
	"image"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"tessera/cases"
	"tessera/clinical"
	"tessera/internal/testbundles"
	"tessera/session"
)

// The report's clinical lines: why there is no combined result, then, with
// the factors entered, both estimates, what the slide changes and the
// factors used; the builder puts them on the report.
func TestClinicalLines(t *testing.T) {
	var m struct {
		Clinical clinical.Section `toml:"clinical"`
	}
	if _, err := toml.Decode(testbundles.ClinicalSection, &m); err != nil {
		t.Fatal(err)
	}
	s := &m.Clinical
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	sc := session.FromFile(&cases.Case{}, "")
	sl := sc.Add("/c/a.svs", 0, "")
	sc.SetResult(sl, fakeResult(0.8))
	lines := ClinicalLines(s, sc.ClinicalRisk(s, ""))
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "No combined result: the case lacks Age at diagnosis, grade") || lines[1] != "No clinical factor entered yet." {
		t.Errorf("without factors: %q", lines)
	}
	sc.Factors = map[string]string{"age": "54", "grade": "3"}
	lines = ClinicalLines(s, sc.ClinicalRisk(s, ""))
	text := strings.Join(lines, "\n")
	for _, want := range []string{"Probability of an event within 5 years, clinical factors alone: ", "With the slide score: ", "The slide moves the estimate from ", "Factors used: Age at diagnosis: 54 years; grade: 3"} {
		if !strings.Contains(text, want) {
			t.Errorf("lines lack %q:\n%s", want, text)
		}
	}
	open := func(int) (Source, error) { return Source{Thumb: thumbFor(), Downsample: 40}, nil }
	rc, _, err := Report(t.Context(), sc, open, Options{Clinical: s})
	if err != nil || strings.Join(rc.Clinical, "\n") != text {
		t.Errorf("the report's lines %q (%v)", rc.Clinical, err)
	}
}

func thumbFor() *image.RGBA { return image.NewRGBA(image.Rect(0, 0, 20, 20)) }

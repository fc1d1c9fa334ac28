package cohort

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tessera/inference"
)

func TestReadCohort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cohort.csv")
	text := "\ufeffSlide,Patient_ID,event,time_months,label,mpp,extra\n" +
		"a.svs,P1,1,12,1,,x\n" +
		"/abs/b.svs,P1,1,12,1,,\n" +
		"c.svs,P2,0,70.5,0,0.25,\n" +
		",P3,,,,,\n" +
		"d.svs,,,,,,\n" +
		"e.svs,P4,2,,,,\n" +
		"f.svs,P5,1,soon,,,\n" +
		"g.svs,P6,,,,1000,\n" +
		"a.svs,P1,1,12,1,,\n" +
		"a.svs,P7,0,5,0,,\n" +
		"\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rows) != 3 || c.Rows[0].Slide != filepath.Join(dir, "a.svs") || c.Rows[1].Slide != "/abs/b.svs" ||
		*c.Rows[2].TimeMonths != 70.5 || c.Rows[2].MPP != 0.25 || *c.Rows[0].Event != 1 || c.Rows[0].Line != 2 {
		t.Errorf("rows %+v", c.Rows)
	}
	want := []string{"no slide", "no patient_id", `event "2" is not 0 or 1`, `time_months "soon"`, `mpp "1000"`,
		"the same slide as line 2", `also listed for patient "P1"`}
	if len(c.Problems) != len(want) {
		t.Fatalf("problems %+v", c.Problems)
	}
	for i, w := range want {
		if !strings.Contains(c.Problems[i].Reason, w) {
			t.Errorf("problem %d: %q, want %q", i, c.Problems[i].Reason, w)
		}
	}
	for _, bad := range []string{"", "name,age\nx,1\n", "patient_id\nP1\n"} {
		os.WriteFile(path, []byte(bad), 0o644)
		if _, err := Read(path); !errors.Is(err, ErrNotCohort) {
			t.Errorf("%q: %v, want not a cohort table", bad, err)
		}
	}
}

// Patients: combined by the bundle's rule, withheld and failed slides
// counted, outcomes that disagree left out, a slide without a result yet
// pending; the tables are written in the cohort's order.
func TestMergeFromOutputFolder(t *testing.T) {
	dir := t.TempDir()
	run := Run{BundleSHA: "abc", Model: "m 1"}
	result := func(p float64, verdict inference.Verdict) *inference.Result {
		r := &inference.Result{Probability: p, Threshold: 0.5, Classes: []string{"low", "high"}, Class: "low"}
		if p >= 0.5 {
			r.Class = "high"
		}
		r.Model.SHA256 = "abc"
		r.Validity.Verdict = verdict
		return r
	}
	e1, t12 := 1, 12.0
	e0, t80 := 0, 80.0
	rows := []Row{
		{Line: 2, PatientID: "A", Slide: "/s/a1", Event: &e1, TimeMonths: &t12},
		{Line: 3, PatientID: "A", Slide: "/s/a2", Event: &e1, TimeMonths: &t12},
		{Line: 4, PatientID: "B", Slide: "/s/b", Event: &e0, TimeMonths: &t80},
		{Line: 5, PatientID: "C", Slide: "/s/c"},
		{Line: 6, PatientID: "D", Slide: "/s/d1", Event: &e1, TimeMonths: &t12},
		{Line: 7, PatientID: "D", Slide: "/s/d2", Event: &e0, TimeMonths: &t80},
		{Line: 8, PatientID: "E", Slide: "/s/e", Event: &e0, TimeMonths: &t80},
		{Line: 9, PatientID: "F", Slide: "/s/f", Event: &e0, TimeMonths: &t80},
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(SaveResult(dir, "/s/a1", result(0.4, inference.VerdictOK), nil))
	must(SaveResult(dir, "/s/a2", result(0.7, inference.VerdictFlag), nil))
	must(SaveError(dir, "/s/b", SlideError{BundleSHA: "abc", Reason: "b: no such file", BadInput: true}))
	must(SaveResult(dir, "/s/c", result(0.9, inference.VerdictOK), nil))
	must(SaveResult(dir, "/s/d1", result(0.2, inference.VerdictOK), nil))
	must(SaveResult(dir, "/s/d2", result(0.3, inference.VerdictOK), nil))
	must(SaveResult(dir, "/s/e", result(0.9, inference.VerdictWithheld), nil))
	other := result(0.9, inference.VerdictOK)
	other.Model.SHA256 = "another bundle"
	must(SaveResult(dir, "/s/f", other, nil))
	for _, r := range rows { // the quick check agrees with the full read
		if Done(dir, r, "abc") != (LoadSlide(dir, r, "abc").Result != nil) {
			t.Errorf("%s: Done and LoadSlide disagree", r.Slide)
		}
	}
	m := Merge(&Cohort{Rows: rows}, dir, run)
	got := map[string]Patient{}
	for _, p := range m.Patients {
		got[p.ID] = p
	}
	if p := got["A"]; !p.InMetrics || p.Probability != 0.7 || !p.Positive || p.Verdict != "flag" || p.Analysed != 2 {
		t.Errorf("A (max of two slides, one flagged) %+v", p)
	}
	if p := got["B"]; p.InMetrics || p.Verdict != "failed" || !strings.Contains(p.Excluded, "b: no such file") && !strings.Contains(p.Excluded, "no slide could be analysed") {
		t.Errorf("B %+v", p)
	}
	if p := got["C"]; p.InMetrics || !strings.Contains(p.Excluded, "no outcome") {
		t.Errorf("C (no outcome) %+v", p)
	}
	if p := got["D"]; p.InMetrics || !strings.Contains(p.Excluded, "lines 6 and 7 disagree") {
		t.Errorf("D (disagreeing outcomes) %+v", p)
	}
	if p := got["E"]; p.InMetrics || p.Verdict != "withheld" {
		t.Errorf("E (withheld) %+v", p)
	}
	if p := got["F"]; p.InMetrics || m.Pending != 1 {
		t.Errorf("F (a result of another bundle is no result) %+v, pending %d", p, m.Pending)
	}
	must(m.Write(dir))
	b, _ := os.ReadFile(filepath.Join(dir, "patients.csv"))
	if !strings.HasPrefix(string(b), "patient_id,probability,class,verdict,n_slides") || !strings.Contains(string(b), "\nA,0.700000,high,flag,2,2,1,12,,true,\n") {
		t.Errorf("patients.csv:\n%s", b)
	}
	mt := Compute(m, HorizonMonths, "m 1", false)
	if mt.NPatients != 1 || mt.NExcluded != 5 || mt.AUC != nil {
		t.Errorf("metrics: %d in, %d out, AUC %v", mt.NPatients, mt.NExcluded, mt.AUC)
	}
}

// FuzzRead: any bytes give a cohort or an error, never a panic or a hang.
func FuzzRead(f *testing.F) {
	f.Add([]byte("patient_id,slide,event,time_months\nP1,a.svs,1,12\n"))
	f.Add([]byte("slide,patient_id\n\"a,b\",P\n\"unterminated\n"))
	f.Add([]byte("patient_id,slide,mpp\nP,a,0.25\nP,a,0.25\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parse(strings.NewReader(string(b)), "/base")
		if err == nil && len(c.Rows) == 0 && len(c.Problems) == 0 {
			t.Error("an empty cohort without an error")
		}
	})
}

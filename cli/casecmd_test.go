package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tessera/caselog"
	"tessera/cases"
)

// From the command line: a case of two real slides, its analysis, a
// sign-off per slide and for the patient, the log verified, then altered
// and the alteration found at its line.
func TestCaseSignOffAndLogCommands(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	casePath := filepath.Join(dir, "patient.tessera-case.json")
	cmu := filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs")
	dapi := filepath.Join(slides, "hamamatsu", "test3-DAPI-2-387.ndpi")
	run := func(cmd func([]string, *bytes.Buffer, *bytes.Buffer) error, args ...string) (string, error) {
		var stdout, stderr bytes.Buffer
		err := cmd(args, &stdout, &stderr)
		return stdout.String() + stderr.String(), err
	}
	caseCmd := func(a []string, o, e *bytes.Buffer) error { return CaseCmd(a, o, e) }
	signoff := func(a []string, o, e *bytes.Buffer) error { return SignOff(a, o, e) }
	logCmd := func(a []string, o, e *bytes.Buffer) error { return LogCmd(a, o, e) }
	analyze := func(a []string, o, e *bytes.Buffer) error { return Analyze(a, o, e) }

	if out, err := run(caseCmd, "new", casePath, cmu, dapi, "--label", "Case 7"); err != nil {
		t.Fatalf("case new: %v\n%s", err, out)
	}
	c, err := cases.Load(casePath)
	if err != nil || c.Label != "Case 7" || len(c.Slides) != 2 {
		t.Fatalf("case %+v %v", c, err)
	}
	if _, err := run(caseCmd, "new", casePath, cmu); ExitCode(err) != ExitBadInput {
		t.Errorf("case new over an existing case: %v", err)
	}
	if _, err := run(signoff, casePath, "--slide", "1", "--agree", "--reason", "x"); ExitCode(err) != ExitBadInput || !strings.Contains(err.Error(), "run tessera analyze") {
		t.Errorf("sign-off before any analysis: %v", err)
	}
	if out, err := run(analyze, cmu, dapi, "--out", t.TempDir(), "--ep", "cpu"); err != nil {
		t.Fatalf("analyze: %v\n%s", err, out)
	}
	if out, err := run(signoff, casePath, "--slide", "1", "--agree", "--reason", "consistent with the morphology"); err != nil || !strings.Contains(out, "line 2") {
		t.Fatalf("sign-off slide 1: %v %s", err, out)
	}
	if out, err := run(signoff, casePath, "--slide", "2", "--uncertain", "--reason", "fluorescence slide"); err != nil {
		t.Fatalf("sign-off slide 2: %v %s", err, out)
	}
	// The DAPI slide's result is withheld: no patient-level result.
	if _, err := run(signoff, casePath, "--patient", "--agree", "--reason", "x"); ExitCode(err) != ExitBadInput || !strings.Contains(err.Error(), "withheld") {
		t.Errorf("patient sign-off with a withheld slide: %v", err)
	}
	for _, bad := range [][]string{
		{casePath, "--slide", "1", "--agree", "--disagree", "--reason", "x"},
		{casePath, "--slide", "1", "--patient", "--agree", "--reason", "x"},
		{casePath, "--slide", "1", "--agree"},
		{casePath, "--slide", "3", "--agree", "--reason", "x"},
	} {
		if _, err := run(signoff, bad...); ExitCode(err) != ExitBadInput {
			t.Errorf("signoff %v: %v", bad, err)
		}
	}
	out, err := run(logCmd, "verify", casePath)
	if err != nil || !strings.Contains(out, "intact: 3 events") {
		t.Fatalf("log verify: %v %s", err, out)
	}
	rep, _ := caselog.Verify(caselog.PathFor(casePath))
	first, second := rep.Entries[1], rep.Entries[2]
	if first.Decision != caselog.Agree || first.SlideIndex != 1 || first.ModelSHA256 == "" || len(first.ResultHash) != 64 ||
		first.Verdict != "ok" || first.Class == "" || first.Probability == nil || first.Slide != "CMU-1-Small-Region.svs" {
		t.Errorf("slide sign-off line %+v", first)
	}
	if second.Verdict != "withheld" || second.Class != "" || second.Probability != nil {
		t.Errorf("a withheld result's sign-off records its class: %+v", second)
	}
	// The report prints the sign-offs and the log's state.
	pdf := filepath.Join(dir, "report.pdf")
	if out, err := run(func(a []string, o, e *bytes.Buffer) error { return Report(a, e) }, casePath, "--out", pdf); err != nil {
		t.Fatalf("report: %v %s", err, out)
	}
	text := strings.Join(strings.Fields(pdfText(t, pdf, "pdftotext")), " ")
	for _, want := range []string{"Agree: consistent with the morphology", "Uncertain: fluorescence slide", "The case log is intact: 3 events"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	// Someone edits the first decision: verify names line 2 and fails.
	path := caselog.PathFor(casePath)
	data, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.Replace(data, []byte(`"decision":"agree"`), []byte(`"decision":"disagree"`), 1), 0o644)
	_, err = run(logCmd, "verify", casePath)
	if ExitCode(err) != ExitFailure || !strings.Contains(err.Error(), "broken at line 2") {
		t.Errorf("altered log: %v", err)
	}
}

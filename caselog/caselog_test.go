package caselog

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func appendN(t *testing.T, path string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := Append(path, Entry{Event: SignOff, Scope: "slide", SlideIndex: i + 1, Decision: Agree, Reason: "fine"}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAppendAndVerify(t *testing.T) {
	path := PathFor(filepath.Join(t.TempDir(), "case 1.tessera-case.json"))
	if !strings.HasSuffix(path, "case 1.tessera-log.jsonl") {
		t.Fatalf("log path %s", path)
	}
	rep, err := Verify(path)
	if err != nil || !rep.Intact() || len(rep.Entries) != 0 {
		t.Fatalf("missing log: %+v %v", rep, err)
	}
	appendN(t, path, 3)
	rep, err = Verify(path)
	if err != nil || !rep.Intact() || len(rep.Entries) != 3 {
		t.Fatalf("%+v %v", rep, err)
	}
	e := rep.Entries[2]
	if e.Seq != 3 || e.Prev != rep.Entries[1].Hash || e.User == "" || e.Decision != Agree || e.SlideIndex != 3 {
		t.Errorf("third entry %+v", e)
	}
	if !strings.Contains(rep.Summary(), "intact: 3 events") {
		t.Errorf("summary %q", rep.Summary())
	}
	data, _ := os.ReadFile(path)
	if lines := bytes.Count(data, []byte("\n")); lines != 3 {
		t.Errorf("%d lines", lines)
	}
}

// Each way of tampering is found at the line it happened.
func TestTamperingIsFound(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c"+Extension)
	appendN(t, path, 4)
	orig, _ := os.ReadFile(path)
	lines := bytes.SplitAfter(orig, []byte("\n"))[:4]
	join := func(ls ...[]byte) []byte { return bytes.Join(ls, nil) }
	edited := bytes.Replace(lines[1], []byte(`"decision":"agree"`), []byte(`"decision":"disagree"`), 1)
	// Rewriting a line and its own hash: the next line's link breaks.
	var rehashed []byte
	{
		e, err := decode(bytes.TrimSuffix(lines[1], []byte("\n")))
		if err != nil {
			t.Fatal(err)
		}
		e.Reason = "changed afterwards"
		l, _, _ := encode(e)
		rehashed = append(l, '\n')
	}
	cases := []struct {
		name string
		data []byte
		at   int
	}{
		{"a decision edited", join(lines[0], edited, lines[2], lines[3]), 2},
		{"a line rewritten with a new hash", join(lines[0], rehashed, lines[2], lines[3]), 3},
		{"a line removed", join(lines[0], lines[2], lines[3]), 2},
		{"two lines swapped", join(lines[0], lines[2], lines[1], lines[3]), 2},
		{"a line duplicated", join(lines[0], lines[1], lines[1], lines[2], lines[3]), 3},
		{"a field added", join(lines[0], bytes.Replace(lines[1], []byte(`{"seq"`), []byte(`{"extra":1,"seq"`), 1), lines[2], lines[3]), 2},
		{"the last line edited", join(lines[0], lines[1], lines[2], bytes.Replace(lines[3], []byte("fine"), []byte("fin3"), 1)), 4},
	}
	for _, c := range cases {
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		rep, err := Verify(path)
		if err != nil {
			t.Fatal(err)
		}
		if rep.BrokenAt != c.at {
			t.Errorf("%s: broken at %d, want %d (%s)", c.name, rep.BrokenAt, c.at, rep.Summary())
		}
		if _, err := Append(path, Entry{Event: Export}); err == nil || !strings.Contains(err.Error(), "broken at line") {
			t.Errorf("%s: append to a broken log: %v", c.name, err)
		}
	}
}

// A crash while writing leaves a cut last line: the chain before it stays
// valid, the next append records the cut line and goes on, and the cut
// line cannot later be changed unnoticed.
func TestCrashCutLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c"+Extension)
	appendN(t, path, 2)
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"seq":3,"time":"2026-11-28T01:00:00Z","event":"sign-o`)
	f.Close()
	rep, _ := Verify(path)
	if !rep.Intact() || len(rep.Entries) != 2 || len(rep.Recovered) != 1 {
		t.Fatalf("after a crash: %+v", rep)
	}
	appendN(t, path, 1)
	rep, _ = Verify(path)
	if !rep.Intact() || len(rep.Entries) != 4 || rep.Entries[2].Event != CrashRecovered || rep.Recovered[0] != 3 {
		t.Fatalf("after recovery: %s %+v", rep.Summary(), rep)
	}
	if !strings.Contains(rep.Summary(), "line 3 was cut short by a crash") {
		t.Errorf("summary %q", rep.Summary())
	}
	data, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.Replace(data, []byte(`01:00:00Z","event":"sign-o`), []byte(`01:00:00Z","event":"sign-x`), 1), 0o644)
	if rep, _ := Verify(path); rep.BrokenAt != 3 {
		t.Errorf("cut line changed: %s", rep.Summary())
	}
}

// The app and the command line may append at once: the lock keeps the
// chain whole.
func TestConcurrentAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c"+Extension)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				if _, err := Append(path, Entry{Event: EvidenceViewed}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if rep, _ := Verify(path); !rep.Intact() || len(rep.Entries) != 40 {
		t.Errorf("%s", rep.Summary())
	}
}

func FuzzVerify(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "c"+Extension)
	for i := 0; i < 3; i++ {
		if _, err := Append(path, Entry{Event: SignOff, Decision: Uncertain, Reason: "r"}); err != nil {
			f.Fatal(err)
		}
	}
	good, _ := os.ReadFile(path)
	f.Add(good)
	f.Add(good[:len(good)-7])
	f.Add([]byte("{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep := verifyBytes(data)
		if rep.Intact() {
			// An intact chain is consecutive and linked.
			for i, e := range rep.Entries {
				if e.Seq != i+1 || (i > 0 && e.Prev != rep.Entries[i-1].Hash) {
					t.Fatalf("intact report with a bad chain at %d", i)
				}
			}
		}
		_ = rep.Summary()
	})
}

// A result counts as read after a first read only when the log shows the
// read before that very result.
func TestReadFirst(t *testing.T) {
	r := &Report{Entries: []Entry{
		{Event: Analysis, Slide: "a.svs", ResultHash: "h1"},
		{Event: FirstRead, Slide: "b.svs"},
		{Event: Analysis, Slide: "a.svs", ResultHash: "h1"},
		{Event: FirstRead, Slide: "a.svs"},
		{Event: Analysis, Slide: "a.svs", ResultHash: "h2"},
	}}
	if !r.ReadFirst("a.svs", "h2") {
		t.Error("the result shown after a's first read")
	}
	if r.ReadFirst("a.svs", "h1") || r.ReadFirst("c.svs", "h2") {
		t.Error("a result shown before the read, or another slide's read, counted")
	}
}

// Package caselog keeps a case's append-only, tamper-evident log:
// NAME.tessera-log.jsonl beside NAME.tessera-case.json, one JSON line per
// event (case opened, analysis run, withheld result revealed, evidence
// viewed, sign-off, export). Each line carries its own hash and the hash of
// the line before it, so that an edited, inserted or removed line breaks
// the chain at a line Verify names. Lines are only ever appended, each in
// one write followed by fsync; nothing rewrites the file.
//
// The chain shows that a log was changed, not who changed it: anyone able
// to write the file could write a new consistent chain. Removing lines from
// the end leaves a shorter valid chain; Verify reports the line count so a
// reader can compare it with a copy.
package caselog

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"
)

// Extension is the log file's extension.
const Extension = ".tessera-log.jsonl"

// PathFor returns the log beside a case file.
func PathFor(casePath string) string {
	return strings.TrimSuffix(strings.TrimSuffix(casePath, ".json"), ".tessera-case") + Extension
}

// Event kinds.
const (
	CaseCreated     = "case-created"
	CaseOpened      = "case-opened"
	Analysis        = "analysis"          // a result shown: model, result hash, verdict
	WithheldReveal  = "withheld-revealed" // a withheld class shown after confirmation
	EvidenceViewed  = "evidence-viewed"
	SignOff         = "sign-off"
	FirstRead       = "first-read" // the pathologist's impression before seeing the AI
	Export          = "export"
	LeftOut         = "left-out"        // a slide left out of the patient result, with the pathologist's reason
	IncludedAgain   = "included-again"  // a slide left out counts again
	FactorSet       = "factor-set"      // a clinical factor entered or changed: Detail "age: 50 → 54"
	CrashRecovered  = "crash-recovered" // the line before was cut short by a crash
	genesisPrevHash = "0000000000000000000000000000000000000000000000000000000000000000"
)

// Sign-off decisions.
const (
	Agree     = "agree"
	Disagree  = "disagree"
	Uncertain = "uncertain"
)

// Entry is one line of the log. Seq, Time, User, Prev and Hash are set by
// Append; the rest describes the event (empty fields are left out).
type Entry struct {
	Seq   int       `json:"seq"` // 1 for the first line
	Time  time.Time `json:"time"`
	Event string    `json:"event"`
	User  string    `json:"user"` // the operating-system account

	Slide       string   `json:"slide,omitempty"` // file name (no folders)
	SlideIndex  int      `json:"slide_index,omitempty"`
	Scope       string   `json:"scope,omitempty"` // sign-off: "slide" or "patient"
	Model       string   `json:"model,omitempty"` // name and version
	ModelSHA256 string   `json:"model_sha256,omitempty"`
	ResultHash  string   `json:"result_hash,omitempty"` // sha256 of the result's JSON
	Verdict     string   `json:"verdict,omitempty"`     // ok, flag, withheld
	Reasons     []string `json:"reasons,omitempty"`     // verdict reason codes
	Class       string   `json:"class,omitempty"`
	Probability *float64 `json:"probability,omitempty"`
	Decision    string   `json:"decision,omitempty"` // sign-off: agree, disagree, uncertain
	Reason      string   `json:"reason,omitempty"`   // the pathologist's words
	Detail      string   `json:"detail,omitempty"`   // anything else, in words
	// Coverage is what the pathologist had looked at when signing off
	// (coverage.Review.Text, per slide for the patient).
	Coverage string `json:"coverage,omitempty"`

	Prev string `json:"prev"` // hash of the line before (zeros for the first)
	Hash string `json:"-"`    // sha256 of this line without its hash (written last)
}

// hashField is how a line's own hash is written: the line's last field.
const hashField = `,"hash":"`

// encode returns e's line (without newline) and its hash.
func encode(e Entry) ([]byte, string, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	line := append(body[:len(body)-1:len(body)-1], hashField...)
	line = append(line, h...)
	line = append(line, `"}`...)
	return line, h, nil
}

// decode checks one line's own hash and parses it.
func decode(line []byte) (Entry, error) {
	i := bytes.LastIndex(line, []byte(hashField))
	if i < 0 || !bytes.HasSuffix(line, []byte(`"}`)) || len(line)-2 < i+len(hashField) {
		return Entry{}, errors.New("it has no hash")
	}
	h := string(line[i+len(hashField) : len(line)-2])
	body := append(append([]byte{}, line[:i]...), '}')
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != h {
		return Entry{}, errors.New("its content does not match its hash")
	}
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Entry{}, fmt.Errorf("it is not a log entry: %v", err)
	}
	e.Hash = h
	return e, nil
}

// Report is what Verify found.
type Report struct {
	Entries []Entry // the lines that verified, in order
	// BrokenAt is the 1-based line where the chain first breaks (0: intact),
	// and Problem says how, in words.
	BrokenAt int
	Problem  string
	// Recovered lists lines cut short by a crash and recorded as such by
	// the line after them (not a break).
	Recovered []int
	// Unverified are the entries read from the broken line on, as they
	// read now (their hashes or chain do not verify: they may have been
	// altered); lines that are no entry at all are left out.
	Unverified []Entry
}

// AlteredError is what Append returns for a log whose chain is broken:
// nothing can be added to it.
type AlteredError struct{ Report *Report }

func (e *AlteredError) Error() string { return e.Report.Summary() }

// RecordingClosed says, for a broken log, why nothing more can be recorded
// in it ("" for an intact log).
func (r *Report) RecordingClosed() string {
	if r.Intact() {
		return ""
	}
	return fmt.Sprintf("The case log was altered (line %d: %s). Its entries from that line on are shown as unverified, and nothing new can be recorded in it: keep the file as it is for review (tessera log verify says the same).", r.BrokenAt, r.Problem)
}

// Intact reports whether the whole chain verified.
func (r *Report) Intact() bool { return r.BrokenAt == 0 }

// Summary is the report in a sentence.
func (r *Report) Summary() string {
	n := len(r.Entries)
	if !r.Intact() {
		if r.BrokenAt == 1 {
			return fmt.Sprintf("The case log is broken at its first line: %s. None of its record can be trusted.", r.Problem)
		}
		return fmt.Sprintf("The case log is broken at line %d: %s. Its record from line %d on cannot be trusted.", r.BrokenAt, r.Problem, r.BrokenAt)
	}
	s := fmt.Sprintf("The case log is intact: %d events", n)
	if n > 0 {
		s += fmt.Sprintf(", %s to %s", r.Entries[0].Time.Local().Format("2006-01-02 15:04"), r.Entries[n-1].Time.Local().Format("2006-01-02 15:04"))
	}
	if len(r.Recovered) > 0 {
		s += fmt.Sprintf("; line %d was cut short by a crash and recorded as such", r.Recovered[0])
	}
	return s + "."
}

// Verify reads the log at path and checks its chain. A missing log is an
// intact, empty one.
func Verify(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Report{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the case log: %w", err)
	}
	rep := verifyBytes(data)
	if !rep.Intact() {
		rep.Unverified = unverifiedEntries(data, rep.BrokenAt)
	}
	return rep, nil
}

// unverifiedEntries reads the entries of data from the 1-based line from
// on without checking their hashes or chain.
func unverifiedEntries(data []byte, from int) []Entry {
	var out []Entry
	for i, line := range bytes.Split(data, []byte("\n")) {
		if i+1 < from || len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e Entry
		if json.Unmarshal(line, &e) == nil && e.Event != "" {
			out = append(out, e)
		}
	}
	return out
}

func verifyBytes(data []byte) *Report {
	rep := &Report{}
	prev, seq := genesisPrevHash, 0
	var cut []byte // a line that failed to parse, pending a recovery record
	cutLine := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		e, err := decode(line)
		if err != nil {
			if cut != nil {
				rep.BrokenAt, rep.Problem = cutLine, "the line is incomplete or altered"
				return rep
			}
			cut, cutLine = append([]byte{}, line...), n
			continue
		}
		if cut != nil {
			if e.Event != CrashRecovered || e.Detail != lineFingerprint(cut) {
				rep.BrokenAt, rep.Problem = cutLine, "the line is incomplete or altered"
				return rep
			}
			rep.Recovered = append(rep.Recovered, cutLine)
			cut = nil
		}
		if e.Prev != prev {
			rep.BrokenAt, rep.Problem = n, "it does not follow the line before it (a line was altered, inserted or removed)"
			return rep
		}
		if e.Seq != seq+1 {
			rep.BrokenAt, rep.Problem = n, fmt.Sprintf("its number is %d, want %d", e.Seq, seq+1)
			return rep
		}
		rep.Entries = append(rep.Entries, e)
		prev, seq = e.Hash, e.Seq
	}
	if cut != nil {
		// The last line is incomplete: the app stopped while writing it.
		// Not a break of the chain before it; the next Append records it.
		rep.Recovered = append(rep.Recovered, cutLine)
		if len(data) > 0 && data[len(data)-1] == '\n' {
			rep.BrokenAt, rep.Problem = cutLine, "the line is incomplete or altered"
		}
	}
	return rep
}

// lineFingerprint identifies a damaged line in the record of its recovery.
func lineFingerprint(line []byte) string {
	sum := sha256.Sum256(line)
	return fmt.Sprintf("%d bytes, sha256 %s", len(line), hex.EncodeToString(sum[:]))
}

// currentUser is the operating-system account, for the log's user field.
func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if v := os.Getenv("USER"); v != "" {
		return v
	}
	return "unknown"
}

// Append adds e to the log at path, chained to its last line, in one write
// followed by fsync, under an exclusive lock (the app and the command line
// may write the same log). A last line cut short by a crash is recorded by
// a crash-recovered line first. It refuses to extend a broken chain
// without saying so: the error names the line.
func Append(path string, e Entry) (Entry, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return Entry{}, fmt.Errorf("opening the case log: %w", err)
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		return Entry{}, fmt.Errorf("locking the case log: %w", err)
	}
	defer unlockFile(f)
	data, err := os.ReadFile(path)
	if err != nil {
		return Entry{}, fmt.Errorf("reading the case log: %w", err)
	}
	rep := verifyBytes(data)
	if !rep.Intact() {
		return Entry{}, &AlteredError{Report: rep}
	}
	prev, seq := genesisPrevHash, 0
	if n := len(rep.Entries); n > 0 {
		prev, seq = rep.Entries[n-1].Hash, rep.Entries[n-1].Seq
	}
	var out []byte
	if len(data) > 0 && data[len(data)-1] != '\n' {
		// A crash cut the last line short: end it, and say so in the chain.
		last := data[bytes.LastIndexByte(data, '\n')+1:]
		rec := Entry{Seq: seq + 1, Time: time.Now().UTC(), Event: CrashRecovered, User: currentUser(),
			Detail: lineFingerprint(last), Prev: prev}
		line, h, err := encode(rec)
		if err != nil {
			return Entry{}, err
		}
		out = append(append(append(out, '\n'), line...), '\n')
		prev, seq = h, seq+1
	}
	e.Seq, e.Time, e.Prev = seq+1, time.Now().UTC(), prev
	if e.User == "" {
		e.User = currentUser()
	}
	line, h, err := encode(e)
	if err != nil {
		return Entry{}, err
	}
	out = append(append(out, line...), '\n')
	if _, err := f.Write(out); err != nil {
		return Entry{}, fmt.Errorf("writing the case log: %w", err)
	}
	if err := f.Sync(); err != nil {
		return Entry{}, fmt.Errorf("writing the case log to disk: %w", err)
	}
	e.Hash = h
	return e, nil
}

// SignOffsAbout returns the sign-offs about the result with the given hash
// (a slide's ResultHash, or a patient's from AboutPatient), oldest first.
func (r *Report) SignOffsAbout(resultHash string) []Entry {
	return signOffsAbout(r.Entries, resultHash)
}

// UnverifiedSignOffsAbout returns the sign-offs about a result among the
// entries of a broken log that do not verify.
func (r *Report) UnverifiedSignOffsAbout(resultHash string) []Entry {
	return signOffsAbout(r.Unverified, resultHash)
}

func signOffsAbout(entries []Entry, resultHash string) []Entry {
	var out []Entry
	for _, e := range entries {
		if e.Event == SignOff && e.ResultHash == resultHash {
			out = append(out, e)
		}
	}
	return out
}

// SignOffText is a sign-off in a line: "Agree: consistent with … (anna,
// 2026-11-28 14:02)".
func SignOffText(e Entry) string {
	d := e.Decision
	if d != "" {
		d = strings.ToUpper(d[:1]) + d[1:]
	}
	return fmt.Sprintf("%s: %s (%s, %s)", d, e.Reason, e.User, e.Time.Local().Format("2006-01-02 15:04"))
}

// ReadFirst reports whether the log (its verified lines) holds the
// pathologist's first read of the slide named slide (file name) followed
// by the result with the given hash shown or signed off: that result was
// read "AI after first read" and need not be hidden again.
func (r *Report) ReadFirst(slide, resultHash string) bool {
	read := false
	for _, e := range r.Entries {
		switch {
		case e.Event == FirstRead && e.Slide == slide:
			read = true
		case read && e.ResultHash == resultHash && (e.Event == Analysis || e.Event == SignOff):
			return true
		}
	}
	return false
}

package caselog

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	"tessera/inference"
	"tessera/session"
)

// ResultHash identifies the result a log line or a sign-off refers to: its
// content hash (inference.Result.ContentHash), the same for the same slide,
// model and parameters whenever and however the result was computed.
func ResultHash(r *inference.Result) string { return r.ContentHash() }

// AboutResult fills e's slide, model, result and verdict fields from r.
func AboutResult(e Entry, r *inference.Result) Entry {
	e.Slide = filepath.Base(r.Slide.Name)
	e.Model = r.Model.Name + " " + r.Model.Version
	e.ModelSHA256 = r.Model.SHA256
	e.ResultHash = ResultHash(r)
	e.Verdict = string(r.Validity.Verdict)
	e.Reasons = nil
	for _, reason := range r.Validity.Reasons {
		e.Reasons = append(e.Reasons, reason.Code)
	}
	if !r.Withheld() { // a withheld class is not a result: not logged as one
		e.Class = r.Class
		p := r.Probability
		e.Probability = &p
	}
	return e
}

// AboutPatient fills e for a patient-level sign-off: the combined class and
// probability, the model, and a hash over the slides' result hashes (in
// case order; results has one entry per slide, nil where none).
func AboutPatient(e Entry, p session.Patient, results []*inference.Result) Entry {
	e.Scope = "patient"
	e.Model, e.ModelSHA256 = p.Model, p.ModelSHA
	e.Class = p.ClassLabel
	prob := p.Probability
	e.Probability = &prob
	leftOut := map[int]string{}
	for _, l := range p.Slides {
		if l.LeftOut != "" {
			leftOut[l.Index] = l.LeftOut
		}
	}
	var hashes []string
	for i, r := range results {
		switch {
		case leftOut[i] != "": // a slide left out is part of what was signed: which, and why
			hashes = append(hashes, fmt.Sprintf("%d:left out:%s", i+1, leftOut[i]))
		case r != nil:
			hashes = append(hashes, fmt.Sprintf("%d:%s", i+1, ResultHash(r)))
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(hashes, "\n")))
	e.ResultHash = hex.EncodeToString(sum[:])
	e.Detail = fmt.Sprintf("%s of %s of %d", p.RuleText(), inference.Count(p.Analysed, "analysed slide"), p.Total)
	if p.LeftOut > 0 {
		e.Detail += fmt.Sprintf(" (%s left out by the pathologist)", inference.Count(p.LeftOut, "slide"))
	}
	return e
}

// FactorChange is the log line of a clinical factor entered, changed or
// removed ("" for none): Detail "age: 50 → 54", "(none)" for an empty side.
func FactorChange(name, old, now string) Entry {
	none := func(v string) string {
		if v == "" {
			return "(none)"
		}
		return v
	}
	return Entry{Event: FactorSet, Detail: fmt.Sprintf("%s: %s → %s", name, none(old), none(now))}
}

package storyboard

import (
	"tessera/caselog"
	"tessera/inference"
	"tessera/report"
)

// AddSignOffs puts on a report the sign-offs recorded in the log of the
// case file at casePath about each slide's result and the patient's, and
// the log's state. results are the session's, in its order (for the
// patient's result hash). Nothing is added without a case file.
func AddSignOffs(rc *report.Case, casePath string, results []*inference.Result) {
	if casePath == "" {
		return
	}
	rep, err := caselog.Verify(caselog.PathFor(casePath))
	if err != nil {
		rc.Log = "The case log could not be read: " + err.Error()
		return
	}
	rc.Log = rep.Summary()
	for i := range rc.Slides {
		rc.Slides[i].SignOffs = SignOffsAbout(rep, caselog.ResultHash(rc.Slides[i].Result))
	}
	if rc.Patient.Available {
		rc.PatientSignOffs = SignOffsAbout(rep, caselog.AboutPatient(caselog.Entry{}, rc.Patient, results).ResultHash)
	}
}

// SignOffsAbout lists, one a line, the sign-offs the log rep holds about
// the result with the given hash, oldest first: those that verify, then
// those of a broken log that do not, marked UNVERIFIED (never dropped).
func SignOffsAbout(rep *caselog.Report, resultHash string) []string {
	var out []string
	for _, e := range rep.SignOffsAbout(resultHash) {
		out = append(out, caselog.SignOffText(e))
	}
	for _, e := range rep.UnverifiedSignOffsAbout(resultHash) {
		out = append(out, "UNVERIFIED (after the log was altered): "+caselog.SignOffText(e))
	}
	return out
}

package cohort

import (
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"tessera/inference"
	"tessera/internal/atomicfile"
	"tessera/session"
)

// SlideRecord is one slide of the merge.
type SlideRecord struct {
	Row    Row
	Result *inference.Result // nil when the slide has no result
	Status string            // "ok", "flag", "withheld", "failed" or "not analysed"
	Reason string            // why, for every status but "ok"
}

// Patient is one patient of the merge: the slides combined by the
// bundle's rule (package session, the same rule as the case card), and the
// outcome.
type Patient struct {
	ID          string
	Probability float64 // by the bundle's rule; meaningless when !InMetrics
	Positive    bool    // the predicted class is the bundle's positive one
	Class       string  // the class sentence; "" without a result
	Verdict     string  // "ok", "flag", "withheld", "incomplete", "failed"
	Slides      int     // slides listed
	Analysed    int     // slides with a result
	Event       *int
	TimeMonths  *float64
	Label       string
	// InMetrics is true when the patient counts in the statistics;
	// Excluded says why not.
	InMetrics bool
	Excluded  string
	// Factors are the patient's clinical factors from COHORT.csv (the
	// first non-empty value of each column among the patient's rows).
	Factors map[string]string
	// Scanner is the scanner of the slides with a result ("vendor
	// model", slide.Scanner), MixedScanners when they differ, "" when
	// none has a result or the results do not say.
	Scanner string
}

// MixedScanners is a patient's Scanner when its slides come from several.
const MixedScanners = "several scanners"

// Merged is a cohort's results: every slide and every patient, in the
// order of the cohort file, and the problems of the input.
type Merged struct {
	Run      Run
	Slides   []SlideRecord
	Patients []Patient
	Problems []Problem
	Pending  int // slides neither done nor failed (a run still going, or killed)
}

// Merge reads what the runs left in dir for the cohort's rows.
func Merge(c *Cohort, dir string, run Run) *Merged {
	m := &Merged{Run: run, Problems: append([]Problem(nil), c.Problems...)}
	byPatient := map[string][]int{}
	var order []string
	for _, row := range c.Rows {
		st := LoadSlide(dir, row, run.BundleSHA)
		rec := SlideRecord{Row: row}
		switch {
		case st.Result != nil:
			rec.Result = st.Result
			rec.Status = string(st.Result.Validity.Verdict)
			if rec.Status == "" {
				rec.Status = string(inference.VerdictOK)
			}
			if rec.Status != string(inference.VerdictOK) {
				rec.Reason = st.Result.VerdictText()
			}
		case st.Error != nil:
			rec.Status, rec.Reason = "failed", st.Error.Reason
		default:
			rec.Status, rec.Reason = "not analysed", "no result yet (the run is still going, or was stopped before this slide)"
			m.Pending++
		}
		if _, ok := byPatient[row.PatientID]; !ok {
			order = append(order, row.PatientID)
		}
		byPatient[row.PatientID] = append(byPatient[row.PatientID], len(m.Slides))
		m.Slides = append(m.Slides, rec)
	}
	for _, id := range order {
		m.Patients = append(m.Patients, m.patient(id, byPatient[id]))
	}
	return m
}

// patient combines one patient's slides and outcome.
func (m *Merged) patient(id string, idx []int) Patient {
	p := Patient{ID: id, Slides: len(idx)}
	sc := session.New()
	sc.IsCase = true
	var failed []string
	withheld := false
	flagged := false
	for _, i := range idx {
		rec := m.Slides[i]
		if rec.Result == nil {
			failed = append(failed, filepath.Base(rec.Row.Slide))
			continue
		}
		p.Analysed++
		switch sc := rec.Result.Slide.Scanner; {
		case p.Analysed == 1:
			p.Scanner = sc
		case sc != p.Scanner:
			p.Scanner = MixedScanners
		}
		withheld = withheld || rec.Result.Withheld()
		flagged = flagged || rec.Status == string(inference.VerdictFlag)
		sc.SetResult(sc.Add(rec.Row.Slide, rec.Row.MPP, ""), rec.Result)
	}
	p.Event, p.TimeMonths, p.Label, p.Excluded = outcomeOf(m.Slides, idx)
	for _, i := range idx {
		for name, v := range m.Slides[i].Row.Factors {
			if p.Factors == nil {
				p.Factors = map[string]string{}
			}
			if p.Factors[name] == "" {
				p.Factors[name] = v
			}
		}
	}
	pr := sc.Patient()
	switch {
	case p.Analysed == 0:
		p.Verdict = "failed"
		p.Excluded = join(p.Excluded, "no slide could be analysed ("+strings.Join(failed, ", ")+")")
	case withheld:
		p.Verdict = "withheld"
		p.Excluded = join(p.Excluded, "a slide's result is withheld (outside what the model was built for)")
	case !pr.Available:
		p.Verdict = "failed"
		p.Excluded = join(p.Excluded, pr.Why)
	default:
		p.Probability, p.Positive, p.Class = pr.Probability, pr.Positive, pr.ClassLabel
		p.Verdict = "ok"
		if flagged {
			p.Verdict = "flag"
		}
		if len(failed) > 0 {
			p.Verdict = "incomplete" // counted, on the slides analysed (the others are listed in problems.csv)
		}
	}
	p.InMetrics = p.Excluded == "" && p.Verdict != "withheld" && p.Verdict != "failed"
	if p.InMetrics && p.Event == nil && p.Label == "" {
		p.InMetrics, p.Excluded = false, "no outcome (event, time_months or label)"
	}
	return p
}

// outcomeOf takes a patient's outcome from its rows; rows that disagree
// leave the patient out of the statistics.
func outcomeOf(slides []SlideRecord, idx []int) (event *int, months *float64, label, excluded string) {
	first := -1
	for _, i := range idx {
		r := slides[i].Row
		if r.Event == nil && r.TimeMonths == nil && r.Label == "" {
			continue
		}
		if first < 0 {
			first = i
			event, months, label = r.Event, r.TimeMonths, r.Label
			continue
		}
		if !sameInt(event, r.Event) || !sameFloat(months, r.TimeMonths) || label != r.Label {
			excluded = fmt.Sprintf("the outcomes on lines %d and %d disagree", slides[first].Row.Line, r.Line)
		}
	}
	if event != nil && months == nil {
		excluded = join(excluded, "an event without time_months")
	}
	return event, months, label, excluded
}

func sameInt(a, b *int) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) || b == nil
}

func sameFloat(a, b *float64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) || b == nil
}

func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// Write writes DIR/slides.csv, DIR/patients.csv and DIR/problems.csv. The
// files depend only on the results and the cohort file: a run resumed after
// a kill writes the same bytes as one that was never stopped.
func (m *Merged) Write(dir string) error {
	err := writeCSV(filepath.Join(dir, "slides.csv"), []string{"patient_id", "slide", "probability", "class", "verdict", "reason", "tiles", "model_sha256"}, func(emit func(...string)) {
		for _, s := range m.Slides {
			prob, class, tiles := "", "", ""
			if r := s.Result; r != nil {
				tiles = strconv.Itoa(len(r.Tiles))
				if !r.Withheld() {
					prob, class = fmt.Sprintf("%.6f", r.Probability), r.Class
				}
			}
			emit(s.Row.PatientID, s.Row.Slide, prob, class, s.Status, s.Reason, tiles, m.Run.BundleSHA)
		}
	})
	if err != nil {
		return err
	}
	err = writeCSV(filepath.Join(dir, "patients.csv"), []string{"patient_id", "probability", "class", "verdict", "n_slides", "n_analysed", "event", "time_months", "label", "in_metrics", "excluded_because"}, func(emit func(...string)) {
		for _, p := range m.Patients {
			prob, class := "", ""
			if p.Class != "" {
				prob, class = fmt.Sprintf("%.6f", p.Probability), p.Class
			}
			emit(p.ID, prob, class, p.Verdict, strconv.Itoa(p.Slides), strconv.Itoa(p.Analysed), intText(p.Event), floatText(p.TimeMonths), p.Label, strconv.FormatBool(p.InMetrics), p.Excluded)
		}
	})
	if err != nil {
		return err
	}
	return writeCSV(filepath.Join(dir, "problems.csv"), []string{"line", "patient_id", "slide", "reason"}, func(emit func(...string)) {
		for _, p := range m.AllProblems() {
			emit(strconv.Itoa(p.Line), p.PatientID, p.Slide, p.Reason)
		}
	})
}

// AllProblems is the input's problems and the slides without a result, by
// line in the cohort file.
func (m *Merged) AllProblems() []Problem {
	all := append([]Problem(nil), m.Problems...)
	for _, s := range m.Slides {
		if s.Status == "failed" || s.Status == "not analysed" {
			all = append(all, Problem{Line: s.Row.Line, PatientID: s.Row.PatientID, Slide: s.Row.Slide, Reason: s.Status + ": " + s.Reason})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Line < all[j].Line })
	return all
}

func intText(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}

func floatText(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

func writeCSV(path string, header []string, rows func(emit func(...string))) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write(header)
		rows(func(f ...string) { cw.Write(f) })
		cw.Flush()
		return cw.Error()
	})
}

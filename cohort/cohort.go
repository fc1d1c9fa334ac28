// Package cohort is a validation cohort: the lab's patients, their slides
// and their known outcomes (COHORT.csv), the run's output folder (one
// result per slide, written as `tessera analyze` writes it), the merge of
// those results into per-slide and per-patient tables, and the validation
// statistics and report. It knows nothing of how slides are analysed (the
// cli package runs them locally or as a Slurm job array); it reads what
// the runs left in the output folder, so that any run, killed or not,
// local or on a cluster, merges the same way.
package cohort

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Row is one line of COHORT.csv: a slide of a patient, with the patient's
// outcome when known. Several rows of one patient are one patient.
type Row struct {
	Line      int    // 1-based line in the file (the header is line 1)
	PatientID string // as written; never shown in reports beyond the tables
	Slide     string // absolute path (relative paths are from the CSV's folder)
	// Event is 1 when the event (e.g. metastatic relapse) was observed, 0
	// when not (censored at TimeMonths); nil when not given.
	Event *int
	// TimeMonths is the time to the event or to the last follow-up,
	// months; nil when not given.
	TimeMonths *float64
	Label      string  // a binary outcome label ("0"/"1", or any two values); "" when not given
	MPP        float64 // µm/px for an uncalibrated slide; 0: the slide's own
	// Factors are the row's other columns (clinical factors: age, grade…),
	// by lower-case column name; "" where the cell is empty.
	Factors map[string]string
}

// Problem is an input line Tessera leaves out, and why. Problems are
// listed in the output; they never stop a run.
type Problem struct {
	Line      int    `json:"line"` // 0 when not about one line
	PatientID string `json:"patient_id,omitempty"`
	Slide     string `json:"slide,omitempty"`
	Reason    string `json:"reason"`
}

// Cohort is a read COHORT.csv: the rows to analyse (duplicates removed)
// and the problems found.
type Cohort struct {
	Path     string // the CSV file
	Rows     []Row
	Problems []Problem
}

// maxRows bounds a cohort file (a size field never drives a huge
// allocation; a real cohort is thousands of slides).
const maxRows = 1_000_000

// Read reads COHORT.csv: a header with at least patient_id and slide,
// optionally event, time_months, label and mpp, in any order. Bad lines
// (no patient, no slide, a value that is not a number, a slide listed
// twice) become Problems; a file that is not such a CSV is an error.
func Read(path string) (*Cohort, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := parse(f, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.Path = path
	return c, nil
}

// ErrNotCohort marks a file that is not a cohort table.
var ErrNotCohort = errors.New("not a cohort table")

// knownColumns are the columns COHORT.csv gives a meaning; any other
// column is a clinical factor (Row.Factors).
var knownColumns = map[string]bool{"patient_id": true, "slide": true, "event": true, "time_months": true, "label": true, "mpp": true}

func parse(r io.Reader, base string) (*Cohort, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: no header line (%v)", ErrNotCohort, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	for _, need := range []string{"patient_id", "slide"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%w: the header has no %q column (it needs patient_id and slide; optional: event, time_months, label, mpp)", ErrNotCohort, need)
		}
	}
	get := func(rec []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	c := &Cohort{}
	bySlide := map[string]Row{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				c.Problems = append(c.Problems, Problem{Line: pe.Line, Reason: "not readable as CSV: " + pe.Err.Error()})
				if pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote {
					continue
				}
			}
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		if len(c.Rows)+len(c.Problems) >= maxRows {
			return nil, fmt.Errorf("more than %d lines: split the cohort", maxRows)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		row := Row{Line: line, PatientID: get(rec, "patient_id"), Slide: get(rec, "slide"), Label: get(rec, "label")}
		for name := range col {
			if !knownColumns[name] {
				if row.Factors == nil {
					row.Factors = map[string]string{}
				}
				row.Factors[name] = get(rec, name)
			}
		}
		bad := func(reason string) {
			c.Problems = append(c.Problems, Problem{Line: line, PatientID: row.PatientID, Slide: row.Slide, Reason: reason})
		}
		if row.PatientID == "" {
			bad("no patient_id")
			continue
		}
		if row.Slide == "" {
			bad("no slide")
			continue
		}
		if !filepath.IsAbs(row.Slide) {
			row.Slide = filepath.Join(base, row.Slide)
		}
		row.Slide = filepath.Clean(row.Slide)
		if v := get(rec, "event"); v != "" {
			e, err := strconv.Atoi(v)
			if err != nil || (e != 0 && e != 1) {
				bad(fmt.Sprintf("event %q is not 0 or 1", v))
				continue
			}
			row.Event = &e
		}
		if v := get(rec, "time_months"); v != "" {
			t, err := strconv.ParseFloat(v, 64)
			if err != nil || t < 0 || t != t {
				bad(fmt.Sprintf("time_months %q is not a number of months ≥ 0", v))
				continue
			}
			row.TimeMonths = &t
		}
		if v := get(rec, "mpp"); v != "" {
			m, err := strconv.ParseFloat(v, 64)
			if err != nil || m <= 0.01 || m > 100 {
				bad(fmt.Sprintf("mpp %q is not a plausible µm per pixel", v))
				continue
			}
			row.MPP = m
		}
		if prev, ok := bySlide[row.Slide]; ok {
			if prev.PatientID == row.PatientID {
				bad(fmt.Sprintf("the same slide as line %d: counted once", prev.Line))
			} else {
				bad(fmt.Sprintf("the slide is also listed for patient %q (line %d): left out here", prev.PatientID, prev.Line))
			}
			continue
		}
		bySlide[row.Slide] = row
		c.Rows = append(c.Rows, row)
	}
	if len(c.Rows) == 0 && len(c.Problems) == 0 {
		return nil, fmt.Errorf("%w: no slides listed", ErrNotCohort)
	}
	return c, nil
}

package cli

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"tessera/caselog"
	"tessera/cases"
	"tessera/inference"
)

// factorFlags collects repeated --factor NAME=VALUE.
type factorFlags [][2]string

func (f *factorFlags) String() string { return fmt.Sprint(*f) }
func (f *factorFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("%q: want NAME=VALUE (e.g. age=54)", v)
	}
	*f = append(*f, [2]string{strings.TrimSpace(name), strings.TrimSpace(value)})
	return nil
}

const caseSetUsage = "usage: tessera case set CASE.tessera-case.json (--factor NAME=VALUE ... | --factors FILE.csv) [--model BUNDLE]"

// caseSet runs `tessera case set CASE --factor age=54 --factor grade=2 …`
// or `--factors FILE.csv` (rows NAME,VALUE; a header row "factor,value" is
// skipped): the patient's clinical factors, checked against the model's
// [clinical] section (names, ranges, levels), saved in the case file, each
// change a log line (old → new). An empty VALUE removes the factor.
func caseSet(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("case set", stderr)
	var set factorFlags
	fs.Var(&set, "factor", "a clinical factor, NAME=VALUE (repeat it)")
	file := fs.String("factors", "", "a CSV file of NAME,VALUE rows")
	model := fs.String("model", "", "model bundle whose [clinical] section names the factors (default: the case's model)")
	casePath, err := parseWithOnePositional(fs, args)
	if err != nil || (len(set) == 0 && *file == "") {
		return UserError{errors.New(caseSetUsage)}
	}
	if *file != "" {
		rows, err := readFactorCSV(*file)
		if err != nil {
			return UserError{err}
		}
		set = append(rows, set...) // --factor after the file wins
	}
	c, err := cases.Load(casePath)
	if err != nil {
		return UserError{err}
	}
	bundlePath := *model
	if bundlePath == "" {
		bundlePath = c.Model
	}
	b, err := inference.LoadBundleOrBuiltin(bundlePath)
	if err != nil {
		return UserError{err}
	}
	section := b.Manifest.Clinical
	if section == nil {
		return UserError{fmt.Errorf("the model %s %s declares no clinical factors ([clinical] in its manifest): there is nothing to combine them with", b.Manifest.Name, b.Manifest.Version)}
	}
	next := maps.Clone(c.Factors)
	if next == nil {
		next = map[string]string{}
	}
	var changes []caselog.Entry
	for _, nv := range set {
		cov, ok := section.Covariate(nv[0])
		if !ok {
			return UserError{fmt.Errorf("%q is not a factor of %s %s; it uses %s", nv[0], b.Manifest.Name, b.Manifest.Version, section.Names())}
		}
		if nv[1] != "" {
			if err := cov.Check(nv[1]); err != nil {
				return UserError{err}
			}
		}
		old := next[nv[0]]
		if old == nv[1] {
			continue
		}
		if nv[1] == "" {
			delete(next, nv[0])
		} else {
			next[nv[0]] = nv[1]
		}
		changes = append(changes, caselog.FactorChange(nv[0], old, nv[1]))
	}
	if len(changes) == 0 {
		fmt.Fprintln(stdout, "no factor changed")
		return nil
	}
	// Logged first: a change the log cannot take is not made.
	for _, ch := range changes {
		if _, err := caselog.Append(caselog.PathFor(casePath), ch); err != nil {
			return err
		}
	}
	c.Factors = next
	if err := c.Save(casePath); err != nil {
		return err
	}
	for _, ch := range changes {
		fmt.Fprintln(stdout, "set "+ch.Detail)
	}
	fmt.Fprintf(stdout, "saved %s (%d change(s) in %s)\n", filepath.Base(casePath), len(changes), filepath.Base(caselog.PathFor(casePath)))
	return nil
}

// readFactorCSV reads NAME,VALUE rows (a "factor,value" header is skipped).
func readFactorCSV(path string) ([][2]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--factors: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 2
	r.TrimLeadingSpace = true
	var out [][2]string
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w (want NAME,VALUE rows)", filepath.Base(path), err)
		}
		if line == 1 && slices.Equal([]string{strings.ToLower(rec[0]), strings.ToLower(rec[1])}, []string{"factor", "value"}) {
			continue
		}
		out = append(out, [2]string{strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])})
	}
	return out, nil
}

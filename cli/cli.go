// Package cli is Tessera's headless commands (Commands: info, snapshot,
// analyze, report, case, signoff, log, cohort, cache, annotations). They
// share the lower floors with the window and import the widget-free pieces
// package app exports (report pages, sign-offs on a report, ICC notes,
// open-error sentences, the overlay case card); the window never imports
// them.
package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"tessera/internal/atomicfile"
	"tessera/slide"
	"tessera/storyboard"
)

// Usage is printed by `tessera help`.
const Usage = `Tessera: whole-slide image viewer with on-device AI

usage:
  tessera [SLIDE... | CASE.tessera-case.json]  open the viewer (optionally with slides or a case)
  tessera info SLIDE                          print slide metadata as JSON
  tessera snapshot SLIDE --out FILE.png [--size WxH] [--center X,Y] [--mpp M]
                  [--overlay heatmap] [--annotate] [--annotations FILE] [--model BUNDLE] [--slide-mpp M] [--raw-colour]
                                              render a view headless (X,Y level-0 px; M µm per screen px);
                                              --annotate burns in legend, case card and provenance
  tessera analyze SLIDE... [--model BUNDLE] [--out DIR] [--ep auto|cpu|cuda|tensorrt|coreml|directml]
                  [--mpp M] [--no-cache] [--no-feature-cache] [--roi REGION.geojson [--roi-class C,…]]
                                              run a model; write result.json, heatmap.png, evidence.geojson, summary.csv
  tessera report CASE.tessera-case.json|FOLDER|SLIDE... --out report.pdf [--model BUNDLE]
                  [--label TEXT] [--show-names]  write a de-identified PDF case report
  tessera case new CASE.tessera-case.json SLIDE... [--label TEXT] [--model BUNDLE]
                                              make a case file (and start its log)
  tessera case set CASE.tessera-case.json (--factor NAME=VALUE ... | --factors FILE.csv) [--model BUNDLE]
                                              the patient's clinical factors (logged)
  tessera signoff CASE.tessera-case.json (--slide N | --patient) (--agree | --disagree | --uncertain)
                  --reason TEXT [--model BUNDLE]  record a pathologist's sign-off in the case log
  tessera log verify CASE.tessera-case.json  check the case log's chain; names an altered line
  tessera annotations SLIDE --import IN.geojson|IN.xml [--export OUT.geojson]
                                              read QuPath/HALO GeoJSON or ImageScope/ASAP XML; counts, objects outside, export
  tessera cohort run COHORT.csv --out DIR [--model BUNDLE] [--engine local|slurm] [--jobs N] [--no-wait]
                                              analyse a validation cohort (resumable); cohort status DIR; cohort report DIR --out R.pdf
  tessera cohort fit DIR --factors NAME,NAME[:category],... [--horizon MONTHS] [--threshold P] --out clinical.toml
                                              fit the clinical and combined Cox models: a bundle's [clinical] section
  tessera bundle quantize BUNDLE --slides SLIDE... --out DIR [--ep P]
                                              int8 variant of a bundle's encoder, written only if its parity
                                              with fp32 on the slides' tissue tiles meets the tolerances
  tessera cache info | cache clear [--results] [--features]  the result and encoder-feature caches

environment:
  TESSERA_CACHE_MB   display tile cache bound in MiB (default 512)
  ONNXRUNTIME_SHARED_LIBRARY_PATH   the ONNX Runtime library to use
`

// Commands are the headless commands by name; each takes its arguments,
// standard output and standard error.
var Commands = map[string]func(args []string, stdout, stderr io.Writer) error{
	"info":        func(args []string, stdout, _ io.Writer) error { return Info(args, stdout) },
	"snapshot":    func(args []string, _, stderr io.Writer) error { return Snapshot(args, stderr) },
	"analyze":     Analyze,
	"report":      func(args []string, _, stderr io.Writer) error { return Report(args, stderr) },
	"case":        CaseCmd,
	"signoff":     SignOff,
	"log":         LogCmd,
	"cohort":      CohortCmd,
	"cache":       CacheCmd,
	"annotations": Annotations,
	"bundle":      BundleCmd,
}

// HeadlessNames are the first arguments that run without a window: the
// commands and the ways of asking for help, sorted. run.sh asks for them
// (tessera commands) to know when no display is needed.
func HeadlessNames() []string {
	names := []string{"help", "-h", "--help", "commands"}
	for n := range Commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Exit codes of the headless commands.
const (
	ExitOK       = 0
	ExitFailure  = 1 // something went wrong while working
	ExitBadInput = 2 // the user's input (arguments, file) is wrong
)

// UserError marks errors caused by the user's input (exit code 2).
type UserError struct{ Err error }

func (e UserError) Error() string { return e.Err.Error() }
func (e UserError) Unwrap() error { return e.Err }

// ExitCode maps an error from a headless command to a process exit code.
func ExitCode(err error) int {
	var ue UserError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue), errors.Is(err, slide.ErrUnsupported), errors.Is(err, slide.ErrDamaged), errors.Is(err, os.ErrNotExist):
		return ExitBadInput
	}
	return ExitFailure
}

// openSlide opens a slide, turning errors into sentences for the user.
func openSlide(path string) (slide.Slide, error) {
	s, err := slide.Open(path)
	if err != nil {
		err = storyboard.DescribeOpenError(path, err)
		if errors.Is(err, slide.ErrUnsupported) {
			err = fmt.Errorf("%w. %s", err, storyboard.ReadableFormats)
		}
		if ExitCode(err) == ExitBadInput || errors.Is(err, os.ErrPermission) {
			return nil, UserError{err}
		}
		return nil, err
	}
	return s, nil
}

// Info prints the JSON description of a slide (`tessera info SLIDE`).
func Info(args []string, out io.Writer) error {
	if len(args) != 1 {
		return UserError{errors.New("usage: tessera info SLIDE")}
	}
	s, err := openSlide(args[0])
	if err != nil {
		return err
	}
	defer s.Close()
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(slide.Describe(s))
}

// newFlags is every command's flag preamble: a flag set that reports its
// errors (and -h) on stderr and returns them instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseWithPositionals parses flags placed before, between or after
// positional arguments (Go's flag package stops at the first non-flag).
func parseWithPositionals(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, UserError{err}
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// parseWithOnePositional is parseWithPositionals for exactly one argument.
func parseWithOnePositional(fs *flag.FlagSet, args []string) (string, error) {
	positional, err := parseWithPositionals(fs, args)
	if err != nil {
		return "", err
	}
	if len(positional) != 1 {
		return "", UserError{fmt.Errorf("%s: expected one SLIDE, got %d", fs.Name(), len(positional))}
	}
	return positional[0], nil
}

func parsePair(s, sep string) (int, int, error) {
	a, b, ok := strings.Cut(s, sep)
	if !ok {
		return 0, 0, errors.New("missing separator")
	}
	x, err1 := strconv.Atoi(strings.TrimSpace(a))
	y, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil {
		return 0, 0, errors.New("not integers")
	}
	return x, y, nil
}

func writeJSON(path string, v any) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

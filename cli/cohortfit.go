package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"

	"tessera/clinical"
	"tessera/cohort"
	"tessera/inference"
	"tessera/internal/atomicfile"
)

// cohortFit runs `tessera cohort fit DIR --factors age,size,grade:category
// [--horizon 60] [--threshold 0.05] --out clinical.toml`: both Cox models
// (the factors alone, and with the slide score) fitted on the run's
// patients, written as a [clinical] section to add to the bundle's
// manifest (docs/BUNDLES.md), with the coefficients and what the score adds.
func cohortFit(args []string, stdout, stderr io.Writer) error {
	const usage = "usage: tessera cohort fit DIR --factors NAME,NAME[:category],... [--horizon MONTHS] [--threshold P] --out clinical.toml"
	fs := newFlags("cohort fit", stderr)
	factors := fs.String("factors", "", "COHORT.csv columns to fit; NAME:category for a column of numbers that is a category")
	horizon := fs.Float64("horizon", cohort.HorizonMonths, "months: the horizon of the probability")
	threshold := fs.Float64("threshold", 0.05, "the probability by the horizon from which a patient is high risk")
	out := fs.String("out", "", "the TOML file to write")
	dir, err := parseWithOnePositional(fs, args)
	if err != nil || *out == "" || *factors == "" {
		return UserError{errors.New(usage)}
	}
	run, c, err := loadCohortRun(dir)
	if err != nil {
		return err
	}
	m := cohort.Merge(c, dir, run)
	fit, err := cohort.FitClinical(m.Patients, strings.Split(*factors, ","), *horizon, *threshold)
	if err != nil {
		return UserError{err}
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Fitted by `tessera cohort fit` on %d patients (%d events) of %s, bundle sha256 %.12s.\n# Add it to the bundle's manifest.toml (its sha256 changes).\n",
		fit.Patients, fit.Events, filepath.Base(run.Cohort), run.BundleSHA)
	if err := toml.NewEncoder(&buf).Encode(struct {
		Clinical clinical.Section `toml:"clinical"`
	}{fit.Section}); err != nil {
		return err
	}
	if err := atomicfile.Write(*out, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d patients (%d events; %d left out for a missing factor)\n", fit.Patients, fit.Events, fit.Left)
	fmt.Fprintf(stdout, "%-20s %12s %12s\n", "term", "HR alone", "HR + score")
	for k, term := range fit.Terms {
		alone := "-"
		if k < len(fit.Clinical.Beta) {
			alone = fmt.Sprintf("%.3f", expf(fit.Clinical.Beta[k]))
		}
		fmt.Fprintf(stdout, "%-20s %12s %12.3f\n", term, alone, expf(fit.Combined.Beta[k]))
	}
	fmt.Fprintf(stdout, "the slide score adds: likelihood-ratio χ² %.2f (1 df)\nwrote %s\n", fit.LikelihoodRatio, *out)
	return nil
}

func expf(x float64) float64 { return math.Exp(x) }

// clinicalMetrics evaluates the clinical models for `cohort report`: the
// bundle's [clinical] section when it declares one (a validation), else
// one fitted here on factors (apparent figures, said so), else none.
func clinicalMetrics(m *cohort.Merged, run cohort.Run, factors string, horizonMonths float64) (*cohort.ClinicalMetrics, error) {
	var section *clinical.Section
	if b, err := inference.LoadBundleOrBuiltin(run.Bundle); err == nil && b.SHA256 == run.BundleSHA {
		section = b.Manifest.Clinical
	}
	switch {
	case section != nil && factors != "":
		return nil, UserError{errors.New("the bundle declares its clinical models ([clinical]): they are the ones validated; drop --factors")}
	case section != nil:
		return cohort.ComputeClinical(m, section, "the bundle's [clinical] models", false), nil
	case factors == "":
		return nil, nil
	}
	fit, err := cohort.FitClinical(m.Patients, strings.Split(factors, ","), horizonMonths, 0.05)
	if err != nil {
		return nil, UserError{err}
	}
	return cohort.ComputeClinical(m, &fit.Section, "models fitted on this cohort (--factors "+factors+")", true), nil
}

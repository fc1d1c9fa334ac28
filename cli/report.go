package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"tessera/cases"
	"tessera/inference"
	"tessera/report"
	"tessera/session"
	"tessera/slide"
	"tessera/storyboard"
	"tessera/viewer"
)

// loadCaseArgs turns the report command's arguments into a case: one case
// file, one folder of slides, or a list of slides.
func loadCaseArgs(args []string) (*cases.Case, error) {
	if len(args) == 1 {
		st, err := os.Stat(args[0])
		switch {
		case err != nil:
			return nil, UserError{fmt.Errorf("%s: %v", args[0], err)}
		case st.IsDir():
			c, err := cases.FromFolder(args[0])
			if err != nil {
				return nil, UserError{err}
			}
			return c, nil
		case strings.HasSuffix(args[0], ".json"):
			c, err := cases.Load(args[0])
			if err != nil {
				return nil, UserError{err}
			}
			return c, nil
		}
	}
	c := &cases.Case{Schema: cases.Schema}
	for _, a := range args {
		c.Slides = append(c.Slides, cases.SlideRef{Path: a})
	}
	return c, nil
}

// Report runs `tessera report CASE_OR_SLIDES... --out report.pdf [--model B]`.
func Report(args []string, stderr io.Writer) error {
	fs := newFlags("report", stderr)
	out := fs.String("out", "", "output PDF file (required)")
	model := fs.String("model", "", "model bundle (default: the case's model, else the built-in one)")
	ep := fs.String("ep", "auto", "execution provider")
	label := fs.String("label", "", "case label (default: the case file's)")
	showNames := fs.Bool("show-names", false, "print slide file names (they may identify the patient)")
	positional, err := parseWithPositionals(fs, args)
	if err != nil {
		return err
	}
	if *out == "" || len(positional) == 0 {
		return UserError{errors.New("usage: tessera report CASE.tessera-case.json|FOLDER|SLIDE... --out report.pdf [--model BUNDLE] [--label TEXT] [--show-names]")}
	}
	c, err := loadCaseArgs(positional)
	if err != nil {
		return err
	}
	if *label != "" {
		c.Label = *label
	}
	provider, err := inference.ParseProvider(*ep)
	if err != nil {
		return UserError{err}
	}
	// Each slide with its own model as the case file says (a case reopens
	// as saved), or every slide with --model.
	models := map[string]*lazyModel{}
	defer func() {
		for _, m := range models {
			m.Close()
		}
	}()
	modelFor := func(ref cases.SlideRef) (string, *lazyModel, error) {
		path := slideModel(c, ref, *model)
		if m, ok := models[path]; ok {
			return path, m, nil
		}
		m, err := loadModel(path, provider, stderr)
		if err != nil {
			return "", nil, err
		}
		models[path] = m
		return path, m, nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cache := &inference.ResultCache{Dir: inference.DefaultResultCacheDir()}
	// The slides given to the command are one patient's case by request;
	// a case file's log holds the sign-offs the report prints.
	casePath := ""
	if len(positional) == 1 && strings.HasSuffix(positional[0], cases.Extension) {
		casePath = positional[0]
	}
	sc := session.FromFile(c, casePath)
	var failed []string
	sources := make([]storyboard.Source, len(c.Slides))
	for i, ref := range c.Slides {
		bundle, m, err := modelFor(ref)
		if err != nil {
			return err
		}
		s := sc.Add(ref.Path, ref.MPP, bundle)
		res, thumb, ds, err := analyzeSlide(ctx, ref.Path, m, cache, ref.MPP, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "tessera: %s\n", err)
			failed = append(failed, filepath.Base(ref.Path))
			continue
		}
		sc.SetResult(s, res)
		sources[i] = storyboard.Source{Thumb: thumb, Downsample: ds}
	}
	if len(failed) == len(c.Slides) {
		return UserError{errors.New("no slide could be analysed: no report written")}
	}
	// A saved view is drawn from its slide, opened once however many views
	// it has.
	var opened []slide.Slide
	defer func() {
		for _, s := range opened {
			s.Close()
		}
	}()
	open := func(i int) (storyboard.Source, error) {
		if sources[i].Slide != nil || !hasView(c, i) {
			return sources[i], nil
		}
		s, err := openSlide(c.Slides[i].Path)
		if err != nil {
			return sources[i], err
		}
		opened = append(opened, s)
		sources[i].Slide = s
		return sources[i], nil
	}
	if len(c.Views) > 0 {
		viewer.NewHeadlessApp()
	}
	opts := storyboard.Options{ShowIdentifiers: *showNames, Generated: time.Now()}
	// The combined clinical risk, when the patient's model declares it
	// (the first slide's model: a patient result comes from one model).
	if _, m, err := modelFor(c.Slides[0]); err == nil && m.bundle.Manifest.Clinical != nil {
		opts.Clinical = m.bundle.Manifest.Clinical
		if len(opts.Clinical.Scanners) > 0 { // only a per-scanner calibration needs the slide again
			if s, err := openSlide(c.Slides[0].Path); err == nil {
				opts.Scanner = slide.Scanner(s) // "vendor model", as the calibrations' patterns name it
				s.Close()
			}
		}
	}
	rc, _, err := storyboard.Report(ctx, sc, open, opts)
	if err != nil {
		return UserError{err}
	}
	for _, l := range rc.Clinical {
		fmt.Fprintln(stderr, "clinical: "+l)
	}
	if err := report.WritePDF(*out, rc); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s (%d slides, %d saved views)\n", *out, len(rc.Slides), len(rc.Views))
	if len(failed) > 0 {
		return UserError{fmt.Errorf("the report leaves out %d slide(s) that could not be analysed: %s", len(failed), strings.Join(failed, ", "))}
	}
	return nil
}

// hasView says whether the case has a saved view of slide i.
func hasView(c *cases.Case, i int) bool {
	return slices.ContainsFunc(c.Views, func(v cases.SavedView) bool { return v.Slide == i })
}

package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"tessera/annotation"
	"tessera/app"
	"tessera/cases"
	"tessera/heatmap"
	"tessera/inference"
	"tessera/report"
	"tessera/session"
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
	rc := report.Case{Label: c.Label, Generated: time.Now(), ShowIdentifiers: *showNames}
	// The slides given to the command are one patient's case by request.
	sc := session.FromFile(c, "")
	var failed []string
	results := make([]*inference.Result, len(c.Slides))
	for i, ref := range c.Slides {
		bundle, m, err := modelFor(ref)
		if err != nil {
			return err
		}
		res, thumb, ds, err := analyzeSlide(ctx, ref.Path, m, cache, ref.MPP, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "tessera: %s\n", err)
			failed = append(failed, filepath.Base(ref.Path))
			continue
		}
		results[i] = res
		rs := app.ReportSlide(filepath.Base(ref.Path), res, heatmap.FromResult(res), thumb, ds)
		rs.LeftOut = ref.LeftOut
		rc.Slides = append(rc.Slides, rs)
		sc.SetResult(sc.Add(ref.Path, ref.MPP, bundle), res)
	}
	rc.Patient = sc.Patient()
	if len(positional) == 1 && strings.HasSuffix(positional[0], cases.Extension) {
		app.AddSignOffs(&rc, positional[0], sc.Results())
	}
	if len(rc.Slides) == 0 {
		return UserError{errors.New("no slide could be analysed: no report written")}
	}
	if err := addViewPages(ctx, &rc, c, results); err != nil {
		return err
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

// addViewPages renders the case's saved views, in order, as storyboard
// pages (the view, its heatmap look and annotations, the caption).
func addViewPages(ctx context.Context, rc *report.Case, c *cases.Case, results []*inference.Result) error {
	if len(c.Views) == 0 {
		return nil
	}
	viewer.NewHeadlessApp()
	for i, v := range c.Views {
		if v.Slide < 0 || v.Slide >= len(c.Slides) {
			return UserError{fmt.Errorf("saved view %q belongs to slide %d, which the case does not have", v.Name, v.Slide+1)}
		}
		ref := c.Slides[v.Slide]
		s, err := openSlide(ref.Path)
		if err != nil {
			return err
		}
		var annots *annotation.Collection
		if len(ref.Annotations) > 0 {
			if annots, err = annotation.ReadGeoJSON(bytes.NewReader(ref.Annotations)); err != nil {
				s.Close()
				return UserError{fmt.Errorf("the annotations of slide %d in the case file: %w", v.Slide+1, err)}
			}
		}
		page, err := app.ReportView(ctx, s, v, i+1, len(c.Views), results[v.Slide], annots, nil)
		s.Close()
		if err != nil {
			return err
		}
		rc.Views = append(rc.Views, page)
	}
	return nil
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"tessera/inference"
	"tessera/slide"
)

const bundleUsage = "usage: tessera bundle quantize BUNDLE --slides SLIDE... --out DIR [--ep cpu|...]"

// BundleCmd runs `tessera bundle quantize`: the int8 variant of a bundle's
// encoder, measured against fp32 on the given slides and written only when
// its parity report meets the bundle's tolerances.
func BundleCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "quantize" {
		return UserError{errors.New(bundleUsage)}
	}
	fs := newFlags("bundle quantize", stderr)
	out := fs.String("out", "", "folder for the int8 bundle (new or empty)")
	ep := fs.String("ep", "cpu", "execution provider for both encoders")
	fs.Bool("slides", false, "the slides follow (their tissue tiles are compared)")
	positional, err := parseWithPositionals(fs, args[1:])
	if err != nil {
		return err
	}
	if len(positional) < 2 || *out == "" {
		return UserError{errors.New(bundleUsage + "\n  (at least one slide: parity is measured on their tissue tiles)")}
	}
	provider, err := inference.ParseProvider(*ep)
	if err != nil {
		return UserError{err}
	}
	if _, err := inference.InitRuntime(); err != nil {
		return err
	}
	src, err := inference.LoadBundle(positional[0])
	if err != nil {
		return UserError{err}
	}
	var slides []slide.Slide
	for _, p := range positional[1:] {
		s, err := openSlide(p)
		if err != nil {
			return err
		}
		defer s.Close()
		slides = append(slides, s)
	}
	q, err := inference.QuantizeBundle(src)
	if err != nil {
		return UserError{err}
	}
	st := q.Stats
	fmt.Fprintf(stdout, "%s %s: %d matrix products in int8 (weights %d → %d MB); %d products of activations and %d convolution(s) kept in fp32\n",
		src.Manifest.Name, src.Manifest.Version, st.MatMulsQuantized, st.WeightsBefore>>20, st.WeightsAfter>>20, st.MatMulsKept, st.ConvsKept)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, gateErr := q.MeasureParity(ctx, provider, slides, func(name string) {
		fmt.Fprintf(stderr, "comparing fp32 and int8 on %s\n", name)
	})
	if rep == nil {
		return gateErr
	}
	tol := q.Bundle.Manifest.Precision.Tolerances
	fmt.Fprintf(stdout, "parity on %d tissue tiles of %d slide(s), measured on %s:\n", rep.Tiles, len(rep.Slides), rep.CPU)
	fmt.Fprintf(stdout, "  feature cosine to fp32: lowest %.5f, 1st percentile %.5f, median %.5f; ≥ %g on %.2f %% of tiles (tolerance %.1f %%)\n",
		rep.CosineMin, rep.CosineP1, rep.CosineMedian, tol.MinCosine, 100*rep.CosineShare, 100*tol.CosineShare)
	fmt.Fprintf(stdout, "  |Δ probability| at most %.5f (tolerance %.3g); same class on %.0f %% of slides; tile-score rank correlation ≥ %.4f\n",
		rep.MaxDeltaP, tol.MaxDeltaP, 100*rep.ClassAgreement, rep.RankCorrelationMin)
	if gateErr != nil {
		return UserError{fmt.Errorf("refused, nothing written: %v", gateErr)}
	}
	b, err := q.WriteQuantized(*out)
	if err != nil {
		return UserError{err}
	}
	fmt.Fprintf(stdout, "wrote %s (model %s): load it with --model %s\n", filepath.Clean(*out), b.ShortSHA(), filepath.Clean(*out))
	return nil
}

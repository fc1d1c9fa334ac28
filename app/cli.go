package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2/test"

	"tessera/heatmap"
	"tessera/inference"
	"tessera/internal/atomicfile"
	"tessera/slide"
	"tessera/viewer"
)

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
		return nil, DescribeOpenError(path, err)
	}
	return s, nil
}

// DescribeOpenError turns a slide.Open error into a sentence that says what
// happened and what to do.
func DescribeOpenError(path string, err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return UserError{fmt.Errorf("%s: no such file; check the path", path)}
	case errors.Is(err, os.ErrPermission):
		return UserError{fmt.Errorf("%s: permission denied; ask for read access to the file", path)}
	case errors.Is(err, slide.ErrUnsupported):
		return UserError{fmt.Errorf("%s is not a slide Tessera can read. Supported: %s. DICOM WSI and QPTIFF are not supported yet; convert the slide to pyramidal TIFF, SVS or OME-TIFF", path, slide.SupportedFormats)}
	case errors.Is(err, slide.ErrDamaged):
		detail := err.Error()
		var de *slide.DamageError
		if errors.As(err, &de) {
			detail = de.Detail
		}
		return UserError{fmt.Errorf("%s: this slide is damaged and cannot be shown (%s). Re-export it from the scanner software, or re-scan the glass slide", path, detail)}
	}
	return err
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

// Snapshot renders a view of a slide to PNG headless (`tessera snapshot`).
func Snapshot(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("snapshot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "output PNG file (required)")
	size := fs.String("size", "1280x800", "output size WxH in pixels")
	center := fs.String("center", "", "view centre X,Y in level-0 pixels (default: slide centre)")
	mpp := fs.Float64("mpp", 0, "µm per screen pixel (default: fit the whole slide)")
	overlay := fs.String("overlay", "", `"heatmap": draw the analysis heatmap (running or loading it)`)
	model := fs.String("model", "", "model bundle for --overlay heatmap (default: the built-in model)")
	slideMPP := fs.Float64("slide-mpp", 0, "µm per level-0 pixel for slides without calibration")
	annotate := fs.Bool("annotate", false, "burn in the heatmap legend, the case card and the model's provenance (implies --overlay heatmap)")
	path, err := parseWithOnePositional(fs, args)
	if err != nil {
		return err
	}
	if *out == "" {
		return UserError{errors.New("snapshot: --out FILE.png is required")}
	}
	if *annotate {
		*overlay = "heatmap"
	}
	if *overlay != "" && *overlay != "heatmap" {
		return UserError{fmt.Errorf("snapshot: --overlay %q: the only overlay is \"heatmap\"", *overlay)}
	}
	req := viewer.SnapshotRequest{UMPerPixel: *mpp}
	if req.Width, req.Height, err = parsePair(*size, "x"); err != nil {
		return UserError{fmt.Errorf("snapshot: --size %q: want WxH, e.g. 1920x1080", *size)}
	}
	if *center != "" {
		x, y, err := parsePair(*center, ",")
		if err != nil {
			return UserError{fmt.Errorf("snapshot: --center %q: want X,Y in level-0 pixels", *center)}
		}
		req.Center = &viewer.Level0Point{X: float64(x), Y: float64(y)}
	}
	s, err := openSlide(path)
	if err != nil {
		return err
	}
	defer s.Close()
	test.NewApp()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if *slideMPP > 0 {
		req.Calibration = &viewer.Calibration{MPP: slide.MPP{X: *slideMPP, Y: *slideMPP, Source: slide.MPPFromUser}}
	}
	if *overlay == "heatmap" {
		m, err := LoadModel(*model, inference.ProviderAuto)
		if err != nil {
			return err
		}
		defer m.Close()
		cache := &inference.ResultCache{Dir: inference.DefaultResultCacheDir()}
		res, _, _, err := inference.AnalyzeCached(ctx, cache, s, m, inference.Options{MPP: *slideMPP})
		if err != nil {
			if errors.Is(err, inference.ErrNoMPP) {
				return UserError{fmt.Errorf("%v; pass it with --slide-mpp", err)}
			}
			return err
		}
		layer := heatmap.FromResult(res)
		legend := layer.Legend()
		req.Layers, req.Legend = []viewer.ViewLayer{layer.ViewLayer()}, &legend
		if *annotate {
			req.Card = resultCard(res, "", 1)
		}
	}
	img, err := viewer.Snapshot(ctx, s, req)
	if err != nil {
		return UserError{err}
	}
	return writePNG(*out, img)
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

// writePNG writes img atomically, so a full disk never leaves a truncated
// PNG under the final name.
func writePNG(path string, img image.Image) error {
	return atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) })
}

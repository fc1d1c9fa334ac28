package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"tessera/annotation"
	"tessera/colour"
	"tessera/heatmap"
	"tessera/inference"
	"tessera/internal/atomicfile"
	"tessera/slide"
	"tessera/storyboard"
	"tessera/viewer"
)

// Snapshot renders a view of a slide to PNG headless (`tessera snapshot`).
func Snapshot(args []string, stderr io.Writer) error {
	fs := newFlags("snapshot", stderr)
	out := fs.String("out", "", "output PNG file (required)")
	size := fs.String("size", "1280x800", "output size WxH in pixels")
	center := fs.String("center", "", "view centre X,Y in level-0 pixels (default: slide centre)")
	mpp := fs.Float64("mpp", 0, "µm per screen pixel (default: fit the whole slide)")
	overlay := fs.String("overlay", "", `"heatmap": draw the analysis heatmap (running or loading it)`)
	model := fs.String("model", "", "model bundle for --overlay heatmap (default: the built-in model)")
	slideMPP := fs.Float64("slide-mpp", 0, "µm per level-0 pixel for slides without calibration")
	rawColour := fs.Bool("raw-colour", false, "ignore the slide's ICC profile (by default colours are converted to sRGB, as on screen)")
	annots := fs.String("annotations", "", "draw the annotations of this GeoJSON (QuPath…) or ImageScope/ASAP XML file over the slide")
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
	viewer.NewHeadlessApp()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if *slideMPP > 0 {
		req.Calibration = &viewer.Calibration{MPP: slide.MPP{X: *slideMPP, Y: *slideMPP, Source: slide.MPPFromUser}}
	}
	var iccNote string
	if profile := slide.ICCProfile(s); len(profile) > 0 {
		var t *colour.Transform
		if !*rawColour {
			t, err = colour.ToSRGB(profile)
		}
		if t != nil {
			defer t.Close()
			req.ColourTransform = t.Apply
		}
		iccNote = storyboard.ICCNote(s, t, *rawColour, err)
		fmt.Fprintln(stderr, "colours: "+iccNote)
	}
	if *annotate {
		req.Notes = storyboard.ColourNotes(s, iccNote)
	}
	if *overlay == "heatmap" {
		m, err := loadModel(*model, inference.ProviderAuto, stderr)
		if err != nil {
			return err
		}
		defer m.Close()
		cache := &inference.ResultCache{Dir: inference.DefaultResultCacheDir()}
		res, _, _, err := m.analyze(ctx, cache, s, inference.Options{MPP: *slideMPP})
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
			req.Card = storyboard.ResultCard(res, "", 1)
		}
	}
	if *annots != "" {
		c, err := annotation.Load(*annots)
		if err != nil {
			return UserError{fmt.Errorf("--annotations: %w", err)}
		}
		req.Layers = append(req.Layers, storyboard.AnnotationLayer(c))
		fmt.Fprintf(stderr, "annotations: %d objects from %s\n", len(c.Features), filepath.Base(*annots))
	}
	img, err := viewer.Snapshot(ctx, s, req)
	if err != nil {
		return UserError{err}
	}
	return atomicfile.WritePNG(*out, img)
}

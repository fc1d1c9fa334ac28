package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"tessera/annotation"
	"tessera/heatmap"
	"tessera/inference"
	"tessera/internal/atomicfile"
	"tessera/slide"
)

// Analyze runs `tessera analyze SLIDE... [--model B] [--out DIR] [--ep P] [--mpp M]`.
// Every slide is tried; bad ones get one line each on stderr. The error
// returned summarises failures (exit 2 when all were bad input, 1 otherwise).
func Analyze(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("analyze", stderr)
	model := fs.String("model", "", "model bundle folder or .zip (default: the built-in demonstration model)")
	out := fs.String("out", "tessera-results", "output folder")
	ep := fs.String("ep", "auto", "execution provider: auto, cpu, cuda, tensorrt, coreml, directml")
	mpp := fs.Float64("mpp", 0, "µm per level-0 pixel, for slides without calibration")
	noCache := fs.Bool("no-cache", false, "ignore cached results (cached encoder features are still used)")
	noFeatures := fs.Bool("no-feature-cache", false, "ignore cached encoder features too (implies --no-cache)")
	roiPath := fs.String("roi", "", "analyse only inside the polygons of this GeoJSON (or ImageScope/ASAP XML) file: tiles whose centre falls inside, holes respected")
	roiClasses := fs.String("roi-class", "", "with --roi: only the polygons of these classes (comma-separated, e.g. Tumor,Necrosis; \""+annotation.Unclassified+"\" for those without)")
	slides, err := parseWithPositionals(fs, args)
	if err != nil {
		return err
	}
	if len(slides) == 0 {
		return UserError{errors.New("usage: tessera analyze SLIDE... [--model BUNDLE] [--out DIR] [--ep auto|cpu|cuda|tensorrt|coreml|directml] [--mpp M]")}
	}
	provider, err := inference.ParseProvider(*ep)
	if err != nil {
		return UserError{err}
	}
	m, err := loadModel(*model, provider, stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	if *roiClasses != "" && *roiPath == "" {
		return UserError{errors.New("--roi-class chooses among the polygons of --roi FILE: give --roi too")}
	}
	if *roiPath != "" {
		c, err := annotation.Load(*roiPath)
		if err != nil {
			return UserError{fmt.Errorf("--roi: %w", err)}
		}
		what := "no polygon (only lines or points)"
		if *roiClasses != "" {
			c = c.OfClasses(strings.Split(*roiClasses, ","))
			what = "no polygon of class " + *roiClasses
		}
		roi, ok := annotation.RegionOf(c)
		if !ok {
			return UserError{fmt.Errorf("--roi %s has %s: nothing to analyse inside", *roiPath, what)}
		}
		m.roi = roi
		fmt.Fprintf(stderr, "region of interest: %d polygons from %s (%s)\n", roi.Polygons(), filepath.Base(*roiPath), roi.ID())
	}
	fmt.Fprintf(stderr, "model: %s %s (sha256 %s)%s\n", m.bundle.Manifest.Name, m.bundle.Manifest.Version, m.bundle.ShortSHA(), demoNote(m.bundle))
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("output folder %s: %w", *out, err)
	}
	var cache *inference.ResultCache
	if !*noCache && !*noFeatures {
		cache = &inference.ResultCache{Dir: inference.DefaultResultCacheDir()}
	}
	if !*noFeatures {
		m.features = inference.NewFeatureCache("")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	var results []*inference.Result
	var names []string
	var bad, failed int
	for _, path := range slides {
		res, err := analyzeOne(ctx, path, m, cache, *mpp, *out, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "tessera: %s\n", err)
			if ExitCode(err) == ExitBadInput {
				bad++
			} else {
				failed++
			}
			if ctx.Err() != nil {
				break
			}
			continue
		}
		results = append(results, res)
		names = append(names, filepath.Base(path))
		if res.Withheld() { // not a result: no class, no probability
			fmt.Fprintf(stdout, "%s\twithheld\t-\n", filepath.Base(path))
		} else {
			fmt.Fprintf(stdout, "%s\t%s\tp=%.3f\n", filepath.Base(path), res.ClassLabel, res.Probability)
		}
		if res.Validity.Verdict != inference.VerdictOK {
			fmt.Fprintf(stderr, "%s: %s\n", filepath.Base(path), res.VerdictText())
		}
		for _, l := range res.InterpretationLines() {
			fmt.Fprintf(stderr, "%s: %s\n", filepath.Base(path), l)
		}
		if s := res.Stain.Text(); s != "" {
			fmt.Fprintf(stderr, "%s: %s\n", filepath.Base(path), s)
		}
		for _, c := range res.Caveats() {
			fmt.Fprintf(stderr, "%s: ! %s\n", filepath.Base(path), c.Long)
		}
	}
	if len(slides) > 1 && len(results) > 0 {
		if err := writeSummary(filepath.Join(*out, "summary.csv"), names, results); err != nil {
			return err
		}
	}
	switch {
	case failed > 0:
		return fmt.Errorf("%d of %d slides failed", failed+bad, len(slides))
	case bad > 0:
		return UserError{fmt.Errorf("%d of %d slides could not be analysed", bad, len(slides))}
	}
	return nil
}

func demoNote(b *inference.Bundle) string {
	if b.Manifest.Demonstration {
		return " - DEMONSTRATION model, not for clinical use"
	}
	return ""
}

func noteText(note string) string {
	if note == "" {
		return ""
	}
	return " (" + note + ")"
}

// analyzeOne analyses one slide and writes result.json and heatmap.png into
// out/<slide name>/.
func analyzeOne(ctx context.Context, path string, m *lazyModel, cache *inference.ResultCache, mpp float64, out string, stderr io.Writer) (*inference.Result, error) {
	res, thumb, ds, err := analyzeSlide(ctx, path, m, cache, mpp, stderr)
	if err != nil {
		return nil, err
	}
	img := heatmap.FromResult(res).Compose(thumb, ds)
	dir := filepath.Join(out, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(dir, "result.json"), res); err != nil {
		return nil, err
	}
	if err := atomicfile.WritePNG(filepath.Join(dir, "heatmap.png"), img); err != nil {
		return nil, err
	}
	if err := inference.EvidenceAnnotations(res).Save(filepath.Join(dir, "evidence.geojson")); err != nil {
		return nil, err
	}
	return res, nil
}

// analyzeSlide opens and analyses one slide (or takes its cached result),
// showing progress on stderr, and returns the result with the whole slide
// as a thumbnail at downsample ds (level-0 pixels per thumbnail pixel), for
// heatmap.png and reports. Errors caused by the input are UserErrors that
// say what to do.
func analyzeSlide(ctx context.Context, path string, m *lazyModel, cache *inference.ResultCache, mpp float64, stderr io.Writer) (res *inference.Result, thumb image.Image, ds float64, err error) {
	s, err := openSlide(path)
	if err != nil {
		return nil, nil, 0, err
	}
	defer s.Close()
	bar := newProgressBar(stderr, filepath.Base(path))
	var overview *image.RGBA
	var overviewDS float64
	res, cached, storeErr, err := m.analyze(ctx, cache, s, inference.Options{MPP: mpp, Progress: bar.update, Planned: bar.plan,
		Overview: func(img *image.RGBA, ds float64) { overview, overviewDS = img, ds }})
	bar.finish(cached)
	if err != nil {
		if errors.Is(err, inference.ErrNoMPP) {
			return nil, nil, 0, UserError{fmt.Errorf("%w; %s", err, m.mppHint())}
		}
		if errors.Is(err, inference.ErrNoTissue) || errors.Is(err, slide.ErrDamaged) {
			return nil, nil, 0, UserError{err}
		}
		return nil, nil, 0, err
	}
	if storeErr != nil {
		fmt.Fprintf(stderr, "tessera: warning: the result could not be cached (%v)\n", storeErr)
	}
	// The image tissue detection read serves when it is nearly as large as
	// the heatmap wants (it is at most 1024 pixels a side): reading the
	// slide again costs more than analysing a small one.
	side := heatmap.ThumbSideFor(res.Grid.Cols, res.Grid.Rows)
	if overview != nil && float64(max(overview.Bounds().Dx(), overview.Bounds().Dy())) >= 0.85*float64(side) {
		return res, overview, overviewDS, nil
	}
	var thumbRGBA *image.RGBA
	if cache != nil { // --no-cache: nothing kept, nothing read from the cache
		thumbRGBA, ds, err = cache.Thumbnail(s, side)
	} else {
		thumbRGBA, ds, err = slide.ReadThumbnail(s, side)
	}
	if err != nil {
		return nil, nil, 0, err
	}
	return res, thumbRGBA, ds, nil
}

func writeSummary(path string, names []string, results []*inference.Result) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"slide", "probability", "class", "threshold", "tiles", "partial", "model", "model_sha256", "provider", "caveats", "verdict", "verdict_reasons"})
		for i, r := range results {
			// A withheld result has no class and no probability: the columns stay empty.
			prob, class := fmt.Sprintf("%.4f", r.Probability), r.Class
			if r.Withheld() {
				prob, class = "", ""
			}
			var codes []string
			for _, reason := range r.Validity.Reasons {
				codes = append(codes, reason.Code)
			}
			cw.Write([]string{names[i], prob, class, fmt.Sprintf("%g", r.Threshold),
				fmt.Sprint(len(r.Tiles)), fmt.Sprint(r.Partial), r.Model.Name + " " + r.Model.Version, r.Model.SHA256, string(r.Runtime.Provider), r.CaveatsShort(),
				string(r.Validity.Verdict), strings.Join(codes, " ")})
		}
		cw.Flush()
		return cw.Error()
	})
}

// progressBar draws analysis progress on a terminal, or a line per 25% when
// stderr is not a terminal (logs, CI).
type progressBar struct {
	w        io.Writer
	name     string
	terminal bool
	lastPct  int
	drawn    time.Time
}

func newProgressBar(w io.Writer, name string) *progressBar {
	b := &progressBar{w: w, name: name, lastPct: -1}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			b.terminal = true
		}
	}
	return b
}

func (b *progressBar) update(e inference.Event) {
	if e.Total == 0 {
		return
	}
	pct := 100 * e.Done / e.Total
	if b.terminal {
		if time.Since(b.drawn) < 100*time.Millisecond && e.Done < e.Total {
			return
		}
		b.drawn = time.Now()
		const width = 30
		fill := width * e.Done / e.Total
		fmt.Fprintf(b.w, "\r%s [%s%s] %d/%d tiles %.1f/s ETA %s ", b.name, strings.Repeat("#", fill), strings.Repeat(".", width-fill),
			e.Done, e.Total, e.Rate, e.ETA.Round(time.Second))
		return
	}
	if pct/25 != b.lastPct/25 || e.Done == e.Total {
		b.lastPct = pct
		fmt.Fprintf(b.w, "%s: %d/%d tiles (%d%%), %.1f tiles/s\n", b.name, e.Done, e.Total, pct, e.Rate)
	}
}

// plan says, before the tiles are read, how long they will take.
func (b *progressBar) plan(p inference.Plan) {
	fmt.Fprintf(b.w, "%s: %s\n", b.name, p.Text())
}

func (b *progressBar) finish(cached bool) {
	if b.terminal {
		fmt.Fprintln(b.w)
	}
	if cached {
		fmt.Fprintf(b.w, "%s: cached result\n", b.name)
	}
}

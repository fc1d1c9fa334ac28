package inference

import (
	"context"
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"tessera/annotation"
	"tessera/colour"
	"tessera/slide"
)

// ErrNoMPP means the slide has no µm/px calibration and none was given.
var ErrNoMPP = errors.New("the slide has no µm/px calibration")

// ErrNoTissue means tissue detection found nothing to analyse.
var ErrNoTissue = errors.New("no tissue found")

// Options tune an analysis. The zero value is a sensible default.
type Options struct {
	MPP       float64 // µm per level-0 pixel entered by the user; 0: the slide's own
	MinTissue float64 // share of a tile that must be tissue; 0: DefaultMinTissue
	Readers   int     // goroutines decoding tiles; 0: one per CPU
	Batches   int     // batches in flight between readers and the encoder; 0: 3
	// Progress, if set, receives events from the analysing goroutine, in
	// order. It must return quickly (hand the event to a UI and return).
	Progress func(Event)
	// Planned, if set, is called once the tissue tiles are known, before
	// any is read: how many, and how long they will take (Plan.Text).
	// Same rules as Progress.
	Planned func(Plan)
	// ScoreInterval is how often partial tile scores are recomputed for
	// multiple-instance heads (0: 500 ms).
	ScoreInterval time.Duration
	// SkipQC turns per-tile quality control off (for the benchmark that
	// measures its cost; results without it say so in QC.Checked).
	SkipQC bool
	// Features, if set, receives every tile's features (tile i at
	// [i*dim, (i+1)*dim)) and quality control at the end of a complete
	// analysis, on the analysing goroutine (tools/reference uses it). The
	// slices are the analysis's own: copy what must outlive the call.
	Features func(g *Grid, features []float32, dim int, qc []TileQC)
	// FeatureCache, if set, keeps the encoder's features of a complete
	// analysis, and a later analysis with the same encoder and input (any
	// head) takes them instead of reading and encoding the slide. Bundles
	// without a head (tile classifiers) do not use it.
	FeatureCache *FeatureCache
	// Overview, if set, receives the whole-slide image tissue detection
	// read (at most TissueMaskSide pixels a side) and its downsample
	// (level-0 pixels per image pixel), so that a caller drawing the slide
	// need not read it again. Not called when cached features are used.
	Overview func(img *image.RGBA, ds float64)
	// ROI, if set, restricts the analysis to the tiles whose centre lies
	// inside its polygons (holes respected); the result's parameters name
	// it, so results with and without it are cached apart.
	ROI *annotation.Region
}

// Event reports progress. Scores, when not nil, replaces the scores of the
// tiles it lists (all scored tiles so far for MIL heads, whose scores
// depend on every tile; new tiles only for tile classifiers).
type Event struct {
	Done, Total int
	Rate        float64       // tiles per second so far
	ETA         time.Duration // estimated time left
	Scores      []TileScore
	Grid        *Grid // set on the first event, so a viewer can lay out the heatmap
}

// Analyze runs model on s: tissue detection, the tile grid at the model's
// resolution, decoding and normalising in parallel with the encoder, then
// the head. When ctx ends it stops promptly, leaves no goroutine behind and
// returns the partial result (Partial set, scores of the tiles done) with
// ctx's error.
func Analyze(ctx context.Context, s slide.Slide, model *Model, opts Options) (*Result, error) {
	start := time.Now()
	man := &model.Bundle.Manifest
	mpp, mppSource, err := analysisMPP(s, opts.MPP)
	if err != nil {
		return nil, err
	}
	if opts.MinTissue <= 0 {
		opts.MinTissue = DefaultMinTissue
	}
	var cached *cachedFeatures
	var fkey string
	if opts.FeatureCache != nil && man.HasHead() {
		fkey = featureKey(s.Fingerprint(), model.Bundle, mpp, opts)
		cached, _ = opts.FeatureCache.load(fkey, man.Encoder.FeatureDim) // a miss or a damaged file: analyse
	}
	var grid Grid
	var brightfield, underexposed bool
	var tissueMS float64
	if cached != nil {
		grid, brightfield, underexposed = cached.Grid, cached.Brightfield, cached.Underexposed
	} else {
		mask, overview, ds, err := detectTissue(s, TissueMaskSide)
		if err != nil {
			return nil, err
		}
		tissueMS = msSince(start)
		if opts.Overview != nil {
			opts.Overview(overview, ds)
		}
		if grid, err = PlanGrid(s, mpp, man.Input.TileSize, man.Input.MPP, mask, opts.MinTissue); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(s.Path()), err)
		}
		if len(grid.Tiles) == 0 {
			// Not an error the user made: a slide the model cannot read,
			// said as a withheld verdict (logged and shown like any other).
			return noTileResult(s, model, grid, mpp, mppSource, opts, mask, start), nil
		}
		if opts.ROI != nil {
			grid.Tiles = inRegion(grid, opts.ROI)
			if len(grid.Tiles) == 0 {
				return nil, fmt.Errorf("%s: %w: no tissue tile has its centre inside the region (%s)", filepath.Base(s.Path()), ErrNoTissue, opts.ROI.Name())
			}
		}
		brightfield, underexposed = mask.Brightfield, mask.Underexposed
	}
	r := newResult(s, model, grid, mpp, mppSource, opts)
	r.Timings.TissueMS = tissueMS
	run := &run{ctx: ctx, s: s, model: model, grid: &grid, opts: opts, start: start, result: r,
		checkQC: brightfield && !opts.SkipQC}
	r.Slide.ICC = "none"
	if profile := slide.ICCProfile(s); len(profile) > 0 {
		r.Slide.ICC = "ignored"
		if man.Input.ICC == "apply" {
			t, err := colour.ToSRGB(profile)
			if err != nil {
				return nil, fmt.Errorf("%s: the bundle asks for the slide's colour profile to be applied, but it cannot be used: %w", filepath.Base(s.Path()), err)
			}
			defer t.Close()
			run.colour = t.Apply
			r.Slide.ICC = "applied"
		}
	}
	if spec := man.Input.StainNormalisation; spec.Active() && cached == nil {
		newReader := func() *tileReader {
			tr := newTileReader(s, &grid, nil, false)
			tr.colour = run.colour
			return tr
		}
		if run.stain, r.Stain, err = newStainStep(spec, newReader, &grid); err != nil {
			return nil, fmt.Errorf("%s: reading tiles to fit the stains: %w", filepath.Base(s.Path()), err)
		}
	}
	pl := plan(model, len(grid.Tiles), cached != nil)
	if opts.Planned != nil {
		opts.Planned(pl)
	}
	if cached != nil {
		err = run.fromFeatures(cached)
	} else {
		encodeStart := time.Now()
		err = run.execute()
		if run.stain != nil {
			run.stain.finish(r.Stain)
		}
		if err == nil {
			rememberSpeed(pl, len(run.doneTiles), time.Since(encodeStart))
		}
		if err == nil && fkey != "" {
			// A feature cache that cannot be written costs speed, not the result.
			_ = opts.FeatureCache.store(fkey, &cachedFeatures{Grid: grid, Brightfield: brightfield, Underexposed: underexposed, QC: run.qcWithoutReference(),
				Dim: man.Encoder.FeatureDim, Bits: 32, Stain: r.Stain, features: run.features})
		}
	}
	r.Timings.TotalMS = msSince(start)
	if r.Timings.TotalMS > 0 {
		r.Timings.TilesPerSec = float64(len(r.Tiles)) / (r.Timings.TotalMS / 1000)
	}
	r.Slide.Brightfield, r.Slide.Underexposed = brightfield, underexposed
	r.Evidence = Evidence(r)
	r.Validity = judge(man, slideFacts{Brightfield: brightfield, Underexposed: underexposed, TissueTiles: len(grid.Tiles), MPP: mpp,
		HandMPP: mppSource == slide.MPPFromUser, Partial: r.Partial, DoneTiles: len(run.doneTiles), QC: &r.QC, Stain: r.Stain})
	return r, err
}

// noTileResult is the result of a slide on which no tile holds enough
// tissue: withheld, with a sentence saying whether tissue was found at all
// or only pieces too small for the model's tiles. It has no tiles, no
// class and no probability.
func noTileResult(s slide.Slide, model *Model, grid Grid, mpp float64, mppSource slide.MPPSource, opts Options, mask *TissueMask, start time.Time) *Result {
	man := &model.Bundle.Manifest
	r := newResult(s, model, grid, mpp, mppSource, opts)
	r.Slide.Brightfield, r.Slide.Underexposed = mask.Brightfield, mask.Underexposed
	r.Slide.ICC = "none"
	r.Tiles, r.Evidence = []TileScore{}, []EvidenceRegion{}
	r.QC.Tiles, r.QC.Counts = []QCTile{}, map[string]int{}
	r.Threshold, r.Classes, r.Labels, r.Horizon = man.Output.Threshold, man.Output.Classes, man.Output.ClassLabels, man.Output.Horizon
	// The domain's minimum tile count would say the same thing again.
	noMinimum := *man
	noMinimum.Domain.MinTissueTiles = 0
	r.Validity = judge(&noMinimum, slideFacts{Brightfield: mask.Brightfield, Underexposed: mask.Underexposed, MPP: mpp, HandMPP: mppSource == slide.MPPFromUser})
	tileUM := man.Input.MPP * float64(man.Input.TileSize)
	reason := Reason{Code: ReasonNoTissueTile, Verdict: VerdictWithheld, Short: "no tissue found",
		Text: fmt.Sprintf("No tissue was found (threshold %.2f on saturation): check that the slide is a stained tissue section.", mask.Threshold)}
	if share := mask.TissueShare(); share > 0 {
		reason.Short = "tissue pieces too small for the model's tiles"
		reason.Text = fmt.Sprintf("Tissue was found (%.2g %% of the slide), but no piece covers %.0f %% of a %.0f µm tile the model reads: too small to analyse.",
			100*share, 100*opts.MinTissue, tileUM)
	}
	r.Validity.Reasons = append([]Reason{reason}, r.Validity.Reasons...)
	r.Validity.Verdict = VerdictWithheld
	r.Timings.TissueMS = msSince(start)
	r.Timings.TotalMS = r.Timings.TissueMS
	return r
}

// analysisMPP picks the µm/px to use: the user's, else the slide's.
func analysisMPP(s slide.Slide, override float64) (float64, slide.MPPSource, error) {
	if override > 0 {
		return override, slide.MPPFromUser, nil
	}
	if m := s.MPP(); m.Known() {
		return m.Mean(), m.Source, nil
	}
	return 0, "", fmt.Errorf("%s: %w; the model needs the physical pixel size: enter the µm/px from the scanner's documentation (e.g. 0.25 at 40×, 0.5 at 20×)", filepath.Base(s.Path()), ErrNoMPP)
}

func newResult(s slide.Slide, model *Model, g Grid, mpp float64, mppSource slide.MPPSource, opts Options) *Result {
	b := model.Bundle
	man := &b.Manifest
	r := &Result{Schema: ResultSchema, CreatedAt: time.Now().UTC()}
	l0 := s.Levels()[0]
	r.Slide.Name, r.Slide.Fingerprint, r.Slide.Scanner = filepath.Base(s.Path()), s.Fingerprint(), slide.Scanner(s)
	r.Slide.Width, r.Slide.Height, r.Slide.MPP, r.Slide.MPPSource = l0.Width, l0.Height, mpp, mppSource
	r.Model.Name, r.Model.Version, r.Model.SHA256 = man.Name, man.Version, b.SHA256
	r.Model.Source = filepath.Base(b.Source)
	r.Model.Kind, r.Model.Demonstration, r.Model.Validated = man.Head.Kind, man.Demonstration, man.Validated
	r.Model.IntendedUse = man.IntendedUse
	r.Model.ScoreMeaning, r.Model.ScoreDescription = man.Scores.Meaning, man.Scores.Description
	r.Model.PatientRule = man.Output.PatientAggregation
	if in := man.Interpretation; in.ThresholdMeaning != "" || len(in.Calibration) > 0 || len(in.Percentiles) > 0 {
		r.Model.Interpretation = &in
	}
	info, _ := InitRuntime()
	r.Runtime.Library, r.Runtime.Provider, r.Runtime.ProviderNote = info.Version, model.Provider, model.ProviderNote
	r.Runtime.CPU, r.Runtime.VNNI = CPUKind(), HasVNNI()
	if p := man.Precision; p.Reduced() && p.Parity != nil {
		r.Model.Precision, r.Model.Parity = p.Weights, p.Parity.Summary()
		r.Model.ParityCPU, r.Model.ParityVNNI = p.Parity.CPU, p.Parity.VNNI
	}
	r.Params = paramsOf(opts)
	r.Grid.Side0, r.Grid.Cols, r.Grid.Rows, r.Grid.Level, r.Grid.TileSize = g.Side0, g.Cols, g.Rows, g.Level, g.TileSize
	r.TilesTotal = len(g.Tiles)
	return r
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

// run is one analysis in progress.
type run struct {
	ctx    context.Context
	s      slide.Slide
	model  *Model
	grid   *Grid
	opts   Options
	start  time.Time
	result *Result

	features  []float32 // tile i at [i*D, (i+1)*D)
	doneTiles []int     // indices of encoded tiles, in encoding order
	firstSlot *slot     // the small first batch, used once

	// colour, if set, converts each tile read (the slide's ICC profile to
	// sRGB) before anything else looks at it.
	colour func(*image.RGBA)

	// stain, if set, normalises each tile's stains (stainstep.go).
	stain *stainStep

	// checkQC turns per-tile quality control on (brightfield slides).
	// qc[i] is written by the reader of tile i before its batch is handed
	// to the encoder, and read by the encoder afterwards.
	checkQC bool
	qc      []TileQC
}

// firstBatchSize is the size of the first batch: small, for early scores.
const firstBatchSize = 4

// slot is one reusable batch moving between dispatcher, readers and encoder.
type slot struct {
	batch     *Batch
	first, n  int // tiles [first, first+n) of the grid
	remaining atomic.Int32
}

type job struct {
	sl   *slot
	i    int // slot position
	tile int // grid index
}

func (r *run) execute() error {
	tiles := r.grid.Tiles
	man := &r.model.Bundle.Manifest
	d := man.Encoder.FeatureDim
	r.features = make([]float32, len(tiles)*d)
	r.qc = make([]TileQC, len(tiles))
	readers, nslots := r.opts.Readers, r.opts.Batches
	if readers <= 0 {
		readers = runtime.NumCPU()
	}
	if nslots <= 0 {
		nslots = 3
	}
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel()

	// The first batch is small, so that the first scores show within a
	// second even for a heavy encoder; it is used once. Then nslots
	// full-size batches circulate.
	free := make(chan *slot, nslots+1)
	full := make(chan *slot, nslots+1)
	var slots []*slot
	defer func() {
		for _, sl := range slots {
			sl.batch.Destroy()
		}
	}()
	sizes := []int{min(firstBatchSize, man.Input.BatchSize)}
	for i := 0; i < nslots; i++ {
		sizes = append(sizes, man.Input.BatchSize)
	}
	for _, size := range sizes {
		b, err := r.model.NewBatchOfSize(size)
		if err != nil {
			return err
		}
		sl := &slot{batch: b}
		slots = append(slots, sl)
		free <- sl
	}
	r.firstSlot = slots[0]

	var failOnce sync.Once
	var failure error
	fail := func(err error) {
		failOnce.Do(func() { failure = err; cancel() })
	}
	work := make(chan job, readers*2)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // dispatcher: hands out batches in grid order
		defer wg.Done()
		defer close(work)
		for first := 0; first < len(tiles); {
			var sl *slot
			select {
			case sl = <-free:
			case <-ctx.Done():
				return
			}
			sl.first, sl.n = first, min(sl.batch.Size(), len(tiles)-first)
			first += sl.n
			sl.remaining.Store(int32(sl.n))
			for i := 0; i < sl.n; i++ {
				select {
				case work <- job{sl: sl, i: i, tile: sl.first + i}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	lut := normalisationTable(r.model)
	for w := 0; w < readers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := newTileReader(r.s, r.grid, lut, man.Input.ChannelOrder == "BGR")
			tr.qc = r.checkQC
			tr.colour = r.colour
			tr.stain = r.stain
			for j := range work {
				if ctx.Err() != nil {
					continue // drain
				}
				if err := tr.read(tiles[j.tile], j.sl.batch.Tile(j.i)); err != nil {
					fail(fmt.Errorf("reading tile at (%.0f, %.0f) of %s: %w", tiles[j.tile].X, tiles[j.tile].Y, filepath.Base(r.s.Path()), err))
					continue
				}
				r.qc[j.tile] = tr.lastQC
				if j.sl.remaining.Add(-1) == 0 {
					select {
					case full <- j.sl:
					case <-ctx.Done():
					}
				}
			}
		}()
	}

	err := r.encodeLoop(ctx, full, free, len(tiles))
	cancel()
	wg.Wait()
	if failure != nil {
		return failure
	}
	if err == nil && r.ctx.Err() != nil && len(r.doneTiles) < len(tiles) {
		err = r.ctx.Err() // cancelled before the end (a cancel after the last tile changes nothing)
	}
	return r.finish(err)
}

// encodeLoop runs the encoder on full batches as they arrive and streams
// progress, until every tile is encoded or ctx ends.
func (r *run) encodeLoop(ctx context.Context, full <-chan *slot, free chan<- *slot, total int) error {
	d := r.model.Bundle.Manifest.Encoder.FeatureDim
	interval := r.opts.ScoreInterval
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	var lastScores time.Time
	first := true
	for len(r.doneTiles) < total {
		if err := ctx.Err(); err != nil { // before select, which picks at random among ready cases
			return err
		}
		var sl *slot
		select {
		case sl = <-full:
		case <-ctx.Done():
			return ctx.Err()
		}
		t0 := time.Now()
		feats, err := r.model.Encode(sl.batch, sl.n)
		r.result.Timings.EncoderMS += msSince(t0)
		if err != nil {
			return fmt.Errorf("%s: %w", r.model.Bundle.Manifest.Encoder.File, err)
		}
		copy(r.features[sl.first*d:], feats)
		n := sl.n // the slot is the dispatcher's again once freed
		r.compareWithReference(sl.first, n)
		for i := 0; i < n; i++ {
			r.doneTiles = append(r.doneTiles, sl.first+i)
		}
		if sl != r.firstSlot {
			free <- sl
		}
		ev := r.progress()
		if first {
			ev.Grid = r.grid
		}
		if r.model.Bundle.Manifest.HasHead() {
			if first || time.Since(lastScores) >= interval || len(r.doneTiles) == total {
				ev.Scores = r.partialScores(r.doneTiles)
				lastScores = time.Now()
			}
		} else {
			ev.Scores = r.partialScores(r.doneTiles[len(r.doneTiles)-n:])
		}
		if ev.Scores != nil && r.result.Timings.FirstScoresMS == 0 {
			r.result.Timings.FirstScoresMS = msSince(r.start)
		}
		first = false
		if r.opts.Progress != nil {
			r.opts.Progress(ev)
		}
	}
	return nil
}

func (r *run) progress() Event {
	done, total := len(r.doneTiles), len(r.grid.Tiles)
	elapsed := time.Since(r.start).Seconds()
	ev := Event{Done: done, Total: total}
	if elapsed > 0 && done > 0 {
		ev.Rate = float64(done) / elapsed
		ev.ETA = time.Duration(float64(total-done) / ev.Rate * float64(time.Second))
	}
	return ev
}

// partialScores aggregates the given encoded tiles (nil on failure, which
// the final aggregation will report).
func (r *run) partialScores(idx []int) []TileScore {
	_, scores, err := r.aggregate(r.scored(idx))
	if err != nil {
		return nil
	}
	return scores
}

// aggregate runs the head on the tiles idx (in that order).
func (r *run) aggregate(idx []int) (float64, []TileScore, error) {
	d := r.model.Bundle.Manifest.Encoder.FeatureDim
	feats := make([]float32, 0, len(idx)*d)
	for _, i := range idx {
		feats = append(feats, r.features[i*d:(i+1)*d]...)
	}
	p, scores, err := r.model.Aggregate(feats, len(idx))
	if err != nil {
		return 0, nil, err
	}
	out := make([]TileScore, len(idx))
	for k, i := range idx {
		t := r.grid.Tiles[i]
		out[k] = TileScore{Col: t.Col, Row: t.Row, X: t.X, Y: t.Y, Score: scores[k]}
	}
	return p, out, nil
}

// finish aggregates every encoded tile into the result; with a cancellation
// error the result is marked partial.
func (r *run) finish(runErr error) error {
	if len(r.doneTiles) == 0 {
		if runErr != nil {
			r.result.Partial = true
			return runErr
		}
		return fmt.Errorf("no tile was encoded")
	}
	idx := r.doneTiles
	if runErr == nil {
		idx = r.allTiles() // grid order for the final result
	}
	kept := r.scored(idx)
	if r.checkQC {
		r.result.QC = summariseQC(r.grid, r.qc, idx, len(idx)-len(kept))
	}
	p, scores, err := r.aggregate(kept)
	if err != nil {
		return fmt.Errorf("%s: %w", r.model.Bundle.Manifest.Head.File, err)
	}
	r.result.Probability, r.result.Tiles = p, scores
	r.result.classify(&r.model.Bundle.Manifest)
	r.result.Partial = runErr != nil
	if runErr == nil && r.opts.Features != nil {
		r.opts.Features(r.grid, r.features, r.model.Bundle.Manifest.Encoder.FeatureDim, r.qc)
	}
	return runErr
}

// inRegion keeps the tiles whose centre lies inside the region.
func inRegion(g Grid, roi *annotation.Region) []GridTile {
	var kept []GridTile
	for _, t := range g.Tiles {
		if roi.Contains(annotation.Point{X: t.X + g.Side0/2, Y: t.Y + g.Side0/2}) {
			kept = append(kept, t)
		}
	}
	return kept
}

// allTiles is every grid index, in grid order.
func (r *run) allTiles() []int {
	idx := make([]int, len(r.grid.Tiles))
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// compareWithReference measures the feature distance of encoded tiles
// [first, first+n) to the bundle's reference and flags the outliers.
func (r *run) compareWithReference(first, n int) {
	ref := &r.model.Bundle.Manifest.Reference
	if !r.checkQC || !ref.HasFeatures() {
		return
	}
	d := r.model.Bundle.Manifest.Encoder.FeatureDim
	for i := first; i < first+n; i++ {
		dist := ref.FeatureDistance(r.features[i*d : (i+1)*d])
		r.qc[i].Distance = float32(dist)
		if dist > ref.Distance99 {
			r.qc[i].Flags |= QCOutlier
		}
	}
}

// scored returns the tiles of idx that enter the slide score: all of them,
// or those quality control did not flag when the model excludes artefacts.
// When every tile is flagged it returns them all (the verdict withholds
// such a result; the scores still show where the artefacts are).
func (r *run) scored(idx []int) []int {
	if !r.checkQC || !r.model.Bundle.Manifest.Domain.ExcludeArtefacts {
		return idx
	}
	kept := make([]int, 0, len(idx))
	for _, i := range idx {
		if r.qc[i].Flags&artefactFlags == 0 {
			kept = append(kept, i)
		}
	}
	if len(kept) == 0 {
		return idx
	}
	return kept
}

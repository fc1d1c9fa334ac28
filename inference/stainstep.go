package inference

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"runtime"
	"sync"
	"sync/atomic"

	"tessera/slide"
	"tessera/stainnorm"
)

// Stain normalisation in the pipeline: the bundle's
// [input.stain_normalisation] (package stainnorm) applied to every tile
// after quality control measured it as scanned and before the model's own
// per-channel normalisation; the same in the window, `analyze` and cohorts.

// StainRecord is what an analysis did about stain normalisation
// (result.json "stain_normalisation"; nil when the bundle declares none).
type StainRecord struct {
	Spec stainnorm.Spec `json:"spec"`
	// SlideFit is the fit on tissue tiles sampled across the slide; nil
	// when it could not be made (SlideFitError says why).
	SlideFit      *stainnorm.Stats `json:"slide_fit,omitempty"`
	SlideFitError string           `json:"slide_fit_error,omitempty"`
	// Distance is how far the slide's stains are from the target
	// (stainnorm.Distance: degrees for Macenko and Vahadane, ΔE of the
	// L*a*b* means for Reinhard).
	Distance float64 `json:"distance"`
	Tiles    int     `json:"tiles"` // tiles read
	// Fallback counts the tiles whose own fit failed (per-tile fitting:
	// they took the slide's fit), Unnormalised those the model read as
	// scanned (no fit at all).
	Fallback     int `json:"fallback"`
	Unnormalised int `json:"unnormalised"`
}

// stainSampleTiles is how many tissue tiles, spread over the slide, the
// per-slide fit uses; stainSamplePixels bounds the pixels it fits.
const (
	stainSampleTiles  = 24
	stainSamplePixels = 100000
	// stainTilePixels bounds a per-tile fit's pixels (taken evenly):
	// a 224-px tile has 50,000.
	stainTilePixels = 16384
)

// stainStep applies a bundle's normaliser; shared by a run's readers
// (read-only but for the counters).
type stainStep struct {
	spec                          stainnorm.Spec
	target                        stainnorm.Stats
	slide                         *stainnorm.Stats
	tiles, fallback, unnormalised atomic.Int64
}

// apply normalises one tile in place (see StainRecord for the fallbacks).
func (st *stainStep) apply(im stainnorm.Image) {
	st.tiles.Add(1)
	src := st.slide
	switch {
	case st.spec.Fit == stainnorm.PerTile:
		if f, err := stainnorm.Fit(st.spec.Method, []stainnorm.Image{im}, stainTilePixels); err == nil {
			src = &f
		} else {
			st.fallback.Add(1)
		}
	case src == nil: // the slide's fit failed: every tile falls back
		st.fallback.Add(1)
	}
	if src == nil {
		st.unnormalised.Add(1)
		return
	}
	stainnorm.Apply(st.spec.Method, im, *src, st.target)
}

// newStainStep fits the slide for spec on stainSampleTiles tissue tiles
// taken evenly from the grid, read as the pipeline reads them. A fit that
// fails is recorded, not an error: the tiles then fall back (counted).
func newStainStep(spec stainnorm.Spec, newReader func() *tileReader, g *Grid) (*stainStep, *StainRecord, error) {
	st := &stainStep{spec: spec, target: spec.Target()}
	rec := &StainRecord{Spec: spec}
	images, err := sampleTiles(newReader, g, stainSampleTiles)
	if err != nil {
		return nil, nil, err
	}
	fit, err := stainnorm.Fit(spec.Method, images, stainSamplePixels)
	switch {
	case err == nil:
		st.slide, rec.SlideFit = &fit, &fit
		rec.Distance = stainnorm.Distance(spec.Method, fit, st.target)
	case errors.Is(err, stainnorm.ErrLittleTissue), errors.Is(err, stainnorm.ErrOneStain):
		rec.SlideFitError = err.Error()
	default:
		return nil, nil, err
	}
	return st, rec, nil
}

// Text names the normaliser, its target and what fell back, for the
// card, the report and the command line ("" when none).
func (rec *StainRecord) Text() string {
	if rec == nil {
		return ""
	}
	s := rec.Spec.Text() + "."
	switch {
	case rec.SlideFit == nil && rec.Spec.Fit == stainnorm.PerSlide:
		s += " NOT APPLIED on this slide: its stains could not be fitted (" + rec.SlideFitError + ")."
	case rec.Fallback > 0:
		s += fmt.Sprintf(" %d of %d tiles could not be fitted on their own and took the slide's fit.", rec.Fallback, rec.Tiles)
	}
	return s
}

// finish fills the record's counts once the tiles are read.
func (st *stainStep) finish(rec *StainRecord) {
	rec.Tiles = int(st.tiles.Load())
	rec.Fallback, rec.Unnormalised = int(st.fallback.Load()), int(st.unnormalised.Load())
}

// Normalised returns a copy of img (a tile at the model's resolution, as
// scanned: TileImage) as the model read it under rec: the inspector shows
// both.
func (rec *StainRecord) Normalised(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	st := &stainStep{spec: rec.Spec, target: rec.Spec.Target(), slide: rec.SlideFit}
	st.apply(stainnorm.Image{Pix: out.Pix, Stride: out.Stride, W: out.Rect.Dx(), H: out.Rect.Dy()})
	return out
}

// stainSpecKey is the bundle's normaliser for the feature cache key (nil: none).
func stainSpecKey(m *Manifest) *stainnorm.Spec {
	if s := m.Input.StainNormalisation; s.Active() {
		return &s
	}
	return nil
}

// Shares of tiles that fell back, and distances from the target, from
// which a result is flagged.
const (
	StainFallbackFlagShare = 0.25
	StainFarDegrees        = 20.0 // Macenko, Vahadane: stain vector angle
	StainFarDeltaE         = 20.0 // Reinhard: L*a*b* distance of the means
)

// Reason codes of stain normalisation.
const (
	ReasonStainFallback = "stain-normalisation-fallback"
	ReasonStainFar      = "stain-far-from-target"
)

// judgeStainNormalisation flags a slide whose stains could not be fitted
// (the model read raw tiles), whose tiles often fell back, or whose stains
// are far from the target the model was trained on.
func judgeStainNormalisation(rec *StainRecord, add func(v Verdict, code, short, format string, args ...any)) {
	name := rec.Spec.Method
	switch {
	case rec.SlideFit == nil && rec.Spec.Fit == stainnorm.PerSlide:
		add(VerdictFlag, ReasonStainFallback, "stain normalisation not applied",
			"The slide's stains could not be fitted for %s normalisation (%s): the model read its tiles as scanned, not normalised as it was trained.", name, rec.SlideFitError)
	case rec.Tiles > 0 && float64(rec.Fallback) >= StainFallbackFlagShare*float64(rec.Tiles):
		add(VerdictFlag, ReasonStainFallback, "stain normalisation fell back on "+percentText(rec.Fallback, rec.Tiles)+" of tiles",
			"%s normalisation could not be fitted on %s of the tiles (little tissue, one stain); they took the slide's fit%s.", capitalise(name), percentText(rec.Fallback, rec.Tiles),
			map[bool]string{true: "", false: " or were read as scanned"}[rec.Unnormalised == 0])
	}
	if rec.SlideFit == nil {
		return
	}
	far, unit := StainFarDegrees, "°"
	if name == stainnorm.Reinhard {
		far, unit = StainFarDeltaE, " ΔE"
	}
	if rec.Distance > far {
		add(VerdictFlag, ReasonStainFar, "stains far from the model's target",
			"The slide's stains are %.0f%s from the %s target the model was trained on (more than %.0f%s): normalisation may not bring them close.", rec.Distance, unit, name, far, unit)
	}
}

// StainSampleTiles reads n tissue tiles taken evenly across s at the
// bundle's input (its tile size and µm/px; mpp overrides the slide's µm/px
// when not 0), as the pipeline reads them before normalising: what
// tools/stainfit fits a target on.
func StainSampleTiles(s slide.Slide, m *Manifest, mpp float64, n int) ([]stainnorm.Image, error) {
	slideMPP, _, err := analysisMPP(s, mpp)
	if err != nil {
		return nil, err
	}
	mask, _, _, err := detectTissue(s, TissueMaskSide)
	if err != nil {
		return nil, err
	}
	g, err := PlanGrid(s, slideMPP, m.Input.TileSize, m.Input.MPP, mask, DefaultMinTissue)
	if err != nil {
		return nil, err
	}
	if len(g.Tiles) == 0 {
		return nil, ErrNoTissue
	}
	return sampleTiles(func() *tileReader { return newTileReader(s, &g, nil, false) }, &g, n)
}

// sampleTiles reads n tiles taken evenly from g's tissue tiles, with one
// reader per CPU made by newReader (copies: a reader reuses its buffers).
func sampleTiles(newReader func() *tileReader, g *Grid, n int) ([]stainnorm.Image, error) {
	n = min(n, len(g.Tiles))
	ts := g.TileSize
	out := make([]stainnorm.Image, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	workers := min(runtime.NumCPU(), n)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := newReader()
			for i := w; i < n; i += workers {
				pix, stride, err := tr.pixels(g.Tiles[i*len(g.Tiles)/n])
				if err != nil {
					errs[i] = err
					return
				}
				img := make([]byte, 4*ts*ts)
				for y := 0; y < ts; y++ {
					copy(img[4*ts*y:4*ts*(y+1)], pix[y*stride:y*stride+4*ts])
				}
				out[i] = stainnorm.Image{Pix: img, Stride: 4 * ts, W: ts, H: ts}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

package inference

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"

	"tessera/internal/atomicfile"
	"tessera/slide"
)

// PipelineVersion changes whenever the pipeline's results change for the
// same slide, model and parameters; it is part of the cache key.
// 4: slides with fluorescence channels are dark-field whatever their
// composite looks like (a dense image of cells had been judged brightfield).
// 5: ink lines crossing a tile, IHC (DAB) and under-exposed slides found;
// features cached at full precision; artefact tiles never evidence.
const PipelineVersion = 5

// Cache errors.
var (
	ErrCacheMiss    = errors.New("no cached result")
	ErrCacheDamaged = errors.New("cached result is damaged")
)

// ResultCache keeps complete results on disk, one JSON file per key, written
// atomically. A damaged file is detected by its checksum, reported as
// ErrCacheDamaged and removed, so the result is computed again. Safe for
// concurrent use by several goroutines and processes.
type ResultCache struct {
	Dir string
}

// DefaultResultCacheDir is $XDG_CACHE_HOME/tessera/results (~/.cache/tessera/results).
func DefaultResultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "tessera", "results")
}

// ResultKey is the cache key of the result of analysing the slide with
// fingerprint by the bundle with sha256 bundleSHA, with the µm/px the user
// entered (0: the slide's own) and the default parameters. It is the one
// key function: the app, the headless commands and AnalyzeCached use it.
func ResultKey(fingerprint, bundleSHA string, mppOverride float64) string {
	return ResultKeyFor(fingerprint, bundleSHA, Options{MPP: mppOverride})
}

// ResultKeyFor is ResultKey for an analysis with opts (a region of
// interest, a tissue share).
func ResultKeyFor(fingerprint, bundleSHA string, opts Options) string {
	if opts.MinTissue <= 0 {
		opts.MinTissue = DefaultMinTissue
	}
	return cacheKey(fingerprint, bundleSHA, paramsOf(opts))
}

// ParamsFor returns the parameters of an analysis with the user's µm/px
// (0: the slide's own) and minimum tissue fraction (0: DefaultMinTissue).
func ParamsFor(mppOverride, minTissue float64) Params {
	if minTissue <= 0 {
		minTissue = DefaultMinTissue
	}
	return Params{MPPOverride: mppOverride, MinTissue: minTissue, TissueSide: TissueMaskSide}
}

// paramsOf is the parameters of an analysis with opts.
func paramsOf(opts Options) Params {
	p := ParamsFor(opts.MPP, opts.MinTissue)
	if opts.ROI != nil {
		p.ROI, p.ROIName = opts.ROI.ID(), opts.ROI.Name()
	}
	return p
}

// cacheKey identifies a result: slide content, model bytes, parameters and
// pipeline version.
func cacheKey(fingerprint, modelSHA string, p Params) string {
	params, _ := json.Marshal(p)
	h := sha256.New()
	fmt.Fprintf(h, "tessera-result/%d\n%s\n%s\n%s\n", PipelineVersion, fingerprint, modelSHA, params)
	return hex.EncodeToString(h.Sum(nil))
}

// envelope is the file format: the result and a checksum of its bytes.
type envelope struct {
	SHA256 string          `json:"sha256"`
	Result json.RawMessage `json:"result"`
}

func (c *ResultCache) path(key string) string { return filepath.Join(c.Dir, key+".json") }

// Load returns the cached result for key.
func (c *ResultCache) Load(key string) (*Result, error) {
	data, err := os.ReadFile(c.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrCacheMiss
	}
	if err != nil {
		return nil, err
	}
	var env envelope
	damaged := func(why string) (*Result, error) {
		os.Remove(c.path(key))
		return nil, fmt.Errorf("%w (%s): it will be recomputed", ErrCacheDamaged, why)
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return damaged("not JSON")
	}
	sum := sha256.Sum256(env.Result)
	if hex.EncodeToString(sum[:]) != env.SHA256 {
		return damaged("checksum mismatch")
	}
	var r Result
	if err := json.Unmarshal(env.Result, &r); err != nil || r.Schema != ResultSchema {
		return damaged("unknown format")
	}
	return &r, nil
}

// Store writes a complete result under key. Partial results are not cached.
func (c *ResultCache) Store(key string, r *Result) error {
	if r.Partial {
		return nil
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return fmt.Errorf("result cache: %w", err)
	}
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	env, _ := json.Marshal(envelope{SHA256: hex.EncodeToString(sum[:]), Result: body})
	return atomicfile.Write(c.path(key), func(w io.Writer) error {
		_, err := w.Write(env)
		return err
	})
}

// AnalyzeCached returns the cached result for s and model when there is one
// (Cached reports it), and otherwise analyses and stores the result. A cache
// that cannot be written does not fail the analysis: the error is returned
// in StoreErr for the caller to show.
func AnalyzeCached(ctx context.Context, cache *ResultCache, s slide.Slide, model *Model, opts Options) (res *Result, cached bool, storeErr error, err error) {
	if opts.MinTissue <= 0 {
		opts.MinTissue = DefaultMinTissue
	}
	key := cacheKey(s.Fingerprint(), model.Bundle.SHA256, paramsOf(opts))
	if cache != nil {
		if r, err := cache.Load(key); err == nil {
			return r, true, nil, nil
		}
	}
	res, err = Analyze(ctx, s, model, opts)
	if err != nil || cache == nil {
		return res, false, nil, err
	}
	return res, false, cache.Store(key, res), nil
}

// cachedFiles are the cache's files: results and slide thumbnails.
func (c *ResultCache) cachedFiles() ([]string, error) {
	results, err1 := filepath.Glob(filepath.Join(c.Dir, "*.json"))
	thumbs, err2 := filepath.Glob(filepath.Join(c.Dir, "thumb-*.png"))
	return append(results, thumbs...), errors.Join(err1, err2)
}

// Usage counts the cached results and thumbnails and their bytes.
func (c *ResultCache) Usage() (files int, bytes int64, err error) {
	matches, err := c.cachedFiles()
	for _, m := range matches {
		if st, e := os.Stat(m); e == nil {
			files++
			bytes += st.Size()
		}
	}
	return files, bytes, err
}

// Clear removes every cached result and thumbnail.
func (c *ResultCache) Clear() error {
	matches, err := c.cachedFiles()
	for _, m := range matches {
		if e := os.Remove(m); e != nil && err == nil {
			err = e
		}
	}
	return err
}

// Thumbnail returns slide.ReadThumbnail(s, maxSide), read from the slide
// once and then kept beside the results as a PNG (lossless: the same bits
// as reading the slide again), so that a cached result's heatmap picture
// does not read the slide. A damaged file is read again and replaced; a
// thumbnail that cannot be kept is still returned.
func (c *ResultCache) Thumbnail(s slide.Slide, maxSide int) (*image.RGBA, float64, error) {
	sum := sha256.Sum256([]byte(s.Fingerprint()))
	path := filepath.Join(c.Dir, fmt.Sprintf("thumb-%s-%d.png", hex.EncodeToString(sum[:12]), maxSide))
	l0 := s.Levels()[0]
	if f, err := os.Open(path); err == nil {
		img, err := png.Decode(f)
		f.Close()
		if rgba, ok := img.(*image.RGBA); err == nil && ok && rgba.Bounds().Dx() > 0 {
			return rgba, float64(l0.Width) / float64(rgba.Bounds().Dx()), nil
		}
	}
	img, ds, err := slide.ReadThumbnail(s, maxSide)
	if err != nil {
		return nil, 0, err
	}
	if os.MkdirAll(c.Dir, 0o755) == nil {
		atomicfile.WritePNG(path, img) // best effort: the next read tries again
	}
	return img, ds, nil
}

package inference

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"tessera/internal/atomicfile"
	"tessera/stainnorm"
)

// FeatureCache keeps the encoder's features of complete analyses on disk,
// so that another bundle with the same encoder (another head, another
// threshold) scores a slide without reading or encoding it again. A file
// holds one slide's tile grid, whether the slide is brightfield, each
// tile's quality control (without the reference comparison, which belongs
// to the bundle) and the features as the encoder gave them (32-bit floats:
// the same result, bit for bit, as without the cache; tested). The key is the slide's
// fingerprint, the encoder's sha256, everything that shapes the encoder's
// input (tile size, µm/px, normalisation, channel order, colour handling)
// and the tissue parameters. Files are written atomically; a damaged file
// is removed and the slide analysed again. When the folder grows beyond
// MaxBytes the least recently used files go. Safe for concurrent use by
// goroutines and processes.
type FeatureCache struct {
	Dir      string
	MaxBytes int64 // 0: DefaultFeatureCacheBytes

	mu sync.Mutex // serialises eviction within the process
}

// DefaultFeatureCacheBytes bounds the feature cache: 4 GiB holds about
// 2,000 slides of 1,000 tiles at 1,024 dimensions.
const DefaultFeatureCacheBytes = 4 << 30

// DefaultFeatureCacheDir is $XDG_CACHE_HOME/tessera/features.
func DefaultFeatureCacheDir() string {
	return filepath.Join(filepath.Dir(DefaultResultCacheDir()), "features")
}

// NewFeatureCache returns the cache in dir ("" for the default folder),
// bounded by TESSERA_FEATURE_CACHE_MB when set.
func NewFeatureCache(dir string) *FeatureCache {
	if dir == "" {
		dir = DefaultFeatureCacheDir()
	}
	c := &FeatureCache{Dir: dir}
	if v, err := strconv.ParseInt(os.Getenv("TESSERA_FEATURE_CACHE_MB"), 10, 64); err == nil && v > 0 {
		c.MaxBytes = v << 20
	}
	return c
}

// featureMagic starts every feature file (the version is in it).
const featureMagic = "TESSERA-FEATURES-2\n"

// cachedFeatures is one slide's cached encoding.
type cachedFeatures struct {
	Grid         Grid     `json:"grid"`
	Brightfield  bool     `json:"brightfield"`
	Underexposed bool     `json:"underexposed"`
	QC           []TileQC `json:"qc"`
	Dim          int      `json:"dim"`
	// Bits is 32: features are kept exactly as the encoder gave them, so
	// that a result from cached features is bit for bit the result of a
	// fresh analysis (a result hash a sign-off is bound to must not depend
	// on the cache). Earlier versions kept 16-bit files; those are not read.
	Bits int `json:"bits"`
	// Stain is what stain normalisation did when the features were made.
	Stain    *StainRecord `json:"stain,omitempty"`
	features []float32
}

// featureKey identifies the encoder's features of a slide.
func featureKey(fingerprint string, b *Bundle, mpp float64, opts Options) string {
	m := &b.Manifest
	in := m.Input
	params, _ := json.Marshal(struct {
		TileSize     int
		ModelMPP     float64
		SlideMPP     float64
		MinTissue    float64
		Tissue       int
		Scale        float64
		Mean, Std    []float64
		ChannelOrder string
		Layout       string
		ICC          string
		QC           bool
		Dim          int
		ROI          string
		Pooling      string          `json:",omitempty"` // token outputs: how they are pooled (pooling.go)
		Tokens       int             `json:",omitempty"`
		Prefix       int             `json:",omitempty"`
		Stain        *stainnorm.Spec `json:",omitempty"` // normalised tiles give other features
	}{in.TileSize, in.MPP, mpp, opts.MinTissue, TissueMaskSide, in.Scale, in.Mean, in.Std, in.ChannelOrder, in.Layout, in.ICC, !opts.SkipQC, m.Encoder.FeatureDim, paramsOf(opts).ROI,
		m.Encoder.Pooling, m.Encoder.Tokens, m.Encoder.PrefixTokens, stainSpecKey(m)})
	h := sha256.New()
	fmt.Fprintf(h, "tessera-features/%d\n%s\n%s\n%s\n", PipelineVersion, fingerprint, b.EncoderSHA256, params)
	return hex.EncodeToString(h.Sum(nil))
}

func (c *FeatureCache) path(key string) string { return filepath.Join(c.Dir, key+".tfeat") }

// load reads the features under key; ErrCacheMiss when there are none,
// ErrCacheDamaged (and the file removed) when they cannot be read.
func (c *FeatureCache) load(key string, dim int) (*cachedFeatures, error) {
	p := c.path(key)
	f, err := os.Open(p)
	if err != nil {
		return nil, ErrCacheMiss
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, ErrCacheMiss
	}
	cf, err := readFeatures(bufio.NewReaderSize(f, 1<<20), st.Size(), dim)
	if err != nil {
		f.Close()
		os.Remove(p)
		return nil, fmt.Errorf("%w: %v", ErrCacheDamaged, err)
	}
	now := time.Now()
	os.Chtimes(p, now, now) // recently used
	return cf, nil
}

// maxFeatureTiles bounds a file's tile count (a header never drives a huge
// allocation).
const maxFeatureTiles = 4 << 20

// readFeatures reads a feature file of size bytes; sizes in it are checked
// against size before anything is allocated.
func readFeatures(r io.Reader, size int64, dim int) (*cachedFeatures, error) {
	magic := make([]byte, len(featureMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != featureMagic {
		return nil, errors.New("not a feature file")
	}
	var hlen uint32
	if err := binary.Read(r, binary.LittleEndian, &hlen); err != nil || int64(hlen) > size {
		return nil, errors.New("bad header length")
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, err
	}
	var cf cachedFeatures
	if err := json.Unmarshal(hdr, &cf); err != nil {
		return nil, err
	}
	n := len(cf.Grid.Tiles)
	if cf.Dim != dim || n == 0 || n > maxFeatureTiles || len(cf.QC) != n {
		return nil, fmt.Errorf("%d tiles of %d dimensions, %d QC records", n, cf.Dim, len(cf.QC))
	}
	if int64(n)*int64(dim)*int64(cf.Bits/8) > size {
		return nil, errors.New("the file is shorter than its features")
	}
	if cf.Bits != 32 {
		return nil, fmt.Errorf("%d-bit features", cf.Bits)
	}
	data := make([]float32, n*dim)
	if err := binary.Read(r, binary.LittleEndian, data); err != nil {
		return nil, err
	}
	var sum [32]byte
	if _, err := io.ReadFull(r, sum[:]); err != nil {
		return nil, err
	}
	if featureSum(hdr, data) != sum {
		return nil, errors.New("checksum mismatch")
	}
	cf.features = data
	return &cf, nil
}

func featureSum(hdr []byte, data any) [32]byte {
	h := sha256.New()
	h.Write(hdr)
	binary.Write(h, binary.LittleEndian, data)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// store writes cf under key, then trims the folder to its bound.
func (c *FeatureCache) store(key string, cf *cachedFeatures) error {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	hdr, err := json.Marshal(cf)
	if err != nil {
		return err
	}
	var data any = cf.features
	sum := featureSum(hdr, data)
	err = atomicfile.Write(c.path(key), func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		bw.WriteString(featureMagic)
		binary.Write(bw, binary.LittleEndian, uint32(len(hdr)))
		bw.Write(hdr)
		binary.Write(bw, binary.LittleEndian, data)
		bw.Write(sum[:])
		return bw.Flush()
	})
	if err != nil {
		return err
	}
	return c.trim()
}

// FeatureCacheUsage is the cache folder's size.
type FeatureCacheUsage struct {
	Files int
	Bytes int64
}

// Usage measures the folder.
func (c *FeatureCache) Usage() (FeatureCacheUsage, error) {
	var u FeatureCacheUsage
	files, err := c.files()
	for _, f := range files {
		u.Files++
		u.Bytes += f.size
	}
	return u, err
}

type cacheFile struct {
	path string
	size int64
	used int64 // modification time, ns: the last load or store
}

func (c *FeatureCache) files() ([]cacheFile, error) {
	entries, err := os.ReadDir(c.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []cacheFile
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".tfeat") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, cacheFile{filepath.Join(c.Dir, e.Name()), info.Size(), info.ModTime().UnixNano()})
	}
	return out, nil
}

// trim removes the least recently used files until the folder is within
// its bound.
func (c *FeatureCache) trim() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	limit := c.MaxBytes
	if limit <= 0 {
		limit = DefaultFeatureCacheBytes
	}
	files, err := c.files()
	if err != nil {
		return err
	}
	var total int64
	for _, f := range files {
		total += f.size
	}
	sort.Slice(files, func(i, j int) bool { return files[i].used < files[j].used })
	for _, f := range files {
		if total <= limit {
			break
		}
		if os.Remove(f.path) == nil {
			total -= f.size
		}
	}
	return nil
}

// Clear empties the cache.
func (c *FeatureCache) Clear() error {
	files, err := c.files()
	for _, f := range files {
		if e := os.Remove(f.path); e != nil && err == nil {
			err = e
		}
	}
	return err
}

// The pipeline's side of the cache: scoring from cached features and
// deciding how to keep new ones.

// fromFeatures scores the slide from cached features: the reference
// comparison (the bundle's own) and the head, with one progress event.
func (r *run) fromFeatures(cf *cachedFeatures) error {
	n := len(r.grid.Tiles)
	r.features, r.qc = cf.features, cf.QC
	r.result.Stain = cf.Stain
	r.compareWithReference(0, n)
	r.doneTiles = r.allTiles()
	r.result.Timings.FeaturesCached = true
	if err := r.finish(nil); err != nil {
		return err
	}
	r.result.Timings.FirstScoresMS = msSince(r.start)
	if r.opts.Progress != nil {
		ev := r.progress()
		ev.Grid, ev.Scores = r.grid, r.result.Tiles
		r.opts.Progress(ev)
	}
	return nil
}

// qcWithoutReference is the tiles' quality control without what the
// bundle's reference added (distance, outlier flag): what a feature cache
// keeps for any bundle.
func (r *run) qcWithoutReference() []TileQC {
	out := make([]TileQC, len(r.qc))
	for i, q := range r.qc {
		q.Distance, q.Flags = 0, q.Flags&^QCOutlier
		out[i] = q
	}
	return out
}

package cohort

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"tessera/inference"
	"tessera/internal/atomicfile"
	"tessera/slide"
)

// The output folder of a cohort run (DIR):
//
//	DIR/run.json                   what was run: the cohort file, the bundle and its sha256
//	DIR/slides/NAME-HASH/result.json, heatmap.png   one slide's result, as `tessera analyze` writes it
//	DIR/slides/NAME-HASH/error.json why a slide has no result (for this bundle)
//	DIR/slides.csv, patients.csv, problems.csv      the merge (Merge)
//	DIR/metrics.json                                the statistics (cohort report)
//
// A slide's folder is named by the slide file's name and a hash of its
// path, so that editing the cohort file (adding rows, reordering) keeps the
// results already made. Every file is written whole (atomically): a run
// killed at any moment leaves each slide either done or not started.

// Run describes a cohort run; saved as DIR/run.json by the first run and
// read by Slurm tasks and `cohort status`.
type Run struct {
	Cohort         string `json:"cohort"` // absolute path of COHORT.csv
	Bundle         string `json:"bundle"` // bundle path; "" for the built-in model
	BundleSHA      string `json:"bundle_sha256"`
	Model          string `json:"model"`            // name and version
	NoCache        bool   `json:"no_cache"`         // results computed again, not taken from the cache
	NoFeatureCache bool   `json:"no_feature_cache"` // encoder features computed again
	CacheDir       string `json:"cache_dir"`        // the result cache; "" for the user's
	Provider       string `json:"provider"`         // execution provider asked for
	Engine         string `json:"engine"`           // local or slurm
	SlurmJobID     string `json:"slurm_job_id,omitempty"`
	SlurmTasks     int    `json:"slurm_tasks,omitempty"`
}

// SaveRun writes DIR/run.json.
func SaveRun(dir string, r Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, "run.json"), r)
}

// LoadRun reads DIR/run.json.
func LoadRun(dir string) (Run, error) {
	var r Run
	b, err := os.ReadFile(filepath.Join(dir, "run.json"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return r, fmt.Errorf("%s is not a cohort output folder (no run.json): run `tessera cohort run` first", dir)
		}
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil || r.Cohort == "" {
		return r, fmt.Errorf("%s/run.json is damaged: %v", dir, err)
	}
	return r, nil
}

// SlideDir is the folder of one slide's output.
func SlideDir(dir, slide string) string {
	sum := sha256.Sum256([]byte(slide))
	name := strings.TrimSuffix(filepath.Base(slide), filepath.Ext(slide))
	if len(name) > 60 {
		name = name[:60]
	}
	return filepath.Join(dir, "slides", name+"-"+hex.EncodeToString(sum[:4]))
}

// SlideError is why a slide has no result; saved as error.json.
type SlideError struct {
	BundleSHA string `json:"bundle_sha256"`
	Reason    string `json:"reason"`
	// BadInput is true when the slide itself is the problem (missing,
	// unreadable, no tissue, no µm/px), false for a failure of the run.
	BadInput bool `json:"bad_input"`
}

// SaveResult writes a slide's result (and drops an earlier error).
func SaveResult(dir, slide string, res *inference.Result, heatmapPNG func(path string) error) error {
	sd := SlideDir(dir, slide)
	if err := os.MkdirAll(sd, 0o755); err != nil {
		return err
	}
	if heatmapPNG != nil {
		if err := heatmapPNG(filepath.Join(sd, "heatmap.png")); err != nil {
			return err
		}
	}
	if err := writeJSON(filepath.Join(sd, "result.json"), res); err != nil {
		return err
	}
	os.Remove(filepath.Join(sd, "error.json"))
	return nil
}

// SaveError records why a slide has no result with this bundle.
func SaveError(dir, slide string, e SlideError) error {
	sd := SlideDir(dir, slide)
	if err := os.MkdirAll(sd, 0o755); err != nil {
		return err
	}
	os.Remove(filepath.Join(sd, "result.json"))
	return writeJSON(filepath.Join(sd, "error.json"), e)
}

// SlideState is what the output folder holds for one slide.
type SlideState struct {
	Result *inference.Result // nil when none for this bundle
	Error  *SlideError       // nil when none for this bundle
}

// LoadSlide reads one slide's output; results and errors of another
// bundle count as none, and so does a result made with another µm/px
// than the row gives.
func LoadSlide(dir string, row Row, bundleSHA string) SlideState {
	sd := SlideDir(dir, row.Slide)
	var st SlideState
	if b, err := os.ReadFile(filepath.Join(sd, "result.json")); err == nil {
		var r inference.Result
		if json.Unmarshal(b, &r) == nil && ours(r.Model.SHA256, r.Partial, r.Slide.MPPSource, r.Slide.MPP, row, bundleSHA) {
			st.Result = &r
		}
	}
	if b, err := os.ReadFile(filepath.Join(sd, "error.json")); err == nil && st.Result == nil {
		var e SlideError
		if json.Unmarshal(b, &e) == nil && e.BundleSHA == bundleSHA {
			st.Error = &e
		}
	}
	return st
}

// Done reports whether the slide has a result for this bundle, as
// LoadSlide would say, decoding only what that takes (not the tiles): a
// run deciding what is left to do reads every slide's result. Errors do
// not count: the next run tries again (the file may have been mended).
func Done(dir string, row Row, bundleSHA string) bool {
	b, err := os.ReadFile(filepath.Join(SlideDir(dir, row.Slide), "result.json"))
	if err != nil {
		return false
	}
	var head struct {
		Partial bool `json:"partial"`
		Model   struct {
			SHA256 string `json:"sha256"`
		} `json:"model"`
		Slide struct {
			MPP       float64         `json:"mpp"`
			MPPSource slide.MPPSource `json:"mpp_source"`
		} `json:"slide"`
	}
	return json.Unmarshal(b, &head) == nil && ours(head.Model.SHA256, head.Partial, head.Slide.MPPSource, head.Slide.MPP, row, bundleSHA)
}

// ours reports whether a result (its bundle, whether partial, its µm/px)
// is the one row asks of this bundle.
func ours(sha string, partial bool, source slide.MPPSource, mpp float64, row Row, bundleSHA string) bool {
	if sha != bundleSHA || partial {
		return false
	}
	return row.MPP == 0 || (source == slide.MPPFromUser && math.Abs(mpp-row.MPP) < 1e-9)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { _, err := w.Write(append(b, '\n')); return err })
}

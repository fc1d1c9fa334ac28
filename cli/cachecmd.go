package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"tessera/inference"
)

// CacheCmd runs `tessera cache info|clear [--results] [--features] [--dir DIR]`:
// how big the result and encoder-feature caches are, or empty them.
func CacheCmd(args []string, stdout, stderr io.Writer) error {
	usage := UserError{errors.New("usage: tessera cache info | tessera cache clear [--results] [--features] [--dir DIR]")}
	if len(args) == 0 || (args[0] != "info" && args[0] != "clear") {
		return usage
	}
	fs := newFlags("cache "+args[0], stderr)
	results := fs.Bool("results", false, "clear only the cached results")
	features := fs.Bool("features", false, "clear only the cached encoder features")
	dir := fs.String("dir", "", "a cache folder given to cohort run --cache (default: the user's cache)")
	if rest, err := parseWithPositionals(fs, args[1:]); err != nil {
		return err
	} else if len(rest) > 0 {
		return usage
	}
	rc := &inference.ResultCache{Dir: inference.DefaultResultCacheDir()}
	fc := inference.NewFeatureCache("")
	if *dir != "" {
		rc.Dir = filepath.Join(*dir, "results")
		fc = inference.NewFeatureCache(filepath.Join(*dir, "features"))
	}
	if args[0] == "info" {
		n, b, err := rc.Usage()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "results:  %d files, %s in %s\n", n, mib(b), rc.Dir)
		u, err := fc.Usage()
		if err != nil {
			return err
		}
		limit := fc.MaxBytes
		if limit <= 0 {
			limit = inference.DefaultFeatureCacheBytes
		}
		fmt.Fprintf(stdout, "features: %d files, %s of %s in %s (TESSERA_FEATURE_CACHE_MB sets the bound)\n", u.Files, mib(u.Bytes), mib(limit), fc.Dir)
		return nil
	}
	both := !*results && !*features
	if both || *results {
		if err := rc.Clear(); err != nil {
			return fmt.Errorf("clearing %s: %w", rc.Dir, err)
		}
		fmt.Fprintf(stdout, "cleared the cached results in %s\n", rc.Dir)
	}
	if both || *features {
		if err := fc.Clear(); err != nil {
			return fmt.Errorf("clearing %s: %w", fc.Dir, err)
		}
		fmt.Fprintf(stdout, "cleared the cached encoder features in %s\n", fc.Dir)
	}
	return nil
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

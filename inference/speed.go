package inference

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Honest time: before a long analysis, how long it will take, from the
// speed last measured with the same encoder on this machine (remembered in
// $XDG_CACHE_HOME/tessera/speed, one small file per encoder, provider and
// machine).

// Plan is what an analysis is about to do, said before it starts
// (Options.Planned).
type Plan struct {
	Tiles      int     // tissue tiles to analyse
	FromCache  bool    // the encoder's features are cached: no tile is read or encoded
	Rate       float64 // tiles per second measured before with this encoder here; 0: not yet measured
	Estimate   time.Duration
	Provider   Provider
	machineKey string
}

// Text says the plan in a sentence: "about 14 min for 2,310 tissue tiles at
// 2.7 tiles/s on this machine".
func (p Plan) Text() string {
	switch {
	case p.FromCache:
		return fmt.Sprintf("%s tissue tiles, their features cached: a few seconds", groupThousands(p.Tiles))
	case p.Rate <= 0:
		return fmt.Sprintf("%s tissue tiles; the speed of this model on this machine is measured on the first tiles", groupThousands(p.Tiles))
	}
	return fmt.Sprintf("about %s for %s tissue tiles at %.1f tiles/s on this machine", roughDuration(p.Estimate), groupThousands(p.Tiles), p.Rate)
}

// speedKey names the encoder, provider and machine a rate belongs to.
func speedKey(b *Bundle, p Provider) string {
	host, _ := os.Hostname()
	h := sha256.Sum256([]byte(strings.Join([]string{b.EncoderSHA256, strconv.Itoa(b.Manifest.Input.TileSize), string(p), host, runtime.GOOS, runtime.GOARCH, strconv.Itoa(runtime.NumCPU())}, "\x00")))
	return hex.EncodeToString(h[:12])
}

func speedFile(key string) string {
	return filepath.Join(filepath.Dir(DefaultResultCacheDir()), "speed", key)
}

// plan is the Plan of analysing tiles tissue tiles with model.
func plan(model *Model, tiles int, fromCache bool) Plan {
	p := Plan{Tiles: tiles, FromCache: fromCache, Provider: model.Provider, machineKey: speedKey(model.Bundle, model.Provider)}
	if b, err := os.ReadFile(speedFile(p.machineKey)); err == nil {
		if rate, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64); err == nil && rate > 0 && !math.IsInf(rate, 0) {
			p.Rate = rate
			p.Estimate = time.Duration(float64(tiles) / rate * float64(time.Second))
		}
	}
	return p
}

// rememberSpeed records the tiles per second of an analysis that read and
// encoded at least minTiles tiles (a few tiles say little of the rate); a
// cache that cannot be written only means no estimate next time.
func rememberSpeed(p Plan, tiles int, took time.Duration) {
	const minTiles = 32
	if p.machineKey == "" || p.FromCache || tiles < minTiles || took <= 0 {
		return
	}
	f := speedFile(p.machineKey)
	if os.MkdirAll(filepath.Dir(f), 0o755) == nil {
		os.WriteFile(f, []byte(strconv.FormatFloat(float64(tiles)/took.Seconds(), 'g', 4, 64)), 0o644)
	}
}

// roughDuration is a duration as a person says it: "40 s", "3 min",
// "1 h 20 min".
func roughDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", max(1, int(math.Round(d.Seconds()/5)*5)))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(math.Round(d.Minutes())))
	}
	h := int(d.Hours())
	return fmt.Sprintf("%d h %d min", h, int(math.Round(d.Minutes()))-60*h)
}

// groupThousands writes n with commas between thousands ("2,310").
func groupThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

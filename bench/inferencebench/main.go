// Command inferencebench measures the analysis pipeline against its limits
// on one slide, in one run, and prints each figure as a ratio to its limit:
//
//	go run ./bench/inferencebench -slide BENCH.tif -model BUNDLE
//
// Figures (see docs/BENCHMARKS.md):
//   - whole-slide analysis wall time vs the larger of (the encoder alone on
//     the same pre-decoded tiles) and (reading and preprocessing alone),
//     want ≤ 1.15×;
//   - tiles per second of the whole pipeline vs raw tile reading alone;
//   - time to the first tile scores (want ≤ 1 s) and peak RSS (≤ 1.5 GiB).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tessera/inference"
	"tessera/slide"
)

func main() {
	path := flag.String("slide", "", "slide file")
	bundle := flag.String("model", "", "model bundle (default: built-in)")
	qc := flag.Bool("qc", false, "also measure the cost of per-tile quality control (two more analyses)")
	otherHead := flag.String("other-head", "", "a bundle with the same encoder and another head: measure a re-run from cached features")
	flag.Parse()
	if *path == "" {
		fmt.Fprintln(os.Stderr, "usage: inferencebench -slide FILE [-model BUNDLE]")
		os.Exit(2)
	}
	must := func(err error) {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	b, err := inference.LoadBundleOrBuiltin(*bundle)
	must(err)
	m, err := inference.OpenModel(b, inference.ProviderCPU)
	must(err)
	defer m.Close()
	s, err := slide.Open(*path)
	must(err)
	defer s.Close()
	man := &b.Manifest
	mask, err := inference.DetectTissue(s)
	must(err)
	g, err := inference.PlanGrid(s, s.MPP().Mean(), man.Input.TileSize, man.Input.MPP, mask, inference.DefaultMinTissue)
	must(err)
	n := len(g.Tiles)
	fmt.Printf("model %s (%s), slide %s: %d tissue tiles of %d, %d CPUs\n", man.Name, b.ShortSHA(), *path, n, g.Cols*g.Rows, runtime.NumCPU())

	// 1. Reading and preprocessing alone, same readers as the pipeline.
	readers := runtime.NumCPU()
	start := time.Now()
	readAll(s, &g, m, readers)
	readTime := time.Since(start)

	// 2. The encoder alone on the same tiles, pre-decoded a batch at a time
	// (decoding untimed).
	encTime := encoderAlone(s, &g, m)

	// 3. The whole pipeline.
	var first time.Duration
	start = time.Now()
	res, err := inference.Analyze(context.Background(), s, m, inference.Options{Progress: func(e inference.Event) {
		if first == 0 && e.Scores != nil {
			first = time.Since(start)
		}
	}})
	must(err)
	total := time.Since(start)
	limit := max(readTime, encTime)
	fmt.Printf("reading+preprocessing alone: %v (%.1f tiles/s); encoder alone: %v (%.1f tiles/s)\n",
		readTime.Round(time.Millisecond), float64(n)/readTime.Seconds(), encTime.Round(time.Millisecond), float64(n)/encTime.Seconds())
	fmt.Printf("whole-slide analysis: %v (%.1f tiles/s, p=%.3f) → %.2f× the larger of the two (limit ≤ 1.15×); %.2f× the tile rate of reading alone\n",
		total.Round(time.Millisecond), float64(len(res.Tiles))/total.Seconds(), res.Probability, float64(total)/float64(limit), readTime.Seconds()/total.Seconds())
	fmt.Printf("first tile scores after %v (tissue detection %.0f ms; limit 1 s → %.2f); peak RSS %d MiB (limit 1536 MiB → %.2f)\n",
		first.Round(time.Millisecond), res.Timings.TissueMS, first.Seconds(), peakRSS()>>20, float64(peakRSS())/float64(1536<<20))
	if *qc {
		qcCost(s, m, total, res)
	}
	if *otherHead != "" {
		featureReuse(s, m, *otherHead, total)
	}
}

// featureReuse times the other bundle's analysis from the features this
// one's analysis cached, against this one's whole analysis (total).
func featureReuse(s slide.Slide, m *inference.Model, other string, total time.Duration) {
	dir, err := os.MkdirTemp("", "features-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	fc := &inference.FeatureCache{Dir: dir}
	ob, err := inference.LoadBundle(other)
	if err == nil && ob.EncoderSHA256 != m.Bundle.EncoderSHA256 {
		err = fmt.Errorf("%s has another encoder", other)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	om, err := inference.OpenModel(ob, inference.ProviderCPU)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer om.Close()
	start := time.Now()
	if _, err := inference.Analyze(context.Background(), s, m, inference.Options{FeatureCache: fc}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	storing := time.Since(start)
	start = time.Now()
	res, err := inference.Analyze(context.Background(), s, om, inference.Options{FeatureCache: fc})
	if err != nil || !res.Timings.FeaturesCached {
		fmt.Fprintln(os.Stderr, "the other head did not use the cached features", err)
		os.Exit(1)
	}
	reuse := time.Since(start)
	u, _ := fc.Usage()
	fmt.Printf("feature cache: first analysis storing features %v (%.2f× the analysis without the cache); another head from cached features %v → %.3f× the first analysis (limit ≤ 0.25×); cache file %.1f MiB\n",
		storing.Round(time.Millisecond), float64(storing)/float64(total), reuse.Round(time.Millisecond), float64(reuse)/float64(storing), float64(u.Bytes)/(1<<20))
}

// qcCost times the analysis without quality control, then with it again,
// and compares the faster of the two runs with it to the run without.
func qcCost(s slide.Slide, m *inference.Model, withQC time.Duration, res *inference.Result) {
	timed := func(opts inference.Options) time.Duration {
		start := time.Now()
		_, err := inference.Analyze(context.Background(), s, m, opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return time.Since(start)
	}
	without := timed(inference.Options{SkipQC: true})
	withQC = min(withQC, timed(inference.Options{}))
	fmt.Printf("quality control: analysis %v with it, %v without → %.3f× (limit ≤ 1.10×); %d of %d tiles flagged %v, verdict %s\n",
		withQC.Round(time.Millisecond), without.Round(time.Millisecond), float64(withQC)/float64(without),
		res.QC.Flagged(), res.TilesTotal, res.QC.Counts, res.Validity.Verdict)
}

// readAll decodes and normalises every grid tile with the pipeline's
// reader code on `readers` goroutines, into per-reader batches.
func readAll(s slide.Slide, g *inference.Grid, m *inference.Model, readers int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < readers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, _ := m.NewBatch()
			defer b.Destroy()
			tr := inference.NewTileReader(s, g, m)
			for i := next.Add(1) - 1; i < int64(len(g.Tiles)); i = next.Add(1) - 1 {
				if err := tr.Read(g.Tiles[i], b.Tile(int(i)%b.Size())); err != nil {
					panic(err)
				}
			}
		}()
	}
	wg.Wait()
}

func encoderAlone(s slide.Slide, g *inference.Grid, m *inference.Model) time.Duration {
	b, _ := m.NewBatch()
	defer b.Destroy()
	tr := inference.NewTileReader(s, g, m)
	var total time.Duration
	for first := 0; first < len(g.Tiles); first += b.Size() {
		k := min(b.Size(), len(g.Tiles)-first)
		for i := 0; i < k; i++ {
			tr.Read(g.Tiles[first+i], b.Tile(i))
		}
		t0 := time.Now()
		if _, err := m.Encode(b, k); err != nil {
			panic(err)
		}
		total += time.Since(t0)
	}
	return total
}

func peakRSS() int64 {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb << 10
		}
	}
	return -1
}

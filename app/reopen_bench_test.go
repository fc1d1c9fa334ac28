package app

import (
	"context"
	"os"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// BenchmarkReopenAnalysedSlide measures the time from opening a slide that
// was analysed before to its heatmap on screen: slide open, cache lookup,
// heatmap layer, and every tile of the first frame loaded (1280×800 window).
//
//	TESSERA_BENCH_SLIDE=bench/out/bench-30000x28000.tif go test -run NONE -bench ReopenAnalysed ./app
func BenchmarkReopenAnalysedSlide(b *testing.B) {
	path := benchSlide(b)
	ui := newBenchUI(b)
	defer ui.Close()
	ui.OpenPath(path)
	ui.openWG.Wait()
	analyse(b, ui.current())
	ui.closeCurrent()
	shown := make(chan struct{}, 1)
	ui.onCachedResultShown = func() { shown <- struct{}{} }
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		ui.OpenPath(path)
		ui.openWG.Wait()
		select {
		case <-shown:
		case <-time.After(10 * time.Second):
			b.Fatal("the cached heatmap did not appear")
		}
		if err := ui.current().view.Settle(context.Background()); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		b.StopTimer()
		ui.closeCurrent()
		b.StartTimer()
	}
	ms := float64(total.Microseconds()) / 1000 / float64(b.N)
	b.ReportMetric(ms, "ms/reopen")
	b.ReportMetric(ms/200, "ratio-to-200ms-limit")
}

// benchSlide is the slide the app benchmarks use ($TESSERA_BENCH_SLIDE);
// it skips the benchmark without one or without ONNX Runtime.
func benchSlide(b *testing.B) string {
	b.Helper()
	path := os.Getenv("TESSERA_BENCH_SLIDE")
	if path == "" {
		b.Skip("set TESSERA_BENCH_SLIDE to a slide (bench/run.sh does)")
	}
	requireRuntime(b)
	return path
}

// newBenchUI is the app as the benchmarks run it: the default 512 MiB tile
// cache and a results cache of its own.
func newBenchUI(b *testing.B) *UI {
	ui := NewUI(test.NewTempApp(b), 512<<20)
	ui.results.Dir = b.TempDir()
	return ui
}

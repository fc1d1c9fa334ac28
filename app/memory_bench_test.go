package app

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"tessera/internal/testbundles"
)

// BenchmarkMemoryAfterAnalysis measures the resident memory of the app
// process viewing a slide, after analysing it with the ResNet-18 + ABMIL
// research bundle (sessions still open), and after the idle release
// (sessions closed, free heap returned): the app should return near its
// viewing footprint. Reported as MiB and as the ratio of the released to
// the viewing footprint.
//
//	TESSERA_BENCH_SLIDE=bench/out/bench-30000x28000.tif go test -run NONE -bench MemoryAfterAnalysis -benchtime 1x ./app
func BenchmarkMemoryAfterAnalysis(b *testing.B) {
	path := benchSlide(b)
	resnet := testbundles.Path(b, "resnet-abmil")
	for i := 0; i < b.N; i++ {
		ui := newBenchUI(b)
		ui.limitMemory = true
		ui.updateMemoryLimit()
		ui.OpenPath(path)
		ui.openWG.Wait()
		p := ui.current()
		p.work.wg.Wait()
		viewing := rssMiB(b)
		p.ref.ModelPath = resnet
		analyse(b, p)
		analysed := rssMiB(b)
		ui.releaseIdleMemory()
		released := rssMiB(b)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "go-heap-in-use-MiB")
		b.ReportMetric(float64(ms.HeapSys-ms.HeapReleased)/(1<<20), "go-heap-held-MiB")
		b.ReportMetric(viewing, "viewing-MiB")
		b.ReportMetric(analysed, "after-analysis-MiB")
		b.ReportMetric(released, "after-release-MiB")
		b.ReportMetric(released/viewing, "released/viewing")
		ui.work.close()
		ui.Close()
	}
}

// rssMiB is this process's resident memory (VmRSS), MiB.
func rssMiB(b *testing.B) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Skip("no VmRSS")
	return 0
}

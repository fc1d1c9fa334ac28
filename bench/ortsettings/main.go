// Command ortsettings measures ONNX Runtime session settings on a bundle's
// encoder alone, in one run, as ratios to Tessera's own settings
// (inference/providers.go: intra-op threads = CPUs, inter-op 1, idle
// threads not spinning, graph optimisation "all", memory arena and
// pattern on):
//
//	go run ./bench/ortsettings -model BUNDLE [-tiles 64]
//
// Each variant encodes the same tiles (a fixed pattern) in batches of the
// bundle's size after one warm-up batch. docs/BENCHMARKS.md, "ONNX
// Runtime settings".
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	ort "github.com/yalue/onnxruntime_go"

	"tessera/inference"
)

type variant struct {
	name  string
	apply func(o *ort.SessionOptions) error
}

func main() {
	bundle := flag.String("model", "", "model bundle folder")
	tiles := flag.Int("tiles", 64, "tiles encoded per variant")
	flag.Parse()
	must := func(err error) {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if _, err := inference.InitRuntime(); err != nil {
		must(err)
	}
	b, err := inference.LoadBundle(*bundle)
	must(err)
	man := &b.Manifest
	ts, n := man.Input.TileSize, man.Input.BatchSize
	outShape := ort.NewShape(man.EncoderOutputShape(int64(n))...)
	in, err := ort.NewEmptyTensor[float32](ort.NewShape(int64(n), 3, int64(ts), int64(ts)))
	must(err)
	defer in.Destroy()
	data := in.GetData()
	for i := range data {
		data[i] = float32(i%251)/125 - 1
	}
	out, err := ort.NewEmptyTensor[float32](outShape)
	must(err)
	defer out.Destroy()
	tessera := func(o *ort.SessionOptions) error {
		if err := o.SetIntraOpNumThreads(runtime.NumCPU()); err != nil {
			return err
		}
		if err := o.SetInterOpNumThreads(1); err != nil {
			return err
		}
		return o.AddSessionConfigEntry("session.intra_op.allow_spinning", "0")
	}
	with := func(extra func(o *ort.SessionOptions) error) func(o *ort.SessionOptions) error {
		return func(o *ort.SessionOptions) error {
			if err := tessera(o); err != nil {
				return err
			}
			return extra(o)
		}
	}
	variants := []variant{
		{"Tessera's settings", tessera},
		{"idle threads spinning", with(func(o *ort.SessionOptions) error {
			return o.AddSessionConfigEntry("session.intra_op.allow_spinning", "1")
		})},
		{"graph optimisation: basic", with(func(o *ort.SessionOptions) error {
			return o.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableBasic)
		})},
		{"graph optimisation: extended", with(func(o *ort.SessionOptions) error {
			return o.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableExtended)
		})},
		{"memory arena off", with(func(o *ort.SessionOptions) error { return o.SetCpuMemArena(false) })},
		{"memory pattern off", with(func(o *ort.SessionOptions) error { return o.SetMemPattern(false) })},
		{"one intra-op thread", with(func(o *ort.SessionOptions) error { return o.SetIntraOpNumThreads(1) })},
		{"Tessera's settings, again (the run's noise)", tessera},
	}
	path := *bundle + "/" + man.Encoder.File
	var base float64
	fmt.Printf("%s, %d tiles of %d px in batches of %d, %d CPUs\n", man.Name, *tiles, ts, n, runtime.NumCPU())
	for _, v := range variants {
		o, err := ort.NewSessionOptions()
		must(err)
		must(v.apply(o))
		s, err := ort.NewAdvancedSession(path, []string{man.Encoder.Input}, []string{man.Encoder.Output}, []ort.Value{in}, []ort.Value{out}, o)
		o.Destroy()
		must(err)
		must(s.Run()) // warm-up
		start := time.Now()
		for done := 0; done < *tiles; done += n {
			must(s.Run())
		}
		rate := float64(*tiles) / time.Since(start).Seconds()
		s.Destroy()
		if base == 0 {
			base = rate
		}
		fmt.Printf("%-30s %7.2f tiles/s  %.2f×\n", v.name, rate, rate/base)
	}
}

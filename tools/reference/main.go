// Command reference computes a model bundle's [reference] section (see
// inference.Reference) from reference slides: the slides the model was
// built on, or slides a lab has checked are in its domain.
//
//	go run ./tools/reference [-model BUNDLE] [-append] [-mpp M] SLIDE...
//
// It analyses each slide with the bundle (quality control on), keeps the
// tissue tiles quality control did not flag as artefacts, and prints the
// section: stain optical-density percentiles, feature mean, the top
// principal directions (gonum's symmetric eigendecomposition) and the
// distance 99 % of the tiles stay under. With -append it adds the section
// to the bundle's manifest.toml (which must not have one yet); the
// bundle's sha256 changes, and with it every cached result's key.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"

	"tessera/inference"
	"tessera/slide"
)

// maxDirections is how many principal directions a reference keeps.
const maxDirections = 16

func main() {
	model := flag.String("model", "", "model bundle folder (default: the built-in model)")
	appendTo := flag.Bool("append", false, "append the section to the bundle's manifest.toml")
	mpp := flag.Float64("mpp", 0, "µm/px for slides that carry none")
	flag.Parse()
	if flag.NArg() == 0 || (*appendTo && *model == "") {
		fmt.Fprintln(os.Stderr, "usage: go run ./tools/reference -model BUNDLE [-append] SLIDE...")
		os.Exit(2)
	}
	if err := run(*model, *appendTo, *mpp, flag.Args(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "reference:", err)
		os.Exit(1)
	}
}

func run(bundlePath string, appendTo bool, mpp float64, slides []string, stdout io.Writer) error {
	b, err := inference.LoadBundleOrBuiltin(bundlePath)
	if err != nil {
		return err
	}
	if appendTo && (b.Manifest.Reference.HasFeatures() || b.Manifest.Reference.HasStain()) {
		return fmt.Errorf("%s already has a [reference] section", bundlePath)
	}
	if _, err := inference.InitRuntime(); err != nil {
		return err
	}
	m, err := inference.OpenModel(b, inference.ProviderCPU)
	if err != nil {
		return err
	}
	defer m.Close()
	var feats [][]float64
	var od [3][]float64
	var names []string
	for _, path := range slides {
		s, err := slide.Open(path)
		if err != nil {
			return err
		}
		opts := inference.Options{}
		if !s.MPP().Known() {
			opts.MPP = mpp
		}
		_, err = inference.Analyze(context.Background(), s, m, inference.Options{
			MPP: opts.MPP,
			Features: func(g *inference.Grid, f []float32, dim int, qc []inference.TileQC) {
				for i := range g.Tiles {
					if qc[i].Flags&(inference.QCBlur|inference.QCInk|inference.QCEmpty|inference.QCDark) != 0 {
						continue
					}
					row := make([]float64, dim)
					for j := range row {
						row[j] = float64(f[i*dim+j])
					}
					feats = append(feats, row)
					if qc[i].OD != [3]float32{} {
						for c := 0; c < 3; c++ {
							od[c] = append(od[c], float64(qc[i].OD[c]))
						}
					}
				}
			},
		})
		s.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		names = append(names, filepath.Base(path))
	}
	if len(feats) < 10 {
		return fmt.Errorf("only %d usable tiles in the reference slides: give more tissue", len(feats))
	}
	ref := compute(feats, od)
	ref.Description = fmt.Sprintf("%d tiles of %s (tools/reference)", len(feats), strings.Join(names, ", "))
	text := format(ref)
	if !appendTo {
		_, err := io.WriteString(stdout, text)
		return err
	}
	return inference.AppendManifestSection(bundlePath, text)
}

// compute derives the reference statistics from tile features and ODs.
// The 99 % distance is measured out of sample (two-fold: statistics from
// every other tile, distances of the rest, and the reverse), since tiles
// are always closer to statistics they were part of; the statistics
// themselves come from all tiles.
func compute(feats [][]float64, od [3][]float64) inference.Reference {
	ref := fit(feats)
	var even, odd [][]float64
	for i, f := range feats {
		if i%2 == 0 {
			even = append(even, f)
		} else {
			odd = append(odd, f)
		}
	}
	var dist []float64
	for _, fold := range [][2][][]float64{{even, odd}, {odd, even}} {
		half := fit(fold[0])
		for _, f := range fold[1] {
			dist = append(dist, half.FeatureDistance(toFloat32(f)))
		}
	}
	ref.Distance99 = percentile(dist, 0.99)
	if len(od[0]) > 0 {
		ref.ODLow, ref.ODHigh = make([]float64, 3), make([]float64, 3)
		for c := 0; c < 3; c++ {
			ref.ODLow[c], ref.ODHigh[c] = percentile(od[c], 0.01), percentile(od[c], 0.99)
		}
	}
	return ref
}

// fit computes mean, principal directions and residual variance. The
// residual variance is never taken below the smallest kept direction's:
// with fewer tiles than dimensions the sample cannot see the remaining
// directions vary, and assuming they do not would make every new tile an
// outlier.
func fit(feats [][]float64) inference.Reference {
	n, d := len(feats), len(feats[0])
	ref := inference.Reference{Tiles: n, FeatureMean: make([]float64, d)}
	for _, f := range feats {
		for j, v := range f {
			ref.FeatureMean[j] += v / float64(n)
		}
	}
	cov := mat.NewSymDense(d, nil)
	for _, f := range feats {
		for a := 0; a < d; a++ {
			ca := f[a] - ref.FeatureMean[a]
			for b := a; b < d; b++ {
				cov.SetSym(a, b, cov.At(a, b)+ca*(f[b]-ref.FeatureMean[b])/float64(n-1))
			}
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		panic("eigendecomposition failed")
	}
	values := eig.Values(nil) // ascending
	var vectors mat.Dense
	eig.VectorsTo(&vectors)
	trace := 0.0
	for _, v := range values {
		trace += max(v, 0)
	}
	floor := 1e-9 * max(trace, 1e-12) // directions with no spread carry no information
	kept := 0.0
	for i := d - 1; i >= 0 && len(ref.Basis) < maxDirections; i-- {
		if values[i] <= floor {
			break
		}
		row := make([]float64, d)
		for j := range row {
			row[j] = vectors.At(j, i)
		}
		ref.Basis = append(ref.Basis, row)
		ref.Variance = append(ref.Variance, values[i])
		kept += values[i]
	}
	if k := len(ref.Basis); k < d {
		ref.ResidualVariance = max((trace-kept)/float64(d-k), floor)
		if n <= d {
			ref.ResidualVariance = max(ref.ResidualVariance, ref.Variance[k-1])
		}
	}
	return ref
}

func toFloat32(f []float64) []float32 {
	x := make([]float32, len(f))
	for i, v := range f {
		x[i] = float32(v)
	}
	return x
}

func percentile(v []float64, q float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[min(int(math.Ceil(q*float64(len(s))))-1, len(s)-1)]
}

// format writes the section as TOML.
func format(r inference.Reference) string {
	var b strings.Builder
	list := func(v []float64) string {
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprintf("%.6g", x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	fmt.Fprintf(&b, "[reference]\ndescription = %q\ntiles = %d\n", r.Description, r.Tiles)
	if len(r.ODLow) == 3 {
		fmt.Fprintf(&b, "od_low = %s\nod_high = %s\n", list(r.ODLow), list(r.ODHigh))
	}
	fmt.Fprintf(&b, "feature_mean = %s\nfeature_variance = %s\nresidual_variance = %.6g\ndistance_99 = %.6g\nfeature_basis = [\n", list(r.FeatureMean), list(r.Variance), r.ResidualVariance, r.Distance99)
	for _, row := range r.Basis {
		fmt.Fprintf(&b, "  %s,\n", list(row))
	}
	b.WriteString("]\n")
	return b.String()
}

// Command stainfit fits a stain normalisation target on reference slides
// (the slides the model was trained on, or slides of the lab's stain that
// a pathologist chose) and prints a bundle's [input.stain_normalisation]
// section, like tools/reference does for [reference].
//
//	go run ./tools/stainfit -method macenko|vahadane|reinhard [-fit slide|tile] [-model BUNDLE] [-append] [-mpp M] SLIDE...
//
// It reads tissue tiles spread over each slide at the bundle's tile size
// and µm/px (the built-in model's without -model), exactly as the
// analysis reads them, and fits the method on all of them together
// (package stainnorm). With -append the section is added to the bundle's
// manifest.toml (which must declare none yet): the bundle's sha256
// changes, and with it every cached result's key.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"tessera/inference"
	"tessera/slide"
	"tessera/stainnorm"
)

// tilesPerSlide and maxPixels bound the fit's sample.
const (
	tilesPerSlide = 64
	maxPixels     = 400000
)

func main() {
	method := flag.String("method", "macenko", "reinhard, macenko or vahadane")
	fit := flag.String("fit", stainnorm.PerSlide, "the bundle's fitting policy: slide or tile")
	model := flag.String("model", "", "model bundle folder (default: the built-in model)")
	appendTo := flag.Bool("append", false, "append the section to the bundle's manifest.toml")
	mpp := flag.Float64("mpp", 0, "µm/px for slides that carry none")
	flag.Parse()
	if flag.NArg() == 0 || (*appendTo && *model == "") {
		fmt.Fprintln(os.Stderr, "usage: go run ./tools/stainfit -method macenko|vahadane|reinhard [-fit slide|tile] [-model BUNDLE [-append]] [-mpp M] SLIDE...")
		os.Exit(2)
	}
	if err := run(*method, *fit, *model, *appendTo, *mpp, flag.Args(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "stainfit:", err)
		os.Exit(1)
	}
}

func run(method, fit, bundlePath string, appendTo bool, mpp float64, slides []string, stdout io.Writer) error {
	b, err := inference.LoadBundleOrBuiltin(bundlePath)
	if err != nil {
		return err
	}
	if appendTo && b.Manifest.Input.StainNormalisation.Active() {
		return fmt.Errorf("%s already declares a stain normalisation", bundlePath)
	}
	var images []stainnorm.Image
	for _, p := range slides {
		s, err := slide.Open(p)
		if err != nil {
			return err
		}
		tiles, err := inference.StainSampleTiles(s, &b.Manifest, mpp, tilesPerSlide)
		s.Close()
		if err != nil {
			return err // names the slide
		}
		images = append(images, tiles...)
	}
	st, err := stainnorm.Fit(method, images, maxPixels)
	if err != nil {
		return fmt.Errorf("the reference slides cannot be fitted: %w", err)
	}
	spec := stainnorm.Spec{Method: method, Fit: fit}
	switch method {
	case stainnorm.Reinhard:
		spec.LabMean, spec.LabStd = st.LabMean[:], st.LabStd[:]
	default:
		spec.StainMatrix = [][]float64{st.Stains[0][:], st.Stains[1][:]}
		spec.MaxConcentrations = st.MaxConc[:]
	}
	if err := spec.Validate("input.stain_normalisation"); err != nil {
		return fmt.Errorf("the fit does not make a valid section: %w", err)
	}
	section := sectionText(spec, slides, len(images), st.Pixels)
	if !appendTo {
		_, err := io.WriteString(stdout, section)
		return err
	}
	if err := inference.AppendManifestSection(bundlePath, section); err != nil {
		return err
	}
	if _, err := inference.LoadBundle(bundlePath); err != nil {
		return fmt.Errorf("the bundle with the section does not load: %w", err)
	}
	fmt.Fprintf(stdout, "appended [input.stain_normalisation] (%s) to %s\n", method, filepath.Join(bundlePath, "manifest.toml"))
	return nil
}

// sectionText is the TOML section, with where it came from as comments.
func sectionText(s stainnorm.Spec, slides []string, tiles, pixels int) string {
	names := make([]string, len(slides))
	for i, p := range slides {
		names[i] = filepath.Base(p)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Fitted by tools/stainfit on %d tissue tiles (%d pixels) of: %s\n", tiles, pixels, strings.Join(names, ", "))
	fmt.Fprintf(&b, "[input.stain_normalisation]\nmethod = %q\nfit = %q\n", s.Method, s.Fit)
	list := func(v []float64) string {
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprintf("%.6g", x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	if s.Method == stainnorm.Reinhard {
		fmt.Fprintf(&b, "lab_mean = %s\nlab_std = %s\n", list(s.LabMean), list(s.LabStd))
	} else {
		fmt.Fprintf(&b, "stain_matrix = [%s, %s]   # haematoxylin, eosin: unit optical densities (R, G, B)\n", list(s.StainMatrix[0]), list(s.StainMatrix[1]))
		fmt.Fprintf(&b, "max_concentrations = %s\n", list(s.MaxConcentrations))
	}
	return b.String()
}

package stainnorm

import (
	"encoding/json"
	"fmt"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"tessera/internal/testbundles"
	"tessera/internal/testslides"
	"tessera/slide"
)

const tileSide = 256

// tissueTiles reads the n tiles of the slide's level 0 (a grid of
// tileSide) with the most tissue pixels, most first.
func tissueTiles(t *testing.T, rel string, n int) []*image.RGBA {
	t.Helper()
	s, err := slide.Open(filepath.Join(testslides.Dir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l0 := s.Levels()[0]
	type scored struct {
		img    *image.RGBA
		tissue int
	}
	var all []scored
	for y := int64(0); y+tileSide <= l0.Height; y += tileSide {
		for x := int64(0); x+tileSide <= l0.Width; x += tileSide {
			img := image.NewRGBA(image.Rect(0, 0, tileSide, tileSide))
			if err := s.ReadRegion(img, 0, x, y); err != nil {
				t.Fatal(err)
			}
			count := 0
			imageOf(img).each(func(int) { count++ })
			all = append(all, scored{img, count})
		}
	}
	for i := 0; i < n; i++ { // selection: n is small
		best := i
		for j := i + 1; j < len(all); j++ {
			if all[j].tissue > all[best].tissue {
				best = j
			}
		}
		all[i], all[best] = all[best], all[i]
	}
	out := make([]*image.RGBA, n)
	for i := range out {
		out[i] = all[i].img
	}
	return out
}

func imageOf(img *image.RGBA) Image {
	return Image{Pix: img.Pix, Stride: img.Stride, W: img.Rect.Dx(), H: img.Rect.Dy()}
}

func clone(img *image.RGBA) *image.RGBA {
	c := *img
	c.Pix = append([]byte(nil), img.Pix...)
	return &c
}

func rawRGB(img *image.RGBA) []byte {
	out := make([]byte, 0, len(img.Pix)/4*3)
	for i := 0; i < len(img.Pix); i += 4 {
		out = append(out, img.Pix[i], img.Pix[i+1], img.Pix[i+2])
	}
	return out
}

// meanAbsDiff is the mean absolute difference per channel of img and raw RGB.
func meanAbsDiff(img *image.RGBA, raw []byte) (d [3]float64) {
	n := 0
	for i, j := 0, 0; i < len(img.Pix); i, j = i+4, j+3 {
		for c := 0; c < 3; c++ {
			d[c] += math.Abs(float64(img.Pix[i+c]) - float64(raw[j+c]))
		}
		n++
	}
	for c := range d {
		d[c] /= float64(n)
	}
	return d
}

type referenceFit struct {
	Mean, Std []float64
	Stains    [][]float64
	Max       []float64
}

// reference runs testdata/reference.py (numpy, written from the papers).
func reference(t *testing.T, method string, src, tgt *image.RGBA, given string) ([]byte, map[string]referenceFit) {
	t.Helper()
	dir := t.TempDir()
	srcPath, tgtPath, outPath := filepath.Join(dir, "src.rgb"), filepath.Join(dir, "tgt.rgb"), filepath.Join(dir, "out.rgb")
	os.WriteFile(srcPath, rawRGB(src), 0o644)
	os.WriteFile(tgtPath, rawRGB(tgt), 0o644)
	args := []string{"testdata/reference.py", method, srcPath, tgtPath, fmt.Sprint(tileSide), fmt.Sprint(tileSide), outPath}
	if given != "" {
		p := filepath.Join(dir, "given.json")
		os.WriteFile(p, []byte(given), 0o644)
		args = append(args, p)
	}
	cmd := exec.Command(testbundles.Python, args...)
	js, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && strings.Contains(string(ee.Stderr), "No module named") {
			t.Skipf("numpy is missing: %s", ee.Stderr)
		}
		t.Fatalf("reference.py: %v", err)
	}
	var fits map[string]referenceFit
	if err := json.Unmarshal(js, &fits); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	return out, fits
}

// The Go normalisers against an independent numpy implementation, on real
// tiles: a CMU-1 tile normalised to a TCGA tile (another lab's stain).
func TestMatchesIndependentImplementation(t *testing.T) {
	srcTiles := tissueTiles(t, "aperio/CMU-1-Small-Region.svs", 2)
	tgt := tissueTiles(t, "aperio/tcga-cr-7395-01a-01-ts1.svs", 1)[0]
	for _, method := range []string{Reinhard, Macenko, Vahadane} {
		for i, src := range srcTiles {
			t.Run(fmt.Sprintf("%s/%d", method, i), func(t *testing.T) {
				fs, err := Fit(method, []Image{imageOf(src)}, 0)
				if err != nil {
					t.Fatal(err)
				}
				ft, err := Fit(method, []Image{imageOf(tgt)}, 0)
				if err != nil {
					t.Fatal(err)
				}
				given := ""
				if method == Vahadane {
					js, _ := json.Marshal(map[string]any{"source": map[string]any{"stains": fs.Stains}, "target": map[string]any{"stains": ft.Stains}})
					given = string(js)
				}
				want, fits := reference(t, method, src, tgt, given)
				got := clone(src)
				Apply(method, imageOf(got), fs, ft)
				d := meanAbsDiff(got, want)
				changed := meanAbsDiff(got, rawRGB(src))
				t.Logf("mean |Go − numpy| per channel %.3f %.3f %.3f; mean change %.1f %.1f %.1f; %d tissue pixels", d[0], d[1], d[2], changed[0], changed[1], changed[2], fs.Pixels)
				for c := range d {
					if d[c] > 1 {
						t.Errorf("channel %d: mean absolute difference %.3f grey levels, want ≤ 1", c, d[c])
					}
				}
				if changed[0]+changed[1]+changed[2] < 3 {
					t.Errorf("the tile hardly changed (%v): the test compares nothing", changed)
				}
				switch method {
				case Reinhard:
					for c := 0; c < 3; c++ {
						if math.Abs(fs.LabMean[c]-fits["source"].Mean[c]) > 1e-4 || math.Abs(fs.LabStd[c]-fits["source"].Std[c]) > 1e-4 {
							t.Errorf("Lab fit %v %v, numpy %v %v", fs.LabMean, fs.LabStd, fits["source"].Mean, fits["source"].Std)
						}
					}
				case Macenko:
					for k := 0; k < 2; k++ {
						if a := angle(fs.Stains[k], vec(fits["source"].Stains[k])); a > 0.01 {
							t.Errorf("stain %d: %.4f° from numpy's", k, a)
						}
					}
				}
			})
		}
	}
}

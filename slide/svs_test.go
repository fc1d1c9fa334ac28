//go:build !windows && !noopenslide

package slide

import (
	"image"
	"math"
	"path/filepath"
	"slices"
	"testing"
)

// pixelDiff compares two RGBA images: the largest and the mean absolute
// difference per channel (alpha left out).
func pixelDiff(a, b *image.RGBA) (maxDiff int, mean float64) {
	var sum, n float64
	for p := 0; p < len(a.Pix); p += 4 {
		for c := 0; c < 3; c++ {
			d := int(a.Pix[p+c]) - int(b.Pix[p+c])
			if d < 0 {
				d = -d
			}
			maxDiff = max(maxDiff, d)
			sum += float64(d)
			n++
		}
	}
	return maxDiff, sum / n
}

// Tessera's own SVS reader (the Windows build's) against OpenSlide on every
// shared SVS file: the same levels, downsamples, µm/px, objective,
// associated images and Aperio properties, and the same pixels.
func TestSVSReaderMatchesOpenSlide(t *testing.T) {
	dir := sharedSlides(t)
	for _, name := range []string{"aperio/CMU-1-Small-Region.svs", "aperio/tcga-cr-7395-01a-01-ts1.svs", "aperio/openslide-python-small.svs"} {
		path := filepath.Join(dir, name)
		own, err := openSVS(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ref, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if ref.Format() != "aperio" {
			t.Fatalf("%s: OpenSlide did not open it (%s)", name, ref.Format())
		}
		if !slices.Equal(own.Levels(), ref.Levels()) || own.MPP() != ref.MPP() || own.ObjectivePower() != ref.ObjectivePower() || own.Fingerprint() != ref.Fingerprint() {
			t.Errorf("%s: levels %v / %v, mpp %v / %v, objective %v / %v", name, own.Levels(), ref.Levels(), own.MPP(), ref.MPP(), own.ObjectivePower(), ref.ObjectivePower())
		}
		on, rn := own.AssociatedImageNames(), ref.AssociatedImageNames()
		slices.Sort(on)
		slices.Sort(rn)
		if !slices.Equal(on, rn) {
			t.Errorf("%s: associated %v, OpenSlide %v", name, on, rn)
		}
		rp := ref.Properties()
		for k, v := range own.Properties() {
			if rv, ok := rp[k]; ok && rv != v {
				t.Errorf("%s: property %s = %q, OpenSlide %q", name, k, v, rv)
			}
		}
		for k := range rp {
			if _, ok := own.Properties()[k]; !ok && len(k) > 7 && k[:7] == "aperio." {
				t.Errorf("%s: OpenSlide has %s, the own reader not", name, k)
			}
		}
		for level, l := range ref.Levels() {
			w, h := int(min(l.Width, 700)), int(min(l.Height, 500))
			// Where x0 / downsample is whole: OpenSlide paints a level at a
			// fractional offset with cairo (interpolated), which no
			// integer reader reproduces; at whole offsets the pixels agree.
			k := int64(math.Round(l.Downsample * 1000))
			for _, at := range [][2]int64{{0, 0}, {(l.Width - int64(w)) / 2 * k / 1000, 0}} {
				if float64(at[0])/l.Downsample != math.Round(float64(at[0])/l.Downsample) {
					at = [2]int64{0, 0}
				}
				a, b := image.NewRGBA(image.Rect(0, 0, w, h)), image.NewRGBA(image.Rect(0, 0, w, h))
				if err := own.ReadRegion(a, level, at[0], at[1]); err != nil {
					t.Fatal(err)
				}
				if err := ref.ReadRegion(b, level, at[0], at[1]); err != nil {
					t.Fatal(err)
				}
				mx, mean := pixelDiff(a, b)
				t.Logf("%s level %d at %v: max |Δ| %d, mean %.4f", name, level, at, mx, mean)
				// JPEG: Go's and libjpeg's inverse DCTs round apart by one
				// grey level at most; JPEG 2000 (OpenJPEG both) is exact.
				if mx > 1 || mean > 0.05 {
					t.Errorf("%s level %d at %v: pixels differ from OpenSlide's by up to %d (mean %.3f)", name, level, at, mx, mean)
				}
			}
		}
		for _, n := range rn {
			a, err1 := own.AssociatedImage(n)
			b, err2 := ref.AssociatedImage(n)
			if err1 != nil || err2 != nil || a.Rect != b.Rect {
				t.Errorf("%s %s: %v %v", name, n, err1, err2)
				continue
			}
			mx, mean := pixelDiff(a, b)
			t.Logf("%s %s: max |Δ| %d, mean %.4f", name, n, mx, mean)
			if mx > 1 || mean > 0.05 {
				t.Errorf("%s %s: pixels differ from OpenSlide's by up to %d (mean %.3f)", name, n, mx, mean)
			}
		}
		own.Close()
		ref.Close()
	}
}

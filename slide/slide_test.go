package slide

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestMPPFromProperties(t *testing.T) {
	cases := []struct {
		name   string
		props  map[string]string
		want   float64
		source MPPSource
	}{
		{"vendor", map[string]string{"openslide.mpp-x": "0.499", "openslide.mpp-y": "0.499"}, 0.499, MPPFromVendor},
		{"tiff centimetre (vips)", map[string]string{"tiff.XResolution": "20000", "tiff.YResolution": "20000", "tiff.ResolutionUnit": "centimeter"}, 0.5, MPPFromTIFF},
		{"tiff inch", map[string]string{"tiff.XResolution": "101600", "tiff.ResolutionUnit": "inch"}, 0.25, MPPFromTIFF},
		{"72 dpi default is not a calibration", map[string]string{"tiff.XResolution": "72", "tiff.YResolution": "72", "tiff.ResolutionUnit": "inch"}, 0, MPPUnknown},
		{"unit none", map[string]string{"tiff.XResolution": "20000", "tiff.ResolutionUnit": "none"}, 0, MPPUnknown},
		{"vendor garbage falls back to tiff", map[string]string{"openslide.mpp-x": "abc", "tiff.XResolution": "40000", "tiff.ResolutionUnit": "centimeter"}, 0.25, MPPFromTIFF},
		{"nothing", map[string]string{}, 0, MPPUnknown},
		{"zero vendor", map[string]string{"openslide.mpp-x": "0", "openslide.mpp-y": "0"}, 0, MPPUnknown},
	}
	for _, c := range cases {
		m := MPPFromProperties(c.props)
		if m.Source != c.source || math.Abs(m.Mean()-c.want) > 1e-9 {
			t.Errorf("%s: got %v, want %.4g from %s", c.name, m, c.want, c.source)
		}
	}
}

func TestBestLevelForDownsample(t *testing.T) {
	lv := []Level{{Downsample: 1}, {Downsample: 4.00015}, {Downsample: 16.0003}}
	for _, c := range []struct {
		ds   float64
		want int
	}{{0.5, 0}, {1, 0}, {3.99, 0}, {4.0001, 1}, {15, 1}, {16.0003, 2}, {100, 2}} {
		if got := BestLevelForDownsample(lv, c.ds); got != c.want {
			t.Errorf("ds %v: level %d, want %d", c.ds, got, c.want)
		}
	}
}

func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big := make([]byte, 5<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	a, _ := FingerprintFile(write("a.svs", big))
	b, _ := FingerprintFile(write("copy-with-other-name.svs", big))
	if a != b || a == "" {
		t.Errorf("same content, different fingerprints: %q %q", a, b)
	}
	big[len(big)-10] ^= 1 // the tail is always sampled
	c, _ := FingerprintFile(write("c.svs", big))
	if c == a {
		t.Error("changed tail, same fingerprint")
	}
	d, _ := FingerprintFile(write("d.svs", big[:len(big)-1]))
	if d == c {
		t.Error("changed size, same fingerprint")
	}
	if _, err := FingerprintFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file fingerprinted")
	}
}

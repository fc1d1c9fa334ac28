package inference

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tessera/internal/testbundles"
)

// A bundle whose encoder keeps its weights in ONNX external data (the
// built-in model saved that way) loads from its folder, is analysed by a
// session ONNX Runtime makes from the folder, and gives the built-in
// model's probability exactly; its encoder identity (the feature cache's
// key) covers the data file.
func TestExternalDataBundle(t *testing.T) {
	dir := testbundles.WithExternalData(t)
	b, err := LoadBundle(dir)
	if err != nil {
		t.Fatal(err)
	}
	builtin, err := LoadBuiltinBundle()
	if err != nil {
		t.Fatal(err)
	}
	if files, _ := onnxExternalFiles(b.Encoder); b.encoderPath() == "" || b.EncoderSHA256 == builtin.EncoderSHA256 || len(files) != 1 || files[0] != "encoder.onnx.data" {
		t.Fatalf("external data not taken as such: path %q, the graph reads %v", b.encoderPath(), files)
	}
	if files, err := onnxExternalFiles(builtin.Encoder); err != nil || len(files) != 0 {
		t.Errorf("the built-in encoder reads %v (%v), want nothing outside it", files, err)
	}
	s := openShared(t, "aperio/CMU-1-Small-Region.svs")
	ext := opened(t, func() (*Bundle, error) { return b, nil })
	in := builtinModel(t)
	a, err := Analyze(context.Background(), s, ext, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := Analyze(context.Background(), s, in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Probability != want.Probability {
		t.Errorf("external data: p = %v, built-in %v", a.Probability, want.Probability)
	}
}

// Missing, altered or unlisted data files, and a zipped bundle with
// external data, are refused with the file named.
func TestExternalDataRefused(t *testing.T) {
	cases := []struct {
		name string
		edit func(t *testing.T, dir string) string // returns the bundle path to load
		want string
	}{
		{"missing", func(t *testing.T, dir string) string {
			os.Remove(filepath.Join(dir, "encoder.onnx.data"))
			return dir
		}, "encoder.onnx.data (manifest encoder.external_data) is missing"},
		{"altered", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "encoder.onnx.data")
			data, _ := os.ReadFile(p)
			data[len(data)/2] ^= 1
			os.WriteFile(p, data, 0o644)
			return dir
		}, "encoder.onnx.data has sha256"},
		{"unlisted", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "manifest.toml")
			m, _ := os.ReadFile(p)
			var kept []string
			for _, l := range strings.Split(string(m), "\n") {
				if !strings.HasPrefix(l, "external_data") {
					kept = append(kept, l)
				}
			}
			os.WriteFile(p, []byte(strings.Join(kept, "\n")), 0o644)
			return dir
		}, "reads its weights from encoder.onnx.data, which manifest encoder.external_data does not list"},
		{"zipped", func(t *testing.T, dir string) string {
			return zipFolder(t, dir)
		}, "unpack the bundle into a folder"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := c.edit(t, testbundles.WithExternalData(t))
			_, err := LoadBundle(path)
			if !errors.Is(err, ErrBadBundle) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one saying %q", err, c.want)
			}
		})
	}
}

// A data file changed after the bundle was loaded is caught when the
// session is made: ONNX Runtime would otherwise run other weights under the
// loaded bundle's sha256.
func TestExternalDataChangedAfterLoad(t *testing.T) {
	requireRuntime(t)
	dir := testbundles.WithExternalData(t)
	b, err := LoadBundle(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "encoder.onnx.data")
	data, _ := os.ReadFile(p)
	data[len(data)-1] ^= 1
	os.WriteFile(p, data, 0o644)
	if _, err := OpenModel(b, ProviderCPU); !errors.Is(err, ErrBadBundle) || !strings.Contains(err.Error(), "changed or disappeared since the bundle was loaded") {
		t.Errorf("error %v", err)
	}
}

func zipFolder(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bundle.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		w, _ := zw.Create(e.Name())
		r, _ := os.Open(filepath.Join(dir, e.Name()))
		io.Copy(w, r)
		r.Close()
	}
	zw.Close()
	f.Close()
	return path
}

// FuzzONNXExternalFiles: any bytes give a list or an error, never a panic
// or a hang.
func FuzzONNXExternalFiles(f *testing.F) {
	if b, err := LoadBuiltinBundle(); err == nil {
		f.Add(b.Encoder)
		f.Add(b.Head)
	}
	f.Add([]byte{0x3a, 0x05, 0x2a, 0x03, 0x70, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		onnxExternalFiles(data)
	})
}

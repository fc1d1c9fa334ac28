package inference

import (
	"archive/zip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tessera/assets"
	"tessera/internal/testbundles"
)

// copyBuiltin writes the built-in bundle to a folder the test may damage.
func copyBuiltin(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(assets.BuiltinModel, "builtin-model", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := assets.BuiltinModel.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, filepath.Base(p)), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func editManifest(t *testing.T, dir, old, new string) {
	t.Helper()
	p := filepath.Join(dir, "manifest.toml")
	data, _ := os.ReadFile(p)
	if !strings.Contains(string(data), old) {
		t.Fatalf("manifest lacks %q", old)
	}
	os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644)
}

// loadAndOpen loads the bundle in dir and opens its sessions (where the
// tensors are checked), closing them again.
func loadAndOpen(dir string) error {
	b, err := LoadBundle(dir)
	if err != nil {
		return err
	}
	m, err := OpenModel(b, ProviderCPU)
	if err != nil {
		return err
	}
	m.Close()
	return nil
}

func TestBadBundles(t *testing.T) {
	requireRuntime(t)
	cases := []struct {
		name   string
		break_ func(t *testing.T, dir string)
		want   []string
	}{
		{"missing head file", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "head.onnx")) },
			[]string{"head file head.onnx", "missing"}},
		{"wrong hash", func(t *testing.T, dir string) {
			editManifest(t, dir, `sha256 = "`, `sha256 = "00`)
		}, []string{"encoder file encoder.onnx has sha256", "manifest encoder.sha256"}},
		{"wrong input size", func(t *testing.T, dir string) { editManifest(t, dir, "tile_size = 224", "tile_size = 256") },
			[]string{"encoder.onnx input \"tiles\"", "want [N,3,256,256]"}},
		{"wrong output name", func(t *testing.T, dir string) {
			editManifest(t, dir, `tile_output = "tile_scores"`, `tile_output = "scores"`)
		}, []string{"head.onnx has no output named \"scores\"", "tile_scores"}},
		{"encoder replaced by another file", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "encoder.onnx"), []byte("this is not a protobuf"), 0o644)
		}, []string{"encoder file encoder.onnx has sha256", "the file was changed"}},
		{"unknown field", func(t *testing.T, dir string) { editManifest(t, dir, "[input]", "[input]\ntile_sise = 3") },
			[]string{"unknown fields: input.tile_sise"}},
		{"bad threshold", func(t *testing.T, dir string) { editManifest(t, dir, "threshold = 0.5", "threshold = 5") },
			[]string{"output.threshold", "between 0 and 1"}},
		{"bad head kind", func(t *testing.T, dir string) { editManifest(t, dir, `kind = "chowder"`, `kind = "transformer"`) },
			[]string{"head.kind", "chowder, attention-mil"}},
		{"no manifest", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "manifest.toml")) },
			[]string{"manifest.toml is missing"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyBuiltin(t)
			c.break_(t, dir)
			err := loadAndOpen(dir)
			if !errors.Is(err, ErrBadBundle) {
				t.Fatalf("error %v, want ErrBadBundle", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// A file that is not ONNX but whose hash the manifest states correctly
// must be reported as not ONNX.
func TestNotONNXWithMatchingHash(t *testing.T) {
	requireRuntime(t)
	dir := copyBuiltin(t)
	junk := []byte("this is not a protobuf")
	os.WriteFile(filepath.Join(dir, "encoder.onnx"), junk, 0o644)
	data, _ := os.ReadFile(filepath.Join(dir, "manifest.toml"))
	b, _ := LoadBuiltinBundle()
	newManifest := strings.Replace(string(data), b.Manifest.Encoder.SHA256, sha256Hex(junk), 1)
	os.WriteFile(filepath.Join(dir, "manifest.toml"), []byte(newManifest), 0o644)
	err := loadAndOpen(dir)
	if err == nil || !strings.Contains(err.Error(), "encoder.onnx is not a valid ONNX model") {
		t.Errorf("error %v", err)
	}
}

func TestNaNOutputIsRefused(t *testing.T) {
	requireRuntime(t)
	b, err := LoadBundle(testbundles.Path(t, "nan"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = OpenModel(b, ProviderCPU)
	if !errors.Is(err, ErrBadBundle) || !strings.Contains(err.Error(), "not finite") {
		t.Errorf("error %v, want a bad bundle that is not finite", err)
	}
}

func TestBundleFromZip(t *testing.T) {
	requireRuntime(t)
	dir := copyBuiltin(t)
	zpath := filepath.Join(t.TempDir(), "model.zip")
	f, _ := os.Create(zpath)
	zw := zip.NewWriter(f)
	for _, name := range []string{"manifest.toml", "encoder.onnx", "head.onnx"} {
		w, _ := zw.Create("demo-bundle/" + name)
		src, _ := os.Open(filepath.Join(dir, name))
		io.Copy(w, src)
		src.Close()
	}
	zw.Close()
	f.Close()
	b, err := LoadBundle(zpath)
	if err != nil {
		t.Fatal(err)
	}
	builtin, _ := LoadBuiltinBundle()
	if b.SHA256 != builtin.SHA256 {
		t.Errorf("zip bundle sha %s differs from the same files' %s", b.ShortSHA(), builtin.ShortSHA())
	}
	if _, err := LoadBundle(filepath.Join(dir, "manifest.toml")); !errors.Is(err, ErrBadBundle) {
		t.Errorf("a plain file loaded as a bundle: %v", err)
	}
}

func TestResearchBundleLoads(t *testing.T) {
	requireRuntime(t)
	b, err := LoadBundle(testbundles.Path(t, "resnet-abmil"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := OpenModel(b, ProviderCPU)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	if b.Manifest.Head.Kind != HeadAttentionMIL || b.Manifest.Encoder.FeatureDim != 512 {
		t.Errorf("manifest %+v", b.Manifest)
	}
}

// A bundle is validated once per machine: a second process (here a second
// OpenModel) creates its sessions and nothing more.
func TestValidationIsRemembered(t *testing.T) {
	requireRuntime(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	b, err := LoadBuiltinBundle()
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} {
		m, err := OpenModel(b, ProviderCPU)
		if err != nil {
			t.Fatal(err)
		}
		if m.ValidatedNow != want {
			t.Errorf("open %d: validated now %v, want %v", i+1, m.ValidatedNow, want)
		}
		m.Close()
	}
	// Another bundle (another sha256) is validated on its own.
	dir := copyBuiltin(t)
	editManifest(t, dir, "threshold = 0.5", "threshold = 0.6")
	other, err := LoadBundle(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := OpenModel(other, ProviderCPU)
	if err != nil || !m.ValidatedNow {
		t.Errorf("a changed bundle was not validated: %v", err)
	}
	if m != nil {
		m.Close()
	}
}

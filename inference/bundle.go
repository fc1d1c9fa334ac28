package inference

import (
	"archive/zip"

	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	ort "github.com/yalue/onnxruntime_go"

	"tessera/assets"
)

// ErrBadBundle marks errors in a model bundle (the user's input).
var ErrBadBundle = errors.New("invalid model bundle")

// maxModelFile caps one ONNX file read from a bundle (ViT-L encoders are ~1.2 GB).
const maxModelFile = 4 << 30

// BuiltinSource is Bundle.Source for the embedded bundle.
const BuiltinSource = "built-in"

// Bundle is a model bundle read into memory and checked: manifest fields,
// files and hashes. (Its tensors are checked by OpenModel, which needs ONNX
// Runtime; a bundle alone is enough to find cached results.) It is
// immutable and safe to share.
type Bundle struct {
	Source string // folder or .zip path, or BuiltinSource
	// Folder is Source when the bundle is a folder ("" for a .zip or the
	// built-in one): sessions of an encoder with external data are made
	// from the files there.
	Folder   string
	Manifest Manifest
	Encoder  []byte // encoder.onnx
	Head     []byte // head.onnx; nil for tile classifiers
	// SHA256 identifies the model: the hash of the manifest, encoder and
	// head bytes. Results and caches carry it.
	SHA256 string
	// EncoderSHA256 identifies the encoder alone (the hash of its bytes,
	// and of its external data files' hashes): bundles that share it share
	// cached features.
	EncoderSHA256 string
}

// ShortSHA is the first 12 hex digits of SHA256, for display.
func (b *Bundle) ShortSHA() string { return b.SHA256[:12] }

// Builtin reports whether this is the embedded demonstration bundle.
func (b *Bundle) Builtin() bool { return b.Source == BuiltinSource }

func bundleError(source, format string, args ...any) error {
	return fmt.Errorf("%w %s: %s", ErrBadBundle, source, fmt.Sprintf(format, args...))
}

// LoadBuiltinBundle returns the embedded demonstration bundle.
func LoadBuiltinBundle() (*Bundle, error) {
	sub, err := fs.Sub(assets.BuiltinModel, "builtin-model")
	if err != nil {
		return nil, err
	}
	return loadBundleFS(sub, BuiltinSource, false)
}

// LoadBundleOrBuiltin is LoadBundle, or LoadBuiltinBundle when path is "".
func LoadBundleOrBuiltin(path string) (*Bundle, error) {
	if path == "" {
		return LoadBuiltinBundle()
	}
	return LoadBundle(path)
}

// LoadBundle reads and checks a bundle folder or .zip (whose manifest may sit
// at the top or in one folder). It does not need ONNX Runtime.
func LoadBundle(p string) (*Bundle, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, bundleError(p, "cannot be read: %v", err)
	}
	if st.IsDir() {
		return loadBundleFS(os.DirFS(p), p, true)
	}
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, bundleError(p, "is neither a folder nor a .zip file (%v)", err)
	}
	defer zr.Close()
	root := "."
	if _, err := fs.Stat(zr, "manifest.toml"); err != nil {
		matches, _ := fs.Glob(zr, "*/manifest.toml")
		if len(matches) != 1 {
			return nil, bundleError(p, "the zip has no manifest.toml at its top or in one folder")
		}
		root = path.Dir(matches[0])
	}
	sub, err := fs.Sub(zr, root)
	if err != nil {
		return nil, bundleError(p, "%v", err)
	}
	return loadBundleFS(sub, p, false)
}

// loadBundleFS reads a bundle from fsys; folder is true when source is a
// folder on disk (external data can be read from it).
func loadBundleFS(fsys fs.FS, source string, folder bool) (*Bundle, error) {
	manifestBytes, err := readLimited(fsys, "manifest.toml", 1<<20)
	if err != nil {
		return nil, bundleError(source, "manifest.toml is missing or unreadable (%v)", err)
	}
	b := &Bundle{Source: source}
	if folder {
		b.Folder = source
	}
	md, err := toml.Decode(string(manifestBytes), &b.Manifest)
	if err != nil {
		return nil, bundleError(source, "manifest.toml is not valid TOML: %v", err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		keys := make([]string, len(undecoded))
		for i, k := range undecoded {
			keys[i] = k.String()
		}
		sort.Strings(keys)
		return nil, bundleError(source, "manifest.toml has unknown fields: %s (a typo?)", strings.Join(keys, ", "))
	}
	m := &b.Manifest
	if err := m.Validate(); err != nil {
		return nil, bundleError(source, "%v", err)
	}
	if b.Encoder, b.EncoderSHA256, err = readModelFile(fsys, source, "encoder", m.Encoder.File, m.Encoder.SHA256); err != nil {
		return nil, err
	}
	if b.EncoderSHA256, err = checkExternalData(fsys, source, folder, m, b.Encoder, b.EncoderSHA256); err != nil {
		return nil, err
	}
	if m.HasHead() {
		if b.Head, _, err = readModelFile(fsys, source, "head", m.Head.File, m.Head.SHA256); err != nil {
			return nil, err
		}
	}
	h := sha256.New()
	h.Write(manifestBytes)
	h.Write(b.Encoder)
	h.Write(b.Head)
	b.SHA256 = hex.EncodeToString(h.Sum(nil))
	if folder && len(b.Encoder) > encoderInMemoryLimit {
		// ONNX Runtime reads it from the folder (encoderPath): give the
		// bytes back to the system now, before it loads its own copy.
		b.Encoder = nil
		debug.FreeOSMemory()
	}
	return b, nil
}

// encoderInMemoryLimit bounds the encoder bytes a folder bundle keeps in
// memory after they are hashed: a larger encoder (a ViT-B is 330 MB) is
// read by ONNX Runtime from the folder, as one with external data is, so
// the process does not hold its weights twice.
const encoderInMemoryLimit = 64 << 20

func readLimited(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		// One allocation of the file's size: reading a 45 MB encoder
		// through a growing buffer cost more than hashing it.
		if st.Size() > limit {
			return nil, fmt.Errorf("larger than %d bytes", limit)
		}
		data := make([]byte, st.Size())
		if _, err := io.ReadFull(f, data); err != nil {
			return nil, err
		}
		if n, _ := f.Read(make([]byte, 1)); n > 0 {
			return nil, errors.New("the file grew while it was read")
		}
		return data, nil
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}

// readModelFile reads an ONNX file named by the manifest, checks its hash
// and returns the file and its sha256 (hex).
func readModelFile(fsys fs.FS, source, role, name, wantSHA string) ([]byte, string, error) {
	if !fs.ValidPath(name) {
		return nil, "", bundleError(source, "%s.file %q is not a plain file name inside the bundle", role, name)
	}
	data, err := readLimited(fsys, name, maxModelFile)
	if err != nil {
		return nil, "", bundleError(source, "%s file %s (manifest %s.file) is missing or unreadable: %v", role, name, role, err)
	}
	sum := sha256.Sum256(data)
	got := hex.EncodeToString(sum[:])
	if !strings.EqualFold(got, strings.TrimSpace(wantSHA)) {
		return nil, "", bundleError(source, "%s file %s has sha256 %s but manifest %s.sha256 says %q: the file was changed or the manifest is wrong", role, name, got, role, wantSHA)
	}
	return data, got, nil
}

// checkTensors compares the ONNX files' declared inputs and outputs with
// the manifest: names, element types, ranks and fixed sizes.
func (b *Bundle) checkTensors() error {
	m := &b.Manifest
	ts := int64(m.Input.TileSize)
	enc := tensorSpec{file: m.Encoder.File,
		inputs:  map[string][]int64{m.Encoder.Input: {-1, 3, ts, ts}},
		outputs: map[string][]int64{m.Encoder.Output: m.EncoderOutputShape(-1)}}
	if err := enc.check(b.Source, b.Encoder, b.encoderPath()); err != nil {
		return err
	}
	if !m.HasHead() {
		return nil
	}
	head := tensorSpec{file: m.Head.File,
		inputs:  map[string][]int64{m.Head.Input: {1, -1, int64(m.Encoder.FeatureDim)}},
		outputs: map[string][]int64{m.Head.SlideOutput: nil, m.Head.TileOutput: {1, -1}}}
	return head.check(b.Source, b.Head, "")
}

// encoderPath is the encoder's file on disk when ONNX Runtime must read it
// from there (its weights are in external data files beside it); "" when
// its bytes are enough.
func (b *Bundle) encoderPath() string {
	if (len(b.Manifest.Encoder.ExternalData) == 0 && b.Encoder != nil) || b.Folder == "" {
		return ""
	}
	return filepath.Join(b.Folder, filepath.FromSlash(b.Manifest.Encoder.File))
}

// verifyOnDisk hashes again the encoder files ONNX Runtime is about to
// read from the folder (encoderPath): a file changed since the bundle was
// loaded would otherwise run under the loaded bundle's sha256.
func (b *Bundle) verifyOnDisk() error {
	m := &b.Manifest
	fsys := os.DirFS(b.Folder)
	files := append([]DataFile{{File: m.Encoder.File, SHA256: m.Encoder.SHA256}}, m.Encoder.ExternalData...)
	for _, f := range files {
		got, err := hashFile(fsys, f.File)
		if err != nil || !strings.EqualFold(got, strings.TrimSpace(f.SHA256)) {
			return bundleError(b.Source, "the encoder file %s changed or disappeared since the bundle was loaded: choose the bundle again", f.File)
		}
	}
	return nil
}

// tensorSpec lists expected tensors: -1 is any size, nil any shape.
type tensorSpec struct {
	file            string
	inputs, outputs map[string][]int64
}

// check reads the tensors from data, or from the file at path when it is
// not "" (a model with external data).
func (s tensorSpec) check(source string, data []byte, path string) error {
	var ins, outs []ort.InputOutputInfo
	var err error
	if path != "" {
		ins, outs, err = ort.GetInputOutputInfo(path)
	} else {
		ins, outs, err = ort.GetInputOutputInfoWithONNXData(data)
	}
	if err != nil {
		return bundleError(source, "%s is not a valid ONNX model: %v", s.file, firstLine(err.Error()))
	}
	if err := matchTensors(source, s.file, "input", ins, s.inputs); err != nil {
		return err
	}
	return matchTensors(source, s.file, "output", outs, s.outputs)
}

func matchTensors(source, file, kind string, have []ort.InputOutputInfo, want map[string][]int64) error {
	byName := map[string]ort.InputOutputInfo{}
	var names []string
	for _, t := range have {
		byName[t.Name] = t
		names = append(names, t.Name)
	}
	for name, shape := range want {
		t, ok := byName[name]
		if !ok {
			return bundleError(source, "%s has no %s named %q (it has %s); fix the manifest's tensor name", file, kind, name, strings.Join(names, ", "))
		}
		if t.OrtValueType != ort.ONNXTypeTensor || t.DataType != ort.TensorElementDataTypeFloat {
			return bundleError(source, "%s %s %q is %v of %v, want a float32 tensor", file, kind, name, t.OrtValueType, t.DataType)
		}
		if shape == nil {
			continue
		}
		dims := t.Dimensions
		if len(dims) != len(shape) {
			return bundleError(source, "%s %s %q has shape %v, want rank %d %s", file, kind, name, dims, len(shape), shapeText(shape))
		}
		for i, d := range shape {
			if d >= 0 && dims[i] >= 0 && dims[i] != d {
				return bundleError(source, "%s %s %q has shape %v, want %s (check input.tile_size and encoder.feature_dim)", file, kind, name, dims, shapeText(shape))
			}
		}
	}
	return nil
}

func shapeText(shape []int64) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		if d < 0 {
			parts[i] = "N"
		} else {
			parts[i] = fmt.Sprint(d)
		}
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// PeekBundleName reads only the manifest of the bundle folder or .zip at p
// and returns its name and version: cheap enough to label a list of
// bundles (LoadBundle reads and hashes the model files).
func PeekBundleName(p string) (name, version string, err error) {
	var data []byte
	if st, err := os.Stat(p); err != nil {
		return "", "", err
	} else if st.IsDir() {
		data, err = readLimited(os.DirFS(p), "manifest.toml", 1<<20)
		if err != nil {
			return "", "", err
		}
	} else {
		zr, err := zip.OpenReader(p)
		if err != nil {
			return "", "", err
		}
		defer zr.Close()
		matches, _ := fs.Glob(zr, "manifest.toml")
		if len(matches) == 0 {
			matches, _ = fs.Glob(zr, "*/manifest.toml")
		}
		if len(matches) != 1 {
			return "", "", errors.New("no manifest.toml")
		}
		if data, err = readLimited(zr, matches[0], 1<<20); err != nil {
			return "", "", err
		}
	}
	var m struct {
		Name    string `toml:"name"`
		Version string `toml:"version"`
	}
	if _, err := toml.Decode(string(data), &m); err != nil || m.Name == "" {
		return "", "", fmt.Errorf("manifest without a name: %v", err)
	}
	return m.Name, m.Version, nil
}

// AppendManifestSection adds section (TOML text, e.g. a [reference] or
// [input.stain_normalisation] a tool computed) at the end of the
// manifest.toml of the bundle folder dir. The bundle's sha256 changes with
// it, and with it every cached result's key.
func AppendManifestSection(dir, section string) error {
	f, err := os.OpenFile(filepath.Join(dir, "manifest.toml"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, "\n"+section); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

package inference

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"path"
	"strings"
)

// DataFile is one ONNX external data file of a bundle's encoder: the
// weights a large encoder (ViT-L and up) keeps beside encoder.onnx,
// relative to the bundle's folder, and its sha256.
type DataFile struct {
	File   string `toml:"file"`
	SHA256 string `toml:"sha256"`
}

// checkExternalData checks the encoder's external data files against the
// manifest: every file the graph reads is listed, every listed file is
// there with its sha256 (hashed as a stream: the weights are never held in
// Go's memory), and the bundle is a folder (ONNX Runtime reads the files
// beside encoder.onnx itself). It returns the encoder's identity for the
// feature cache: the hash of encoder.onnx and the data files' hashes.
func checkExternalData(fsys fs.FS, source string, folder bool, m *Manifest, encoder []byte, encoderSHA string) (string, error) {
	declared := map[string]bool{}
	for _, d := range m.Encoder.ExternalData {
		declared[path.Clean(d.File)] = true
	}
	used, err := onnxExternalFiles(encoder)
	if err != nil {
		return "", bundleError(source, "%s is not a valid ONNX model: %v", m.Encoder.File, err)
	}
	for _, f := range used {
		if !declared[path.Clean(f)] {
			return "", bundleError(source, "%s reads its weights from %s, which manifest encoder.external_data does not list (with its sha256)", m.Encoder.File, f)
		}
	}
	if len(m.Encoder.ExternalData) == 0 {
		return encoderSHA, nil
	}
	if !folder {
		return "", bundleError(source, "its encoder keeps its weights in external data files (%s), which ONNX Runtime reads from a folder: unpack the bundle into a folder and choose the folder", m.Encoder.ExternalData[0].File)
	}
	h := sha256.New()
	h.Write([]byte(encoderSHA))
	for _, d := range m.Encoder.ExternalData {
		if !fs.ValidPath(d.File) || strings.Contains(d.File, "\\") {
			return "", bundleError(source, "encoder.external_data file %q is not a plain file name inside the bundle", d.File)
		}
		got, err := hashFile(fsys, d.File)
		if err != nil {
			return "", bundleError(source, "the encoder's data file %s (manifest encoder.external_data) is missing or unreadable: %v; copy the whole bundle folder again", d.File, err)
		}
		if !strings.EqualFold(got, strings.TrimSpace(d.SHA256)) {
			return "", bundleError(source, "the encoder's data file %s has sha256 %s but the manifest says %q: the file was changed or damaged; copy the whole bundle folder again", d.File, got, d.SHA256)
		}
		h.Write([]byte(got))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashFile is the sha256 (hex) of a file, read as a stream.
func hashFile(fsys fs.FS, name string) (string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

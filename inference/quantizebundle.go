package inference

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"tessera/slide"
)

// Quantized is an int8 variant of a bundle, in memory, before its parity
// is measured and it is written (QuantizeBundle, WriteQuantized).
type Quantized struct {
	Bundle *Bundle // the variant: the int8 encoder, the source's head and manifest
	Source *Bundle
	Stats  QuantizeStats
}

// QuantizeBundle makes the int8 variant of src (its encoder through
// QuantizeEncoder), ready to be opened for MeasureParity.
func QuantizeBundle(src *Bundle) (*Quantized, error) {
	if src.Folder == "" {
		return nil, bundleError(src.Source, "quantise a bundle folder (unpack the .zip first): the int8 variant is written beside its files")
	}
	if src.Manifest.Precision.Reduced() {
		return nil, bundleError(src.Source, "its encoder is already %s", src.Manifest.Precision.Weights)
	}
	enc, st, err := QuantizeEncoder(src)
	if err != nil {
		return nil, bundleError(src.Source, "cannot be quantised: %v", err)
	}
	b := *src
	b.Folder, b.Encoder = "", enc
	sum := sha256.Sum256(enc)
	b.EncoderSHA256 = hex.EncodeToString(sum[:])
	m := &b.Manifest
	m.Encoder.SHA256, m.Encoder.ExternalData = b.EncoderSHA256, nil
	m.Version = src.Manifest.Version + "+int8"
	m.Precision = Precision{Weights: PrecisionInt8, Method: int8Method, SourceEncoderSHA256: src.EncoderSHA256,
		Tolerances: src.Manifest.Precision.Tolerances.withDefaults()}
	h := sha256.New()
	h.Write([]byte("int8 variant, not yet written\n"))
	h.Write(enc)
	h.Write(b.Head)
	b.SHA256 = hex.EncodeToString(h.Sum(nil)) // replaced by the written manifest's
	return &Quantized{Bundle: &b, Source: src, Stats: st}, nil
}

// int8Method says in words what QuantizeEncoder does, for the manifest.
const int8Method = "dynamic int8 (tessera bundle quantize): weight matrix products as ONNX Runtime DynamicQuantizeMatMul, weights int8 symmetric per output column, activations uint8 per call; other operators fp32"

// MeasureParity measures the variant against its source on slides (see
// MeasureParity), opening both with provider p, and records the report in
// the variant's manifest. The report is returned whether or not it meets
// the tolerances; err is the gate's refusal when it does not.
func (q *Quantized) MeasureParity(ctx context.Context, p Provider, slides []slide.Slide, progress func(string)) (*ParityReport, error) {
	ref, err := OpenModel(q.Source, p)
	if err != nil {
		return nil, err
	}
	defer ref.Close()
	qm, err := OpenModel(q.Bundle, p)
	if err != nil {
		return nil, fmt.Errorf("the int8 encoder does not open: %w", err)
	}
	defer qm.Close()
	tol := q.Bundle.Manifest.Precision.Tolerances
	rep, err := MeasureParity(ctx, ref, qm, slides, tol.MinCosine, progress)
	if err != nil {
		return nil, err
	}
	q.Bundle.Manifest.Precision.Parity = rep
	return rep, rep.Check(tol)
}

// WriteQuantized writes the measured variant into the new folder out:
// the int8 encoder (one file, no external data), the source's head and
// other files, and its manifest: the source's with the encoder's hash,
// "+int8" on the version and a [precision] section with the parity
// report. The written bundle is loaded back (its gate included) before
// WriteQuantized returns it.
func (q *Quantized) WriteQuantized(out string) (*Bundle, error) {
	prec := q.Bundle.Manifest.Precision
	if prec.Parity == nil {
		return nil, errors.New("measure the int8 encoder's parity first")
	}
	if err := prec.Parity.Check(prec.Tolerances); err != nil {
		return nil, err
	}
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s exists and is not empty: choose a new folder", out)
	}
	manifest, err := q.manifest()
	if err != nil {
		return nil, err
	}
	tmp := out + ".partial"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, err
	}
	src := &q.Source.Manifest
	files := map[string][]byte{"manifest.toml": manifest, src.Encoder.File: q.Bundle.Encoder}
	if src.HasHead() {
		files[src.Head.File] = q.Source.Head
	}
	for name, data := range files {
		p := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			os.RemoveAll(tmp)
			return nil, fmt.Errorf("writing %s: %w", name, err)
		}
	}
	if err := copyOtherFiles(q.Source, tmp); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	os.Remove(out) // an empty folder
	if err := os.Rename(tmp, out); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	b, err := LoadBundle(out)
	if err != nil {
		return nil, fmt.Errorf("the written bundle does not load: %w", err)
	}
	return b, nil
}

// manifest is the source's manifest.toml with the variant's changes,
// re-encoded from its TOML tree (so that every section the source has,
// known to this version or not, is kept as it was).
func (q *Quantized) manifest() ([]byte, error) {
	raw, err := readSourceManifest(q.Source)
	if err != nil {
		return nil, err
	}
	var tree map[string]any
	if _, err := toml.Decode(string(raw), &tree); err != nil {
		return nil, err
	}
	m := &q.Bundle.Manifest
	enc, _ := tree["encoder"].(map[string]any)
	if enc == nil {
		return nil, errors.New("the source manifest has no [encoder]")
	}
	enc["sha256"] = m.Encoder.SHA256
	delete(enc, "external_data")
	tree["version"] = m.Version
	tree["precision"] = m.Precision
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# The int8 variant of %s %s (encoder %s), made by `tessera bundle quantize` on %s.\n# Its [precision.parity] was measured against that fp32 encoder; Tessera refuses it if the report falls short of [precision.tolerances].\n\n",
		q.Source.Manifest.Name, q.Source.Manifest.Version, q.Source.EncoderSHA256[:12], time.Now().UTC().Format("2006-01-02"))
	if err := toml.NewEncoder(&buf).Encode(tree); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// readSourceManifest reads the source bundle's manifest.toml from its folder.
func readSourceManifest(b *Bundle) ([]byte, error) {
	if b.Folder == "" {
		return nil, fmt.Errorf("%s: quantise a bundle folder (unpack the .zip first)", b.Source)
	}
	return os.ReadFile(filepath.Join(b.Folder, "manifest.toml"))
}

// copyOtherFiles copies the source folder's other regular files (a
// licence, a README) into dst; the manifest, the ONNX files and the
// external data are the variant's own.
func copyOtherFiles(src *Bundle, dst string) error {
	m := &src.Manifest
	skip := map[string]bool{"manifest.toml": true, m.Encoder.File: true, m.Head.File: true}
	for _, d := range m.Encoder.ExternalData {
		skip[d.File] = true
	}
	entries, err := os.ReadDir(src.Folder)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || skip[e.Name()] || strings.HasSuffix(e.Name(), ".onnx") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src.Folder, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			return fmt.Errorf("copying %s: %w", e.Name(), err)
		}
	}
	return nil
}

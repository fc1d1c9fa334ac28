package inference

import (
	"encoding/binary"

	"context"
	"google.golang.org/protobuf/encoding/protowire"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tessera/internal/testbundles"
	"tessera/slide"
)

// A ViT-S with its weights in external data, quantised to int8: the
// matrix products are rewritten, the weights read from the data file, the
// parity against fp32 measured on a real slide's tissue tiles, the variant
// written, loaded back through its gate, and analysed.
func TestQuantizeViTMeasuresParityAndLoads(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and runs ViT-S bundles")
	}
	s := openShared(t, "aperio/CMU-1-Small-Region.svs")
	ref := opened(t, func() (*Bundle, error) { return LoadBundle(testbundles.Path(t, "vit-s-external")) })
	q, err := QuantizeBundle(ref.Bundle)
	if err != nil {
		t.Fatal(err)
	}
	// ViT-S/16: 12 blocks × (qkv, proj, fc1, fc2) weight products; the
	// 24 activation products of attention and the patch convolution stay.
	if st := q.Stats; st.MatMulsQuantized != 48 || st.MatMulsKept != 24 || st.ConvsKept != 1 ||
		math.Abs(float64(st.WeightsAfter)/float64(st.WeightsBefore)-0.25) > 0.01 {
		t.Errorf("stats %+v", st)
	}
	var seen []string
	rep, err := q.MeasureParity(context.Background(), ProviderCPU, []slide.Slide{s}, func(n string) { seen = append(seen, n) })
	if err != nil {
		t.Fatalf("gate: %v (report %+v)", err, rep)
	}
	t.Logf("%s; cosine min %.5f, share ≥ 0.99 %.4f", rep.Summary(), rep.CosineMin, rep.CosineShare)
	if rep.Tiles < 40 || len(seen) != 1 || rep.CosineMedian >= 1 || rep.CosineP1 < 0.99 || rep.MaxDeltaP <= 0 ||
		rep.ClassAgreement != 1 || rep.RankCorrelationMin < 0.9 || rep.CPU != CPUKind() || rep.Runtime == "" {
		t.Errorf("report %+v", rep)
	}
	// The same measurement against tolerances it does not meet: the gate
	// refuses with the figures, and nothing is written.
	tight := ParityTolerances{MinCosine: 0.9999999}
	if err := rep.Check(tight); err == nil || !strings.Contains(err.Error(), "but the tolerance asks ≥ 0.9999999") {
		t.Errorf("tight tolerances: %v", err)
	}
	kept := q.Bundle.Manifest.Precision.Tolerances
	q.Bundle.Manifest.Precision.Tolerances = tight
	refused := filepath.Join(t.TempDir(), "refused")
	if _, err := q.WriteQuantized(refused); err == nil {
		t.Error("a variant short of its tolerances was written")
	}
	if _, err := os.Stat(refused); !os.IsNotExist(err) {
		t.Errorf("refused variant on disk: %v", err)
	}
	q.Bundle.Manifest.Precision.Tolerances = kept
	out := filepath.Join(t.TempDir(), "int8")
	b, err := q.WriteQuantized(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.WriteQuantized(out); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("writing over a bundle: %v", err)
	}
	if p := b.Manifest.Precision; !p.Reduced() || p.Parity == nil || p.SourceEncoderSHA256 != ref.Bundle.EncoderSHA256 ||
		!strings.HasSuffix(b.Manifest.Version, "+int8") || len(b.Manifest.Encoder.ExternalData) != 0 {
		t.Errorf("written manifest: %+v, version %s", p, b.Manifest.Version)
	}
	if st, err := os.Stat(filepath.Join(out, "encoder.onnx")); err != nil || st.Size() > q.Stats.WeightsBefore/3 {
		t.Errorf("int8 encoder file: %v, %v", st, err)
	}
	m := opened(t, func() (*Bundle, error) { return b, nil })
	r, err := Analyze(context.Background(), s, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fp32, err := Analyze(context.Background(), s, ref, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Model.Precision != PrecisionInt8 || !strings.Contains(r.Model.Parity, "parity with fp32") || r.Runtime.CPU == "" ||
		math.Abs(r.Probability-fp32.Probability) > rep.MaxDeltaP+1e-6 || r.HasCaveat(CaveatPrecisionCPU) {
		t.Errorf("int8 result: precision %q parity %q cpu %q p %v (fp32 %v) caveats %v", r.Model.Precision, r.Model.Parity, r.Runtime.CPU, r.Probability, fp32.Probability, r.Caveats())
	}
	// The manifest's report is what the gate reads: altered to fall
	// short, the bundle is refused with the figures.
	raw, _ := os.ReadFile(filepath.Join(out, "manifest.toml"))
	bad := strings.Replace(string(raw), "class_agreement = 1.0", "class_agreement = 0.5", 1)
	if bad == string(raw) {
		t.Fatalf("no class_agreement line in\n%s", raw)
	}
	os.WriteFile(filepath.Join(out, "manifest.toml"), []byte(bad), 0o644)
	if _, err := LoadBundle(out); err == nil || !strings.Contains(err.Error(), "same class on 50 % of 1 slides") {
		t.Errorf("altered report: %v", err)
	}
}

func TestParityGateGivesTheFigures(t *testing.T) {
	good := ParityReport{Slides: []string{"a.svs", "b.svs"}, Tiles: 1000, CosineMin: 0.97, CosineP1: 0.991, CosineMedian: 0.998,
		CosineShare: 0.995, CosineShareAt: 0.99, MaxDeltaP: 0.004, ClassAgreement: 1, RankCorrelationMin: 0.98}
	if err := good.Check(ParityTolerances{}); err != nil {
		t.Errorf("good report refused: %v", err)
	}
	bad := good
	bad.CosineShare, bad.MaxDeltaP, bad.ClassAgreement = 0.95, 0.03, 0.5
	err := bad.Check(ParityTolerances{})
	for _, want := range []string{"≥ 0.99 on 95.0 % of 1000 tiles (tolerance: 99.0 %", "same class on 50 % of 2 slides", "|Δ probability| up to 0.0300 (tolerance: 0.01)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
	// A tolerance tighter than the cosine the share was counted at cannot
	// be judged from the report, unless every tile reached it.
	if err := good.Check(ParityTolerances{MinCosine: 0.995}); err == nil || !strings.Contains(err.Error(), "measure the parity again") {
		t.Errorf("stale share: %v", err)
	}
	if err := good.Check(ParityTolerances{MinCosine: 0.96}); err != nil {
		t.Errorf("every tile above a looser cosine: %v", err)
	}
	// A bundle's own tolerances replace the defaults.
	if err := good.Check(ParityTolerances{MaxDeltaP: 0.001}); err == nil || !strings.Contains(err.Error(), "tolerance: 0.001") {
		t.Errorf("declared tolerance: %v", err)
	}
	for _, p := range []Precision{
		{Weights: "fp16"},
		{Weights: PrecisionInt8, SourceEncoderSHA256: "ab"},
		{Weights: PrecisionInt8, Parity: &good},
		{Weights: PrecisionFP32, Parity: &good},
		{Tolerances: ParityTolerances{MinCosine: 2}},
	} {
		if err := p.validate(); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	ok := Precision{Weights: PrecisionInt8, SourceEncoderSHA256: "ab", Parity: &good}
	if err := ok.validate(); err != nil || ok.Tolerances.MinCosine != DefaultMinCosine {
		t.Errorf("valid int8 precision: %v %+v", err, ok)
	}
}

func TestInt8OnAnotherProcessorKindIsACaveat(t *testing.T) {
	r := &Result{}
	r.Model.Precision, r.Model.ParityCPU, r.Model.ParityVNNI = PrecisionInt8, "x86-64 AVX2 AVX-512 VNNI", true
	r.Runtime.CPU, r.Runtime.VNNI = "x86-64 AVX2", false
	if !r.HasCaveat(CaveatPrecisionCPU) {
		t.Errorf("caveats %v", r.Caveats())
	}
	r.Runtime.VNNI = true
	if r.HasCaveat(CaveatPrecisionCPU) {
		t.Error("same kind flagged")
	}
	r.Model.Precision, r.Runtime.VNNI = "", false
	if r.HasCaveat(CaveatPrecisionCPU) {
		t.Error("fp32 flagged")
	}
}

func TestRanksAndSpearman(t *testing.T) {
	got := ranks([]float64{3, 1, 3, 2})
	want := []float64{3.5, 1, 3.5, 2}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ranks %v, want %v", got, want)
		}
	}
	ts := func(v ...float32) []TileScore {
		out := make([]TileScore, len(v))
		for i := range v {
			out[i].Score = v[i]
		}
		return out
	}
	if r := spearman(ts(1, 2, 3, 4), ts(10, 20, 30, 45)); math.Abs(r-1) > 1e-12 {
		t.Errorf("monotone: %v", r)
	}
	if r := spearman(ts(1, 2, 3, 4), ts(4, 3, 2, 1)); math.Abs(r+1) > 1e-12 {
		t.Errorf("reversed: %v", r)
	}
	if r := spearman(ts(1, 1, 1), ts(2, 2, 2)); r != 1 {
		t.Errorf("constant: %v", r)
	}
}

// The rewrite never panics on a damaged or crafted file.
func FuzzQuantizeModel(f *testing.F) {
	f.Add([]byte{0x3a, 0x02, 0x0a, 0x00})
	f.Add(tinyMatMulModel())
	f.Fuzz(func(t *testing.T, data []byte) {
		quantizeModel(data, "")
	})
}

func TestQuantizeTinyModel(t *testing.T) {
	out, st, err := quantizeModel(tinyMatMulModel(), "")
	if err != nil || st.MatMulsQuantized != 1 {
		t.Fatalf("%v %+v", err, st)
	}
	files, err := onnxExternalFiles(out)
	if err != nil || len(files) != 0 {
		t.Errorf("%v %v", files, err)
	}
	for _, want := range []string{"DynamicQuantizeMatMul", "com.microsoft", "w_int8", "w_scale"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %q in the rewritten model", want)
		}
	}
	if _, _, err := quantizeModel([]byte{0x3a, 0x00}, ""); err == nil {
		t.Error("a model without weight products was quantised")
	}
}

// tinyMatMulModel is an ONNX model y = x · w, w a 2×3 float initializer.
func tinyMatMulModel() []byte {
	str := func(b []byte, num protowire.Number, s string) []byte {
		b = protowire.AppendTag(b, num, protowire.BytesType)
		return protowire.AppendString(b, s)
	}
	msg := func(b []byte, num protowire.Number, m []byte) []byte {
		b = protowire.AppendTag(b, num, protowire.BytesType)
		return protowire.AppendBytes(b, m)
	}
	var node []byte
	node = str(node, nodeInput, "x")
	node = str(node, nodeInput, "w")
	node = str(node, nodeOutput, "y")
	node = str(node, nodeOpType, "MatMul")
	raw := make([]byte, 0, 24)
	for _, v := range []float32{1, -2, 0.5, 4, 0, -0.25} {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	var graph []byte
	graph = msg(graph, graphNode, node)
	graph = appendTensor(graph, "w", onnxFloat, []int64{2, 3}, raw)
	var valueInfo []byte
	valueInfo = str(valueInfo, 1, "x")
	graph = msg(graph, graphInput, valueInfo)
	var model []byte
	model = protowire.AppendTag(model, 1, protowire.VarintType)
	model = protowire.AppendVarint(model, 8)
	model = msg(model, modelGraph, graph)
	return model
}

func TestQuantizeColumnsIsSymmetricPerColumn(t *testing.T) {
	q, scales := quantizeColumns([]float32{1, -2, 0.5, 4, 0, -0.25}, 2, 3)
	wantQ := []int8{32, -127, 127, 127, 0, -64}
	for i, v := range wantQ {
		if int8(q[i]) != v {
			t.Fatalf("q %v, want %v", q, wantQ)
		}
	}
	for j, want := range []float32{4.0 / 127, 2.0 / 127, 0.5 / 127} {
		if got := math.Float32frombits(binary.LittleEndian.Uint32(scales[4*j:])); math.Abs(float64(got-want)) > 1e-9 {
			t.Errorf("scale %d: %v, want %v", j, got, want)
		}
	}
}

// Only a bundle folder can be quantised (the variant is written from its
// files): said before anything is measured.
func TestQuantizeNeedsAFolder(t *testing.T) {
	b, err := LoadBuiltinBundle()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := QuantizeBundle(b); err == nil || !strings.Contains(err.Error(), "quantise a bundle folder") {
		t.Errorf("built-in bundle: %v", err)
	}
}

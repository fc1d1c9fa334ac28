package inference

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// Dynamic int8 quantisation of an encoder's matrix products, written over
// the ONNX protobuf with google.golang.org/protobuf/encoding/protowire
// (field numbers from onnx.proto, as in onnxgraph.go):
//
//   - every MatMul whose second input is a 2-D float initializer used by
//     MatMul nodes alone (a Linear layer's weight [K, N]) becomes ONNX
//     Runtime's com.microsoft DynamicQuantizeMatMul: the weight stored as
//     int8 with one symmetric scale per output column (max |w| / 127,
//     zero point 0), the activations quantised to uint8 per call from
//     their own range;
//   - products of two activations (attention's Q·Kᵀ and A·V), Conv (a
//     ViT's patch embedding, ~1 % of its work; ConvInteger is slower than
//     fp32 Conv in ONNX Runtime's CPU provider) and everything else stay
//     fp32;
//   - initializers held in external data are read from the bundle's folder
//     and written inside the new file (an int8 encoder is a quarter of its
//     fp32 size: a ViT-g's 4.3 GB become 1.1 GB, under protobuf's 2 GB).
//
// This is what onnxruntime.quantization.quantize_dynamic does with
// per_channel=True and weight_type=QInt8, without Python in the product.

// onnx.proto numbers used here.
const (
	modelGraph       = 7
	modelOpsetImport = 8
	graphNode        = 1
	graphInitializer = 5
	graphInput       = 11
	nodeInput        = 1
	nodeOutput       = 2
	nodeName         = 3
	nodeOpType       = 4
	nodeAttribute    = 5
	nodeDomain       = 7
	tensorDims       = 1
	tensorDataType   = 2
	tensorFloatData  = 4
	tensorName       = 8
	tensorRawData    = 9
	tensorExternal   = 13 // external_data
	tensorLocation   = 14 // data_location
	onnxFloat        = 1
	onnxInt8         = 3
)

// QuantizeStats says what QuantizeEncoder changed.
type QuantizeStats struct {
	MatMulsQuantized int   // MatMul → DynamicQuantizeMatMul
	MatMulsKept      int   // MatMul of two activations (or of a shared weight): fp32
	ConvsKept        int   // Conv: fp32
	WeightsBefore    int64 // bytes of the quantised weights in fp32
	WeightsAfter     int64 // their bytes in int8, with their scales
}

// maxQuantizedModel is the largest encoder QuantizeEncoder writes into one
// file (protobuf's limit is 2 GiB).
const maxQuantizedModel = 2<<30 - 64<<20

// QuantizeEncoder returns b's encoder with its weight matrix products in
// dynamic int8 (see above), as one self-contained ONNX file.
func QuantizeEncoder(b *Bundle) ([]byte, QuantizeStats, error) {
	model := b.Encoder
	if model == nil {
		var err error
		if model, err = os.ReadFile(b.encoderPath()); err != nil {
			return nil, QuantizeStats{}, fmt.Errorf("reading the encoder: %w", err)
		}
	}
	return quantizeModel(model, b.Folder)
}

// quantizeModel rewrites an ONNX model (see above); folder is where its
// external data files are ("" when it has none).
func quantizeModel(model []byte, folder string) ([]byte, QuantizeStats, error) {
	var st QuantizeStats
	var out []byte
	hasMS := false
	err := eachField(model, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == modelGraph && typ == protowire.BytesType:
			g, err := quantizeGraph(v, folder, &st)
			if err != nil {
				return err
			}
			out = protowire.AppendTag(out, num, typ)
			out = protowire.AppendBytes(out, g)
		case num == modelOpsetImport && typ == protowire.BytesType:
			if string(stringField(v, 1)) == "com.microsoft" {
				hasMS = true
			}
			out = appendField(out, num, typ, v)
		default:
			out = appendField(out, num, typ, v)
		}
		return nil
	})
	if err != nil {
		return nil, st, err
	}
	if st.MatMulsQuantized == 0 {
		return nil, st, errors.New("the encoder has no matrix product with a weight matrix to quantise (int8 pays for transformer and MLP encoders)")
	}
	if !hasMS {
		var opset []byte
		opset = protowire.AppendTag(opset, 1, protowire.BytesType)
		opset = protowire.AppendString(opset, "com.microsoft")
		opset = protowire.AppendTag(opset, 2, protowire.VarintType)
		opset = protowire.AppendVarint(opset, 1)
		out = protowire.AppendTag(out, modelOpsetImport, protowire.BytesType)
		out = protowire.AppendBytes(out, opset)
	}
	if len(out) > maxQuantizedModel {
		return nil, st, fmt.Errorf("the int8 encoder would be %d MB, above ONNX's 2 GB for one file (int8 with external data is not supported yet)", len(out)>>20)
	}
	return out, st, nil
}

// appendField re-encodes one field as eachField gave it.
func appendField(out []byte, num protowire.Number, typ protowire.Type, v []byte) []byte {
	out = protowire.AppendTag(out, num, typ)
	if typ == protowire.BytesType {
		return protowire.AppendBytes(out, v)
	}
	return append(out, v...) // varint, fixed32, fixed64: eachField gives the raw value bytes
}

// stringField is the first bytes field num of message m (nil if none).
func stringField(m []byte, num protowire.Number) []byte {
	var s []byte
	_ = eachField(m, func(n protowire.Number, typ protowire.Type, v []byte) error {
		if n == num && typ == protowire.BytesType && s == nil {
			s = v
		}
		return nil
	})
	return s
}

// graphUses counts, for each value name, its uses as an input of graph's
// nodes: as MatMul's weight (second input), and otherwise (any other
// input, any use inside a subgraph).
func graphUses(graph []byte, asWeight, other map[string]int, depth int) error {
	if depth > maxGraphDepth {
		return errors.New("subgraphs nested too deep")
	}
	return eachField(graph, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num != graphNode || typ != protowire.BytesType {
			return nil
		}
		var inputs []string
		op := ""
		err := eachField(v, func(n protowire.Number, t protowire.Type, f []byte) error {
			switch {
			case n == nodeInput && t == protowire.BytesType:
				inputs = append(inputs, string(f))
			case n == nodeOpType && t == protowire.BytesType:
				op = string(f)
			case n == nodeAttribute && t == protowire.BytesType:
				return eachField(f, func(n protowire.Number, t protowire.Type, g []byte) error {
					if (n == 6 || n == 11) && t == protowire.BytesType {
						// A subgraph's uses count as "other": its weights stay fp32.
						return graphUses(g, other, other, depth+1)
					}
					return nil
				})
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i, in := range inputs {
			if op == "MatMul" && i == 1 && depth == 0 {
				asWeight[in]++
			} else {
				other[in]++
			}
		}
		return nil
	})
}

// tensorInfo is what quantisation needs of a TensorProto.
type tensorInfo struct {
	name     string
	dims     []int64
	dataType uint64
	raw      []byte // raw_data, or the external bytes once read
	// floatData is float_data's values as little-endian bytes (raw_data's
	// layout), decoded by float32s only for the weights quantised.
	floatData []byte
	location  string // external data file, "" if inline
	offset    int64
	length    int64 // -1: to the end of the file
}

func parseTensor(t []byte) (*tensorInfo, error) {
	ti := &tensorInfo{length: -1}
	err := eachField(t, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == tensorDims && typ == protowire.VarintType:
			d, _ := protowire.ConsumeVarint(v)
			ti.dims = append(ti.dims, int64(d))
		case num == tensorDims && typ == protowire.BytesType:
			for len(v) > 0 {
				d, n := protowire.ConsumeVarint(v)
				if n < 0 {
					return errors.New("bad tensor dimensions")
				}
				ti.dims = append(ti.dims, int64(d))
				v = v[n:]
			}
		case num == tensorDataType && typ == protowire.VarintType:
			ti.dataType, _ = protowire.ConsumeVarint(v)
		case num == tensorName && typ == protowire.BytesType:
			ti.name = string(v)
		case num == tensorRawData && typ == protowire.BytesType:
			ti.raw = v
		case num == tensorFloatData && typ == protowire.BytesType:
			if len(v)%4 != 0 {
				return errors.New("bad float data")
			}
			ti.floatData = append(ti.floatData, v...)
		case num == tensorFloatData && typ == protowire.Fixed32Type:
			ti.floatData = append(ti.floatData, v...)
		}
		return nil
	})
	if err != nil {
		return ti, err
	}
	external, entries, err := externalDataOf(t)
	if err != nil || !external {
		return ti, err
	}
	ti.location = entries["location"]
	for key, dst := range map[string]*int64{"offset": &ti.offset, "length": &ti.length} {
		value, ok := entries[key]
		if !ok {
			continue
		}
		if *dst, err = strconv.ParseInt(value, 10, 64); err != nil || ti.offset < 0 {
			return ti, fmt.Errorf("tensor %q: bad external data %s %q", ti.name, key, value)
		}
	}
	return ti, nil
}

// elements is the number of values the dimensions give (-1 on overflow).
func (t *tensorInfo) elements() int64 {
	n := int64(1)
	for _, d := range t.dims {
		if d < 0 || (d > 0 && n > math.MaxInt32/d) {
			return -1
		}
		n *= d
	}
	return n
}

// readExternal fills t.raw from its external data file in folder.
func (t *tensorInfo) readExternal(folder string) error {
	if folder == "" || !filepath.IsLocal(t.location) {
		return fmt.Errorf("tensor %q: its data file %q cannot be read from here", t.name, t.location)
	}
	f, err := os.Open(filepath.Join(folder, t.location))
	if err != nil {
		return err
	}
	defer f.Close()
	length := t.length
	if length < 0 {
		st, err := f.Stat()
		if err != nil {
			return err
		}
		length = st.Size() - t.offset
	}
	if length < 0 || length > maxQuantizedModel {
		return fmt.Errorf("tensor %q: bad external data length", t.name)
	}
	t.raw = make([]byte, length)
	if _, err := f.ReadAt(t.raw, t.offset); err != nil && !(errors.Is(err, io.EOF) && length == 0) {
		return fmt.Errorf("tensor %q: reading %s: %w", t.name, t.location, err)
	}
	return nil
}

// float32s is t's values as float32 (t must be FLOAT).
func (t *tensorInfo) float32s() ([]float32, error) {
	n := t.elements()
	if t.floatData != nil {
		if int64(len(t.floatData)) != 4*n {
			return nil, fmt.Errorf("tensor %q: %d values for shape %v", t.name, len(t.floatData)/4, t.dims)
		}
		t.raw = t.floatData
	}
	if n < 0 || int64(len(t.raw)) != 4*n {
		return nil, fmt.Errorf("tensor %q: %d bytes for shape %v", t.name, len(t.raw), t.dims)
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.raw[4*i:]))
	}
	return out, nil
}

// appendTensor appends a TensorProto with the given name, type, dims and raw data.
func appendTensor(out []byte, name string, dataType uint64, dims []int64, raw []byte) []byte {
	var t []byte
	for _, d := range dims {
		t = protowire.AppendTag(t, tensorDims, protowire.VarintType)
		t = protowire.AppendVarint(t, uint64(d))
	}
	t = protowire.AppendTag(t, tensorDataType, protowire.VarintType)
	t = protowire.AppendVarint(t, dataType)
	t = protowire.AppendTag(t, tensorName, protowire.BytesType)
	t = protowire.AppendString(t, name)
	t = protowire.AppendTag(t, tensorRawData, protowire.BytesType)
	t = protowire.AppendBytes(t, raw)
	out = protowire.AppendTag(out, graphInitializer, protowire.BytesType)
	return protowire.AppendBytes(out, t)
}

// quantizeColumns quantises w [k, n] (row-major) per column, symmetric:
// scale_j = max_i |w_ij| / 127, q_ij = round(w_ij / scale_j).
func quantizeColumns(w []float32, k, n int) (q []byte, scales []byte) {
	scale := make([]float32, n)
	for i := 0; i < k; i++ {
		row := w[i*n : (i+1)*n]
		for j, v := range row {
			if a := float32(math.Abs(float64(v))); a > scale[j] {
				scale[j] = a
			}
		}
	}
	scales = make([]byte, 4*n)
	for j := range scale {
		scale[j] /= 127
		if scale[j] == 0 || math.IsInf(float64(scale[j]), 0) || math.IsNaN(float64(scale[j])) {
			scale[j] = 1
		}
		binary.LittleEndian.PutUint32(scales[4*j:], math.Float32bits(scale[j]))
	}
	q = make([]byte, k*n)
	for i := 0; i < k; i++ {
		for j := 0; j < n; j++ {
			v := math.RoundToEven(float64(w[i*n+j] / scale[j]))
			q[i*n+j] = byte(int8(max(-127, min(127, v))))
		}
	}
	return q, scales
}

// quantizeGraph rewrites the main graph (see the top of the file).
func quantizeGraph(graph []byte, folder string, st *QuantizeStats) ([]byte, error) {
	asWeight, other := map[string]int{}, map[string]int{}
	if err := graphUses(graph, asWeight, other, 0); err != nil {
		return nil, err
	}
	// The weights to quantise: 2-D float initializers used only as MatMul weights.
	weights := map[string]bool{}
	err := eachField(graph, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num != graphInitializer || typ != protowire.BytesType {
			return nil
		}
		t, err := parseTensor(v)
		if err != nil {
			return err
		}
		if t.dataType == onnxFloat && len(t.dims) == 2 && asWeight[t.name] > 0 && other[t.name] == 0 && t.elements() > 0 {
			weights[t.name] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out, inits []byte
	err = eachField(graph, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if typ != protowire.BytesType {
			out = appendField(out, num, typ, v)
			return nil
		}
		switch num {
		case graphNode:
			node, err := quantizeNode(v, weights, st)
			if err != nil {
				return err
			}
			out = protowire.AppendTag(out, num, typ)
			out = protowire.AppendBytes(out, node)
		case graphInitializer:
			t, err := parseTensor(v)
			if err != nil {
				return err
			}
			if t.location != "" {
				if err := t.readExternal(folder); err != nil {
					return err
				}
			}
			if !weights[t.name] {
				if t.location == "" {
					out = appendField(out, num, typ, v)
				} else {
					out = appendTensor(out, t.name, t.dataType, t.dims, t.raw)
				}
				return nil
			}
			w, err := t.float32s()
			if err != nil {
				return err
			}
			k, n := int(t.dims[0]), int(t.dims[1])
			q, scales := quantizeColumns(w, k, n)
			st.WeightsBefore += int64(4 * len(w))
			st.WeightsAfter += int64(len(q) + len(scales))
			inits = appendTensor(inits, t.name+"_int8", onnxInt8, t.dims, q)
			inits = appendTensor(inits, t.name+"_scale", onnxFloat, []int64{int64(n)}, scales)
		case graphInput:
			// Old exporters list initializers as graph inputs: drop the replaced ones.
			if weights[string(stringField(v, 1))] {
				return nil
			}
			out = appendField(out, num, typ, v)
		default:
			out = appendField(out, num, typ, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return append(out, inits...), nil
}

// quantizeNode returns node rewritten to DynamicQuantizeMatMul when it is
// a MatMul by one of weights, else unchanged; it counts what it kept.
func quantizeNode(node []byte, weights map[string]bool, st *QuantizeStats) ([]byte, error) {
	var inputs, outputs []string
	op, name, domain := "", "", ""
	err := eachField(node, func(n protowire.Number, t protowire.Type, f []byte) error {
		if t != protowire.BytesType {
			return nil
		}
		switch n {
		case nodeInput:
			inputs = append(inputs, string(f))
		case nodeOutput:
			outputs = append(outputs, string(f))
		case nodeOpType:
			op = string(f)
		case nodeName:
			name = string(f)
		case nodeDomain:
			domain = string(f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if domain != "" && domain != "ai.onnx" {
		return node, nil
	}
	switch {
	case op == "Conv":
		st.ConvsKept++
		return node, nil
	case op != "MatMul":
		return node, nil
	case len(inputs) != 2 || len(outputs) != 1 || !weights[inputs[1]]:
		st.MatMulsKept++
		return node, nil
	}
	st.MatMulsQuantized++
	var out []byte
	for _, in := range []string{inputs[0], inputs[1] + "_int8", inputs[1] + "_scale"} {
		out = protowire.AppendTag(out, nodeInput, protowire.BytesType)
		out = protowire.AppendString(out, in)
	}
	out = protowire.AppendTag(out, nodeOutput, protowire.BytesType)
	out = protowire.AppendString(out, outputs[0])
	out = protowire.AppendTag(out, nodeName, protowire.BytesType)
	out = protowire.AppendString(out, name+"_int8")
	out = protowire.AppendTag(out, nodeOpType, protowire.BytesType)
	out = protowire.AppendString(out, "DynamicQuantizeMatMul")
	out = protowire.AppendTag(out, nodeDomain, protowire.BytesType)
	out = protowire.AppendString(out, "com.microsoft")
	return out, nil
}

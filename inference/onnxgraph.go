package inference

import (
	"errors"
	"fmt"
	"sort"

	"google.golang.org/protobuf/encoding/protowire"
)

// What an ONNX file's graph reads from outside it: the external data files
// its initializers name. Read with protobuf's wire-format reader
// (google.golang.org/protobuf/encoding/protowire) over the fields of
// onnx.proto that lead there, so that a bundle cannot load weights from a
// file its manifest does not list (and hash):
//
//	ModelProto.graph = 7 → GraphProto.initializer = 5 → TensorProto
//	TensorProto.data_location = 14 (1: EXTERNAL), external_data = 13 →
//	StringStringEntryProto{key = 1, value = 2}, the key "location" naming
//	the file, relative to the model's folder.
//
// Subgraphs (If/Loop bodies) may hold initializers too:
// GraphProto.node = 1 → NodeProto.attribute = 5 → AttributeProto.g = 6,
// graphs = 11.

// onnxExternalFiles returns the external data files model names, sorted,
// once each.
func onnxExternalFiles(model []byte) ([]string, error) {
	files := map[string]bool{}
	err := eachField(model, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num == 7 && typ == protowire.BytesType {
			return graphExternalFiles(v, files, 0)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(files))
	for f := range files {
		out = append(out, f)
	}
	sort.Strings(out)
	return out, nil
}

// maxGraphDepth bounds nested subgraphs (a crafted file cannot recurse forever).
const maxGraphDepth = 16

func graphExternalFiles(graph []byte, files map[string]bool, depth int) error {
	if depth > maxGraphDepth {
		return errors.New("subgraphs nested too deep")
	}
	return eachField(graph, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case 5: // initializer
			return tensorExternalFile(v, files)
		case 1: // node → attributes → subgraphs
			return eachField(v, func(num protowire.Number, typ protowire.Type, attr []byte) error {
				if num != 5 || typ != protowire.BytesType {
					return nil
				}
				return eachField(attr, func(num protowire.Number, typ protowire.Type, g []byte) error {
					if (num == 6 || num == 11) && typ == protowire.BytesType {
						return graphExternalFiles(g, files, depth+1)
					}
					return nil
				})
			})
		}
		return nil
	})
}

func tensorExternalFile(tensor []byte, files map[string]bool) error {
	external, entries, err := externalDataOf(tensor)
	if err != nil {
		return err
	}
	if external {
		if entries["location"] == "" {
			return errors.New("an initializer is stored outside the file but names no location")
		}
		files[entries["location"]] = true
	}
	return nil
}

// externalDataOf reads where a TensorProto's data is: whether it is stored
// outside the file (data_location = 14 is 1: EXTERNAL), and its
// external_data = 13 entries (StringStringEntryProto{key = 1, value = 2}:
// "location", "offset", "length", ...), the last of each key kept.
func externalDataOf(tensor []byte) (external bool, entries map[string]string, err error) {
	entries = map[string]string{}
	err = eachField(tensor, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == tensorLocation && typ == protowire.VarintType:
			n, _ := protowire.ConsumeVarint(v)
			external = n == 1
		case num == tensorExternal && typ == protowire.BytesType:
			var key, value string
			if err := eachField(v, func(num protowire.Number, typ protowire.Type, s []byte) error {
				if typ == protowire.BytesType && num == 1 {
					key = string(s)
				} else if typ == protowire.BytesType && num == 2 {
					value = string(s)
				}
				return nil
			}); err != nil {
				return err
			}
			entries[key] = value
		}
		return nil
	})
	return external, entries, err
}

// eachField calls fn with each field of the protobuf message b: its
// number, wire type and value (for varints, the varint's bytes).
func eachField(b []byte, fn func(protowire.Number, protowire.Type, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("not an ONNX protobuf (%v)", protowire.ParseError(n))
		}
		b = b[n:]
		var v []byte
		switch typ {
		case protowire.BytesType:
			s, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return fmt.Errorf("not an ONNX protobuf (%v)", protowire.ParseError(m))
			}
			v, n = s, m
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return fmt.Errorf("not an ONNX protobuf (%v)", protowire.ParseError(n))
			}
			v = b[:n]
		}
		if err := fn(num, typ, v); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

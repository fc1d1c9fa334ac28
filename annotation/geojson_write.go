package annotation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
)

// WriteGeoJSON writes the collection as a QuPath-compatible
// FeatureCollection: each feature's geometry, id, objectType,
// classification {name, color [r, g, b]}, name, isLocked, measurements (an
// object, as QuPath 0.4 and later write them), nucleusGeometry, and every
// other member and property it was read with.
func (c *Collection) WriteGeoJSON(w io.Writer) error {
	bw := &errWriter{w: w}
	bw.str(`{"type":"FeatureCollection","features":[`)
	for i := range c.Features {
		if i > 0 {
			bw.str(",")
		}
		bw.str("\n")
		b, err := c.Features[i].marshal()
		if err != nil {
			return fmt.Errorf("%s: %v", c.Describe(i), err)
		}
		bw.bytes(b)
	}
	bw.str("\n]}\n")
	return bw.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) bytes(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}
func (e *errWriter) str(s string) { e.bytes([]byte(s)) }

func (f *Feature) marshal() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"type":"Feature"`)
	if f.ID != "" {
		id, _ := json.Marshal(f.ID)
		b.WriteString(`,"id":`)
		b.Write(id)
	}
	b.WriteString(`,"geometry":`)
	writeGeometry(&b, &f.Geometry)
	if len(f.Nucleus) > 0 {
		b.WriteString(`,"nucleusGeometry":`)
		b.Write(compact(f.Nucleus))
	}
	for _, k := range sortedKeys(f.Members) {
		kb, _ := json.Marshal(k)
		b.WriteString(",")
		b.Write(kb)
		b.WriteString(":")
		b.Write(compact(f.Members[k]))
	}
	b.WriteString(`,"properties":{`)
	first := true
	prop := func(k string, v []byte) {
		if !first {
			b.WriteString(",")
		}
		first = false
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteString(":")
		b.Write(v)
	}
	if f.ObjectType != "" {
		v, _ := json.Marshal(f.ObjectType)
		prop("objectType", v)
	}
	if f.Name != "" {
		v, _ := json.Marshal(f.Name)
		prop("name", v)
	}
	if f.Class != "" || f.Colour != nil {
		cl := map[string]any{}
		if f.Class != "" {
			cl["name"] = f.Class
		}
		if f.Colour != nil {
			cl["color"] = []int{int(f.Colour.R), int(f.Colour.G), int(f.Colour.B)}
		}
		v, _ := json.Marshal(cl)
		prop("classification", v)
	}
	if f.Locked {
		prop("isLocked", []byte("true"))
	}
	if len(f.Measurements) > 0 {
		var m bytes.Buffer
		m.WriteString("{")
		for i, x := range f.Measurements {
			if i > 0 {
				m.WriteString(",")
			}
			kb, _ := json.Marshal(x.Name)
			m.Write(kb)
			m.WriteString(":")
			m.WriteString(number(x.Value))
		}
		m.WriteString("}")
		prop("measurements", m.Bytes())
	}
	for _, k := range sortedKeys(f.Properties) {
		if k == "isLocked" && f.Locked {
			continue // locked since it was read: written above
		}
		prop(k, compact(f.Properties[k]))
	}
	b.WriteString("}}")
	return b.Bytes(), nil
}

// number formats a value as JSON: NaN and infinities (which JSON lacks)
// as QuPath writes them, "NaN" strings.
func number(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return `"NaN"`
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func compact(raw json.RawMessage) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func writeGeometry(b *bytes.Buffer, g *Geometry) {
	pt := func(p Point) {
		b.WriteString("[")
		b.WriteString(strconv.FormatFloat(p.X, 'g', -1, 64))
		b.WriteString(",")
		b.WriteString(strconv.FormatFloat(p.Y, 'g', -1, 64))
		b.WriteString("]")
	}
	list := func(ps []Point) {
		b.WriteString("[")
		for i, p := range ps {
			if i > 0 {
				b.WriteString(",")
			}
			pt(p)
		}
		b.WriteString("]")
	}
	rings := func(poly [][]Point) {
		b.WriteString("[")
		for i, r := range poly {
			if i > 0 {
				b.WriteString(",")
			}
			list(r)
		}
		b.WriteString("]")
	}
	b.WriteString(`{"type":"` + g.Type + `","coordinates":`)
	switch g.Type {
	case PointType:
		if len(g.Points) > 0 {
			pt(g.Points[0])
		} else {
			b.WriteString("[]")
		}
	case MultiPoint:
		list(g.Points)
	case LineString:
		list(g.Line)
	case Polygon:
		if len(g.Polygons) > 0 {
			rings(g.Polygons[0])
		} else {
			b.WriteString("[]")
		}
	case MultiPolygon:
		b.WriteString("[")
		for i, poly := range g.Polygons {
			if i > 0 {
				b.WriteString(",")
			}
			rings(poly)
		}
		b.WriteString("]")
	}
	if len(g.Plane) > 0 {
		b.WriteString(`,"plane":`)
		if json.Compact(b, g.Plane) != nil {
			b.WriteString("null")
		}
	}
	b.WriteString("}")
}

package annotation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// ErrNotGeoJSON marks a file that is not GeoJSON (another tool's JSON, or
// not JSON at all); its message says what it looks like.
var ErrNotGeoJSON = errors.New("not GeoJSON")

// maxGeoJSONBytes bounds a GeoJSON file read whole (QuPath exports of a
// whole slide's cells reach hundreds of MB; 2 GiB is far beyond).
const maxGeoJSONBytes = 2 << 30

var geometryTypes = map[string]bool{Polygon: true, MultiPolygon: true, LineString: true, PointType: true, MultiPoint: true}

// ReadGeoJSON reads what QuPath and other tools write: a FeatureCollection,
// a bare array of features (QuPath's "export as array"), one Feature, or a
// bare geometry. Coordinates are level-0 pixels. A file that is JSON but
// not GeoJSON is refused with ErrNotGeoJSON and a sentence saying what it
// looks like; a bad feature with a sentence naming it.
func ReadGeoJSON(r io.Reader) (*Collection, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxGeoJSONBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxGeoJSONBytes {
		return nil, fmt.Errorf("the file is larger than %d GiB", maxGeoJSONBytes>>30)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || (trimmed[0] != '{' && trimmed[0] != '[') {
		return nil, fmt.Errorf("%w: the file is not JSON", ErrNotGeoJSON)
	}
	c := &Collection{}
	if trimmed[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(trimmed, &items); err != nil {
			return nil, fmt.Errorf("%w: not valid JSON (%v)", ErrNotGeoJSON, err)
		}
		return parseItems(items)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &top); err != nil {
		return nil, fmt.Errorf("%w: not valid JSON (%v)", ErrNotGeoJSON, err)
	}
	typ := stringOf(top["type"])
	switch {
	case typ == "FeatureCollection":
		var items []json.RawMessage
		if raw, ok := top["features"]; ok && string(raw) != "null" {
			if err := json.Unmarshal(raw, &items); err != nil {
				return nil, fmt.Errorf("the FeatureCollection's features are not a list: %v", err)
			}
		}
		return parseItems(items)
	case typ == "Feature" || geometryTypes[typ]:
		f, err := parseItem(trimmed, 0)
		if err != nil {
			return nil, err
		}
		c.Features = append(c.Features, f)
	case typ == "GeometryCollection":
		return nil, errors.New("a GeoJSON GeometryCollection: export the objects as features (QuPath: File ▸ Export objects as GeoJSON)")
	default:
		return nil, fmt.Errorf("%w: %s", ErrNotGeoJSON, lookalike(top))
	}
	return c, nil
}

// parseItems parses features on every core, in order; the first bad one
// (by position) is the error.
func parseItems(items []json.RawMessage) (*Collection, error) {
	c := &Collection{Features: make([]Feature, len(items))}
	errs := make([]error, len(items))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(items)/256))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() { // owned by this call: it waits for them
			defer wg.Done()
			for i := w; i < len(items); i += workers {
				c.Features[i], errs[i] = parseItem(items[i], i)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// lookalike says what a JSON object that is not GeoJSON seems to be.
func lookalike(top map[string]json.RawMessage) string {
	has := func(k string) bool { _, ok := top[k]; return ok }
	switch {
	case has("images") && has("annotations") && has("categories"):
		return "a JSON file in COCO format (images, annotations, categories), not GeoJSON"
	case has("nuc") && has("mag"):
		return "a HoVer-Net output (nuc, mag), not GeoJSON"
	case has("type"):
		return fmt.Sprintf("a JSON file whose type is %s, not a GeoJSON type (FeatureCollection, Feature or a geometry)", strings.TrimSpace(string(top["type"])))
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 6 {
		keys = append(keys[:6], "…")
	}
	return "a JSON file without a GeoJSON type (its members: " + strings.Join(keys, ", ") + ")"
}

func stringOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// parseItem reads a Feature, or a bare geometry as a feature.
func parseItem(raw json.RawMessage, i int) (Feature, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return Feature{}, fmt.Errorf("%s is not a JSON object", describe(i, "", ""))
	}
	typ := stringOf(m["type"])
	if geometryTypes[typ] {
		g, err := parseGeometry(raw)
		if err != nil {
			return Feature{}, fmt.Errorf("%s: %v", describe(i, "", ""), err)
		}
		return Feature{Geometry: g}, nil
	}
	if typ != "Feature" {
		return Feature{}, fmt.Errorf("%s has type %q, not Feature or a geometry", describe(i, "", ""), typ)
	}
	f := Feature{Properties: map[string]json.RawMessage{}, Members: map[string]json.RawMessage{}}
	if raw, ok := m["id"]; ok {
		if s := stringOf(raw); s != "" {
			f.ID = s
		} else {
			f.ID = strings.TrimSpace(string(raw)) // a numeric id
		}
	}
	var props map[string]json.RawMessage
	if raw, ok := m["properties"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &props); err != nil {
			return Feature{}, fmt.Errorf("%s: its properties are not an object", describe(i, f.ID, ""))
		}
	}
	f.Name = stringOf(props["name"])
	name := describe(i, f.ID, f.Name)
	g, err := parseGeometry(m["geometry"])
	if err != nil {
		return Feature{}, fmt.Errorf("%s: %v", name, err)
	}
	f.Geometry = g
	for k, v := range m {
		switch k {
		case "type", "id", "geometry", "properties":
		case "nucleusGeometry":
			f.Nucleus = v
		default:
			f.Members[k] = v
		}
	}
	for k, v := range props {
		switch k {
		case "name":
		case "objectType", "object_type": // QuPath; HALO
			f.ObjectType = stringOf(v)
		case "classification":
			if err := f.parseClassification(v); err != nil {
				return Feature{}, fmt.Errorf("%s: %v", name, err)
			}
		case "isLocked":
			f.Locked = parseBool(v)
			if !f.Locked { // "isLocked": false said in the file is written back as it was
				f.Properties[k] = v
			}
		case "measurements":
			ms, err := parseMeasurements(v)
			if err != nil {
				return Feature{}, fmt.Errorf("%s: %v", name, err)
			}
			f.Measurements = ms
		case "nucleusGeometry": // some tools put it in properties
			f.Nucleus = v
		default:
			f.Properties[k] = v
		}
	}
	return f, nil
}

func parseBool(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	s := strings.ToLower(stringOf(raw))
	return s == "true" || s == "yes" || s == "1"
}

// parseClassification reads {"name", "color": [r,g,b] | packed int,
// "colorRGB": packed int}, or a bare class name.
func (f *Feature) parseClassification(raw json.RawMessage) error {
	if s := stringOf(raw); s != "" {
		f.Class = s
		return nil
	}
	var c map[string]json.RawMessage
	if err := json.Unmarshal(raw, &c); err != nil {
		return errors.New("its classification is neither a name nor an object")
	}
	f.Class = stringOf(c["name"])
	if len(c["names"]) > 0 && f.Class == "" { // derived classes as a list
		var names []string
		if json.Unmarshal(c["names"], &names) == nil {
			f.Class = strings.Join(names, ": ")
		}
	}
	for _, key := range []string{"color", "colorRGB"} {
		v, ok := c[key]
		if !ok || string(v) == "null" {
			continue
		}
		col, err := parseColour(v)
		if err != nil {
			return fmt.Errorf("its class colour %s: %v", strings.TrimSpace(string(v)), err)
		}
		f.Colour = &col
		break
	}
	return nil
}

// parseColour reads [r, g, b] (0–255) or a packed integer (QuPath's signed
// ARGB/RGB int).
func parseColour(raw json.RawMessage) (color.RGBA, error) {
	var arr []float64
	if json.Unmarshal(raw, &arr) == nil {
		if len(arr) < 3 {
			return color.RGBA{}, errors.New("needs three components")
		}
		c := color.RGBA{A: 255}
		for i, p := range []*uint8{&c.R, &c.G, &c.B} {
			*p = uint8(math.Max(0, math.Min(255, arr[i])))
		}
		return c, nil
	}
	var n float64
	if json.Unmarshal(raw, &n) == nil && n == math.Trunc(n) && math.Abs(n) <= math.MaxUint32 {
		v := uint32(int64(n))
		return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}, nil
	}
	if s := stringOf(raw); strings.HasPrefix(s, "#") && len(s) == 7 {
		if v, err := strconv.ParseUint(s[1:], 16, 32); err == nil {
			return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}, nil
		}
	}
	return color.RGBA{}, errors.New("not a colour (an [r, g, b] list or a packed integer)")
}

// parseMeasurements reads {"name": value…} or [{"name", "value"}…].
// Values that are not numbers (NaN written as null or "NaN") become NaN.
func parseMeasurements(raw json.RawMessage) ([]Measurement, error) {
	num := func(v json.RawMessage) float64 {
		if len(bytes.TrimSpace(v)) == 0 || string(bytes.TrimSpace(v)) == "null" {
			return math.NaN()
		}
		var x float64
		if json.Unmarshal(v, &x) == nil {
			return x
		}
		if f, err := strconv.ParseFloat(stringOf(v), 64); err == nil {
			return f
		}
		return math.NaN()
	}
	var list []map[string]json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		out := make([]Measurement, 0, len(list))
		for _, m := range list {
			out = append(out, Measurement{Name: stringOf(m["name"]), Value: num(m["value"])})
		}
		return out, nil
	}
	// An object: keep the file's order.
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("its measurements are neither a list nor an object")
	}
	var out []Measurement
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("its measurements: %v", err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("its measurements: %v", err)
		}
		out = append(out, Measurement{Name: fmt.Sprint(t), Value: num(v)})
	}
	return out, nil
}

// parseGeometry reads one GeoJSON geometry, checking its shape.
func parseGeometry(raw json.RawMessage) (Geometry, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return Geometry{}, errors.New("it has no geometry")
	}
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
		Plane       json.RawMessage `json:"plane"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return Geometry{}, fmt.Errorf("its geometry is not an object: %v", err)
	}
	out := Geometry{Type: g.Type}
	if len(g.Plane) > 0 && string(g.Plane) != "null" {
		out.Plane = g.Plane
	}
	bad := func(format string, args ...any) (Geometry, error) {
		return Geometry{}, fmt.Errorf("its %s geometry %s", g.Type, fmt.Sprintf(format, args...))
	}
	switch g.Type {
	case PointType:
		var p []float64
		if json.Unmarshal(g.Coordinates, &p) != nil || len(p) < 2 {
			return bad("needs a position [x, y]")
		}
		out.Points = []Point{{p[0], p[1]}}
	case MultiPoint, LineString:
		var ps [][]float64
		if json.Unmarshal(g.Coordinates, &ps) != nil {
			return bad("needs a list of positions")
		}
		pts, err := positions(ps)
		if err != nil {
			return bad("%v", err)
		}
		if g.Type == LineString {
			if len(pts) < 2 {
				return bad("needs at least 2 positions")
			}
			out.Line = pts
		} else {
			out.Points = pts
		}
	case Polygon:
		var rings [][][]float64
		if json.Unmarshal(g.Coordinates, &rings) != nil {
			return bad("needs a list of rings")
		}
		poly, err := polygon(rings)
		if err != nil {
			return bad("%v", err)
		}
		out.Polygons = [][][]Point{poly}
	case MultiPolygon:
		var polys [][][][]float64
		if json.Unmarshal(g.Coordinates, &polys) != nil {
			return bad("needs a list of polygons")
		}
		for k, rings := range polys {
			poly, err := polygon(rings)
			if err != nil {
				return bad("(polygon %d) %v", k+1, err)
			}
			out.Polygons = append(out.Polygons, poly)
		}
	case "":
		return Geometry{}, errors.New("its geometry has no type")
	default:
		return Geometry{}, fmt.Errorf("its geometry type %q is not supported (Polygon, MultiPolygon, LineString, Point, MultiPoint are)", g.Type)
	}
	return out, nil
}

func positions(ps [][]float64) ([]Point, error) {
	out := make([]Point, len(ps))
	for i, p := range ps {
		if len(p) < 2 || math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
			return nil, fmt.Errorf("has a bad position (number %d)", i+1)
		}
		out[i] = Point{p[0], p[1]}
	}
	return out, nil
}

// polygon reads rings, closing any that are open.
func polygon(rings [][][]float64) ([][]Point, error) {
	if len(rings) == 0 {
		return nil, errors.New("has no rings")
	}
	out := make([][]Point, len(rings))
	for i, r := range rings {
		pts, err := positions(r)
		if err != nil {
			return nil, err
		}
		if len(pts) > 0 && pts[0] != pts[len(pts)-1] {
			pts = append(pts, pts[0])
		}
		if len(pts) < 4 {
			return nil, fmt.Errorf("has a ring of %d positions (a ring needs at least 3 distinct corners)", len(r))
		}
		out[i] = pts
	}
	return out, nil
}

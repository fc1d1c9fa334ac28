package annotation

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The variants real files carry (QuPath, HALO and other tools): a bbox,
// holes, multipolygons, a closed LineString, points, colours as arrays and
// as packed signed integers, isLocked as a string, measurements as an
// object and as a list (with a null), a duplicate id, a cell with its
// nucleus, HALO's object_type, unknown properties. All read; a round trip
// through the writer keeps every feature, coordinate, class, colour, type,
// name and measurement, and the unknown members.
func TestGeoJSONVariantsRoundTrip(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "qupath-variants.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Features) != 7 {
		t.Fatalf("%d features", len(c.Features))
	}
	f0, f1, f3, f5, f6 := c.Features[0], c.Features[1], c.Features[3], c.Features[5], c.Features[6]
	if f0.Class != "Tumor" || f0.Colour.R != 200 || len(f0.Geometry.Polygons[0]) != 2 || f0.Name != "Tumour with a hole" ||
		len(f0.Measurements) != 2 || f0.Measurements[0].Name != "Area µm^2" || f0.Measurements[0].Value != 240000.5 {
		t.Errorf("feature 1: %+v", f0)
	}
	if f1.Class != "Stroma" || f1.Colour.G != 128 || f1.Colour.R != 0 || !f1.Locked || len(f1.Geometry.Polygons) != 2 ||
		len(f1.Measurements) != 2 || !math.IsNaN(f1.Measurements[1].Value) {
		t.Errorf("feature 2 (packed colour, locked as a string, list measurements): %+v %+v", f1, f1.Colour)
	}
	if len(f1.Geometry.Polygons[0][0]) != 4 {
		t.Errorf("an open ring was not closed: %v", f1.Geometry.Polygons[0][0])
	}
	if f3.Colour == nil || f3.Colour.R != 255 || f3.Colour.G != 0 {
		t.Errorf("packed -65536 is red: %v", f3.Colour)
	}
	if f5.ObjectType != "cell" || len(f5.Nucleus) == 0 || string(f5.Properties["customField"]) == "" {
		t.Errorf("cell: %+v", f5)
	}
	if f6.ObjectType != "detection" {
		t.Errorf("HALO's object_type: %q", f6.ObjectType)
	}
	if got := c.Outside(5000, 5000); len(got) != 1 || got[0] != 4 {
		t.Errorf("outside %v, want feature 5 (a point at 6000, 6000)", got)
	}
	n := c.Count()
	if n.Geometry[Polygon] != 3 || n.Geometry[MultiPolygon] != 1 || n.Geometry[LineString] != 1 || n.Geometry[PointType] != 1 ||
		n.Geometry[MultiPoint] != 1 || n.Object["annotation"] != 5 || n.Class["Tumor"] != 1 {
		t.Errorf("counts %+v", n)
	}

	var buf bytes.Buffer
	if err := c.WriteGeoJSON(&buf); err != nil {
		t.Fatal(err)
	}
	written := buf.String()
	back := roundTrip(t, c)
	for i := range c.Features {
		if !sameFeature(c.Features[i], back.Features[i]) {
			t.Errorf("%s changed:\n%+v\n%+v", c.Describe(i), c.Features[i], back.Features[i])
		}
	}
	if !strings.Contains(written, `"objectType":"detection"`) {
		t.Error("HALO's object_type is not written as objectType")
	}
}

func geometryText(g Geometry) string {
	var b bytes.Buffer
	writeGeometry(&b, &g)
	return b.String()
}

// Bare geometries and bare arrays of features (what QuPath writes for
// "export as array"), and one Feature, all read.
func TestGeoJSONForms(t *testing.T) {
	for _, text := range []string{
		`{"type":"MultiPolygon","coordinates":[[[[0,0],[10,0],[10,10],[0,0]]]]}`,
		`[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}},{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}]`,
		`{"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[3,4]]},"properties":null}`,
		"\xef\xbb\xbf" + `{"type":"FeatureCollection","features":[]}`,
	} {
		if _, err := ReadGeoJSON(strings.NewReader(text)); err != nil {
			t.Errorf("%.40s…: %v", text, err)
		}
	}
}

// Files that are not GeoJSON are refused with what they look like; bad
// GeoJSON with the feature named.
func TestGeoJSONRefusals(t *testing.T) {
	for text, want := range map[string]string{
		`{"images":[],"annotations":[],"categories":[]}`: "COCO",
		`{"mag":40,"nuc":{}}`:                            "HoVer-Net",
		`{"slide":"a.svs","score":0.4}`:                  "members: score, slide",
		`not json at all`:                                "not JSON",
		`{"type":"Topology"}`:                            `type is "Topology"`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1]]]},"properties":{"name":"Margin"}}]}`: `feature 1 ("Margin"): its Polygon geometry has a ring of 2 positions`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","id":"x9","geometry":{"type":"Circle","coordinates":[0,0]},"properties":{}}]}`:                 `feature 1 (id "x9"): its geometry type "Circle" is not supported`,
		`[{"type":"Feature","properties":{}}]`: "feature 1: it has no geometry",
	} {
		_, err := ReadGeoJSON(strings.NewReader(text))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.50s: %v, want %q", text, err, want)
		}
	}
	if _, err := ReadGeoJSON(strings.NewReader(`{"a":1}`)); !errors.Is(err, ErrNotGeoJSON) {
		t.Errorf("another JSON: %v, want ErrNotGeoJSON", err)
	}
}

func TestGeometry(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "qupath-variants.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	g := c.Features[0].Geometry // 1000² square with a 200² hole
	if a := g.Area(); a != 1000*1000-200*200 {
		t.Errorf("area %v", a)
	}
	if !g.Contains(Point{1100, 1100}) || g.Contains(Point{1500, 1500}) || g.Contains(Point{999, 1500}) {
		t.Error("Contains ignores the hole or the border")
	}
	r, ok := RegionOf(c)
	if !ok || !r.Contains(Point{3250, 3250}) || r.Contains(Point{250, 250}) || !r.Contains(Point{15, 15}) {
		t.Error("the region: multipolygon part, line (not a region), cell polygon")
	}
	line := &Geometry{Type: LineString, Line: []Point{{0, 0}, {3, 4}}}
	if l := line.Length(); l != 5 {
		t.Errorf("length %v", l)
	}
	if !line.Near(Point{1.5, 2.5}, 1) || line.Near(Point{10, 0}, 1) || !g.Near(Point{1100, 1100}, 0) || g.Near(Point{1500, 1500}, 1) {
		t.Error("Near: a point beside the line, far from it, inside the polygon, in its hole")
	}
}

func TestImageScopeAndASAPXML(t *testing.T) {
	dir := t.TempDir()
	is := `<?xml version="1.0" encoding="UTF-8"?>
<Annotations MicronsPerPixel="0.252000">
<Annotation Id="1" Name="Tumour" ReadOnly="0" LineColor="255" Type="4" Visible="1">
<Attributes><Attribute Name="Description" Id="0" Value=""/></Attributes>
<Regions>
<Region Id="1" Type="0" Text="main" NegativeROA="0"><Vertices><Vertex X="100" Y="100" Z="0"/><Vertex X="900" Y="100" Z="0"/><Vertex X="900" Y="900" Z="0"/><Vertex X="100" Y="900" Z="0"/></Vertices></Region>
<Region Id="2" Type="0" Text="" NegativeROA="1"><Vertices><Vertex X="400" Y="400"/><Vertex X="500" Y="400"/><Vertex X="500" Y="500"/><Vertex X="400" Y="500"/></Vertices></Region>
<Region Id="3" Type="2" Text="ellipse" NegativeROA="0"><Vertices><Vertex X="1000" Y="1000"/><Vertex X="1200" Y="1100"/></Vertices></Region>
<Region Id="4" Type="4" Text="ruler" NegativeROA="0"><Vertices><Vertex X="0" Y="0"/><Vertex X="30" Y="40"/></Vertices></Region>
</Regions></Annotation>
<Annotation Id="2" Name="" LineColor="65280"><Attributes><Attribute Name="Description" Value="Stroma"/></Attributes>
<Regions><Region Id="1" Type="1"><Vertices><Vertex X="10" Y="10"/><Vertex X="20" Y="10"/><Vertex X="20" Y="20"/><Vertex X="10" Y="20"/></Vertices></Region></Regions></Annotation>
</Annotations>`
	asap := `<?xml version="1.0"?>
<ASAP_Annotations>
<Annotations>
<Annotation Name="Annotation 0" Type="Polygon" PartOfGroup="metastases" Color="#F4FA58"><Coordinates>
<Coordinate Order="1" X="200" Y="100"/><Coordinate Order="0" X="100" Y="100"/><Coordinate Order="2" X="200" Y="200"/></Coordinates></Annotation>
<Annotation Name="Dot 1" Type="Dot" PartOfGroup="None" Color="#000000"><Coordinates><Coordinate Order="0" X="5" Y="6"/></Coordinates></Annotation>
</Annotations>
<AnnotationGroups><Group Name="metastases" PartOfGroup="None" Color="#ff0000"><Attributes/></Group></AnnotationGroups>
</ASAP_Annotations>`
	os.WriteFile(filepath.Join(dir, "is.xml"), []byte(is), 0o644)
	os.WriteFile(filepath.Join(dir, "asap.xml"), []byte(asap), 0o644)
	c, err := Load(filepath.Join(dir, "is.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Features) != 4 {
		t.Fatalf("ImageScope: %d features (the negative region is a hole, not a feature)", len(c.Features))
	}
	main := c.Features[0]
	if main.Class != "Tumour" || main.Colour.R != 255 || len(main.Geometry.Polygons[0]) != 2 || main.Geometry.Contains(Point{450, 450}) {
		t.Errorf("main region %+v", main)
	}
	if c.Features[1].Geometry.Type != Polygon || len(c.Features[1].Geometry.Polygons[0][0]) != 65 || c.Features[2].Geometry.Type != LineString {
		t.Error("ellipse or ruler")
	}
	if c.Features[3].Class != "Stroma" || c.Features[3].Colour.G != 255 {
		t.Errorf("second layer %+v", c.Features[3])
	}
	a, err := Load(filepath.Join(dir, "asap.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Features) != 2 || a.Features[0].Class != "metastases" || a.Features[0].Geometry.Polygons[0][0][1] != (Point{200, 100}) ||
		a.Features[1].Geometry.Type != PointType || a.Features[1].Class != "" {
		t.Errorf("ASAP %+v", a.Features)
	}
	os.WriteFile(filepath.Join(dir, "other.xml"), []byte(`<svg></svg>`), 0o644)
	if _, err := Load(filepath.Join(dir, "other.xml")); err == nil || !strings.Contains(err.Error(), "root is <svg>") {
		t.Errorf("svg: %v", err)
	}
}

// FuzzReadGeoJSON: any bytes give annotations or an error, never a panic;
// what is read can be written and read back.
func FuzzReadGeoJSON(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "qupath-variants.geojson")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`[{"type":"Point","coordinates":[1,2]}]`))
	f.Add([]byte(`{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1]]]]},"properties":{"measurements":{"a":1}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ReadGeoJSON(bytes.NewReader(b))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := c.WriteGeoJSON(&buf); err != nil {
			t.Fatal(err)
		}
		if back, err := ReadGeoJSON(&buf); err != nil || len(back.Features) != len(c.Features) {
			t.Fatalf("the written file does not read back: %v\n%s", err, buf.String())
		}
	})
}

// FuzzReadXML: ImageScope and ASAP XML never panic.
func FuzzReadXML(f *testing.F) {
	f.Add([]byte(`<Annotations><Annotation Name="a"><Regions><Region Type="0" NegativeROA="1"><Vertices><Vertex X="1" Y="1"/><Vertex X="2" Y="1"/><Vertex X="2" Y="2"/></Vertices></Region></Regions></Annotation></Annotations>`))
	f.Add([]byte(`<ASAP_Annotations><Annotations><Annotation Type="Dot"><Coordinates><Coordinate Order="0" X="1" Y="2"/></Coordinates></Annotation></Annotations></ASAP_Annotations>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ReadXML(bytes.NewReader(b))
	})
}

// The index finds exactly the features a brute-force scan finds.
func TestIndexMatchesScan(t *testing.T) {
	c := &Collection{}
	r := uint64(1)
	next := func() float64 {
		r = r*6364136223846793005 + 1442695040888963407
		return float64(r>>33) / float64(1<<31)
	}
	for i := 0; i < 5000; i++ {
		x, y, s := next()*100000, next()*80000, 5+next()*40
		if i%500 == 0 {
			s = 30000 // a few big ones
		}
		c.Features = append(c.Features, Feature{Geometry: Geometry{Type: Polygon, Polygons: [][][]Point{{{{X: x, Y: y}, {X: x + s, Y: y}, {X: x + s, Y: y + s}, {X: x, Y: y}}}}}})
	}
	ix := NewIndex(c)
	for q := 0; q < 50; q++ {
		x0, y0 := next()*100000, next()*80000
		x1, y1 := x0+next()*5000, y0+next()*5000
		got := map[int]int{}
		ix.Query(x0, y0, x1, y1, func(i int) { got[i]++ })
		for i := range c.Features {
			bx0, by0, bx1, by1 := c.Features[i].Bounds()
			want := bx0 <= x1 && bx1 >= x0 && by0 <= y1 && by1 >= y0
			if want != (got[i] == 1) || got[i] > 1 {
				t.Fatalf("query %d: feature %d found %d times, want %v", q, i, got[i], want)
			}
		}
	}
}

// Drawing: a polygon's hole stays clear, its ring is outlined, a tiny
// feature zoomed out is a dot.
func TestDraw(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "qupath-variants.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 300, 300))
	NewDrawing(c).Draw(img, 900, 900, 5) // feature 1 (1000–2000, hole 1400–1600) at 5 px/px
	at := func(x, y float64) color.RGBA { return img.RGBAAt(int((x-900)/5), int((y-900)/5)) }
	if a := at(1500, 1500); a.A != 0 {
		t.Errorf("the hole is painted: %v", a)
	}
	if a := at(1200, 1200); a.A == 0 || a.R == 0 {
		t.Errorf("the inside has no fill: %v", a)
	}
	if a := at(1000, 1300); a.A < 200 {
		t.Errorf("the outline is faint: %v", a)
	}
	small := image.NewRGBA(image.Rect(0, 0, 10, 10))
	NewDrawing(c).Draw(small, 0, 0, 10) // the 10-px cell at (10, 10) is under 2 pixels: a dot
	if small.RGBAAt(1, 1).A == 0 {
		t.Error("a tiny feature vanished instead of becoming a dot")
	}
}

// A FeatureCollection QuPath wrote itself (testdata/PROVENANCE.md): every
// detection, its id, type and measurements (object form, in order) survive
// a round trip, degenerate rings included.
func TestQuPathExportRoundTrip(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "qupath-objects-excerpt.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Features) != 4 {
		t.Fatalf("%d features, want 4", len(c.Features))
	}
	f := c.Features[0]
	if f.ID != "9fe79dec-ccfd-40ed-ae46-4dfedd7a5c13" || f.ObjectType != "detection" || len(f.Measurements) != 3 ||
		f.Measurements[0].Name != "Feature 1" || f.Measurements[0].Value != 3.093561887741089 ||
		f.Measurements[2].Name != "Feature 3" || f.Geometry.Type != Polygon || len(f.Geometry.Polygons[0][0]) != 5 {
		t.Errorf("first detection: %+v", f)
	}
	if n := c.Count(); n.Object["detection"] != 4 || n.Geometry[Polygon] != 4 {
		t.Errorf("counts %+v", n)
	}
	back := roundTrip(t, c)
	for i := range c.Features {
		if !sameFeature(c.Features[i], back.Features[i]) {
			t.Errorf("%s changed:\n%+v\n%+v", c.Describe(i), c.Features[i], back.Features[i])
		}
	}
}

// QuPath writes a "plane" member into the geometry of objects drawn off the
// first channel, focal plane or time point; it is kept.
func TestGeoJSONPlaneKept(t *testing.T) {
	in := `{"type":"Feature","geometry":{"type":"Point","coordinates":[5,6],"plane":{"c":-1,"z":2,"t":0}},"properties":{"objectType":"annotation"}}`
	c, err := ReadGeoJSON(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	back := roundTrip(t, c)
	if got := string(compact(back.Features[0].Geometry.Plane)); got != `{"c":-1,"z":2,"t":0}` {
		t.Errorf("plane after a round trip: %q", got)
	}
}

// roundTrip writes c and reads it back, failing when the count changes.
func roundTrip(t *testing.T, c *Collection) *Collection {
	t.Helper()
	var buf bytes.Buffer
	if err := c.WriteGeoJSON(&buf); err != nil {
		t.Fatal(err)
	}
	written := buf.String()
	back, err := ReadGeoJSON(&buf)
	if err != nil {
		t.Fatalf("%v\n%s", err, written)
	}
	if len(back.Features) != len(c.Features) {
		t.Fatalf("%d features after the round trip, want %d", len(back.Features), len(c.Features))
	}
	return back
}

// sameFeature reports whether a round trip kept a feature: id, name, class,
// colour, type, lock, measurements, nucleus, other properties, geometry.
func sameFeature(a, b Feature) bool {
	same := a.ID == b.ID && a.Name == b.Name && a.Class == b.Class && a.ObjectType == b.ObjectType && a.Locked == b.Locked &&
		(a.Colour == nil) == (b.Colour == nil) && (a.Colour == nil || *a.Colour == *b.Colour) &&
		len(a.Measurements) == len(b.Measurements) && string(compact(a.Nucleus)) == string(compact(b.Nucleus)) &&
		len(a.Properties) == len(b.Properties) && geometryText(a.Geometry) == geometryText(b.Geometry)
	for k := range a.Measurements {
		ma, mb := a.Measurements[k], b.Measurements[k]
		same = same && ma.Name == mb.Name && (ma.Value == mb.Value || math.IsNaN(ma.Value) && math.IsNaN(mb.Value))
	}
	return same
}

// An export keeps every member of an imported feature: HALO writes
// "isLocked": false, and so does the round trip; locking it afterwards
// writes one isLocked, true.
func TestUnlockedFeatureRoundTrip(t *testing.T) {
	in := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[10,20]},` +
		`"properties":{"object_type":"annotation","isLocked":false}}]}`
	c, err := ReadGeoJSON(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := c.WriteGeoJSON(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"isLocked":false`) {
		t.Errorf("isLocked: false dropped: %s", out.String())
	}
	c.Features[0].Locked = true
	out.Reset()
	c.WriteGeoJSON(&out)
	if n := strings.Count(out.String(), `"isLocked"`); n != 1 || !strings.Contains(out.String(), `"isLocked":true`) {
		t.Errorf("locked after import: %s", out.String())
	}
}

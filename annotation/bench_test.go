package annotation

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"testing"
)

// BenchmarkImport50MB reads a 50 MB GeoJSON file of cell detections (as a
// whole-slide cell export from QuPath: a polygon, a nucleus, a class and
// measurements per cell): go test -run NONE -bench Import50MB ./annotation
func BenchmarkImport50MB(b *testing.B) {
	var buf bytes.Buffer
	red := color.RGBA{200, 0, 0, 255}
	c := &Collection{}
	for i := 0; buf.Len() == 0 || i%1000 != 0 || buf.Len() < 50<<20; i++ {
		x, y := float64(i%400)*30, float64(i/400)*30
		ring := make([]Point, 0, 17)
		for k := 0; k <= 16; k++ {
			a := float64(k%16) * math.Pi / 8
			ring = append(ring, Point{X: x + 10*math.Cos(a), Y: y + 10*math.Sin(a)})
		}
		c.Features = append(c.Features, Feature{ID: fmt.Sprintf("cell-%d", i), ObjectType: "cell", Class: "Tumor", Colour: &red,
			Nucleus:      []byte(fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`, x, y, x+4, y, x+4, y+4, x, y)),
			Geometry:     Geometry{Type: Polygon, Polygons: [][][]Point{{ring}}},
			Measurements: []Measurement{{"Nucleus: Area", 48.3}, {"Nucleus: Hematoxylin OD mean", 0.61}, {"Cell: Area", 310.2}}})
		if i%1000 == 999 {
			buf.Reset()
			c.WriteGeoJSON(&buf)
		}
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := ReadGeoJSON(bytes.NewReader(data))
		if err != nil || len(got.Features) != len(c.Features) {
			b.Fatalf("%v, %d features", err, len(got.Features))
		}
	}
	b.ReportMetric(float64(len(c.Features)), "objects")
}

package annotation

import (
	"encoding/xml"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"
)

// Read-only imports of the XML annotations many labs' archives are in:
// Aperio ImageScope (.xml beside SVS files) and ASAP (CAMELYON). Regions
// become polygons (rectangles and ellipses as polygons of their outline,
// ImageScope's negative regions as holes of the region that contains
// them), dots points, rulers and arrows lines; the layer (ImageScope) or
// group (ASAP) is the class.

// ReadXML reads ImageScope or ASAP XML, by its root element.
func ReadXML(r io.Reader) (*Collection, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxGeoJSONBytes))
	if err != nil {
		return nil, err
	}
	var root struct{ XMLName xml.Name }
	if err := xml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("not readable XML: %v", err)
	}
	switch root.XMLName.Local {
	case "Annotations":
		return readImageScope(data)
	case "ASAP_Annotations":
		return readASAP(data)
	}
	return nil, fmt.Errorf("%w: an XML file whose root is <%s>, not Aperio ImageScope <Annotations> or ASAP <ASAP_Annotations>", ErrNotGeoJSON, root.XMLName.Local)
}

type isVertex struct {
	X string `xml:"X,attr"`
	Y string `xml:"Y,attr"`
}

type isRegion struct {
	ID       string     `xml:"Id,attr"`
	Type     string     `xml:"Type,attr"`
	Text     string     `xml:"Text,attr"`
	Negative string     `xml:"NegativeROA,attr"`
	Vertices []isVertex `xml:"Vertices>Vertex"`
}

type isAnnotation struct {
	ID        string     `xml:"Id,attr"`
	Name      string     `xml:"Name,attr"`
	LineColor string     `xml:"LineColor,attr"`
	Regions   []isRegion `xml:"Regions>Region"`
	Attrs     []struct {
		Name  string `xml:"Name,attr"`
		Value string `xml:"Value,attr"`
	} `xml:"Attributes>Attribute"`
}

func readImageScope(data []byte) (*Collection, error) {
	var doc struct {
		Annotations []isAnnotation `xml:"Annotation"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("ImageScope XML: %v", err)
	}
	c := &Collection{}
	for li, a := range doc.Annotations {
		class := a.Name
		if class == "" {
			for _, at := range a.Attrs {
				if at.Value != "" {
					class = at.Value
					break
				}
			}
		}
		if class == "" {
			class = "Layer " + strconv.Itoa(li+1)
		}
		var col *color.RGBA
		if v, err := strconv.ParseInt(a.LineColor, 10, 64); err == nil { // 0xBBGGRR
			col = &color.RGBA{uint8(v), uint8(v >> 8), uint8(v >> 16), 255}
		}
		first := len(c.Features)
		var holes [][]Point
		for ri, r := range a.Regions {
			pts, err := vertices(r.Vertices, func(v isVertex) (string, string) { return v.X, v.Y })
			if err != nil {
				return nil, fmt.Errorf("ImageScope layer %q, region %d: %v", class, ri+1, err)
			}
			g, err := imageScopeGeometry(r.Type, pts)
			if err != nil {
				return nil, fmt.Errorf("ImageScope layer %q, region %d: %v", class, ri+1, err)
			}
			if r.Negative == "1" && len(g.Polygons) == 1 {
				holes = append(holes, g.Polygons[0][0])
				continue
			}
			c.Features = append(c.Features, Feature{ID: r.ID, Name: r.Text, ObjectType: "annotation", Class: class, Colour: col, Geometry: g})
		}
		// Negative regions are holes of the layer's polygon that holds them.
		for _, h := range holes {
			placed := false
			for k := first; k < len(c.Features) && !placed; k++ {
				g := &c.Features[k].Geometry
				if len(g.Polygons) == 1 && ringContains(g.Polygons[0][0], h[0]) {
					g.Polygons[0] = append(g.Polygons[0], h)
					placed = true
				}
			}
			if !placed {
				return nil, fmt.Errorf("ImageScope layer %q: a negative region lies outside every region of its layer", class)
			}
		}
	}
	return c, nil
}

// imageScopeGeometry turns a region of the given ImageScope type into a
// geometry: 0 free-hand polygon, 1 rectangle, 2 ellipse (its bounding
// box's corners), 3 arrow and 4 ruler (lines), 5 point… (an unknown type
// with one vertex is a point, with two a line, else a polygon).
func imageScopeGeometry(typ string, pts []Point) (Geometry, error) {
	switch {
	case typ == "2" && len(pts) >= 2:
		return ellipse(pts[0], pts[len(pts)-1]), nil
	case (typ == "3" || typ == "4") && len(pts) >= 2:
		return Geometry{Type: LineString, Line: pts}, nil
	case len(pts) == 1:
		return Geometry{Type: PointType, Points: pts}, nil
	case len(pts) == 2:
		return Geometry{Type: LineString, Line: pts}, nil
	case len(pts) >= 3:
		return Geometry{Type: Polygon, Polygons: [][][]Point{{closed(pts)}}}, nil
	}
	return Geometry{}, errors.New("has no vertices")
}

// ellipse is the polygon (64 sides) of the ellipse in the box a–b.
func ellipse(a, b Point) Geometry {
	return Geometry{Type: Polygon, Polygons: [][][]Point{{closed(EllipseCorners(a, b))}}}
}

// EllipseCorners are the 64 corners (an open ring) of the polygon that
// stands for the ellipse inscribed in the box with corners a and b.
func EllipseCorners(a, b Point) []Point {
	cx, cy := (a.X+b.X)/2, (a.Y+b.Y)/2
	rx, ry := math.Abs(b.X-a.X)/2, math.Abs(b.Y-a.Y)/2
	ring := make([]Point, 0, 65)
	for i := 0; i < 64; i++ {
		t := 2 * math.Pi * float64(i) / 64
		ring = append(ring, Point{cx + rx*math.Cos(t), cy + ry*math.Sin(t)})
	}
	return ring
}

func closed(pts []Point) []Point {
	if len(pts) > 0 && pts[0] != pts[len(pts)-1] {
		pts = append(pts, pts[0])
	}
	return pts
}

func vertices[T any](vs []T, xy func(T) (string, string)) ([]Point, error) {
	out := make([]Point, 0, len(vs))
	for i, v := range vs {
		xs, ys := xy(v)
		x, err1 := strconv.ParseFloat(strings.TrimSpace(xs), 64)
		y, err2 := strconv.ParseFloat(strings.TrimSpace(ys), 64)
		if err1 != nil || err2 != nil || math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
			return nil, fmt.Errorf("vertex %d (%q, %q) is not a position", i+1, xs, ys)
		}
		out = append(out, Point{x, y})
	}
	return out, nil
}

type asapCoordinate struct {
	Order string `xml:"Order,attr"`
	X     string `xml:"X,attr"`
	Y     string `xml:"Y,attr"`
}

func readASAP(data []byte) (*Collection, error) {
	var doc struct {
		Annotations []struct {
			Name   string           `xml:"Name,attr"`
			Type   string           `xml:"Type,attr"`
			Group  string           `xml:"PartOfGroup,attr"`
			Colour string           `xml:"Color,attr"`
			Coords []asapCoordinate `xml:"Coordinates>Coordinate"`
		} `xml:"Annotations>Annotation"`
		Groups []struct {
			Name   string `xml:"Name,attr"`
			Colour string `xml:"Color,attr"`
		} `xml:"AnnotationGroups>Group"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("ASAP XML: %v", err)
	}
	groupColour := map[string]string{}
	for _, g := range doc.Groups {
		groupColour[g.Name] = g.Colour
	}
	c := &Collection{}
	for _, a := range doc.Annotations {
		// Coordinates carry their order; ASAP writes them in order, but
		// sort to be sure.
		coords := append([]asapCoordinate(nil), a.Coords...)
		sortByOrder(coords)
		pts, err := vertices(coords, func(v asapCoordinate) (string, string) { return v.X, v.Y })
		if err != nil {
			return nil, fmt.Errorf("ASAP annotation %q: %v", a.Name, err)
		}
		class := a.Group
		if class == "None" {
			class = ""
		}
		var g Geometry
		switch strings.ToLower(a.Type) {
		case "dot":
			if len(pts) == 0 {
				return nil, fmt.Errorf("ASAP annotation %q: a dot without a coordinate", a.Name)
			}
			g = Geometry{Type: PointType, Points: pts[:1]}
		case "pointset":
			g = Geometry{Type: MultiPoint, Points: pts}
		case "measurement":
			g = Geometry{Type: LineString, Line: pts}
		default: // Polygon, Rectangle, Spline
			if len(pts) < 3 {
				return nil, fmt.Errorf("ASAP annotation %q (%s) has %d coordinates; a region needs 3", a.Name, a.Type, len(pts))
			}
			g = Geometry{Type: Polygon, Polygons: [][][]Point{{closed(pts)}}}
		}
		f := Feature{Name: a.Name, ObjectType: "annotation", Class: class, Geometry: g}
		hex := a.Colour
		if hex == "" {
			hex = groupColour[a.Group]
		}
		if v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32); err == nil && len(hex) == 7 {
			f.Colour = &color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
		}
		c.Features = append(c.Features, f)
	}
	return c, nil
}

func sortByOrder(cs []asapCoordinate) {
	key := func(c asapCoordinate) int {
		n, err := strconv.Atoi(c.Order)
		if err != nil {
			return math.MaxInt32
		}
		return n
	}
	for i := 1; i < len(cs); i++ { // insertion sort: usually already in order
		for j := i; j > 0 && key(cs[j]) < key(cs[j-1]); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

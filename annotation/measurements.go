package annotation

// The measurements Tessera writes on the shapes it draws, named as QuPath
// names its own so that a round trip through QuPath keeps one column each.
// unit is "µm" on a calibrated slide and "px" on one without µm/px.

// AreaName is the name of a shape's area measurement ("Area µm^2").
func AreaName(unit string) string { return "Area " + unit + "^2" }

// PerimeterName is the name of a shape's perimeter measurement.
func PerimeterName(unit string) string { return "Perimeter " + unit }

// LengthName is the name of a line's length measurement ("Length µm").
func LengthName(unit string) string { return "Length " + unit }

// ShapeMeasurements are the area and perimeter of a drawn shape.
func ShapeMeasurements(unit string, area, perimeter float64) []Measurement {
	return []Measurement{{Name: AreaName(unit), Value: area}, {Name: PerimeterName(unit), Value: perimeter}}
}

// Remeasure returns ms with the area and perimeter Tessera wrote (in unit)
// updated; other measurements (another tool's) are kept as they were.
func Remeasure(ms []Measurement, unit string, area, perimeter float64) []Measurement {
	out := append([]Measurement(nil), ms...)
	for i := range out {
		switch out[i].Name {
		case AreaName(unit):
			out[i].Value = area
		case PerimeterName(unit):
			out[i].Value = perimeter
		}
	}
	return out
}

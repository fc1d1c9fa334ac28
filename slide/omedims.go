package slide

import (
	"regexp"
	"strconv"
	"strings"
)

// omeDimensions is the plane layout an OME-XML Pixels element declares:
// how many focal planes (Z), channels (C) and time points (T), and the
// order in which the TIFF directories hold them (DimensionOrder, the
// first letter after XY varying fastest). Tessera shows every channel of
// the first focal plane and the first time point.
type omeDimensions struct {
	sizeZ, sizeC, sizeT int
	order               string // e.g. "XYZCT"
}

var (
	omePixels    = regexp.MustCompile(`<(?:\w+:)?Pixels\b[^>]*>`)
	omePixelAttr = regexp.MustCompile(`\b(SizeZ|SizeC|SizeT|DimensionOrder)\s*=\s*"([^"]*)"`)
)

// maxOMEPlanes bounds the directories Tessera walks to find the channels of
// the first focal plane and time point (a size field never drives a huge
// read).
const maxOMEPlanes = 1 << 14

// omeDimensionsOf reads the first image's Pixels element; channels is the
// number of Channel elements, used when SizeC is absent. Missing or
// implausible sizes count as 1; an unknown order as XYCZT (Bio-Formats'
// default for OME-TIFF exports).
func omeDimensionsOf(xml string, channels int) omeDimensions {
	d := omeDimensions{sizeZ: 1, sizeC: channels, sizeT: 1, order: "XYCZT"}
	tag := omePixels.FindString(xml)
	for _, m := range omePixelAttr.FindAllStringSubmatch(tag, -1) {
		if m[1] == "DimensionOrder" {
			if o := strings.ToUpper(m[2]); validOMEOrder(o) {
				d.order = o
			}
			continue
		}
		v, err := strconv.Atoi(m[2])
		if err != nil || v < 1 {
			continue
		}
		switch m[1] {
		case "SizeZ":
			d.sizeZ = v
		case "SizeC":
			d.sizeC = v
		case "SizeT":
			d.sizeT = v
		}
	}
	// RGB images (several samples per plane) declare SizeC = 3 with one
	// Channel element; the channel reader sees one plane per Channel.
	if channels > 0 && d.sizeC > channels && d.sizeC%channels == 0 {
		d.sizeC = channels
	}
	if d.sizeZ*d.sizeC*d.sizeT > maxOMEPlanes {
		d.sizeZ, d.sizeT = 1, 1
		d.sizeC = min(d.sizeC, maxOMEPlanes)
	}
	return d
}

func validOMEOrder(o string) bool {
	if len(o) != 5 || !strings.HasPrefix(o, "XY") {
		return false
	}
	rest := o[2:]
	return strings.Count(rest, "Z") == 1 && strings.Count(rest, "C") == 1 && strings.Count(rest, "T") == 1
}

// ifdIndex is the directory holding channel c at Z = 0, T = 0.
func (d omeDimensions) ifdIndex(c int) int {
	stride := 1
	for _, dim := range d.order[2:] {
		if dim == 'C' {
			return c * stride
		}
		switch dim {
		case 'Z':
			stride *= d.sizeZ
		case 'T':
			stride *= d.sizeT
		}
	}
	return c
}

// describe records in props what is and is not shown of a Z stack or a
// time series.
func (d omeDimensions) describe(props map[string]string) {
	if d.sizeZ > 1 {
		props["ome.SizeZ"] = strconv.Itoa(d.sizeZ)
		props["tessera.focal-planes"] = strconv.Itoa(d.sizeZ) + " focal planes; the first is shown"
	}
	if d.sizeT > 1 {
		props["ome.SizeT"] = strconv.Itoa(d.sizeT)
		props["tessera.time-points"] = strconv.Itoa(d.sizeT) + " time points; the first is shown"
	}
	if d.sizeZ > 1 || d.sizeT > 1 {
		props["ome.DimensionOrder"] = d.order
	}
}

package slide

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"image"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// tiffLZW encodes data as a TIFF LZW stream of literal codes only (a Clear
// code every 250 of them keeps the codes 9 bits wide): valid for any TIFF
// reader, if not small.
func tiffLZW(data []byte) []byte {
	var out bytes.Buffer
	var acc uint32
	var nbits uint
	put := func(code uint32) {
		acc = acc<<9 | code
		nbits += 9
		for nbits >= 8 {
			out.WriteByte(byte(acc >> (nbits - 8)))
			nbits -= 8
		}
	}
	for i, b := range data {
		if i%250 == 0 {
			put(256)
		}
		put(uint32(b))
	}
	put(257)
	if nbits > 0 {
		out.WriteByte(byte(acc << (8 - nbits)))
	}
	return out.Bytes()
}

// stripOMETIFF writes an RGB OME-TIFF of img in strips of rowsPerStrip
// rows, horizontally differenced and LZW (5) or Deflate (8) compressed, as
// QuPath writes small RGB exports.
func stripOMETIFF(t testing.TB, img *image.RGBA, rowsPerStrip int, compression uint16) string {
	t.Helper()
	w, h := img.Rect.Dx(), img.Rect.Dy()
	desc := []byte(`<?xml version="1.0"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels DimensionOrder="XYCZT" ID="Pixels:0" Interleaved="true" PhysicalSizeX="0.5" PhysicalSizeXUnit="µm" PhysicalSizeY="0.5" PhysicalSizeYUnit="µm" SizeC="3" SizeT="1" SizeX="64" SizeY="40" SizeZ="1" Type="uint8"><Channel ID="Channel:0:0" SamplesPerPixel="3"/></Pixels></Image></OME>` + "\x00")
	var strips [][]byte
	for y0 := 0; y0 < h; y0 += rowsPerStrip {
		var raw []byte
		for y := y0; y < min(y0+rowsPerStrip, h); y++ {
			row := make([]byte, 3*w)
			for x := 0; x < w; x++ {
				o := img.PixOffset(x, y)
				copy(row[3*x:], img.Pix[o:o+3])
			}
			for x := len(row) - 1; x >= 3; x-- { // horizontal differencing
				row[x] -= row[x-3]
			}
			raw = append(raw, row...)
		}
		if compression == 5 {
			strips = append(strips, tiffLZW(raw))
		} else {
			var z bytes.Buffer
			zw := zlib.NewWriter(&z)
			zw.Write(raw)
			zw.Close()
			strips = append(strips, z.Bytes())
		}
	}
	type entry struct {
		tag, typ uint16
		vals     []uint32
		data     []byte
	}
	offsets, counts := make([]uint32, len(strips)), make([]uint32, len(strips))
	entries := []entry{
		{256, 4, []uint32{uint32(w)}, nil}, {257, 4, []uint32{uint32(h)}, nil}, {258, 3, []uint32{8, 8, 8}, nil},
		{259, 3, []uint32{uint32(compression)}, nil}, {262, 3, []uint32{2}, nil}, {270, 2, nil, desc},
		{273, 4, offsets, nil}, {277, 3, []uint32{3}, nil}, {278, 4, []uint32{uint32(rowsPerStrip)}, nil},
		{279, 4, counts, nil}, {284, 3, []uint32{1}, nil}, {317, 3, []uint32{2}, nil},
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].tag < entries[j].tag })
	// Layout: header, strips, out-of-line values, IFD.
	var buf bytes.Buffer
	buf.Write([]byte{'I', 'I', 42, 0, 0, 0, 0, 0})
	for i, s := range strips {
		offsets[i], counts[i] = uint32(buf.Len()), uint32(len(s))
		buf.Write(s)
	}
	le := binary.LittleEndian
	valueBytes := func(e entry) []byte {
		if e.data != nil {
			return e.data
		}
		var b []byte
		for _, v := range e.vals {
			if e.typ == 3 {
				b = le.AppendUint16(b, uint16(v))
			} else {
				b = le.AppendUint32(b, v)
			}
		}
		return b
	}
	outOfLine := map[uint16]uint32{}
	for _, e := range entries {
		if b := valueBytes(e); len(b) > 4 {
			if buf.Len()%2 == 1 {
				buf.WriteByte(0)
			}
			outOfLine[e.tag] = uint32(buf.Len())
			buf.Write(b)
		}
	}
	if buf.Len()%2 == 1 {
		buf.WriteByte(0)
	}
	ifd := uint32(buf.Len())
	buf.Write(le.AppendUint16(nil, uint16(len(entries))))
	for _, e := range entries {
		b := valueBytes(e)
		n := len(e.vals)
		if e.data != nil {
			n = len(e.data)
		}
		buf.Write(le.AppendUint16(nil, e.tag))
		buf.Write(le.AppendUint16(nil, e.typ))
		buf.Write(le.AppendUint32(nil, uint32(n)))
		if off, ok := outOfLine[e.tag]; ok {
			buf.Write(le.AppendUint32(nil, off))
		} else {
			buf.Write(append(b, make([]byte, 4-len(b))...))
		}
	}
	buf.Write([]byte{0, 0, 0, 0})
	out := buf.Bytes()
	le.PutUint32(out[4:], ifd)
	path := filepath.Join(t.TempDir(), "rgb.ome.tif")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A QuPath-style RGB OME-TIFF in strips (LZW or Deflate, horizontal
// predictor, a short last strip) opens with its µm/px and gives back its
// pixels exactly.
func TestRGBOMETIFFInStrips(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 64, 40))
	rng := rand.New(rand.NewSource(1))
	for i := range src.Pix {
		src.Pix[i] = byte(rng.Intn(256))
		if i%4 == 3 {
			src.Pix[i] = 255
		}
	}
	for _, compression := range []uint16{5, 8} {
		s, err := Open(stripOMETIFF(t, src, 16, compression))
		if err != nil {
			t.Fatalf("compression %d: %v", compression, err)
		}
		if s.Format() != "ome-tiff" || s.MPP().X != 0.5 {
			t.Errorf("compression %d: format %s, µm/px %+v", compression, s.Format(), s.MPP())
		}
		got := image.NewRGBA(image.Rect(0, 0, 64, 40))
		if err := s.ReadRegion(got, 0, 0, 0); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Pix, src.Pix) {
			t.Errorf("compression %d: pixels differ from the source", compression)
		}
		part := image.NewRGBA(image.Rect(0, 0, 20, 10))
		if err := s.ReadRegion(part, 0, 30, 14); err != nil { // across two strips
			t.Fatal(err)
		}
		if !bytes.Equal(part.Pix[:20*4], src.Pix[src.PixOffset(30, 14):src.PixOffset(50, 14)]) {
			t.Errorf("compression %d: a region across strips differs", compression)
		}
		s.Close()
	}
}

// Package testicc makes ICC colour profiles for tests.
package testicc

import (
	"bytes"
	"encoding/binary"
	"math"
)

// AdobeRGB builds an ICC v2 matrix/TRC profile with Adobe RGB
// (1998) primaries (D50-adapted) and gamma 2.2: a wide-gamut profile of
// the kind scanners embed, written byte by byte as test data (Little CMS
// does the colour work).
func AdobeRGB() []byte {
	s15 := func(v float64) []byte {
		b := make([]byte, 4)
		binary.BigEndian.PutUint32(b, uint32(int32(math.Round(v*65536))))
		return b
	}
	xyz := func(x, y, z float64) []byte {
		return append(append(append([]byte("XYZ \x00\x00\x00\x00"), s15(x)...), s15(y)...), s15(z)...)
	}
	curve := []byte("curv\x00\x00\x00\x00\x00\x00\x00\x01\x02\x33\x00\x00") // gamma 2.2 (u8.8), padded
	desc := func(text string) []byte {
		b := []byte("desc\x00\x00\x00\x00")
		n := make([]byte, 4)
		binary.BigEndian.PutUint32(n, uint32(len(text)+1))
		b = append(append(append(b, n...), text...), 0)
		b = append(b, make([]byte, 4+4+2+1+67)...) // no Unicode, no ScriptCode
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	tags := []struct {
		sig  string
		data []byte
	}{
		{"desc", desc("Adobe RGB (1998) test profile")},
		{"wtpt", xyz(0.9642, 1.0, 0.8249)},
		{"rXYZ", xyz(0.6097, 0.3111, 0.0195)},
		{"gXYZ", xyz(0.2053, 0.6257, 0.0609)},
		{"bXYZ", xyz(0.1492, 0.0632, 0.7446)},
		{"rTRC", curve}, {"gTRC", curve}, {"bTRC", curve},
	}
	var table, data bytes.Buffer
	offset := 128 + 4 + 12*len(tags)
	binary.Write(&table, binary.BigEndian, uint32(len(tags)))
	for _, t := range tags {
		table.WriteString(t.sig)
		binary.Write(&table, binary.BigEndian, uint32(offset+data.Len()))
		binary.Write(&table, binary.BigEndian, uint32(len(t.data)))
		data.Write(t.data)
	}
	header := make([]byte, 128)
	size := 128 + table.Len() + data.Len()
	binary.BigEndian.PutUint32(header[0:], uint32(size))
	binary.BigEndian.PutUint32(header[8:], 0x02100000) // version 2.1
	copy(header[12:], "mntr")
	copy(header[16:], "RGB ")
	copy(header[20:], "XYZ ")
	copy(header[36:], "acsp")
	copy(header[68:], s15(0.9642))
	copy(header[72:], s15(1.0))
	copy(header[76:], s15(0.8249))
	return append(append(header, table.Bytes()...), data.Bytes()...)
}

package slide

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// The byte layout of a DICOM Part 10 file, read lazily: where the top-level
// Pixel Data element starts, and where each frame's bytes are. The
// metadata itself is parsed by github.com/suyashkumar/dicom (dicom.go);
// that library keeps no file offsets, so it cannot serve one frame of a
// multi-gigabyte file without reading them all. This walker only follows
// element headers: it never allocates from a length field and never reads
// a value it does not need.

// errNotDICOM means the file has no DICOM Part 10 preamble.
var errNotDICOM = errors.New("not a DICOM file")

const (
	dicomPreamble      = 128
	undefinedLength    = 0xFFFFFFFF
	maxSequenceDepth   = 16
	tagItem            = 0xFFFEE000
	tagItemDelimiter   = 0xFFFEE00D
	tagSeqDelimiter    = 0xFFFEE0DD
	tagPixelData       = 0x7FE00010
	tagExtendedOffsets = 0x7FE00001 // Extended Offset Table (OV)
	tagExtendedLengths = 0x7FE00002 // Extended Offset Table Lengths (OV)
	tagTransferSyntax  = 0x00020010
	tagMetaGroupLength = 0x00020000
)

// IsDICOMFile reports whether path is a DICOM file (the preamble and
// "DICM"), whatever its name: DICOM files often have no extension.
func IsDICOMFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return isDICOM(f)
}

// isDICOM reports whether r starts with the 128-byte preamble and "DICM".
func isDICOM(r io.ReaderAt) bool {
	var magic [4]byte
	_, err := r.ReadAt(magic[:], dicomPreamble)
	return err == nil && string(magic[:]) == "DICM"
}

// dicomLayout is where a file's dataset and pixel data are.
type dicomLayout struct {
	transferSyntax string
	datasetStart   int64  // first byte after the file meta group
	pixelHeader    int64  // first byte of the Pixel Data element's header
	sopClass       string // (0008,0016), when read before the pixel data
	metadataEnd    int64  // first byte of group 7FE0 (the offset tables or the pixel data): the metadata ends there
	pixelValue     int64  // first byte of its value
	pixelLength    int64  // -1: encapsulated (undefined length)
	// extended and extendedLengths are the Extended Offset Table and its
	// lengths (value places in the file; n == 0 when absent).
	extended, extendedLengths byteRange
}

// dicomWalker reads element headers of one file.
type dicomWalker struct {
	r        io.ReaderAt
	size     int64
	explicit bool
}

// readLayout finds the transfer syntax, the dataset and the top-level Pixel
// Data element of a DICOM file of size bytes.
func readLayout(r io.ReaderAt, size int64) (*dicomLayout, error) {
	if !isDICOM(r) {
		return nil, errNotDICOM
	}
	w := &dicomWalker{r: r, size: size, explicit: true} // the meta group is always explicit VR
	l := &dicomLayout{}
	off := int64(dicomPreamble + 4)
	for off < size {
		tag, _, length, hdr, err := w.header(off)
		if err != nil {
			return nil, err
		}
		if tag>>16 != 0x0002 {
			break
		}
		if length == undefinedLength {
			return nil, errors.New("file meta element of undefined length")
		}
		if tag == tagTransferSyntax {
			v, err := w.bytes(off+hdr, int64(length), 64)
			if err != nil {
				return nil, err
			}
			l.transferSyntax = string(bytes.TrimRight(v, "\x00 "))
		}
		off += hdr + int64(length)
	}
	if l.transferSyntax == "" {
		return nil, errors.New("no transfer syntax in the file meta information")
	}
	l.datasetStart = off
	switch l.transferSyntax {
	case "1.2.840.10008.1.2": // implicit VR little endian
		w.explicit = false
	case "1.2.840.10008.1.2.2":
		return nil, errors.New("big-endian DICOM (retired transfer syntax 1.2.840.10008.1.2.2) is not supported")
	case "1.2.840.10008.1.2.1.99":
		return nil, errors.New("deflated DICOM (transfer syntax 1.2.840.10008.1.2.1.99) is not supported")
	}
	for off < size {
		tag, _, length, hdr, err := w.header(off)
		if err != nil {
			return nil, err
		}
		if tag>>16 == 0x7FE0 && l.metadataEnd == 0 {
			l.metadataEnd = off
		}
		switch tag {
		case 0x00080016: // SOP Class UID: what the object is, for a file without pixel data
			if v, err := w.bytes(off+hdr, int64(length), 64); err == nil {
				l.sopClass = string(bytes.TrimRight(v, "\x00 "))
			}
		case tagExtendedOffsets:
			l.extended = byteRange{off + hdr, int64(length)}
		case tagExtendedLengths:
			l.extendedLengths = byteRange{off + hdr, int64(length)}
		}
		if tag == tagPixelData {
			l.pixelHeader, l.pixelValue, l.pixelLength = off, off+hdr, int64(length)
			if length == undefinedLength {
				l.pixelLength = -1
			} else if l.pixelValue+l.pixelLength > size {
				return nil, fmt.Errorf("the pixel data is cut short (%d bytes declared, %d in the file)", l.pixelLength, size-l.pixelValue)
			}
			return l, nil
		}
		if off, err = w.skipValue(off+hdr, length, 0); err != nil {
			return nil, err
		}
	}
	return l, errNoPixelData
}

// errNoPixelData: a DICOM file without pixel data (an annotation, a
// structured report…); readLayout returns its layout too, with its SOP
// class.
var errNoPixelData = errors.New("no pixel data")

// header reads the element header at off: its tag (group<<16|element), VR,
// value length and the header's size.
func (w *dicomWalker) header(off int64) (tag uint32, vr string, length uint32, size int64, err error) {
	var b [12]byte
	n, _ := w.r.ReadAt(b[:], off)
	if n < 8 {
		return 0, "", 0, 0, fmt.Errorf("the file ends inside an element header at byte %d", off)
	}
	le := binary.LittleEndian
	tag = uint32(le.Uint16(b[0:]))<<16 | uint32(le.Uint16(b[2:]))
	if tag>>16 == 0xFFFE || !w.explicit { // items and delimiters have no VR
		return tag, "", le.Uint32(b[4:]), 8, nil
	}
	vr = string(b[4:6])
	switch vr {
	case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV":
		if n < 12 {
			return 0, "", 0, 0, fmt.Errorf("the file ends inside an element header at byte %d", off)
		}
		return tag, vr, le.Uint32(b[8:]), 12, nil
	}
	if vr[0] < 'A' || vr[0] > 'Z' || vr[1] < 'A' || vr[1] > 'Z' {
		return 0, "", 0, 0, fmt.Errorf("no value representation at byte %d", off)
	}
	return tag, vr, uint32(le.Uint16(b[6:])), 8, nil
}

// skipValue returns the offset after a value of the given length starting
// at off; an undefined length is a sequence (or encapsulated data) whose
// items are walked to its delimiter.
func (w *dicomWalker) skipValue(off int64, length uint32, depth int) (int64, error) {
	if length != undefinedLength {
		end := off + int64(length)
		if end > w.size {
			return 0, fmt.Errorf("an element at byte %d runs past the end of the file", off)
		}
		return end, nil
	}
	if depth >= maxSequenceDepth {
		return 0, errors.New("sequences nested too deeply")
	}
	for off < w.size {
		tag, _, l, hdr, err := w.header(off)
		if err != nil {
			return 0, err
		}
		off += hdr
		switch tag {
		case tagSeqDelimiter:
			return off, nil
		case tagItem:
			if l != undefinedLength {
				if off, err = w.skipValue(off, l, depth+1); err != nil {
					return 0, err
				}
				continue
			}
			// An item of undefined length: its elements, to the item delimiter.
			for {
				t, _, el, h, err := w.header(off)
				if err != nil {
					return 0, err
				}
				if t == tagItemDelimiter {
					off += h
					break
				}
				if off, err = w.skipValue(off+h, el, depth+1); err != nil {
					return 0, err
				}
			}
		default:
			return 0, fmt.Errorf("unexpected element %08x inside a sequence at byte %d", tag, off-hdr)
		}
	}
	return 0, errors.New("a sequence runs past the end of the file")
}

// bytes reads n bytes at off, refusing more than limit.
func (w *dicomWalker) bytes(off, n, limit int64) ([]byte, error) {
	if n < 0 || n > limit || off+n > w.size {
		return nil, fmt.Errorf("a value of %d bytes at byte %d does not fit", n, off)
	}
	b := make([]byte, n)
	if _, err := w.r.ReadAt(b, off); err != nil {
		return nil, err
	}
	return b, nil
}

// byteRange is a span of the file.
type byteRange struct{ off, n int64 }

// fragments lists the items of encapsulated pixel data starting at off:
// the Basic Offset Table (the first item) and the fragments after it.
func (w *dicomWalker) fragments(off int64) (table []byte, frags []byteRange, err error) {
	first := true
	for off < w.size {
		tag, _, l, hdr, err := w.header(off)
		if err != nil {
			return nil, nil, err
		}
		off += hdr
		switch {
		case tag == tagSeqDelimiter:
			return table, frags, nil
		case tag != tagItem || l == undefinedLength:
			return nil, nil, fmt.Errorf("unexpected element %08x in the encapsulated pixel data", tag)
		case off+int64(l) > w.size:
			return nil, nil, errors.New("the pixel data is cut short")
		}
		if first {
			if table, err = w.bytes(off, int64(l), w.size); err != nil {
				return nil, nil, err
			}
			first = false
		} else {
			frags = append(frags, byteRange{off, int64(l)})
		}
		off += int64(l)
	}
	return nil, nil, errors.New("the pixel data is cut short (no sequence delimiter)")
}

// spansFromTable reads the Basic Offset Table at the start of encapsulated
// pixel data (off) and, when it has an offset for each of the n frames,
// returns each frame's span of items: from its offset to the next (the
// last one to the end of the file, where the sequence delimiter is). ok is
// false without a usable table.
func (w *dicomWalker) spansFromTable(off int64, n int) ([][]byteRange, bool) {
	tag, _, l, hdr, err := w.header(off)
	if err != nil || tag != tagItem || l == undefinedLength || int64(l) != 4*int64(n) || n <= 0 {
		return nil, false
	}
	table, err := w.bytes(off+hdr, int64(l), w.size)
	if err != nil {
		return nil, false
	}
	base := off + hdr + int64(l) // the first fragment's item header
	spans := make([][]byteRange, n)
	for i := 0; i < n; i++ {
		start := base + int64(binary.LittleEndian.Uint32(table[4*i:]))
		end := w.size
		if i+1 < n {
			end = base + int64(binary.LittleEndian.Uint32(table[4*(i+1):]))
		}
		if start < base || end <= start || end > w.size {
			return nil, false
		}
		spans[i] = []byteRange{{start, end - start}}
	}
	return spans, true
}

// framesFromExtendedTable finds n frames (one fragment each, as the
// standard requires with this table) from the Extended Offset Table: each
// frame's item at its offset from the first fragment's item header
// (encapsulated pixel data at off, whose Basic Offset Table is empty), its
// data of the given length. ok is false without a usable table; the first
// and last frames' item headers are checked.
func (w *dicomWalker) framesFromExtendedTable(l *dicomLayout, off int64, n int) ([][]byteRange, bool) {
	if n <= 0 || l.extended.n != 8*int64(n) || l.extendedLengths.n != 8*int64(n) {
		return nil, false
	}
	tag, _, bot, hdr, err := w.header(off)
	if err != nil || tag != tagItem || bot == undefinedLength {
		return nil, false
	}
	offs, err := w.bytes(l.extended.off, l.extended.n, w.size)
	if err != nil {
		return nil, false
	}
	lens, err := w.bytes(l.extendedLengths.off, l.extendedLengths.n, w.size)
	if err != nil {
		return nil, false
	}
	base := off + hdr + int64(bot) // the first fragment's item header
	frames := make([][]byteRange, n)
	for i := 0; i < n; i++ {
		at, length := binary.LittleEndian.Uint64(offs[8*i:]), binary.LittleEndian.Uint64(lens[8*i:])
		if at > uint64(w.size) || length > uint64(w.size) || base+int64(at)+8+int64(length) > w.size {
			return nil, false
		}
		frames[i] = []byteRange{{base + int64(at) + 8, int64(length)}}
	}
	for _, i := range []int{0, n - 1} {
		tag, _, itemLen, _, err := w.header(frames[i][0].off - 8)
		if err != nil || tag != tagItem || int64(itemLen) < frames[i][0].n {
			return nil, false
		}
	}
	return frames, true
}

// itemData joins the values of the items in span (a frame's fragments with
// their headers), up to a sequence delimiter or the span's end.
func itemData(span []byte) ([]byte, error) {
	var out []byte
	for p := 0; p+8 <= len(span); {
		tag := uint32(binary.LittleEndian.Uint16(span[p:]))<<16 | uint32(binary.LittleEndian.Uint16(span[p+2:]))
		n := int(binary.LittleEndian.Uint32(span[p+4:]))
		if tag == tagSeqDelimiter {
			break
		}
		if tag != tagItem || n < 0 || p+8+n > len(span) {
			return nil, errors.New("the offset table does not point at the frame's fragments")
		}
		out = append(out, span[p+8:p+8+n]...)
		p += 8 + n
	}
	if len(out) == 0 {
		return nil, errors.New("an empty frame")
	}
	return out, nil
}

// framesOf groups the fragments of encapsulated pixel data into n frames:
// one fragment each; or by the Basic Offset Table; or, with an empty table,
// by the start of each codestream (JPEG's SOI marker, JPEG 2000's SOC).
func (w *dicomWalker) framesOf(table []byte, frags []byteRange, n int) ([][]byteRange, error) {
	if n <= 0 {
		return nil, errors.New("no frames")
	}
	if len(frags) == n {
		out := make([][]byteRange, n)
		for i, f := range frags {
			out[i] = []byteRange{f}
		}
		return out, nil
	}
	if len(frags) < n {
		return nil, fmt.Errorf("%d fragments for %d frames", len(frags), n)
	}
	var starts []int // fragment index where each frame starts
	if len(table) >= 4*n {
		// Offsets are from the first fragment's item header.
		base := frags[0].off - 8
		k := 0
		for i := 0; i < n; i++ {
			target := base + int64(binary.LittleEndian.Uint32(table[4*i:]))
			for k < len(frags) && frags[k].off-8 < target {
				k++
			}
			if k == len(frags) || frags[k].off-8 != target {
				return nil, fmt.Errorf("the offset table points between fragments (frame %d)", i+1)
			}
			starts = append(starts, k)
		}
	} else {
		for k, f := range frags {
			head, err := w.bytes(f.off, min(f.n, 4), 4)
			if err != nil {
				return nil, err
			}
			if bytes.HasPrefix(head, []byte{0xFF, 0xD8}) || bytes.HasPrefix(head, []byte{0xFF, 0x4F, 0xFF, 0x51}) {
				starts = append(starts, k)
			}
		}
		if len(starts) != n || starts[0] != 0 {
			return nil, fmt.Errorf("%d codestreams found in %d fragments for %d frames", len(starts), len(frags), n)
		}
	}
	out := make([][]byteRange, n)
	for i, s := range starts {
		end := len(frags)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		out[i] = frags[s:end]
	}
	return out, nil
}

package slide

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"

	"golang.org/x/image/tiff/lzw"
)

// A plane is one greyscale (or chunky RGB) image of a TIFF in strips or
// tiles, uncompressed, Deflate, LZW or (8-bit) JPEG: a fluorescence channel at one
// pyramid level, or a QPTIFF's associated image; or, with decode set, one
// optical path of a DICOM level, whose frames are the blocks.

// maxBlockPixels bounds a strip or tile of a channel plane.
const maxBlockPixels = 1 << 20

// plane is one greyscale image of a TIFF, in blocks (strips or tiles).
type plane struct {
	w, h, bw, bh int // image and block size, pixels
	bits         int // 8 or 16
	samples      int // values per pixel: 1 (a channel) or 3 (an RGB associated image)
	compression  uint64
	predictor    uint64
	offsets      []uint64
	counts       []uint64
	jpegTables   []byte // JPEG: the tables shared by the blocks (JPEGTables), if any
	// decode, when set, gives block i's values instead of the TIFF tables
	// (a DICOM optical path's frame; all zero where a sparse image has
	// none); safe for concurrent use.
	decode func(i int) ([]uint16, error)
}

// readPlane reads the layout of a one-sample greyscale IFD.
func (t *tiffReader) readPlane(ifd tiffIFD) (*plane, error) {
	return t.readPlaneOf(ifd, 1)
}

// readPlaneOf reads the layout of an IFD of samples values per pixel
// (chunky), 8 or 16 bits each.
func (t *tiffReader) readPlaneOf(ifd tiffIFD, samples int) (*plane, error) {
	get := func(tag uint16, def uint64) int {
		v, err := t.uint1(ifd, tag, def)
		if err != nil || v > 1<<30 {
			return -1
		}
		return int(v)
	}
	p := &plane{w: get(tagImageWidth, 0), h: get(tagImageLength, 0), bits: get(tagBitsPerSample, 8), samples: samples}
	if p.w <= 0 || p.h <= 0 || p.w > 1<<20 || p.h > 1<<20 {
		return nil, errors.New("a channel plane without a sensible size")
	}
	if get(tagSamplesPerPixel, 1) != samples || get(tagPlanarConfig, 1) != 1 || (p.bits != 8 && p.bits != 16) {
		return nil, fmt.Errorf("channel planes of %d samples of %d bits are not supported", get(tagSamplesPerPixel, 1), p.bits)
	}
	p.compression, p.predictor = uint64(get(tagCompression, 1)), uint64(get(tagPredictor, 1))
	switch p.compression {
	case compressionNone, compressionDeflate, compressionAdobeDeflate, compressionLZW:
	case compressionJPEG:
		if p.bits != 8 {
			return nil, fmt.Errorf("JPEG channel planes of %d bits are not supported (8-bit baseline JPEG is)", p.bits)
		}
		if e, ok := ifd[tagJPEGTables]; ok {
			tables, err := t.data(e)
			if err != nil {
				return nil, err
			}
			p.jpegTables = tables
		}
	default:
		return nil, fmt.Errorf("channel planes with TIFF compression %d are not supported (none, Deflate, LZW, JPEG are)", p.compression)
	}
	offTag, countTag := uint16(tagStripOffsets), uint16(tagStripByteCounts)
	if _, tiled := ifd[tagTileWidth]; tiled {
		p.bw, p.bh = get(tagTileWidth, 0), get(tagTileLength, 0)
		offTag, countTag = tagTileOffsets, tagTileByteCounts
	} else {
		p.bw, p.bh = p.w, get(tagRowsPerStrip, uint64(p.h))
		if p.bh > p.h {
			p.bh = p.h
		}
	}
	// A block is decoded whole: at most a megapixel (a 1024² tile, or
	// strips of 16 rows of a 65,536-pixel-wide image), so a size field
	// cannot make a reader allocate more.
	if p.bw <= 0 || p.bh <= 0 || int64(p.bw)*int64(p.bh) > maxBlockPixels {
		return nil, fmt.Errorf("channel blocks of %d×%d pixels", p.bw, p.bh)
	}
	n := ((p.w + p.bw - 1) / p.bw) * ((p.h + p.bh - 1) / p.bh)
	if n > maxTiles {
		return nil, errors.New("too many blocks")
	}
	var err error
	if p.offsets, err = t.uints(ifd, offTag); err != nil {
		return nil, err
	}
	if p.counts, err = t.uints(ifd, countTag); err != nil {
		return nil, err
	}
	if len(p.offsets) < n || len(p.counts) < n {
		return nil, errors.New("block tables shorter than the image")
	}
	return p, nil
}

// block decodes block i into values (row-major, bw×bh; rows past the
// image's end are zero).
func (p *plane) block(t *tiffReader, i int) ([]uint16, error) {
	if p.decode != nil {
		return p.decode(i)
	}
	data, err := t.readAt(p.offsets[i], int(min(p.counts[i], maxTagBytes)))
	if err != nil {
		return nil, err
	}
	want := p.bw * p.bh * p.samples * p.bits / 8
	switch p.compression {
	case compressionJPEG:
		return p.jpegBlock(withJPEGTables(p.jpegTables, data), i)
	case compressionDeflate, compressionAdobeDeflate:
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("Deflate block %d: %v", i, err)
		}
		data, err = io.ReadAll(io.LimitReader(zr, int64(want)))
		if err != nil {
			return nil, fmt.Errorf("Deflate block %d: %v", i, err)
		}
	case compressionLZW:
		lr := lzw.NewReader(bytes.NewReader(data), lzw.MSB, 8)
		data, err = io.ReadAll(io.LimitReader(lr, int64(want)))
		lr.Close()
		if err != nil && len(data) == 0 {
			return nil, fmt.Errorf("LZW block %d: %v", i, err)
		}
	}
	vals := make([]uint16, p.bw*p.bh*p.samples)
	n := min(len(vals), len(data)*8/p.bits)
	for k := 0; k < n; k++ {
		if p.bits == 16 {
			vals[k] = t.order.Uint16(data[2*k:])
		} else {
			vals[k] = uint16(data[k])
		}
	}
	if p.predictor == 2 { // horizontal differencing
		rowLen := p.bw * p.samples
		for y := 0; y < p.bh; y++ {
			row := vals[y*rowLen : (y+1)*rowLen]
			for x := p.samples; x < len(row); x++ {
				row[x] += row[x-p.samples]
				if p.bits == 8 {
					row[x] &= 0xff
				}
			}
		}
	}
	return vals, nil
}

// jpegBlock decodes a JPEG block into values: grey for a channel, RGB for
// an associated image (whatever colour model the stream uses).
func (p *plane) jpegBlock(data []byte, i int) ([]uint16, error) {
	vals, err := jpegValues(data, p.bw, p.bh, p.samples)
	if err != nil {
		return nil, fmt.Errorf("JPEG block %d: %v", i, err)
	}
	return vals, nil
}

// jpegValues decodes a JPEG stream into w × h values of samples per pixel
// (1: grey, 3: RGB), row-major; a smaller image (a last strip, an edge
// frame) is padded with zeros. For channel planes and monochrome DICOM
// frames.
func jpegValues(data []byte, w, h, samples int) ([]uint16, error) {
	dec, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	vals := make([]uint16, w*h*samples)
	b := dec.Bounds()
	g, grey := dec.(*image.Gray)
	for y := 0; y < min(b.Dy(), h); y++ {
		for x := 0; x < min(b.Dx(), w); x++ {
			k := (y*w + x) * samples
			if grey && samples == 1 {
				vals[k] = uint16(g.Pix[y*g.Stride+x])
				continue
			}
			r, gg, bb, _ := dec.At(b.Min.X+x, b.Min.Y+y).RGBA()
			if samples == 1 {
				vals[k] = uint16(color.GrayModel.Convert(color.RGBA64{uint16(r), uint16(gg), uint16(bb), 0xffff}).(color.Gray).Y)
			} else {
				vals[k], vals[k+1], vals[k+2] = uint16(r>>8), uint16(gg>>8), uint16(bb>>8)
			}
		}
	}
	return vals, nil
}

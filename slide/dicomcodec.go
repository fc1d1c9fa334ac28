package slide

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
)

// Transfer syntaxes of DICOM pixel data.
const (
	syntaxImplicitLE   = "1.2.840.10008.1.2"
	syntaxExplicitLE   = "1.2.840.10008.1.2.1"
	syntaxJPEGBaseline = "1.2.840.10008.1.2.4.50"
	syntaxJ2KLossless  = "1.2.840.10008.1.2.4.90"
	syntaxJ2K          = "1.2.840.10008.1.2.4.91"
)

// syntaxNames names transfer syntaxes Tessera refuses, for the message.
var syntaxNames = map[string]string{
	"1.2.840.10008.1.2.4.51":  "JPEG extended (12-bit)",
	"1.2.840.10008.1.2.4.57":  "lossless JPEG",
	"1.2.840.10008.1.2.4.70":  "lossless JPEG",
	"1.2.840.10008.1.2.4.80":  "JPEG-LS lossless",
	"1.2.840.10008.1.2.4.81":  "JPEG-LS near-lossless",
	"1.2.840.10008.1.2.4.201": "High-Throughput JPEG 2000",
	"1.2.840.10008.1.2.4.202": "High-Throughput JPEG 2000",
	"1.2.840.10008.1.2.4.203": "High-Throughput JPEG 2000",
	"1.2.840.10008.1.2.5":     "RLE",
}

// checkCodec refuses pixel data Tessera cannot decode, naming it.
func (in *dicomInstance) checkCodec() error {
	switch in.syntax {
	case syntaxJPEGBaseline:
		if in.bits != 8 {
			return fmt.Errorf("JPEG baseline with %d bits allocated", in.bits)
		}
		return nil
	case syntaxJ2KLossless, syntaxJ2K:
		return nil // OpenJPEG takes 1–16 bits, one or three components
	case syntaxImplicitLE, syntaxExplicitLE:
		switch {
		case in.spp == 3 && in.bits == 8 && in.photometric == "RGB":
		case in.spp == 1 && (in.photometric == "MONOCHROME2" || in.photometric == "MONOCHROME1"):
		default:
			return fmt.Errorf("uncompressed %s pixels with %d samples of %d bits", in.photometric, in.spp, in.bits)
		}
		return nil
	}
	name := syntaxNames[in.syntax]
	if name == "" {
		name = "an unknown encoding"
	}
	return fmt.Errorf("its pixel data is %s (transfer syntax %s), which Tessera does not decode yet", name, in.syntax)
}

// readFrame returns frame i's bytes (its fragments joined).
func (in *dicomInstance) readFrame(i int) ([]byte, error) {
	if i < 0 || i >= len(in.frames) {
		return nil, fmt.Errorf("no frame %d", i+1)
	}
	var n int64
	for _, r := range in.frames[i] {
		n += r.n
	}
	if n > maxTagBytes {
		return nil, fmt.Errorf("frame %d has %d bytes", i+1, n)
	}
	buf := make([]byte, 0, n)
	for _, r := range in.frames[i] {
		part := make([]byte, r.n)
		if _, err := in.r.ReadAt(part, r.off); err != nil {
			return nil, fmt.Errorf("frame %d: %v", i+1, err)
		}
		buf = append(buf, part...)
	}
	if in.itemSpans {
		return itemData(buf)
	}
	return buf, nil
}

// decodeFrame decodes frame i into a new tile-sized image. JPEG frames are
// decoded by Go's decoder, which decides RGB or YCbCr from the stream
// itself (Adobe marker, component ids), whatever PhotometricInterpretation
// says; uncompressed 16-bit monochrome is scaled from its stored bits.
func (in *dicomInstance) decodeFrame(i int) (*image.RGBA, error) {
	data, err := in.readFrame(i)
	if err != nil {
		return nil, err
	}
	if in.syntax == syntaxJ2KLossless || in.syntax == syntaxJ2K {
		dec, err := decodeJ2K(data, in.tw, in.th)
		if err != nil {
			return nil, fmt.Errorf("frame %d: %v", i+1, err)
		}
		if dec.Rect.Dx() == in.tw && dec.Rect.Dy() == in.th {
			return dec, nil
		}
		img := image.NewRGBA(image.Rect(0, 0, in.tw, in.th)) // a smaller edge frame
		draw.Draw(img, dec.Rect, dec, image.Point{}, draw.Src)
		return img, nil
	}
	img := image.NewRGBA(image.Rect(0, 0, in.tw, in.th))
	if in.syntax == syntaxJPEGBaseline {
		dec, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("JPEG frame %d: %v", i+1, err)
		}
		draw.Draw(img, img.Rect, dec, dec.Bounds().Min, draw.Src)
		return img, nil
	}
	n := in.tw * in.th
	switch {
	case in.spp == 3 && in.planar:
		for p := 0; p < n; p++ {
			img.Pix[4*p], img.Pix[4*p+1], img.Pix[4*p+2], img.Pix[4*p+3] = data[p], data[n+p], data[2*n+p], 255
		}
	case in.spp == 3:
		for p := 0; p < n; p++ {
			img.Pix[4*p], img.Pix[4*p+1], img.Pix[4*p+2], img.Pix[4*p+3] = data[3*p], data[3*p+1], data[3*p+2], 255
		}
	default:
		shift := uint(max(in.bitsStored-8, 0))
		for p := 0; p < n; p++ {
			var v int
			if in.bits == 16 {
				v = int(data[2*p]) | int(data[2*p+1])<<8
			} else {
				v = int(data[p])
			}
			g := uint8(min(v>>shift, 255))
			if in.photometric == "MONOCHROME1" {
				g = 255 - g
			}
			img.Pix[4*p], img.Pix[4*p+1], img.Pix[4*p+2], img.Pix[4*p+3] = g, g, g, 255
		}
	}
	return img, nil
}

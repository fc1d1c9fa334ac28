package slide

/*
#cgo pkg-config: libopenjp2
#include <openjpeg.h>
#include <stdlib.h>
#include <string.h>

// A JPEG 2000 codestream in memory, read by OpenJPEG through callbacks.
typedef struct {
	const unsigned char *data;
	OPJ_SIZE_T size, pos;
} tessera_membuf;

static OPJ_SIZE_T tessera_read(void *buf, OPJ_SIZE_T n, void *user) {
	tessera_membuf *m = user;
	if (m->pos >= m->size) return (OPJ_SIZE_T)-1;
	if (n > m->size - m->pos) n = m->size - m->pos;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return n;
}

static OPJ_OFF_T tessera_skip(OPJ_OFF_T n, void *user) {
	tessera_membuf *m = user;
	if (n < 0) {
		if ((OPJ_SIZE_T)(-n) > m->pos) n = -(OPJ_OFF_T)m->pos;
	} else if ((OPJ_SIZE_T)n > m->size - m->pos) {
		n = (OPJ_OFF_T)(m->size - m->pos);
	}
	m->pos += n;
	return n;
}

static OPJ_BOOL tessera_seek(OPJ_OFF_T n, void *user) {
	tessera_membuf *m = user;
	if (n < 0 || (OPJ_SIZE_T)n > m->size) return OPJ_FALSE;
	m->pos = (OPJ_SIZE_T)n;
	return OPJ_TRUE;
}

static void tessera_quiet(const char *msg, void *user) { (void)msg; (void)user; }

// tessera_j2k_decode decodes a JPEG 2000 codestream (or JP2 file) of at most
// max_w × max_h pixels into a malloc'd buffer (*out, freed by the caller):
// RGBA bytes, or with values set, the first component's values unscaled
// as unsigned 16-bit numbers (a fluorescence channel). Returns 0, or a
// negative step number on failure.
static int tessera_j2k_decode(const unsigned char *data, size_t size, int max_w, int max_h, int values,
		int *w, int *h, unsigned char **out) {
	*out = NULL;
	OPJ_CODEC_FORMAT fmt = (size >= 2 && data[0] == 0xFF && data[1] == 0x4F) ? OPJ_CODEC_J2K : OPJ_CODEC_JP2;
	tessera_membuf m = { data, size, 0 };
	opj_stream_t *stream = opj_stream_default_create(OPJ_TRUE);
	if (!stream) return -1;
	opj_stream_set_read_function(stream, tessera_read);
	opj_stream_set_skip_function(stream, tessera_skip);
	opj_stream_set_seek_function(stream, tessera_seek);
	opj_stream_set_user_data(stream, &m, NULL);
	opj_stream_set_user_data_length(stream, size);
	opj_codec_t *codec = opj_create_decompress(fmt);
	if (!codec) { opj_stream_destroy(stream); return -2; }
	opj_set_error_handler(codec, tessera_quiet, NULL);
	opj_set_warning_handler(codec, tessera_quiet, NULL);
	opj_set_info_handler(codec, tessera_quiet, NULL);
	opj_dparameters_t params;
	opj_set_default_decoder_parameters(&params);
	opj_image_t *img = NULL;
	int rc = 0;
	if (!opj_setup_decoder(codec, &params)) rc = -3;
	else if (!opj_read_header(stream, codec, &img)) rc = -4;
	else if ((int)(img->x1 - img->x0) > max_w || (int)(img->y1 - img->y0) > max_h || img->numcomps < 1) rc = -5;
	else if (!opj_decode(codec, stream, img) || !opj_end_decompress(codec, stream)) rc = -6;
	if (rc == 0) {
		int iw = (int)(img->x1 - img->x0), ih = (int)(img->y1 - img->y0);
		int nc = img->numcomps >= 3 ? 3 : 1;
		for (int c = 0; c < nc; c++) {
			opj_image_comp_t *cp = &img->comps[c];
			if (!cp->data || cp->dx == 0 || cp->dy == 0 || cp->w == 0 || cp->h == 0 || cp->prec < 1 || cp->prec > 16) rc = -7;
		}
		if (rc == 0 && values) {
			opj_image_comp_t *cp = &img->comps[0];
			unsigned short *buf = malloc((size_t)iw * ih * 2);
			if (!buf) rc = -8;
			else {
				for (int y = 0; y < ih; y++) {
					for (int x = 0; x < iw; x++) {
						OPJ_UINT32 cx = (OPJ_UINT32)x / cp->dx, cy = (OPJ_UINT32)y / cp->dy;
						if (cx >= cp->w) cx = cp->w - 1;
						if (cy >= cp->h) cy = cp->h - 1;
						int v = cp->data[(size_t)cy * cp->w + cx];
						if (cp->sgnd) v += 1 << (cp->prec - 1);
						buf[(size_t)y * iw + x] = (unsigned short)(v < 0 ? 0 : v > 65535 ? 65535 : v);
					}
				}
				*w = iw; *h = ih; *out = (unsigned char *)buf;
			}
		} else if (rc == 0) {
			unsigned char *buf = malloc((size_t)iw * ih * 4);
			if (!buf) rc = -8;
			else {
				for (int y = 0; y < ih; y++) {
					for (int x = 0; x < iw; x++) {
						unsigned char *p = buf + ((size_t)y * iw + x) * 4;
						for (int c = 0; c < 3; c++) {
							opj_image_comp_t *cp = &img->comps[nc == 3 ? c : 0];
							// Subsampled components are repeated (nearest).
							OPJ_UINT32 cx = (OPJ_UINT32)x / cp->dx, cy = (OPJ_UINT32)y / cp->dy;
							if (cx >= cp->w) cx = cp->w - 1;
							if (cy >= cp->h) cy = cp->h - 1;
							int v = cp->data[(size_t)cy * cp->w + cx];
							if (cp->sgnd) v += 1 << (cp->prec - 1);
							if (cp->prec > 8) v >>= (cp->prec - 8);
							else if (cp->prec < 8) v <<= (8 - cp->prec);
							p[c] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
						}
						p[3] = 255;
					}
				}
				*w = iw; *h = ih; *out = buf;
			}
		}
	}
	if (img) opj_image_destroy(img);
	opj_destroy_codec(codec);
	opj_stream_destroy(stream);
	return rc;
}
*/
import "C"

import (
	"fmt"
	"image"
	"unsafe"
)

// decodeJ2K decodes a JPEG 2000 codestream of at most maxW × maxH pixels
// with OpenJPEG (which applies the codestream's own colour transform, so
// the result is RGB). 16-bit samples are scaled to 8 bits.
func decodeJ2K(data []byte, maxW, maxH int) (*image.RGBA, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("empty JPEG 2000 frame")
	}
	var w, h C.int
	var out *C.uchar
	rc := C.tessera_j2k_decode((*C.uchar)(unsafe.Pointer(&data[0])), C.size_t(len(data)), C.int(maxW), C.int(maxH), 0, &w, &h, &out)
	if rc != 0 {
		return nil, fmt.Errorf("JPEG 2000 decoding failed (OpenJPEG, step %d)", -int(rc))
	}
	defer C.free(unsafe.Pointer(out))
	img := image.NewRGBA(image.Rect(0, 0, int(w), int(h)))
	copy(img.Pix, unsafe.Slice((*byte)(unsafe.Pointer(out)), int(w)*int(h)*4))
	return img, nil
}

// decodeJ2KValues decodes the first component of a JPEG 2000 codestream of
// at most maxW × maxH pixels as unscaled values (up to 16 bits), row-major,
// with the decoded width and height.
func decodeJ2KValues(data []byte, maxW, maxH int) ([]uint16, int, int, error) {
	if len(data) == 0 {
		return nil, 0, 0, fmt.Errorf("empty JPEG 2000 frame")
	}
	var w, h C.int
	var out *C.uchar
	rc := C.tessera_j2k_decode((*C.uchar)(unsafe.Pointer(&data[0])), C.size_t(len(data)), C.int(maxW), C.int(maxH), 1, &w, &h, &out)
	if rc != 0 {
		return nil, 0, 0, fmt.Errorf("JPEG 2000 decoding failed (OpenJPEG, step %d)", -int(rc))
	}
	defer C.free(unsafe.Pointer(out))
	vals := make([]uint16, int(w)*int(h))
	copy(vals, unsafe.Slice((*uint16)(unsafe.Pointer(out)), len(vals)))
	return vals, int(w), int(h), nil
}

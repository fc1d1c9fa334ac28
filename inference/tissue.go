package inference

import (
	"fmt"
	"image"

	"tessera/internal/histogram"
	"tessera/slide"
)

// TissueMaskSide is the longest side of the low-resolution image tissue is
// detected on, in pixels: about 30 level-0 pixels per mask pixel on a
// 30000-pixel slide, so a 224-pixel tile spans 7 mask pixels.
const TissueMaskSide = 1024

// TissueMask marks tissue on a low-resolution image of the whole slide.
type TissueMask struct {
	W, H       int
	Downsample float64 // level-0 pixels per mask pixel
	Tissue     []bool  // row-major, W×H
	Threshold  float64 // saturation threshold chosen by Otsu's method
	// Brightfield is true when the glass is bright (median grey above
	// mid-grey): a brightfield stain. False for a dark-field (fluorescence)
	// slide.
	Brightfield bool
	// Underexposed is true for a slide that is not brightfield by its
	// glass yet is no dark-field image either: its background is grey,
	// not black (a brightfield scan far too dark).
	Underexposed bool
}

// TissueShare is the share of the mask that is tissue (0 to 1).
func (m *TissueMask) TissueShare() float64 {
	if len(m.Tissue) == 0 {
		return 0
	}
	n := 0
	for _, t := range m.Tissue {
		if t {
			n++
		}
	}
	return float64(n) / float64(len(m.Tissue))
}

// minSaturationThreshold keeps a blank or nearly blank slide from having its
// glass noise called tissue by Otsu's method.
const minSaturationThreshold = 0.07

// DetectTissue finds tissue on a thumbnail of s: Otsu's threshold on HSV
// saturation (stained tissue is coloured, glass and background are grey),
// and, on brightfield slides, Otsu's threshold on brightness too (pale
// counterstains, as in IHC, are barely coloured but darker than the glass),
// excluding near-white pixels, then a morphological opening and closing to
// drop specks and fill small gaps. Dark-field (fluorescence) slides use
// saturation only: their background is dark.
func DetectTissue(s slide.Slide) (*TissueMask, error) {
	return DetectTissueAt(s, TissueMaskSide)
}

// DetectTissueAt is DetectTissue on a thumbnail of maxSide pixels.
func DetectTissueAt(s slide.Slide, maxSide int) (*TissueMask, error) {
	m, _, _, err := detectTissue(s, maxSide)
	return m, err
}

// detectTissue is DetectTissueAt, also returning the thumbnail it read and
// its downsample (level-0 pixels per thumbnail pixel).
func detectTissue(s slide.Slide, maxSide int) (*TissueMask, *image.RGBA, float64, error) {
	img, ds, err := slide.ReadThumbnail(s, maxSide)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("tissue detection on %s: %w", s.Path(), err)
	}
	_, channels := slide.ChannelsOf(s) // fluorescence channels: dark-field, whatever the composite looks like
	return tissueFromImage(img, ds, channels), img, ds, nil
}

// TissueFromImage detects tissue on an image with the given downsample,
// deciding from the image whether the slide is brightfield.
func TissueFromImage(img *image.RGBA, ds float64) *TissueMask {
	return tissueFromImage(img, ds, false)
}

// tissueFromImage is TissueFromImage; darkField says the slide is a
// fluorescence image (its channels are known), not to be judged by how
// bright the composite is.
func tissueFromImage(img *image.RGBA, ds float64, darkField bool) *TissueMask {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	sat := make([]float64, w*h)
	grey := make([]uint8, w*h)
	var satHist, greyHist [256]int
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := 0; x < w; x++ {
			r, g, bl := int(row[4*x]), int(row[4*x+1]), int(row[4*x+2])
			mx, mn := max(r, g, bl), min(r, g, bl)
			s := 0.0
			if mx >= minChroma { // near-black pixels have no meaningful hue
				s = float64(mx-mn) / float64(mx)
			}
			sat[y*w+x] = s
			grey[y*w+x] = uint8((r + g + bl) / 3)
			satHist[int(s*255)]++
			greyHist[grey[y*w+x]]++
		}
	}
	t := max(otsu(satHist[:])/255, minSaturationThreshold)
	// Brightfield (glass is bright): also take pixels clearly darker than
	// the glass. The glass is the brightest few percent of the image (at
	// least glassGrey, for crops that are all tissue).
	darkBelow := -1
	brightfield := !darkField && histogram.Percentile(greyHist[:], w*h, 0.5) > 128
	if brightfield {
		darkBelow = max(histogram.Percentile(greyHist[:], w*h, 0.95), glassGrey) - glassMargin
	}
	mask := make([]bool, w*h)
	for i, s := range sat {
		nearWhite := grey[i] > 235
		mask[i] = !nearWhite && (s > t || int(grey[i]) < darkBelow)
	}
	mask = dilate(erode(mask, w, h), w, h) // opening: drop specks
	mask = erode(dilate(mask, w, h), w, h) // closing: fill pinholes
	underexposed := !darkField && !brightfield && histogram.Percentile(greyHist[:], w*h, 0.95) >= underexposedGlass
	return &TissueMask{W: w, H: h, Downsample: ds, Tissue: mask, Threshold: t, Brightfield: brightfield, Underexposed: underexposed}
}

// minChroma is the brightest channel below which a pixel's saturation is
// noise (dark-field background, pen ink) and counted as 0.
const minChroma = 12

// underexposedGlass is the grey that the brightest 5 % of a slide judged
// dark-field reach when it is an under-exposed brightfield scan (grey glass)
// rather than a fluorescence image (a black background).
const underexposedGlass = 80

// Brightfield glass: at least this mean grey; tissue is at least
// glassMargin darker.
const (
	glassGrey   = 225
	glassMargin = 12
)

// otsu returns the histogram bin that best separates two classes.
func otsu(hist []int) float64 {
	var total, sum float64
	for i, c := range hist {
		total += float64(c)
		sum += float64(i * c)
	}
	var wB, sumB, best float64
	threshold := 0.0
	for i, c := range hist {
		wB += float64(c)
		if wB == 0 {
			continue
		}
		wF := total - wB
		if wF == 0 {
			break
		}
		sumB += float64(i * c)
		mB, mF := sumB/wB, (sum-sumB)/wF
		if between := wB * wF * (mB - mF) * (mB - mF); between > best {
			best, threshold = between, float64(i)
		}
	}
	return threshold
}

// erode and dilate apply a 3×3 square structuring element.
func erode(m []bool, w, h int) []bool  { return morph(m, w, h, true) }
func dilate(m []bool, w, h int) []bool { return morph(m, w, h, false) }

func morph(m []bool, w, h int, all bool) []bool {
	out := make([]bool, len(m))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := all
			for dy := -1; dy <= 1 && v == all; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					in := xx >= 0 && yy >= 0 && xx < w && yy < h && m[yy*w+xx]
					if in != all {
						v = !all
						break
					}
				}
			}
			out[y*w+x] = v
		}
	}
	return out
}

// Fraction returns the share of mask pixels marked tissue in the level-0
// rectangle (x0, y0)–(x0+side, y0+side).
func (t *TissueMask) Fraction(x0, y0, side float64) float64 {
	mx0, my0 := int(x0/t.Downsample), int(y0/t.Downsample)
	mx1, my1 := int((x0+side)/t.Downsample+0.999), int((y0+side)/t.Downsample+0.999)
	mx0, my0 = max(mx0, 0), max(my0, 0)
	mx1, my1 = min(mx1, t.W), min(my1, t.H)
	var n, tissue int
	for y := my0; y < my1; y++ {
		for x := mx0; x < mx1; x++ {
			n++
			if t.Tissue[y*t.W+x] {
				tissue++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(tissue) / float64(n)
}

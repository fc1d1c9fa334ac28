package inference

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Colour deconvolution (Ruifrok and Johnston, "Quantification of
// histochemical staining by color deconvolution", Anal Quant Cytol Histol
// 2001): a stained pixel's optical density per RGB channel is the sum of
// each stain's amount times the stain's unit optical-density vector. The
// haematoxylin, eosin and DAB vectors are the paper's (also scikit-image's
// rgb_from_hed); inverting the matrix of the three gives each stain's
// amount from a pixel's optical density.
var stainVectors = [3][3]float64{
	{0.65, 0.70, 0.29}, // haematoxylin
	{0.07, 0.99, 0.11}, // eosin
	{0.27, 0.57, 0.78}, // DAB (3,3'-diaminobenzidine, the brown of IHC)
}

// hedFromOD is the inverse of the stains' unit vectors (rows): the amounts
// of haematoxylin, eosin and DAB are od · hedFromOD.
var hedFromOD = func() (out [3][3]float32) {
	m := mat.NewDense(3, 3, nil)
	for i, v := range stainVectors {
		n := mat.Norm(mat.NewVecDense(3, v[:]), 2)
		for j := range v {
			m.Set(i, j, v[j]/n)
		}
	}
	var inv mat.Dense
	if err := inv.Inverse(m); err != nil {
		panic("the stain vectors are not independent: " + err.Error()) // constant input
	}
	for i := range out {
		for j := range out[i] {
			out[i][j] = float32(inv.At(i, j))
		}
	}
	return out
}()

// deconvolve returns the amounts (optical density units) of haematoxylin,
// eosin and DAB of a pixel with the given optical density per channel.
func deconvolve(odR, odG, odB float32) (h, e, d float32) {
	m := &hedFromOD
	h = odR*m[0][0] + odG*m[1][0] + odB*m[2][0]
	e = odR*m[0][1] + odG*m[1][1] + odB*m[2][1]
	d = odR*m[0][2] + odG*m[1][2] + odB*m[2][2]
	return h, e, d
}

// dabPixelAbove is the amount of DAB from which a stained pixel may count
// as DAB brown.
const dabPixelAbove = 0.15

// stainOfPixel says which stain dominates a stained pixel with the given
// optical density per channel: DAB brown (enough DAB, and absorbing blue
// most, then green, then red: the eosin vector of the paper absorbs green
// only, so pink pixels of real H&E slides also give some DAB, and red blood
// cells absorb blue and green about as much), eosin pink (more eosin than
// haematoxylin, absorbing green most), or neither (haematoxylin, mixtures).
// The channel order is checked first: it is cheaper than deconvolution,
// which quality control then runs only on pixels that may be either stain.
func stainOfPixel(odR, odG, odB float32) (dab, eosin bool) {
	switch {
	case odB > 1.15*odG && odG > odR: // absorbs blue most: brown, if there is enough DAB
		_, _, d := deconvolve(odR, odG, odB)
		return d > dabPixelAbove, false
	case odG > odB && odG > odR: // absorbs green most: pink, if more eosin than haematoxylin
		h, e, _ := deconvolve(odR, odG, odB)
		return false, e > h
	}
	return false, false
}

// Thresholds of the immunohistochemistry rule, measured on the shared
// slides (stain_test.go).
const (
	// IHCDABShare: a slide whose stained pixels are DAB brown beyond this
	// share is an IHC slide.
	IHCDABShare = 0.03
	// IHCEosinBelow: or whose stained pixels are eosin pink below this share
	// while some DAB is present (a weakly positive IHC slide has little
	// brown, and no eosin).
	IHCEosinBelow = 0.10
	// IHCDABTrace: the share of DAB pixels that, without eosin, marks IHC.
	IHCDABTrace = 0.003
	// IHCEosinAbove: an IHC model is given an H&E slide when this share of
	// its stained pixels is eosin pink (and it is not an IHC slide).
	IHCEosinAbove = 0.2
)

// StainSummary is what colour deconvolution found on a slide's tissue
// tiles (blurred, glass and dark tiles left out; inked tiles count).
type StainSummary struct {
	// DABShare is the share of stained pixels that are DAB brown (0–1):
	// the mean over tissue tiles.
	DABShare float64 `json:"dab_share"`
	// EosinShare is the share of stained pixels that are eosin pink: the
	// mean over tissue tiles.
	EosinShare float64 `json:"eosin_share"`
	// Tiles is how many tiles were measured (0: no stained tissue).
	Tiles int `json:"tiles"`
}

// IHC reports whether the slide is an immunohistochemistry (DAB) slide.
func (s StainSummary) IHC() bool {
	if s.Tiles == 0 {
		return false
	}
	return s.DABShare >= IHCDABShare || (s.EosinShare < IHCEosinBelow && s.DABShare >= IHCDABTrace)
}

// Words describes the finding: "8 % of the stained tissue is DAB brown, with almost no eosin".
func (s StainSummary) Words() string {
	w := fmt.Sprintf("%s of the stained tissue is DAB brown", percentOf(s.DABShare))
	if s.EosinShare < IHCEosinBelow {
		w += ", with almost no eosin"
	}
	return w
}

// percentOf is a share (0–1) as a whole percentage, "<1 %" for a trace.
func percentOf(share float64) string {
	if share > 0 && share < 0.01 {
		return "<1 %"
	}
	return fmt.Sprintf("%.0f %%", 100*share)
}

// summariseStain measures the stains over the tiles idx that hold stained
// pixels and are neither out of focus, glass nor dark (tiles with ink
// count: ink pixels are not stained pixels).
func summariseStain(qc []TileQC, idx []int) StainSummary {
	var s StainSummary
	for _, i := range idx {
		q := qc[i]
		if q.Flags&(QCBlur|QCEmpty|QCDark) != 0 || q.OD == [3]float32{} {
			continue
		}
		s.Tiles++
		s.EosinShare += float64(q.Eosin)
		s.DABShare += float64(q.DAB)
	}
	if s.Tiles > 0 {
		s.EosinShare /= float64(s.Tiles)
		s.DABShare /= float64(s.Tiles)
	}
	return s
}

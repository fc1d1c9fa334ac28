package stainnorm

import "math"

// Reinhard et al., "Color transfer between images" (IEEE CG&A 2001), as
// used for H&E: each channel of a perceptual colour space shifted and
// scaled so that the tissue's mean and standard deviation become the
// target's. The space here is CIE L*a*b* (D65 white, from sRGB), so that a
// target is portable between tools.

// D65 reference white (CIE 1931 2°), as scikit-image and OpenCV use.
const xn, yn, zn = 0.95047, 1.0, 1.08883

// linearOf is the sRGB transfer function undone, per 8-bit value.
var linearOf = func() (t [256]float64) {
	for v := range t {
		c := float64(v) / 255
		if c <= 0.04045 {
			t[v] = c / 12.92
		} else {
			t[v] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return t
}()

func labF(t float64) float64 { return labFTable.at(t) }

func labFExact(t float64) float64 {
	const d = 6.0 / 29
	if t > d*d*d {
		return math.Cbrt(t)
	}
	return t/(3*d*d) + 4.0/29
}

func labFInv(f float64) float64 {
	const d = 6.0 / 29
	if f > d {
		return f * f * f
	}
	return 3 * d * d * (f - 4.0/29)
}

// toLab converts an sRGB pixel to CIE L*a*b*.
func toLab(r, g, b uint8) [3]float64 {
	R, G, B := linearOf[r], linearOf[g], linearOf[b]
	x := 0.4124564*R + 0.3575761*G + 0.1804375*B
	y := 0.2126729*R + 0.7151522*G + 0.0721750*B
	z := 0.0193339*R + 0.1191920*G + 0.9503041*B
	fx, fy, fz := labF(x/xn), labF(y/yn), labF(z/zn)
	return [3]float64{116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)}
}

// fromLab converts CIE L*a*b* to 8-bit sRGB.
func fromLab(lab [3]float64) (uint8, uint8, uint8) {
	fy := (lab[0] + 16) / 116
	fx, fz := fy+lab[1]/500, fy-lab[2]/200
	x, y, z := xn*labFInv(fx), yn*labFInv(fy), zn*labFInv(fz)
	R := 3.2404542*x - 1.5371385*y - 0.4985314*z
	G := -0.9692660*x + 1.8760108*y + 0.0415560*z
	B := 0.0556434*x - 0.2040259*y + 1.0572252*z
	return encode8(R), encode8(G), encode8(B)
}

// encode8Search is round(255 · sRGB transfer(c)) clamped to 0–255, found
// among the linear values at which the 8-bit value changes (the transfer
// function is increasing) instead of a math.Pow per channel.
func encode8Search(c float64) uint8 {
	lo, hi := 0, 255 // answer in [lo, hi]
	for lo < hi {
		mid := (lo + hi) / 2
		if c >= encodeSteps[mid] {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return uint8(lo)
}

// encodeSteps[v] is the linear value from which the 8-bit value is v+1:
// the inverse transfer of (v + 0.5) / 255.
var encodeSteps = func() (t [255]float64) {
	for v := range t {
		e := (float64(v) + 0.5) / 255
		if e <= 0.04045 {
			t[v] = e / 12.92
		} else {
			t[v] = math.Pow((e+0.055)/1.055, 2.4)
		}
	}
	return t
}()

func fitReinhard(pix [][3]uint8) Stats {
	var sum, sumSq [3]float64
	for _, p := range pix {
		lab := toLab(p[0], p[1], p[2])
		for c := range lab {
			sum[c] += lab[c]
			sumSq[c] += lab[c] * lab[c]
		}
	}
	var st Stats
	n := float64(len(pix))
	for c := range sum {
		st.LabMean[c] = sum[c] / n
		st.LabStd[c] = math.Sqrt(math.Max(0, sumSq[c]/n-st.LabMean[c]*st.LabMean[c]))
	}
	return st
}

func applyReinhard(im Image, src, target Stats) {
	var gain [3]float64
	for c := range gain {
		gain[c] = 1
		if src.LabStd[c] > 1e-6 {
			gain[c] = target.LabStd[c] / src.LabStd[c]
		}
	}
	for y := 0; y < im.H; y++ {
		row := im.Pix[y*im.Stride : y*im.Stride+4*im.W]
		for o := 0; o+3 < len(row); o += 4 {
			r, g, b := row[o], row[o+1], row[o+2]
			if !Tissue(r, g, b) {
				continue
			}
			lab := toLab(r, g, b)
			for c := range lab {
				lab[c] = (lab[c]-src.LabMean[c])*gain[c] + target.LabMean[c]
			}
			row[o], row[o+1], row[o+2] = fromLab(lab)
		}
	}
}

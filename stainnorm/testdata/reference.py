"""Independent reference for Tessera's stain normalisation tests, written
from the papers (not from the Go code): Reinhard et al. 2001 in CIE L*a*b*
(D65, sRGB), Macenko et al. 2009, and the non-negative lasso Vahadane et al.
2016 use for concentrations, solved here exactly by enumerating the active
sets of the two unknowns.

usage: reference.py METHOD SRC.rgb TGT.rgb W H OUT.rgb [STAINS.json]
Tiles are raw RGB bytes, W×H. The source tile is normalised to the target
tile's fit (for vahadane, both fits are given in STAINS.json as
{"source": {"stains": [[..],[..]]}, "target": {...}}); OUT gets the result
and stdout the fits as JSON. Tissue pixels: optical density
-ln((I+1)/240) between 0.15 and 3 in every channel; other pixels unchanged.
"""
import json
import sys

import numpy as np

IO, OD_MIN, OD_MAX = 240.0, 0.15, 3.0
WHITE = np.array([0.95047, 1.0, 1.08883])
RGB2XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                    [0.2126729, 0.7151522, 0.0721750],
                    [0.0193339, 0.1191920, 0.9503041]])
XYZ2RGB = np.linalg.inv(RGB2XYZ)


def optical_density(rgb):
    return -np.log((rgb.astype(np.float64) + 1) / IO)


def tissue(rgb):
    od = optical_density(rgb)
    return np.all((od >= OD_MIN) & (od <= OD_MAX), axis=1)


def to_lab(rgb):
    c = rgb / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    t = lin @ RGB2XYZ.T / WHITE
    d = 6 / 29
    f = np.where(t > d ** 3, np.cbrt(t), t / (3 * d * d) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


def from_lab(lab):
    fy = (lab[:, 0] + 16) / 116
    f = np.stack([fy + lab[:, 1] / 500, fy, fy - lab[:, 2] / 200], axis=1)
    d = 6 / 29
    xyz = np.where(f > d, f ** 3, 3 * d * d * (f - 4 / 29)) * WHITE
    lin = xyz @ XYZ2RGB.T
    c = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * np.abs(lin) ** (1 / 2.4) - 0.055)
    return np.clip(np.round(c * 255), 0, 255)


def reinhard_fit(rgb):
    lab = to_lab(rgb[tissue(rgb)].astype(np.float64))
    return {"mean": lab.mean(axis=0).tolist(), "std": lab.std(axis=0).tolist()}


def reinhard(src, fs, ft):
    out = src.astype(np.float64).copy()
    m = tissue(src)
    lab = to_lab(out[m])
    lab = (lab - fs["mean"]) / np.array(fs["std"]) * np.array(ft["std"]) + ft["mean"]
    out[m] = from_lab(lab)
    return out


def macenko_stains(rgb):
    od = optical_density(rgb[tissue(rgb)])
    _, vecs = np.linalg.eigh(np.cov(od.T))
    plane = vecs[:, [2, 1]]
    plane[:, plane[0] < 0] *= -1
    proj = od @ plane
    phi = np.arctan2(proj[:, 1], proj[:, 0])
    lo, hi = np.percentile(phi, 1), np.percentile(phi, 99)
    v_lo = plane @ np.array([np.cos(lo), np.sin(lo)])
    v_hi = plane @ np.array([np.cos(hi), np.sin(hi)])
    h, e = (v_lo, v_hi) if v_lo[0] > v_hi[0] else (v_hi, v_lo)
    stains = np.array([h * np.sign(h.sum()), e * np.sign(e.sum())])
    return stains / np.linalg.norm(stains, axis=1, keepdims=True)


def least_squares(od, stains):
    return np.linalg.lstsq(stains.T, od.T, rcond=None)[0].T


def nonneg_lasso(od, stains, lam):
    """min ½|od − c S|² + lam Σc, c ≥ 0, exactly: the best feasible
    candidate of each active set (both, H only, E only, none)."""
    g = stains @ stains.T
    b = od @ stains.T - lam
    cands = [np.zeros_like(b)]
    cands.append(np.stack([np.maximum(b[:, 0] / g[0, 0], 0), np.zeros(len(b))], axis=1))
    cands.append(np.stack([np.zeros(len(b)), np.maximum(b[:, 1] / g[1, 1], 0)], axis=1))
    both = b @ np.linalg.inv(g).T
    cands.append(np.where((both >= 0).all(axis=1, keepdims=True), both, 0))
    def objective(c):
        r = od - c @ stains
        return 0.5 * (r * r).sum(axis=1) + lam * c.sum(axis=1)
    objs = np.stack([objective(c) for c in cands], axis=1)
    best = objs.argmin(axis=1)
    return np.stack(cands, axis=0)[best, np.arange(len(b))]


def stain_fit(rgb, stains, solve):
    od = optical_density(rgb[tissue(rgb)])
    c = solve(od, stains)
    return {"stains": stains.tolist(), "max": np.percentile(c, 99, axis=0).tolist()}


def rebuild(src, fs, ft, solve):
    out = src.astype(np.float64).copy()
    m = tissue(src)
    c = solve(optical_density(src[m]), np.array(fs["stains"]))
    c = c * np.array(ft["max"]) / np.array(fs["max"])
    out[m] = np.clip(np.round(IO * np.exp(-c @ np.array(ft["stains"])) - 1), 0, 255)
    return out


def main():
    method, src_path, tgt_path, w, h, out_path = sys.argv[1:7]
    shape = (int(w) * int(h), 3)
    src = np.fromfile(src_path, dtype=np.uint8).reshape(shape)
    tgt = np.fromfile(tgt_path, dtype=np.uint8).reshape(shape)
    if method == "reinhard":
        fs, ft = reinhard_fit(src), reinhard_fit(tgt)
        out = reinhard(src, fs, ft)
    elif method == "macenko":
        fs = stain_fit(src, macenko_stains(src), least_squares)
        ft = stain_fit(tgt, macenko_stains(tgt), least_squares)
        out = rebuild(src, fs, ft, least_squares)
    else:
        given = json.load(open(sys.argv[7]))
        solve = lambda od, s: nonneg_lasso(od, s, 0.01)
        fs = stain_fit(src, np.array(given["source"]["stains"]), solve)
        ft = stain_fit(tgt, np.array(given["target"]["stains"]), solve)
        out = rebuild(src, fs, ft, solve)
    out.astype(np.uint8).tofile(out_path)
    json.dump({"source": fs, "target": ft}, sys.stdout)


main()

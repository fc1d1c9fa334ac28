#!/usr/bin/python3
"""Writes multi-channel pyramids from QuPath's real two-channel OME-TIFF
export, for Tessera's tests: the channels enlarged 8 times (nearest
neighbour, so level 0 is the real data repeated), tiled 128², with two
reduced levels each half the size of the one before (2×2 means).

    make_pyramid.py SRC.ome.tif OUT KIND

KIND "ome": an OME-TIFF whose reduced levels are SubIFDs of each channel's
plane (as Bio-Formats and QuPath write them). KIND "qptiff": an
Akoya/PerkinElmer-style QPTIFF: the full-resolution channel planes, then
each reduced level's channel planes (Deflate: Debian's tifffile has no LZW
encoder), every page carrying PerkinElmer XML
with its ImageType (FullResolution, ReducedResolution), channel name and
colour, then an RGB Thumbnail and Label page.
"""
import sys

import numpy as np
import tifffile


def levels(plane):
    out = [plane]
    for _ in range(2):
        p = out[-1].astype(np.float64)
        h, w = p.shape[0] // 2 * 2, p.shape[1] // 2 * 2
        p = p[:h, :w]
        out.append(((p[0::2, 0::2] + p[1::2, 0::2] + p[0::2, 1::2] + p[1::2, 1::2]) / 4).round().astype(plane.dtype))
    return out


def qpi(kind, name, colour):
    return ('<?xml version="1.0" encoding="utf-16"?><PerkinElmer-QPI-ImageDescription>'
            '<DescriptionVersion>2</DescriptionVersion><ImageType>%s</ImageType>'
            '<Name>%s</Name><Color>%s</Color></PerkinElmer-QPI-ImageDescription>' % (kind, name, colour))


def main():
    src, out, kind = sys.argv[1], sys.argv[2], sys.argv[3]
    with tifffile.TiffFile(src) as tif:
        planes = [np.kron(p.asarray(), np.ones((8, 8), dtype=p.asarray().dtype)) for p in tif.pages]
    pyr = [levels(p) for p in planes]
    if kind == "ome":
        data = np.stack(planes)  # C, Y, X
        with tifffile.TiffWriter(out, ome=True) as w:
            w.write(data, subifds=2, tile=(128, 128), photometric="minisblack", compression="zlib",
                    metadata={"axes": "CYX", "Channel": {"Name": ["DAPI", "FITC"]}, "PhysicalSizeX": 0.25, "PhysicalSizeY": 0.25})
            for lvl in (1, 2):
                w.write(np.stack([p[lvl] for p in pyr]), subfiletype=1, tile=(128, 128), photometric="minisblack", compression="zlib")
        return
    names, colours = ["DAPI", "FITC"], ["0,0,255", "0,255,0"]
    with tifffile.TiffWriter(out) as w:
        for lvl, level_kind in ((0, "FullResolution"), (1, "ReducedResolution"), (2, "ReducedResolution")):
            for c in range(len(pyr)):
                w.write(pyr[c][lvl], tile=(128, 128), photometric="minisblack", compression="zlib",
                        description=qpi(level_kind, names[c], colours[c]), metadata=None,
                        subfiletype=0 if lvl == 0 else 1)
        thumb = np.zeros((pyr[0][2].shape[0], pyr[0][2].shape[1], 3), dtype=np.uint8)
        thumb[..., 2] = pyr[0][2]
        thumb[..., 1] = pyr[1][2]
        w.write(thumb, photometric="rgb", compression="zlib", description=qpi("Thumbnail", "", ""), metadata=None, subfiletype=1)
        label = np.full((60, 100, 3), 200, dtype=np.uint8)
        label[20:40, 10:90] = 30
        w.write(label, photometric="rgb", compression="zlib", description=qpi("Label", "", ""), metadata=None, subfiletype=1)


if __name__ == "__main__":
    main()

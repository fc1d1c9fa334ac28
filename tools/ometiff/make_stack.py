#!/usr/bin/python3
"""Writes a multi-channel OME-TIFF with focal planes and time points from a
real one-plane-per-channel OME-TIFF, for Tessera's tests.

    make_stack.py SRC.ome.tif OUT.ome.tif AXES

AXES is tifffile's axis string for the written array, e.g. TCZYX (written
with DimensionOrder XYZCT) or TZCYX (XYCZT). Z = 3 and T = 2: the first
focal plane of the first time point is the source's channels unchanged;
the other planes are the source flipped or inverted, so a reader that
shows the wrong plane is caught.
"""
import sys

import numpy as np
import tifffile


def main():
    src, out, axes = sys.argv[1], sys.argv[2], sys.argv[3]
    with tifffile.TiffFile(src) as tif:
        names = []
        if tif.ome_metadata:
            import re
            names = re.findall(r'<Channel\b[^>]*\bName="([^"]*)"', tif.ome_metadata)
        planes = [p.asarray() for p in tif.pages]
    c = len(planes)
    if not names or len(names) != c:
        names = ["channel %d" % (i + 1) for i in range(c)]
    base = np.stack(planes)  # C, Y, X
    peak = np.iinfo(base.dtype).max
    sizes = {"T": 2, "Z": 3, "C": c}
    shape = [sizes[a] for a in axes[:3]] + list(base.shape[1:])
    data = np.zeros(shape, dtype=base.dtype)
    for t in range(2):
        for z in range(3):
            for ch in range(c):
                plane = base[ch]
                if z > 0:
                    plane = plane[::-1, ::-1]
                if t > 0:
                    plane = peak - plane
                idx = {"T": t, "Z": z, "C": ch}
                data[tuple(idx[a] for a in axes[:3])] = plane
    tifffile.imwrite(out, data, ome=True, photometric="minisblack",
                     metadata={"axes": axes, "Channel": {"Name": names},
                               "PhysicalSizeX": 0.5, "PhysicalSizeY": 0.5})


if __name__ == "__main__":
    main()

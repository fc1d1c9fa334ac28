#!/usr/bin/python3
"""Write a two-channel fluorescence pyramid as DICOM VL Whole Slide
Microscopy series with two optical paths (DAPI, FITC), for Tessera's tests.

    make_fluorescence_dicom.py PYRAMID.ome.tif OUT_DIR MODE

PYRAMID is the tifffile-made OME-TIFF pyramid of QuPath's real two-channel
export (tools/ometiff/make_pyramid.py, kind "ome": levels as SubIFDs,
uint8). Every level's channel planes are cut into 128-pixel frames
(edge frames padded with zeros). MODE:

  instances  one file per optical path per level (the usual layout),
             uncompressed 16-bit MONOCHROME2 (values × 257), TILED_FULL;
             each full-resolution file holds two focal planes, the second
             the first inverted (Tessera shows the first); an RGB LABEL.
  combined   one file per level holding both paths, uncompressed 8-bit,
             TILED_FULL with NumberOfOpticalPaths 2 (frames: tiles, then
             paths).
  sparse     one file per level holding both paths, 16-bit, TILED_SPARSE:
             per-frame plane positions, optical path identifiers and Z
             offsets (focal planes at Z 0.5, inverted, and Z 0), frames in
             a shuffled order.
  j2k        as instances but one focal plane and lossless JPEG 2000
             16-bit frames (encoded by vips, an independent encoder).

Written with pydicom, not with Tessera's reader, so that the test reads
what an independent writer produced. Needs Debian's python3-pydicom,
python3-tifffile and (for j2k) libvips-tools.
"""
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
import tifffile
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, JPEG2000Lossless, generate_uid

from make_wsi_dicom import base  # the instance header, shared with the brightfield copies

TILE = 128
# Identifier, description, illumination (excitation) and emission filter
# pass band, nm.
PATHS = [("1", "DAPI", 405.0, (435, 485)), ("2", "FITC", 488.0, (500, 550))]


def dataset(series, study, kind, syntax, bits, rows, cols, spp=1):
    ds = base(series, study, kind, syntax, rows, cols, spp=spp, bits=bits)
    ds.PhotometricInterpretation = "MONOCHROME2" if spp == 1 else "RGB"
    return ds


def optical_paths(paths):
    items = []
    for ident, name, nm, band in paths:
        o = Dataset()
        o.OpticalPathIdentifier = ident
        o.OpticalPathDescription = name
        o.IlluminationWaveLength = nm
        o.LightPathFilterPassBand = list(band)
        items.append(o)
    return Sequence(items)


def volume(ds, width, height, mpp, paths):
    ds.TotalPixelMatrixColumns, ds.TotalPixelMatrixRows = width, height
    measures = Dataset()
    measures.PixelSpacing = [mpp / 1000, mpp / 1000]  # mm
    measures.SliceThickness = 0.001
    shared = Dataset()
    shared.PixelMeasuresSequence = Sequence([measures])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    ds.OpticalPathSequence = optical_paths(paths)
    ds.NumberOfOpticalPaths = len(paths)


def tiles(plane):
    """The plane's frames, row by row, with (col, row) grid positions."""
    h, w = plane.shape
    out = []
    for r in range(0, h, TILE):
        for c in range(0, w, TILE):
            t = np.zeros((TILE, TILE), dtype=plane.dtype)
            part = plane[r:r + TILE, c:c + TILE]
            t[:part.shape[0], :part.shape[1]] = part
            out.append((c // TILE, r // TILE, t))
    return out


def native(ds, frames):
    ds.NumberOfFrames = len(frames)
    ds.PixelData = b"".join(f.astype("<u2" if f.dtype == np.uint16 else np.uint8).tobytes() for f in frames)


def j2k(frames, work):
    from PIL import Image
    out = []
    for k, f in enumerate(frames):
        png, j2 = os.path.join(work, "t%d.png" % k), os.path.join(work, "t%d.j2k" % k)
        Image.fromarray(f.astype(np.uint16)).save(png)
        subprocess.run(["vips", "jp2ksave", png, j2, "--lossless"], check=True)
        with open(j2, "rb") as fh:
            out.append(fh.read())
    return out


def main(src, out_dir, mode):
    with tifffile.TiffFile(src) as tif:
        levels = [lvl.asarray() for lvl in tif.series[0].levels]  # each (C, Y, X)
    os.makedirs(out_dir, exist_ok=True)
    series, study = generate_uid(), generate_uid()
    mpp0, w0 = 0.25, levels[0].shape[2]
    for li, lvl in enumerate(levels):
        h, w = lvl.shape[1], lvl.shape[2]
        mpp = mpp0 * w0 / w
        wide = lvl.astype(np.uint16) * 257
        if mode in ("instances", "j2k"):
            for p, path in enumerate(PATHS):
                syntax = JPEG2000Lossless if mode == "j2k" else ExplicitVRLittleEndian
                ds = dataset(series, study, "VOLUME", syntax, 16, TILE, TILE)
                volume(ds, w, h, mpp, [path])
                ds.DimensionOrganizationType = "TILED_FULL"
                frames = [t for _, _, t in tiles(wide[p])]
                if mode == "j2k":
                    with tempfile.TemporaryDirectory() as work:
                        encoded = j2k(frames, work)
                    ds.NumberOfFrames = len(encoded)
                    ds.PixelData = encapsulate(encoded, has_bot=True)
                    ds["PixelData"].is_undefined_length = True
                    ds["PixelData"].VR = "OB"
                else:
                    if li == 0:
                        ds.TotalPixelMatrixFocalPlanes = 2
                        frames = frames + [65535 - t for t in frames]
                    native(ds, frames)
                ds.save_as(os.path.join(out_dir, "level-%d-path-%s.dcm" % (li, path[0])), write_like_original=False)
        elif mode == "combined":
            ds = dataset(series, study, "VOLUME", ExplicitVRLittleEndian, 8, TILE, TILE)
            volume(ds, w, h, mpp, PATHS)
            ds.DimensionOrganizationType = "TILED_FULL"
            frames = [t for p in range(len(PATHS)) for _, _, t in tiles(lvl[p])]
            native(ds, frames)
            ds.save_as(os.path.join(out_dir, "level-%d.dcm" % li), write_like_original=False)
        elif mode == "sparse":
            ds = dataset(series, study, "VOLUME", ExplicitVRLittleEndian, 16, TILE, TILE)
            volume(ds, w, h, mpp, PATHS)
            ds.DimensionOrganizationType = "TILED_SPARSE"
            entries = []
            for p, path in enumerate(PATHS):
                for col, row, t in tiles(wide[p]):
                    entries.append((path[0], 0.5, col, row, 65535 - t))
                    entries.append((path[0], 0.0, col, row, t))
            random.Random(7).shuffle(entries)
            per_frame = []
            for ident, z, col, row, _ in entries:
                pos = Dataset()
                pos.ColumnPositionInTotalImagePixelMatrix = col * TILE + 1
                pos.RowPositionInTotalImagePixelMatrix = row * TILE + 1
                pos.XOffsetInSlideCoordinateSystem = 0
                pos.YOffsetInSlideCoordinateSystem = 0
                pos.ZOffsetInSlideCoordinateSystem = z
                ident_item = Dataset()
                ident_item.OpticalPathIdentifier = ident
                item = Dataset()
                item.PlanePositionSlideSequence = Sequence([pos])
                item.OpticalPathIdentificationSequence = Sequence([ident_item])
                per_frame.append(item)
            ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
            ds.TotalPixelMatrixFocalPlanes = 2
            native(ds, [e[4] for e in entries])
            ds.save_as(os.path.join(out_dir, "level-%d.dcm" % li), write_like_original=False)
    if mode == "instances":
        label = np.full((60, 100, 3), 200, dtype=np.uint8)
        label[20:40, 10:90] = 30
        ds = dataset(series, study, "LABEL", ExplicitVRLittleEndian, 8, 60, 100, spp=3)
        ds.NumberOfFrames = 1
        ds.PixelData = label.tobytes()
        ds.save_as(os.path.join(out_dir, "label.dcm"), write_like_original=False)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[3] not in ("instances", "combined", "sparse", "j2k"):
        sys.exit(__doc__)
    main(*sys.argv[1:])

#!/usr/bin/python3
"""Wrap JPEG tiles into a DICOM VL Whole Slide Microscopy series, for tests.

    /usr/bin/python3 tools/dicom/make_wsi_dicom.py TILES_DIR OUT_DIR full|sparse|j2k|eot

TILES_DIR holds manifest.json (written by the Go test helper that cut the
tiles from a real slide): {"mpp": µm/px of level 0, "levels": [{"width",
"height", "tile", "tiles": [{"col", "row", "file"}]}], "label": {"width",
"height", "file"}} with JPEG tile files and a raw RGB label. One file per
level (VOLUME, JPEG baseline, encapsulated: one fragment per frame, with a
Basic Offset Table in "full" mode, without in "sparse" mode; "j2k": lossless JPEG 2000 tiles, TILED_FULL;
"eot": as "full" but with an empty Basic Offset Table and an Extended Offset
Table, as pydicom's encapsulate_extended writes it) and an
uncompressed LABEL, all of one series. "full" writes TILED_FULL (every
tile, row-major); "sparse" writes TILED_SPARSE with plane positions, leaves
out every seventh tile and lists the others in reverse order. Needs
Debian's python3-pydicom; written with pydicom, not with Tessera's reader,
so that the test reads what an independent writer produced.
"""
import json
import os
import sys

import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.encaps import encapsulate, encapsulate_extended
from pydicom.sequence import Sequence
from pydicom.uid import (ExplicitVRLittleEndian, JPEG2000Lossless,
                         JPEGBaseline8Bit, generate_uid)

WSI = "1.2.840.10008.5.1.4.1.1.77.1.6"


def base(series, study, kind, syntax, rows, cols, spp=3, bits=8):
    """A VL WSI instance of the series: pixel format set, photometric
    interpretation and pixel data left to the caller (also
    make_fluorescence_dicom.py's)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = WSI
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = syntax
    meta.ImplementationClassUID = generate_uid()
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = WSI
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = study
    ds.SeriesInstanceUID = series
    ds.Modality = "SM"
    ds.ImageType = ["ORIGINAL", "PRIMARY", kind, "NONE"]
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = spp
    if spp == 3:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits, bits, bits - 1
    ds.PixelRepresentation = 0
    ds.is_little_endian, ds.is_implicit_VR = True, False
    return ds


def main(tiles_dir, out_dir, mode):
    with open(os.path.join(tiles_dir, "manifest.json")) as f:
        m = json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    series, study = generate_uid(), generate_uid()
    l0 = m["levels"][0]
    for i, level in enumerate(m["levels"]):
        t = level["tile"]
        if mode == "j2k":
            ds = base(series, study, "VOLUME", JPEG2000Lossless, t, t)
            ds.PhotometricInterpretation = "YBR_RCT"
        else:
            ds = base(series, study, "VOLUME", JPEGBaseline8Bit, t, t)
            ds.PhotometricInterpretation = "YBR_FULL_422"
        ds.TotalPixelMatrixColumns, ds.TotalPixelMatrixRows = level["width"], level["height"]
        mpp = m["mpp"] * l0["width"] / level["width"]
        measures = Dataset()
        measures.PixelSpacing = [mpp / 1000, mpp / 1000]  # mm
        measures.SliceThickness = 0.001
        shared = Dataset()
        shared.PixelMeasuresSequence = Sequence([measures])
        ds.SharedFunctionalGroupsSequence = Sequence([shared])
        tiles = sorted(level["tiles"], key=lambda x: (x["row"], x["col"]))
        if mode == "sparse":
            tiles = [x for k, x in enumerate(tiles) if k % 7 != 3][::-1]
            ds.DimensionOrganizationType = "TILED_SPARSE"
            per_frame = []
            for x in tiles:
                pos = Dataset()
                pos.ColumnPositionInTotalImagePixelMatrix = x["col"] * t + 1
                pos.RowPositionInTotalImagePixelMatrix = x["row"] * t + 1
                pos.XOffsetInSlideCoordinateSystem = 0
                pos.YOffsetInSlideCoordinateSystem = 0
                pos.ZOffsetInSlideCoordinateSystem = 0
                item = Dataset()
                item.PlanePositionSlideSequence = Sequence([pos])
                per_frame.append(item)
            ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
        else:
            ds.DimensionOrganizationType = "TILED_FULL"
        frames = []
        for x in tiles:
            with open(os.path.join(tiles_dir, x["file"]), "rb") as f:
                frames.append(f.read())
        ds.NumberOfFrames = len(frames)
        if mode == "eot":
            # Frames padded to even length first: pydicom 2.3's offsets
            # count odd frames unpadded, while their items are padded.
            even = [f + b"\0" if len(f) % 2 else f for f in frames]
            ds.PixelData, ds.ExtendedOffsetTable, ds.ExtendedOffsetTableLengths = encapsulate_extended(even)
        else:
            ds.PixelData = encapsulate(frames, has_bot=(mode != "sparse"))
        ds["PixelData"].is_undefined_length = True
        ds["PixelData"].VR = "OB"
        ds.save_as(os.path.join(out_dir, "level-%d.dcm" % i), write_like_original=False)
    lab = m["label"]
    ds = base(series, study, "LABEL", ExplicitVRLittleEndian, lab["height"], lab["width"])
    ds.PhotometricInterpretation = "RGB"
    ds.NumberOfFrames = 1
    with open(os.path.join(tiles_dir, lab["file"]), "rb") as f:
        ds.PixelData = f.read()
    ds.save_as(os.path.join(out_dir, "label.dcm"), write_like_original=False)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[3] not in ("full", "sparse", "j2k", "eot"):
        sys.exit(__doc__)
    main(*sys.argv[1:])

#!/usr/bin/python3
"""Generates Tessera's built-in demonstration bundle, reproducibly.

    /usr/bin/python3 tools/bundles/make_builtin.py assets/builtin-model

Writes encoder.onnx, head.onnx and manifest.toml. Needs Debian's python3-onnx
and python3-numpy. Every weight is a documented constant below: running it
twice gives byte-identical files.

The encoder computes real, interpretable H&E features per tile (no learned
weights):
  0 tissue_fraction   share of pixels whose optical density (OD) says tissue
  1 haematoxylin      mean haematoxylin OD over tissue (colour deconvolution,
                      Ruifrok & Johnston 2001, the H&E-DAB matrix of skimage)
  2 eosin             mean eosin OD over tissue
  3 nuclear_density   share of tissue pixels with strong haematoxylin: a
                      proxy for the density of nuclei
  4 haematoxylin_std  spread of haematoxylin OD over tissue: heterogeneity
  5 texture           mean OD gradient magnitude (Sobel): edges and texture

The head is Chowder (Courtiol et al. 2018) with R = 10: a per-tile score
(a fixed linear combination of standardised features), the R highest and R
lowest scores, and a linear layer on those 2R values to a slide logit, then
a sigmoid. The weights rank dense, haematoxylin-rich tissue higher. It is a
demonstration of the pipeline, not a model of relapse risk.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from bundlelib import OPSET, save_onnx

TILE = 224          # pixels
MPP = 0.5           # µm per pixel
R = 10              # Chowder's top/bottom instances

# Ruifrok & Johnston stain vectors (rows: H, E, DAB), as in skimage.color.
RGB_FROM_HED = np.array([[0.65, 0.70, 0.29],
                         [0.07, 0.99, 0.11],
                         [0.27, 0.57, 0.78]], dtype=np.float64)
HED_FROM_RGB = np.linalg.inv(RGB_FROM_HED)

TISSUE_OD = 0.30     # summed RGB OD above which a pixel is tissue
TISSUE_SHARPNESS = 30.0
NUCLEUS_H = 0.45     # haematoxylin OD above which a pixel is nuclear
NUCLEUS_SHARPNESS = 20.0

# Feature standardisation: midpoints and spreads of the tile features of two
# differently stained H&E slides at 0.5 µm/px (CMU-1-Small-Region, Aperio,
# haematoxylin-rich; TCGA-CR-7395, eosin-rich), measured with this encoder.
FEATURE_MEAN = np.array([0.90, 0.40, 0.45, 0.25, 0.45, 0.12], dtype=np.float32)
FEATURE_STD = np.array([0.10, 0.30, 0.15, 0.25, 0.30, 0.05], dtype=np.float32)
# Per-tile evidence weights on standardised features: more haematoxylin,
# more nuclei, more heterogeneity = higher score; eosin-rich stroma lower.
TILE_WEIGHTS = np.array([0.2, 0.8, -0.4, 1.0, 0.4, 0.2], dtype=np.float32)
TILE_BIAS = np.float32(0.0)
# Slide layer on [top R scores (descending), bottom R scores (ascending)].
TOP_WEIGHT = 0.6 / R
BOTTOM_WEIGHT = 0.2 / R
SLIDE_BIAS = -0.8


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def encoder():
    n = []
    inits = [
        const("one_255", np.float32(255.0)),
        const("one", np.float32(1.0)),
        const("c256", np.float32(256.0)),
        const("zero", np.float32(0.0)),
        const("deconv_w", HED_FROM_RGB.T.astype(np.float32).reshape(3, 3, 1, 1)),
        const("tissue_od", np.float32(TISSUE_OD)),
        const("tissue_k", np.float32(TISSUE_SHARPNESS)),
        const("nucleus_h", np.float32(NUCLEUS_H)),
        const("nucleus_k", np.float32(NUCLEUS_SHARPNESS)),
        const("eps", np.float32(1e-6)),
        const("sobel", np.array([[[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]],
                                 [[[-1, -2, -1], [0, 0, 0], [1, 2, 1]]]], dtype=np.float32) / 8.0),
        const("third", np.float32(1.0 / 3.0)),
        const("axes_chw", np.array([1, 2, 3], dtype=np.int64)),
        const("axes_c", np.array([1], dtype=np.int64)),
        const("s0", np.array([0], dtype=np.int64)),
        const("s1", np.array([1], dtype=np.int64)),
        const("s2", np.array([2], dtype=np.int64)),
    ]
    # Optical density: OD = -ln((255 x + 1) / 256), per channel.
    n += [helper.make_node("Clip", ["tiles", "zero", "one"], ["x"]),
          helper.make_node("Mul", ["x", "one_255"], ["x255"]),
          helper.make_node("Add", ["x255", "one"], ["x256"]),
          helper.make_node("Div", ["x256", "c256"], ["trans"]),
          helper.make_node("Log", ["trans"], ["logt"]),
          helper.make_node("Neg", ["logt"], ["od"])]
    # Colour deconvolution as a 1×1 convolution: [H, E, DAB] per pixel.
    n += [helper.make_node("Conv", ["od", "deconv_w"], ["hed"]),
          helper.make_node("Slice", ["hed", "s0", "s1", "axes_c"], ["h"]),
          helper.make_node("Slice", ["hed", "s1", "s2", "axes_c"], ["e"])]
    # Soft tissue mask from summed OD.
    n += [helper.make_node("ReduceSum", ["od", "axes_c"], ["odsum"], keepdims=1),
          helper.make_node("Sub", ["odsum", "tissue_od"], ["odt"]),
          helper.make_node("Mul", ["odt", "tissue_k"], ["odtk"]),
          helper.make_node("Sigmoid", ["odtk"], ["tissue"])]
    # 0 tissue fraction.
    n += [helper.make_node("ReduceMean", ["tissue"], ["f_tissue"], axes=[1, 2, 3], keepdims=0)]
    n += [helper.make_node("ReduceSum", ["tissue", "axes_chw"], ["tsum0"], keepdims=0),
          helper.make_node("Add", ["tsum0", "eps"], ["tsum"])]

    def tissue_mean(src, out):
        n.extend([helper.make_node("Mul", [src, "tissue"], [src + "_w"]),
                  helper.make_node("ReduceSum", [src + "_w", "axes_chw"], [src + "_s"], keepdims=0),
                  helper.make_node("Div", [src + "_s", "tsum"], [out])])

    tissue_mean("h", "f_h")              # 1 haematoxylin
    tissue_mean("e", "f_e")              # 2 eosin
    n += [helper.make_node("Sub", ["h", "nucleus_h"], ["hn"]),
          helper.make_node("Mul", ["hn", "nucleus_k"], ["hnk"]),
          helper.make_node("Sigmoid", ["hnk"], ["nuclear"])]
    tissue_mean("nuclear", "f_nuclei")   # 3 nuclear density
    # 4 haematoxylin spread over tissue: sqrt(E[h²] − E[h]²).
    n += [helper.make_node("Mul", ["h", "h"], ["h2"])]
    tissue_mean("h2", "f_h2")
    n += [helper.make_node("Mul", ["f_h", "f_h"], ["fh_sq"]),
          helper.make_node("Sub", ["f_h2", "fh_sq"], ["hvar0"]),
          helper.make_node("Relu", ["hvar0"], ["hvar"]),
          helper.make_node("Add", ["hvar", "eps"], ["hvar_e"]),
          helper.make_node("Sqrt", ["hvar_e"], ["f_hstd"])]
    # 5 texture: mean Sobel gradient magnitude of mean OD.
    n += [helper.make_node("Mul", ["odsum", "third"], ["grey"]),
          helper.make_node("Conv", ["grey", "sobel"], ["grad"], pads=[1, 1, 1, 1]),
          helper.make_node("Mul", ["grad", "grad"], ["grad2"]),
          helper.make_node("ReduceSum", ["grad2", "axes_c"], ["gmag2"], keepdims=1),
          helper.make_node("Add", ["gmag2", "eps"], ["gmag2e"]),
          helper.make_node("Sqrt", ["gmag2e"], ["gmag"]),
          helper.make_node("ReduceMean", ["gmag"], ["f_tex"], axes=[1, 2, 3], keepdims=0)]
    feats = ["f_tissue", "f_h", "f_e", "f_nuclei", "f_hstd", "f_tex"]
    for f in feats:
        n.append(helper.make_node("Unsqueeze", [f, "s1"], [f + "_u"]))
    n.append(helper.make_node("Concat", [f + "_u" for f in feats], ["features"], axis=1))
    graph = helper.make_graph(
        n, "tessera_demo_encoder",
        [helper.make_tensor_value_info("tiles", TensorProto.FLOAT, ["N", 3, TILE, TILE])],
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 6])],
        inits)
    return graph


def head():
    inits = [
        const("mu", FEATURE_MEAN.reshape(1, 1, 6)),
        const("sigma", FEATURE_STD.reshape(1, 1, 6)),
        const("w_tile", TILE_WEIGHTS.reshape(6, 1)),
        const("b_tile", np.array([TILE_BIAS], dtype=np.float32)),
        const("k", np.array([R], dtype=np.int64)),
        const("pad_shape", np.array([1, R], dtype=np.int64)),
        const("ax2", np.array([2], dtype=np.int64)),
        const("w_slide", np.concatenate([np.full(R, TOP_WEIGHT), np.full(R, BOTTOM_WEIGHT)]).astype(np.float32).reshape(2 * R, 1)),
        const("b_slide", np.array([SLIDE_BIAS], dtype=np.float32)),
    ]
    n = [helper.make_node("Sub", ["features", "mu"], ["fc"]),
         helper.make_node("Div", ["fc", "sigma"], ["fz"]),
         helper.make_node("MatMul", ["fz", "w_tile"], ["s3"]),
         helper.make_node("Add", ["s3", "b_tile"], ["s3b"]),
         helper.make_node("Squeeze", ["s3b", "ax2"], ["tile_scores"]),
         # Pad with the min (for top-R) or max (for bottom-R) so that slides
         # with fewer than R tiles still give R values.
         helper.make_node("ReduceMin", ["tile_scores"], ["smin"], axes=[1], keepdims=1),
         helper.make_node("ReduceMax", ["tile_scores"], ["smax"], axes=[1], keepdims=1),
         helper.make_node("Expand", ["smin", "pad_shape"], ["pad_lo"]),
         helper.make_node("Expand", ["smax", "pad_shape"], ["pad_hi"]),
         helper.make_node("Concat", ["tile_scores", "pad_lo"], ["for_top"], axis=1),
         helper.make_node("Concat", ["tile_scores", "pad_hi"], ["for_bottom"], axis=1),
         helper.make_node("TopK", ["for_top", "k"], ["top", "top_i"], axis=1, largest=1, sorted=1),
         helper.make_node("TopK", ["for_bottom", "k"], ["bottom", "bottom_i"], axis=1, largest=0, sorted=1),
         helper.make_node("Concat", ["top", "bottom"], ["extremes"], axis=1),
         helper.make_node("MatMul", ["extremes", "w_slide"], ["logit0"]),
         helper.make_node("Add", ["logit0", "b_slide"], ["logit"]),
         helper.make_node("Sigmoid", ["logit"], ["risk"])]
    graph = helper.make_graph(
        n, "tessera_demo_chowder",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, "N", 6])],
        [helper.make_tensor_value_info("risk", TensorProto.FLOAT, [1, 1]),
         helper.make_tensor_value_info("tile_scores", TensorProto.FLOAT, [1, "N"])],
        inits)
    return graph


def save(graph, path):
    return save_onnx(graph, path, "tessera-make_builtin", "1")


MANIFEST = """# Tessera built-in demonstration bundle. Generated by tools/bundles/make_builtin.py.
schema = 1
name = "Tessera demonstration morphology model"
version = "1.0.0"
task = "Demonstration: ranks dense, haematoxylin-rich tissue higher than sparse or eosin-rich tissue."
intended_use = "DEMONSTRATION ONLY. Not trained on outcomes and not validated for clinical use: its risk class means nothing about the patient."
demonstration = true
validated = false
licence = "Apache-2.0"
citation = "Features: Ruifrok & Johnston, Anal Quant Cytol Histol 2001 (colour deconvolution). Head: Courtiol et al., Chowder, arXiv:1802.02212 (2018)."

[input]
tile_size = {tile}
mpp = {mpp}
channel_order = "RGB"
layout = "NCHW"
scale = 0.00392156862745098
mean = [0.0, 0.0, 0.0]
std = [1.0, 1.0, 1.0]
batch_size = 16

[encoder]
file = "encoder.onnx"
sha256 = "{enc}"
input = "tiles"
output = "features"
feature_dim = 6

[head]
kind = "chowder"
file = "head.onnx"
sha256 = "{head}"
input = "features"
slide_output = "risk"
slide_output_kind = "probability"
tile_output = "tile_scores"
chowder_r = {r}

[scores]
meaning = "signed-evidence"
description = "Signed evidence for the high class: above 0 pushes the slide towards high, below 0 towards low."

[output]
classes = ["low", "high"]
class_labels = ["Low score on the demonstration model", "High score on the demonstration model"]
threshold = 0.5
horizon = "none (demonstration)"
patient_aggregation = "max"

[domain]
stain = "brightfield-he"
organ = "any H&E-stained tissue section (demonstration)"
mpp_tolerance = 0.1
min_tissue_tiles = 4
max_artefact_fraction = 0.5
exclude_artefacts = true

[interpretation]
threshold_meaning = "nothing clinical: it only separates dense, haematoxylin-rich tissue (above) from sparse or eosin-rich tissue (below)"

[reference]
description = "241 tiles of CMU-1-Small-Region.svs, tcga-cr-7395-01a-01-ts1.svs, OS-1-detail.ome.tif (go run ./tools/reference -mpp 0.5 with the built-in model); H&E slides only: an IHC slide is no reference for an H&E model"
tiles = 241
od_low = [0.0645391, 0.297458, 0.156869]
od_high = [0.350978, 0.633616, 0.381634]
feature_mean = [0.914122, 0.218854, 0.528127, 0.130662, 0.25257, 0.101727]
feature_variance = [0.216981, 0.0155362, 0.00849947, 0.00692418, 0.000865705, 0.000306542]
residual_variance = 0
distance_99 = 2.93698
feature_basis = [
  [0.0923239, -0.618086, 0.224378, -0.48701, -0.564072, -0.0611992],
  [0.604623, 0.323152, 0.00663175, 0.408346, -0.602023, -0.0279516],
  [-0.714616, 0.284808, 0.423351, 0.198883, -0.419952, -0.114315],
  [-0.322112, -0.154723, -0.856422, 0.130122, -0.321393, -0.136458],
  [-0.000936681, -0.624049, 0.191134, 0.716755, 0.160966, -0.185422],
  [-0.107119, -0.138023, -0.0198254, 0.160782, -0.117592, 0.964056],
]
"""


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "assets/builtin-model"
    os.makedirs(out, exist_ok=True)
    enc = save(encoder(), os.path.join(out, "encoder.onnx"))
    hd = save(head(), os.path.join(out, "head.onnx"))
    with open(os.path.join(out, "manifest.toml"), "w") as f:
        f.write(MANIFEST.format(tile=TILE, mpp=MPP, enc=enc, head=hd, r=R))
    print(f"wrote {out}: encoder {enc[:12]}, head {hd[:12]}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Generates small bundles used by tests:

    /usr/bin/python3 tools/bundles/make_test_bundles.py OUT_DIR

  nan/      a Chowder-shaped bundle whose encoder outputs NaN (a broken export)
  checker/  a tile classifier (mean aggregation) at 64 px and 0.5 µm/px whose
            tile probability is the tile's mean blue value: on the synthetic
            test slide (64-pixel blue checks) it scores a checkerboard by grid
            position, so heatmap alignment can be checked pixel by pixel.
Needs Debian's python3-onnx and python3-numpy.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from bundlelib import save_onnx


def save(graph, path):
    return save_onnx(graph, path, "tessera-tests")


def nan_bundle(out):
    os.makedirs(out, exist_ok=True)
    # features = log(-1 - tiles·0) → NaN, shape [N, 6] via a 1×1 conv.
    enc = helper.make_graph(
        [helper.make_node("ReduceMean", ["tiles"], ["m"], axes=[2, 3], keepdims=0),
         helper.make_node("MatMul", ["m", "w"], ["z"]),
         helper.make_node("Sub", ["z", "one"], ["neg"]),
         helper.make_node("Log", ["neg"], ["features"])],
        "nan_encoder",
        [helper.make_tensor_value_info("tiles", TensorProto.FLOAT, ["N", 3, 224, 224])],
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 6])],
        [numpy_helper.from_array(np.zeros((3, 6), np.float32), "w"),
         numpy_helper.from_array(np.float32(1.0), "one")])
    head = helper.make_graph(
        [helper.make_node("ReduceMean", ["features"], ["risk0"], axes=[1, 2], keepdims=0),
         helper.make_node("Unsqueeze", ["risk0", "ax"], ["risk"]),
         helper.make_node("ReduceMean", ["features"], ["tile_scores"], axes=[2], keepdims=0)],
        "nan_head",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, "N", 6])],
        [helper.make_tensor_value_info("risk", TensorProto.FLOAT, [1, 1]),
         helper.make_tensor_value_info("tile_scores", TensorProto.FLOAT, [1, "N"])],
        [numpy_helper.from_array(np.array([1], np.int64), "ax")])
    e, h = save(enc, os.path.join(out, "encoder.onnx")), save(head, os.path.join(out, "head.onnx"))
    with open(os.path.join(out, "manifest.toml"), "w") as f:
        f.write(f"""schema = 1
name = "NaN test"
version = "1"
demonstration = true
[input]
tile_size = 224
mpp = 0.5
channel_order = "RGB"
mean = [0.0, 0.0, 0.0]
std = [1.0, 1.0, 1.0]
[encoder]
file = "encoder.onnx"
sha256 = "{e}"
input = "tiles"
output = "features"
feature_dim = 6
[head]
kind = "chowder"
file = "head.onnx"
sha256 = "{h}"
input = "features"
slide_output = "risk"
slide_output_kind = "probability"
tile_output = "tile_scores"
[scores]
meaning = "signed-evidence"
[output]
classes = ["low", "high"]
threshold = 0.5
""")


def checker_bundle(out):
    os.makedirs(out, exist_ok=True)
    enc = helper.make_graph(
        [helper.make_node("Slice", ["tiles", "s2", "s3", "ax1"], ["blue"]),
         helper.make_node("ReduceMean", ["blue"], ["probability"], axes=[2, 3], keepdims=0)],
        "checker_encoder",
        [helper.make_tensor_value_info("tiles", TensorProto.FLOAT, ["N", 3, 64, 64])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["N", 1])],
        [numpy_helper.from_array(np.array([2], np.int64), "s2"),
         numpy_helper.from_array(np.array([3], np.int64), "s3"),
         numpy_helper.from_array(np.array([1], np.int64), "ax1")])
    e = save(enc, os.path.join(out, "encoder.onnx"))
    with open(os.path.join(out, "manifest.toml"), "w") as f:
        f.write(f"""schema = 1
name = "Checkerboard alignment test"
version = "1"
task = "Test: tile probability = mean blue value of the tile."
demonstration = true
[input]
tile_size = 64
mpp = 0.5
channel_order = "RGB"
scale = 0.00392156862745098
mean = [0.0, 0.0, 0.0]
std = [1.0, 1.0, 1.0]
batch_size = 32
[encoder]
file = "encoder.onnx"
sha256 = "{e}"
input = "tiles"
output = "probability"
feature_dim = 1
output_kind = "probability"
[head]
kind = "tile-classifier-mean"
[scores]
meaning = "probability"
description = "Mean blue value of the tile (test)."
[output]
classes = ["low", "high"]
threshold = 0.5
""")


def main():
    out = sys.argv[1]
    nan_bundle(os.path.join(out, "nan"))
    checker_bundle(os.path.join(out, "checker"))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

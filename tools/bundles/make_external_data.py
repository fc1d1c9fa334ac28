"""Writes a bundle whose encoder keeps its weights in ONNX external data.

    make_external_data.py SRC_BUNDLE OUT_FOLDER

The encoder of SRC_BUNDLE (the same graph and weights) is saved with its
weight tensors in encoder.onnx.data, as large encoders (ViT-L and up, weights
above protobuf's 2 GB) are shipped; the manifest lists the data file with
its sha256. The head and the rest of the manifest are copied unchanged, so
the bundle's results equal SRC_BUNDLE's.
"""
import hashlib
import os
import re
import shutil
import sys

import onnx
from onnx import numpy_helper
from onnx.external_data_helper import set_external_data

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
model = onnx.load(os.path.join(src, "encoder.onnx"))
# The weights (float tensors with a shape) go outside; scalars and the
# integer axes stay in the graph, as exporters keep small tensors (ONNX
# Runtime's shape inference reads axes at load time).
for t in model.graph.initializer:
    if t.data_type == onnx.TensorProto.FLOAT and len(t.dims) > 0:
        t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t), t.name))
        set_external_data(t, location="encoder.onnx.data")
onnx.save_model(model, os.path.join(out, "encoder.onnx"))


def sha256(name):
    with open(os.path.join(out, name), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


for name in os.listdir(src):
    if name not in ("encoder.onnx", "manifest.toml"):
        shutil.copy(os.path.join(src, name), os.path.join(out, name))
with open(os.path.join(src, "manifest.toml")) as f:
    manifest = f.read()
encoder = re.search(r"(?ms)^\[encoder\]\n.*?(?=^\[)", manifest).group(0)
new = re.sub(r'(?m)^sha256 = ".*"$', 'sha256 = "%s"\nexternal_data = [{ file = "encoder.onnx.data", sha256 = "%s" }]'
             % (sha256("encoder.onnx"), sha256("encoder.onnx.data")), encoder, count=1)
with open(os.path.join(out, "manifest.toml"), "w") as f:
    f.write(manifest.replace(encoder, new))

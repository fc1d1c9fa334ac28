#!/usr/bin/python3
"""Copies a model bundle with another head: every floating-point weight of
head.onnx multiplied by FACTOR, and the manifest's head sha256 and name
updated. The encoder is the same bytes, so the copy shares the original's
cached encoder features (Tessera's tests of the feature cache use it).

    vary_head.py SRC_BUNDLE OUT_BUNDLE FACTOR
"""
import hashlib
import os
import re
import shutil
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def main():
    src, out, factor = sys.argv[1], sys.argv[2], float(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    manifest = open(os.path.join(src, "manifest.toml")).read()
    head_file = re.search(r'\[head\][^\[]*?file\s*=\s*"([^"]+)"', manifest, re.S).group(1)
    for name in os.listdir(src):
        if name != head_file:
            shutil.copy(os.path.join(src, name), os.path.join(out, name))
    model = onnx.load(os.path.join(src, head_file))
    for init in model.graph.initializer:
        arr = numpy_helper.to_array(init)
        if arr.dtype.kind == "f":
            init.CopyFrom(numpy_helper.from_array((arr * factor).astype(arr.dtype), init.name))
    path = os.path.join(out, head_file)
    onnx.save(model, path)
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    head = re.search(r'\[head\][^\[]*', manifest, re.S).group(0)
    new_head = re.sub(r'sha256\s*=\s*"[0-9a-f]*"', 'sha256 = "%s"' % digest, head)
    manifest = manifest.replace(head, new_head)
    manifest = re.sub(r'^name\s*=\s*"([^"]*)"', lambda m: 'name = "%s (head x%g)"' % (m.group(1), factor), manifest, count=1, flags=re.M)
    open(os.path.join(out, "manifest.toml"), "w").write(manifest)


if __name__ == "__main__":
    main()

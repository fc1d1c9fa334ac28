"""Helpers shared by the bundle generators in this folder."""
import hashlib

import onnx
from onnx import helper

OPSET = 17


def save_onnx(graph, path, producer, producer_version=""):
    """Checks graph as an opset-17, IR-8 model, writes it, returns its sha256."""
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name=producer, producer_version=producer_version)
    model.ir_version = 8
    onnx.checker.check_model(model)
    data = model.SerializeToString()
    with open(path, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()

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


def imagenet_input(tile_size, batch_size):
    """The manifest's [input] section for an encoder exported from PyTorch
    that reads RGB tiles at 0.5 µm/px, normalised with ImageNet's mean and
    standard deviation (every torch-exported test bundle)."""
    return f"""[input]
tile_size = {tile_size}
mpp = 0.5
channel_order = "RGB"
layout = "NCHW"
scale = 0.00392156862745098
mean = [0.485, 0.456, 0.406]
std = [0.229, 0.224, 0.225]
batch_size = {batch_size}
"""

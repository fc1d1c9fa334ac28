"""The gated attention-MIL head (Ilse et al. 2018) of the torch-made test
bundles, and the manifest sections that describe it."""
import torch
from torch import nn


class GatedAttentionMIL(nn.Module):
    def __init__(self, d=512, h=128):
        super().__init__()
        self.v = nn.Linear(d, h)
        self.u = nn.Linear(d, h)
        self.w = nn.Linear(h, 1)
        self.classifier = nn.Linear(d, 1)

    def forward(self, feats):  # [1, N, D]
        a = self.w(torch.tanh(self.v(feats)) * torch.sigmoid(self.u(feats)))  # [1, N, 1]
        a = torch.softmax(a.squeeze(-1), dim=1)  # [1, N]
        z = torch.bmm(a.unsqueeze(1), feats).squeeze(1)  # [1, D]
        return self.classifier(z), a  # logit [1, 1], attention [1, N]


def export_head(head, d, path):
    """Exports head as the bundles name its tensors, N tiles dynamic."""
    with torch.no_grad():
        torch.onnx.export(head, torch.randn(1, 7, d), path, input_names=["features"], output_names=["logit", "attention"],
                          dynamic_axes={"features": {1: "N"}, "attention": {1: "N"}}, opset_version=17)


# MANIFEST_TAIL is the manifest from [head] on; format it with head=sha256.
MANIFEST_TAIL = """[head]
kind = "attention-mil"
file = "head.onnx"
sha256 = "{head}"
input = "features"
slide_output = "logit"
slide_output_kind = "logit"
tile_output = "attention"

[scores]
meaning = "attention"
description = "Attention weight of the tile in the slide decision (weights sum to 1)."

[output]
classes = ["low", "high"]
class_labels = ["Low risk (test model)", "High risk (test model)"]
threshold = 0.5
horizon = "none (test)"
"""

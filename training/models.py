"""Networks as explicit graphs, so that export is a direct dump of what PyTorch runs.

`GraphNet` executes a list of nodes in order; every node has exactly the ops and attributes of
docs/model-format.md, so export.py writes the node list as it is.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import (ALPHABET, DET_CORNER_SCALE, DET_HEIGHT, DET_MEAN, DET_STD, DET_STRIDE,
                    DET_WIDTH, OCR_HEIGHT, OCR_PLATE_MARGIN, OCR_WIDTH, REF_CONTEXT, REF_HEIGHT,
                    REF_WIDTH)


class GraphBuilder:
    def __init__(self):
        self.nodes: list[dict] = []
        self.modules: dict[str, nn.Module] = {}
        self.zero_init: list[str] = []  # batch norms whose scale starts at zero
        self.count = 0

    def _name(self, prefix):
        self.count += 1
        return f"{prefix}{self.count}"

    def conv(self, x, cin, cout, k=3, s=1, groups=1, bias=False, name=None, dilation=1):
        name = name or self._name("conv")
        kh, kw = (k, k) if isinstance(k, int) else k
        sh, sw = (s, s) if isinstance(s, int) else s
        pad = (dilation * (kh // 2), dilation * (kw // 2))
        self.modules[name] = nn.Conv2d(cin, cout, (kh, kw), (sh, sw), pad, dilation, groups, bias)
        self.nodes.append({"name": name, "op": "conv2d", "inputs": [x], "in_channels": cin,
                           "out_channels": cout, "kernel": [kh, kw], "stride": [sh, sw],
                           "padding": list(pad), "dilation": [dilation, dilation], "groups": groups})
        return name

    def bn(self, x, c, name=None):
        name = name or self._name("bn")
        self.modules[name] = nn.BatchNorm2d(c)
        self.nodes.append({"name": name, "op": "batchnorm2d", "inputs": [x], "eps": 1e-5})
        return name

    def act(self, x, op="relu", name=None):
        name = name or self._name(op)
        self.nodes.append({"name": name, "op": op, "inputs": [x]})
        return name

    def cbr(self, x, cin, cout, k=3, s=1, groups=1, dilation=1):
        return self.act(self.bn(self.conv(x, cin, cout, k, s, groups, dilation=dilation), cout))

    def dws(self, x, cin, cout, s=1, dilation=1):
        """Depthwise 3x3 + BN + ReLU, then pointwise 1x1 + BN + ReLU."""
        x = self.cbr(x, cin, cin, 3, s, groups=cin, dilation=dilation)
        return self.cbr(x, cin, cout, 1)

    def maxpool(self, x, k, s):
        name = self._name("pool")
        k = [k, k] if isinstance(k, int) else list(k)
        s = [s, s] if isinstance(s, int) else list(s)
        self.nodes.append({"name": name, "op": "maxpool2d", "inputs": [x], "kernel": k, "stride": s,
                           "padding": [0, 0]})
        return name

    def upsample(self, x, scale=2):
        name = self._name("up")
        self.nodes.append({"name": name, "op": "upsample_nearest", "inputs": [x], "scale": scale})
        return name

    def add(self, a, b, name=None):
        name = name or self._name("add")
        self.nodes.append({"name": name, "op": "add", "inputs": [a, b]})
        return name

    def flatten(self, x):
        name = self._name("flatten")
        self.nodes.append({"name": name, "op": "flatten", "inputs": [x]})
        return name

    def linear(self, x, fin, fout, name=None):
        name = name or self._name("linear")
        self.modules[name] = nn.Linear(fin, fout)
        self.nodes.append({"name": name, "op": "linear", "inputs": [x], "in_features": fin, "out_features": fout})
        return name


class GraphNet(nn.Module):
    def __init__(self, builder: GraphBuilder, outputs: list[str], input_spec: dict, meta: dict, name: str):
        super().__init__()
        self.nodes = builder.nodes
        self.layers = nn.ModuleDict(builder.modules)
        with torch.no_grad():
            for name in builder.zero_init:
                self.layers[name].weight.zero_()
        self.output_names = outputs
        self.input_spec = input_spec
        self.meta = meta
        self.graph_name = name

    def forward(self, x):
        outs = self._run(x)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def forward_raw_heatmap(self, x):
        """Detector training: the heatmap logits (before the sigmoid node) and geometry."""
        return tuple(self._run(x, pass_through="heatmap"))

    def _run(self, x, pass_through: str | None = None) -> list:
        """Runs the nodes in order; the node named pass_through forwards its input unchanged."""
        return run_nodes(self.nodes, self.layers, {"input": x}, self.output_names, pass_through)


def run_nodes(nodes: list[dict], layers, values: dict, outputs: list[str], pass_through: str | None = None) -> list:
    """Runs graph nodes (docs/model-format.md) in order: `layers` holds the modules of the conv,
    batch-norm and linear nodes by name, `values` the input tensor by its name. Returns the
    `outputs`. The node named pass_through forwards its input unchanged."""
    for node in nodes:
        op, ins = node["op"], [values[i] for i in node["inputs"]]
        if node["name"] == pass_through:
            y = ins[0]
        elif op in ("conv2d", "batchnorm2d"):
            y = layers[node["name"]](ins[0])
        elif op == "relu":
            y = F.relu(ins[0])
        elif op == "sigmoid":
            y = torch.sigmoid(ins[0])
        elif op == "maxpool2d":
            y = F.max_pool2d(ins[0], node["kernel"], node["stride"], node["padding"])
        elif op == "upsample_nearest":
            y = F.interpolate(ins[0], scale_factor=node["scale"], mode="nearest")
        elif op == "add":
            y = ins[0] + ins[1]
        elif op == "flatten":
            y = ins[0].flatten(1)[:, :, None, None]
        elif op == "linear":
            y = layers[node["name"]](ins[0].flatten(1))[:, :, None, None]
        else:
            raise ValueError(f"node {node['name']}: op {op} is not supported")
        values[node["name"]] = y
    return [values[n] for n in outputs]


OCR_CONTEXT_DILATIONS = (1, 2, 4)
# Residual 3x3 blocks in the convolutional trunk, by stage (see build_ocr); none ship yet.
OCR_TRUNK_BLOCKS: tuple[str, ...] = ()
OCR_TRUNK_STAGES = ("s12", "s6")


def build_ocr(width_mult: float = 1.0, context_dilations: tuple[int, ...] = OCR_CONTEXT_DILATIONS,
              trunk_blocks: tuple[str, ...] | None = None) -> GraphNet:
    """Conv-only CRNN: 48x128 grey -> [1, 37, 1, 32] logits (stride 4 along the width), ~47 MMAC.

    After the height is collapsed, residual 1x3 blocks with growing dilation widen the horizontal
    receptive field from about 42 to about 98 input pixels (five characters), so the classifier
    at each column sees the plate's layout around it. Each block is relu(x + bn(conv(x))) with
    the BN scale starting at zero: a new block starts as the identity, and a network trained
    without the blocks loads into one with them (`load_ocr_state`) and gives the same outputs.

    `trunk_blocks` (default OCR_TRUNK_BLOCKS) adds capacity to the 2-D trunk the same way: a
    residual 3x3 block relu(x + bn(conv(x))), zero-started, at the 12x32 stage ("s12", 64
    channels) and/or the 6x32 stage ("s6", 96 channels). Their layers are named after the stage
    (trunk_s12_conv, ...) rather than numbered, so the numbered layers keep their names and a
    network without them loads into one with them.
    """
    trunk_blocks = OCR_TRUNK_BLOCKS if trunk_blocks is None else tuple(trunk_blocks)
    unknown = set(trunk_blocks) - set(OCR_TRUNK_STAGES)
    if unknown:
        raise ValueError(f"unknown OCR trunk stages {sorted(unknown)}; known: {OCR_TRUNK_STAGES}")
    c = [int(v * width_mult) for v in (16, 32, 64, 96, 128)]
    g = GraphBuilder()
    x = g.cbr("input", 1, c[0])                    # 48x128
    x = g.maxpool(x, 2, 2)                          # 24x64
    x = g.cbr(x, c[0], c[1])
    x = g.maxpool(x, 2, 2)                          # 12x32
    x = g.cbr(x, c[1], c[2])
    x = g.cbr(x, c[2], c[2])
    if "s12" in trunk_blocks:
        x = trunk_block(g, x, c[2], "s12")
    x = g.maxpool(x, (2, 1), (2, 1))                # 6x32
    x = g.cbr(x, c[2], c[3])
    if "s6" in trunk_blocks:
        x = trunk_block(g, x, c[3], "s6")
    x = g.maxpool(x, (2, 1), (2, 1))                # 3x32
    # Collapse the height with a 3x1 kernel and no vertical padding.
    name = "collapse"
    g.modules[name] = nn.Conv2d(c[3], c[4], (3, 1), 1, (0, 0), bias=False)
    g.nodes.append({"name": name, "op": "conv2d", "inputs": [x], "in_channels": c[3], "out_channels": c[4],
                    "kernel": [3, 1], "stride": [1, 1], "padding": [0, 0], "dilation": [1, 1], "groups": 1})
    x = g.act(g.bn(name, c[4]))                      # 1x32
    x = g.cbr(x, c[4], c[4], (1, 3))                  # horizontal context
    for d in context_dilations:
        branch = g.bn(g.conv(x, c[4], c[4], (1, 3), dilation=d), c[4])
        g.zero_init.append(branch)
        x = g.act(g.add(x, branch))
    g.conv(x, c[4], len(ALPHABET) + 1, 1, bias=True, name="logits")
    spec = {"name": "input", "channels": 1, "height": OCR_HEIGHT, "width": OCR_WIDTH,
            "mean": [0.5], "std": [0.5]}
    meta = {"alphabet": ALPHABET, "blank": 0, "stride": 4, "plate_margin": OCR_PLATE_MARGIN,
            "colour": "grey", "grey_weights": [0.299, 0.587, 0.114]}
    return GraphNet(g, ["logits"], spec, meta, "ocr")


def trunk_block(g: GraphBuilder, x: str, channels: int, stage: str) -> str:
    """relu(x + bn(conv3x3(x))) with the BN scale at zero (the identity at first), named by stage."""
    prefix = f"trunk_{stage}_"
    branch = g.bn(g.conv(x, channels, channels, 3, name=prefix + "conv"), channels, name=prefix + "bn")
    g.zero_init.append(branch)
    return g.act(g.add(x, branch, name=prefix + "add"), name=prefix + "relu")


def ocr_trunk_blocks(state_dict: dict) -> tuple[str, ...]:
    """The trunk stages whose blocks a checkpoint's weights include."""
    return tuple(stage for stage in OCR_TRUNK_STAGES if f"layers.trunk_{stage}_conv.weight" in state_dict)


def ocr_width_mult(state_dict: dict) -> float:
    """The width multiplier a checkpoint's OCR was built with (its first conv has 16 x it channels)."""
    first = state_dict.get("layers.conv1.weight")
    return 1.0 if first is None else first.shape[0] / 16


def build_ocr_for(state_dict: dict) -> GraphNet:
    """The OCR with the width and trunk blocks `state_dict` was trained with (load it with load_ocr_state)."""
    return build_ocr(width_mult=ocr_width_mult(state_dict), trunk_blocks=ocr_trunk_blocks(state_dict))


def checkpoint_contents(path) -> tuple[dict, dict]:
    """The state dict of a training checkpoint (`*.pt`) or of shipped weights
    (`Models/NAME.safetensors`, which export.py writes unfolded under the layer names), so a
    training run can resume from what ships when the checkpoints are gone; and the
    checkpoint's other entries (its step and scores, `held_out_select`), none for shipped
    weights. The file is read once."""
    path = str(path)
    if path.endswith(".safetensors"):
        from safetensors.torch import load_file
        return {f"layers.{k}": v for k, v in load_file(path).items()}, {}
    checkpoint = torch.load(path)
    return checkpoint["state_dict"], {k: v for k, v in checkpoint.items() if k != "state_dict"}


def checkpoint_state(path) -> dict:
    """The state dict alone (checkpoint_contents)."""
    return checkpoint_contents(path)[0]


def load_state(net: GraphNet, state_dict: dict) -> None:
    """Loads weights that must cover every layer (the batch-norm step counters excepted)."""
    missing, unexpected = net.load_state_dict(state_dict, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"checkpoint does not fit the network: missing {missing}, unexpected {unexpected}")


def load_ocr_state(net: GraphNet, state_dict: dict) -> list[str]:
    """Loads OCR weights; layers the checkpoint lacks (context blocks added since) keep their
    identity start. Returns the names of the layers that were not in the checkpoint."""
    missing, unexpected = net.load_state_dict(state_dict, strict=False)
    if unexpected:
        raise ValueError(f"checkpoint has layers this network lacks: {unexpected}")
    # Shipped weights carry no batch-norm step counters; nothing reads them (momentum is fixed).
    return sorted({k.split(".")[1] for k in missing if not k.endswith("num_batches_tracked")})


def build_detector() -> GraphNet:
    """Stride-4 CenterNet-style detector, about 0.2 GMAC at 384x640."""
    g = GraphBuilder()
    x = g.cbr("input", 3, 16, 3, 2)                   # s2
    x = g.dws(x, 16, 24, 2)                           # s4
    s4 = g.dws(x, 24, 24)
    x = g.dws(s4, 24, 48, 2)                          # s8
    x = g.dws(x, 48, 48)
    s8 = g.dws(x, 48, 48)
    x = g.dws(s8, 48, 96, 2)                          # s16
    x = g.dws(x, 96, 96)
    x = g.dws(x, 96, 96, dilation=2)
    s16 = g.dws(x, 96, 96)
    x = g.dws(s16, 96, 128, 2)                        # s32
    x = g.dws(x, 128, 128)
    s32 = g.dws(x, 128, 128, dilation=2)
    # Top-down path: 1x1 lateral projections, nearest upsampling, add.
    t = g.cbr(s32, 128, 64, 1)
    t = g.add(g.upsample(t), g.cbr(s16, 96, 64, 1))
    t = g.dws(t, 64, 64)
    t = g.cbr(t, 64, 48, 1)
    t = g.add(g.upsample(t), g.cbr(s8, 48, 48, 1))
    t = g.dws(t, 48, 48)
    t = g.cbr(t, 48, 32, 1)
    t = g.add(g.upsample(t), g.cbr(s4, 24, 32, 1))
    t = g.dws(t, 32, 32)
    h = g.dws(t, 32, 32)
    hm = g.conv(h, 32, 1, 1, bias=True, name="heatmap_logits")
    # Start with a low plate prior (CenterNet's bias init) so the focal loss is sane at step 0.
    nn.init.constant_(g.modules[hm].bias, -4.6)
    g.nodes.append({"name": "heatmap", "op": "sigmoid", "inputs": [hm]})
    gm = g.dws(t, 32, 32)
    g.conv(gm, 32, 8, 1, bias=True, name="geometry")
    spec = {"name": "input", "channels": 3, "height": DET_HEIGHT, "width": DET_WIDTH,
            "mean": DET_MEAN, "std": DET_STD}
    meta = {"stride": DET_STRIDE, "corner_scale": DET_CORNER_SCALE, "corner_order": "TL,TR,BR,BL",
            "letterbox": "top-left", "pad_value": 114, "threshold": 0.3, "nms_iou": 0.3}
    return GraphNet(g, ["heatmap", "geometry"], spec, meta, "detector")


def build_refiner() -> GraphNet:
    """Corner refiner: 64x128 RGB region around a detection -> 8 corner coordinates, ~17 MMAC."""
    g = GraphBuilder()
    x = g.cbr("input", 3, 16, 3, 2)                   # 32x64
    x = g.cbr(x, 16, 32, 3, 2)                        # 16x32
    x = g.cbr(x, 32, 32)
    x = g.cbr(x, 32, 64, 3, 2)                        # 8x16
    x = g.cbr(x, 64, 64)
    x = g.cbr(x, 64, 64, 3, 2)                        # 4x8
    x = g.flatten(x)
    x = g.act(g.linear(x, 64 * 4 * 8, 128))
    corners = g.linear(x, 128, 8, name="corners")
    # Start from the corners of a 2:1 plate that fills the box the region was made from.
    nn.init.zeros_(g.modules[corners].weight)
    hx, hy = 0.5 / REF_CONTEXT, 0.25 / REF_CONTEXT
    with torch.no_grad():
        g.modules[corners].bias.copy_(torch.tensor([-hx, -hy, hx, -hy, hx, hy, -hx, hy]))
    spec = {"name": "input", "channels": 3, "height": REF_HEIGHT, "width": REF_WIDTH,
            "mean": DET_MEAN, "std": DET_STD}
    meta = {"context": REF_CONTEXT, "corner_order": "TL,TR,BR,BL", "corner_offset": [0.5, 0.25]}
    return GraphNet(g, ["corners"], spec, meta, "refiner")


def count_macs(net: GraphNet) -> int:
    macs = 0
    hooks = []

    def hook(mod, inp, out):
        nonlocal macs
        if isinstance(mod, nn.Conv2d):
            macs += out.numel() * mod.in_channels // mod.groups * mod.kernel_size[0] * mod.kernel_size[1]
        elif isinstance(mod, nn.Linear):
            macs += mod.in_features * mod.out_features
    for m in net.modules():
        hooks.append(m.register_forward_hook(hook))
    s = net.input_spec
    with torch.no_grad():
        net.eval()(torch.zeros(1, s["channels"], s["height"], s["width"]))
    for h in hooks:
        h.remove()
    return macs


if __name__ == "__main__":
    for net in (build_ocr(), build_detector(), build_refiner()):
        n = sum(p.numel() for p in net.parameters())
        print(net.graph_name, f"params {n/1e6:.3f}M", f"MACs {count_macs(net)/1e6:.1f}M")

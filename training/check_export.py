"""Runs Models/NAME.json + NAME.safetensors with a small interpreter written from
docs/model-format.md alone (not the training modules) and compares with the golden fixture.

    python training/check_export.py            # all exported models
"""
from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import FIXTURES_DIR, MODELS_DIR  # noqa: E402

ALLOWED = {"conv2d", "batchnorm2d", "relu", "relu6", "sigmoid", "tanh", "hardswish", "silu", "leaky_relu",
           "maxpool2d", "avgpool2d", "global_avgpool", "upsample_nearest", "concat", "add", "flatten",
           "linear", "softmax"}


def run_graph(graph: dict, weights: dict, x: torch.Tensor) -> dict:
    v = {"input": x}
    for n in graph["nodes"]:
        op = n["op"]
        if op not in ALLOWED:
            raise ValueError(f"op {op} is not in docs/model-format.md")
        a = [v[i] for i in n["inputs"]]
        if op == "conv2d":
            w = weights[n["weight"]]
            assert list(w.shape) == [n["out_channels"], n["in_channels"] // n["groups"], *n["kernel"]], n["name"]
            y = F.conv2d(a[0], w, weights.get(n.get("bias")) if n.get("bias") else None, n["stride"],
                         n["padding"], n["dilation"], n["groups"])
        elif op == "batchnorm2d":
            y = F.batch_norm(a[0], weights[n["running_mean"]], weights[n["running_var"]], weights[n["weight"]],
                             weights[n["bias"]], False, 0.0, n["eps"])
        elif op == "relu":
            y = F.relu(a[0])
        elif op == "sigmoid":
            y = torch.sigmoid(a[0])
        elif op == "maxpool2d":
            y = F.max_pool2d(a[0], n["kernel"], n["stride"], n["padding"])
        elif op == "upsample_nearest":
            y = F.interpolate(a[0], scale_factor=n["scale"], mode="nearest")
        elif op == "add":
            y = a[0] + a[1]
        elif op == "flatten":  # [N, C, H, W] -> [N, C*H*W, 1, 1]
            y = a[0].reshape(a[0].shape[0], -1, 1, 1)
        elif op == "linear":
            w = weights[n["weight"]]
            assert list(w.shape) == [n["out_features"], n["in_features"]], n["name"]
            y = F.linear(a[0].reshape(a[0].shape[0], -1), w, weights.get(n.get("bias")) if n.get("bias") else None)
            y = y[:, :, None, None]
        else:
            raise NotImplementedError(op)
        v[n["name"]] = y
    return {name: v[name] for name in graph["outputs"]}


def decode_array(entry: dict) -> np.ndarray:
    raw = base64.b64decode(entry["data_base64"])
    return np.frombuffer(raw, dtype=np.dtype(entry["dtype"]).newbyteorder("<")).reshape(entry["shape"])


def check(name: str) -> float:
    graph = json.loads((MODELS_DIR / f"{name}.json").read_text())
    weights = load_file(str(MODELS_DIR / f"{name}.safetensors"))
    gold = json.loads((FIXTURES_DIR / f"{name}.golden.json").read_text())
    spec = graph["input"]
    image = torch.from_numpy(decode_array(gold["input"]).astype(np.float32))
    mean = torch.tensor(spec["mean"], dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.tensor(spec["std"], dtype=torch.float32).view(1, -1, 1, 1)
    outs = run_graph(graph, weights, (image / 255.0 - mean) / std)
    worst = -np.inf
    for out_name, entry in gold["outputs"].items():
        expected = decode_array(entry)
        got = outs[out_name].numpy()
        assert got.shape == expected.shape, (out_name, got.shape, expected.shape)
        excess = np.abs(got - expected) - (1e-4 + 1e-3 * np.abs(expected))
        worst = max(worst, float(excess.max()))
        print(f"  {out_name}: max |diff| {np.abs(got - expected).max():.2e}")
    return worst


if __name__ == "__main__":
    ok = True
    for path in sorted(MODELS_DIR.glob("*.json")):
        excess = check(path.stem)
        print(f"{path.stem}: {'ok' if excess <= 0 else 'MISMATCH'} (worst |diff| minus tolerance {excess:.2e}, negative is inside)")
        ok &= excess <= 0
    sys.exit(0 if ok else 1)

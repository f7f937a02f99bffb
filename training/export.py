"""Exports trained networks to Models/NAME.json + Models/NAME.safetensors (docs/model-format.md).

    python training/export.py                 # both models from training/out/*_best.pt
    python training/export.py --golden        # also Tests/ALPRVisionTests/Fixtures/NAME.golden.json
    python training/export.py --only ocr --checkpoint training/out/ocr_last.pt
"""
from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import FIXTURES_DIR, MODELS_DIR, OUT_DIR  # noqa: E402
from models import GraphNet, build_detector, build_ocr_for, build_refiner  # noqa: E402

# Each builds its network for a checkpoint's state dict (the OCR's trunk blocks follow it).
BUILDERS = {"ocr": build_ocr_for, "detector": lambda state: build_detector(), "refiner": lambda state: build_refiner()}
GOLDEN_SEED = 20240601


def graph_json(net: GraphNet) -> tuple[dict, dict[str, torch.Tensor]]:
    tensors: dict[str, torch.Tensor] = {}
    nodes = []
    for node in net.nodes:
        node = dict(node)
        name = node["name"]
        if node["op"] == "conv2d":
            conv = net.layers[name]
            node["weight"] = f"{name}.weight"
            tensors[node["weight"]] = conv.weight
            if conv.bias is not None:
                node["bias"] = f"{name}.bias"
                tensors[node["bias"]] = conv.bias
        elif node["op"] == "linear":
            linear = net.layers[name]
            node["weight"] = f"{name}.weight"
            tensors[node["weight"]] = linear.weight
            node["bias"] = f"{name}.bias"
            tensors[node["bias"]] = linear.bias
        elif node["op"] == "batchnorm2d":
            bn = net.layers[name]
            node["eps"] = bn.eps
            for key, value in (("weight", bn.weight), ("bias", bn.bias),
                               ("running_mean", bn.running_mean), ("running_var", bn.running_var)):
                node[key] = f"{name}.{key}"
                tensors[node[key]] = value
        nodes.append(node)
    graph = {"name": net.graph_name, "version": 1, "input": net.input_spec, "nodes": nodes,
             "outputs": net.output_names, "meta": net.meta}
    tensors = {k: v.detach().float().contiguous().cpu() for k, v in tensors.items()}
    return graph, tensors


def b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()).decode()


def golden(net: GraphNet) -> dict:
    """A seeded uint8 image, the float tensor the graph gets from it, and every output."""
    spec = net.input_spec
    shape = [1, spec["channels"], spec["height"], spec["width"]]
    rng = np.random.default_rng(GOLDEN_SEED)
    # Smooth structure plus noise, so activations are not all saturated or all zero.
    base = rng.integers(0, 256, (1, spec["channels"], spec["height"] // 8 + 1, spec["width"] // 8 + 1))
    smooth = np.kron(base, np.ones((1, 1, 8, 8)))[:, :, :spec["height"], :spec["width"]]
    image = np.clip(smooth + rng.integers(-40, 41, shape), 0, 255).astype(np.uint8)
    mean = torch.tensor(spec["mean"], dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.tensor(spec["std"], dtype=torch.float32).view(1, -1, 1, 1)
    x = (torch.from_numpy(image).float() / 255.0 - mean) / std
    with torch.no_grad():
        outs = net.eval()(x)
    if not isinstance(outs, tuple):
        outs = (outs,)
    return {
        "name": net.graph_name,
        "tolerance": {"relative": 1e-3, "absolute": 1e-4},
        "input": {"shape": shape, "dtype": "uint8", "layout": "NCHW",
                  "normalisation": "float = (u8 / 255 - input.mean[c]) / input.std[c]",
                  "data_base64": b64(image)},
        "outputs": {name: {"shape": list(o.shape), "dtype": "float32", "data_base64": b64(o.numpy().astype(np.float32))}
                    for name, o in zip(net.output_names, outs)},
    }


def export(name: str, checkpoint: Path, write_golden: bool, models_dir: Path = MODELS_DIR) -> None:
    state = torch.load(checkpoint, map_location="cpu")
    net = BUILDERS[name](state["state_dict"])
    net.load_state_dict(state["state_dict"])
    net.eval()
    graph, tensors = graph_json(net)
    graph["meta"]["training"] = {k: v for k, v in state.items() if k != "state_dict"}
    models_dir.mkdir(parents=True, exist_ok=True)
    (models_dir / f"{name}.json").write_text(json.dumps(graph, indent=1) + "\n")
    save_file(tensors, str(models_dir / f"{name}.safetensors"), metadata={"format": "pt", "graph": f"{name}.json"})
    print(f"wrote {models_dir}/{name}.json and {name}.safetensors ({sum(t.numel() for t in tensors.values())} floats)")
    if write_golden:
        FIXTURES_DIR.mkdir(parents=True, exist_ok=True)
        path = FIXTURES_DIR / f"{name}.golden.json"
        path.write_text(json.dumps(golden(net)) + "\n")
        print(f"wrote {path.relative_to(FIXTURES_DIR.parents[2])}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=list(BUILDERS))
    ap.add_argument("--checkpoint", type=Path, help="with --only; default training/out/NAME_best.pt")
    ap.add_argument("--golden", action="store_true")
    ap.add_argument("--models-dir", type=Path, default=MODELS_DIR, help="where to write (default: Models/)")
    args = ap.parse_args()
    names = [args.only] if args.only else list(BUILDERS)
    for name in names:
        export(name, args.checkpoint or OUT_DIR / f"{name}_best.pt", args.golden, args.models_dir)


if __name__ == "__main__":
    main()

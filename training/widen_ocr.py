"""Widens a trained OCR without changing what it reads, as a start for a wider network.

    python training/widen_ocr.py --width-mult 1.25                        # Models/ocr.safetensors -> training/out/ocr_wide_init.pt
    python training/train_ocr.py --resume training/out/ocr_wide_init.pt ...   # the width comes from the checkpoint

Each layer's output channels grow from n to n x the multiplier: the first n are the trained
ones, each added one copies a trained channel (its filter, bias and batch norm). The layer that
reads them shares each trained input weight among the copies of that channel, so that the copies
add up to the original. Every tensor with n channels copies the same channels, so the residual
adds of the context blocks still add matching channels. The shares differ by a small noise that
sums to zero over each channel's copies, so the output stays the same while training can make
the copies grow apart (with equal shares their gradients would stay equal for ever).

The script checks that the widened network gives the trained one's logits on random inputs
before it writes anything, and stops otherwise.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OCR_HEIGHT, OCR_WIDTH, OUT_DIR  # noqa: E402
from models import build_ocr, build_ocr_for, checkpoint_contents, load_ocr_state, load_state, ocr_trunk_blocks, \
    ocr_width_mult  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def channel_maps(widths: set[int], mult: float, rng: np.random.Generator) -> dict[int, np.ndarray]:
    """For each trained channel count n, which trained channel each of the widened ones copies:
    0..n-1 themselves, then trained channels drawn without replacement while they last."""
    maps = {}
    for n in sorted(widths):
        wide = int(n * mult)
        extra = wide - n
        drawn = np.concatenate([rng.permutation(n) for _ in range(-(-extra // n))])[:extra] if extra > 0 else []
        maps[n] = np.concatenate([np.arange(n), np.asarray(drawn, dtype=np.int64)])
    return maps


def class_count(net: torch.nn.Module) -> int:
    """The OCR's output channels (the alphabet and the blank), which widening leaves as they are."""
    return next(node["out_channels"] for node in net.nodes if node["name"] == "logits")


def hidden_widths(net: torch.nn.Module) -> set[int]:
    """The channel counts of the OCR's layers before its logits: those widening multiplies."""
    return {node["out_channels"] for node in net.nodes if node["op"] == "conv2d" and node["name"] != "logits"}


def widen_state(net: torch.nn.Module, state: dict, mult: float, seed: int, noise: float) -> dict:
    """The state dict of the OCR `net` (trained weights `state`) widened by `mult`."""
    rng = np.random.default_rng(seed)
    classes = class_count(net)
    maps = channel_maps(hidden_widths(net), mult, rng)
    widened: dict[str, torch.Tensor] = {}
    channels: dict[str, np.ndarray] = {"input": np.arange(1)}   # the trained channel each channel of a tensor copies
    for node in net.nodes:
        name, op = node["name"], node["op"]
        source = channels[node["inputs"][0]]
        if op == "conv2d":
            if node["groups"] != 1:
                raise ValueError(f"{name}: grouped convolutions are not widened here")
            weight = state[f"layers.{name}.weight"]
            out = np.arange(classes) if name == "logits" else maps[node["out_channels"]]
            counts = np.bincount(source, minlength=weight.shape[1])
            w = weight[torch.from_numpy(out)][:, torch.from_numpy(source)].clone()
            # Each input copy's share: 1/k of the trained weight, plus noise that sums to zero over the k copies.
            share = torch.from_numpy(1.0 / counts[source]).to(w.dtype)[None, :, None, None]
            jitter = torch.from_numpy(rng.standard_normal(w.shape)).to(w.dtype)
            for channel in np.flatnonzero(counts > 1):
                copies = torch.from_numpy(np.flatnonzero(source == channel))
                jitter[:, copies] -= jitter[:, copies].mean(dim=1, keepdim=True)
            jitter[:, torch.from_numpy(counts[source] == 1)] = 0
            widened[f"layers.{name}.weight"] = w * share * (1 + noise * jitter)
            bias = state.get(f"layers.{name}.bias")
            if bias is not None:
                widened[f"layers.{name}.bias"] = bias[torch.from_numpy(out)].clone()
            channels[name] = out
        elif op == "batchnorm2d":
            for part in ("weight", "bias", "running_mean", "running_var"):
                widened[f"layers.{name}.{part}"] = state[f"layers.{name}.{part}"][torch.from_numpy(source)].clone()
            channels[name] = source
        elif op == "add":
            if not np.array_equal(source, channels[node["inputs"][1]]):
                raise ValueError(f"{name}: the two inputs copy different channels")
            channels[name] = source
        elif op in ("relu", "maxpool2d", "upsample_nearest"):
            channels[name] = source
        else:
            raise ValueError(f"{name}: op {op} is not widened here")
    return widened


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", type=Path, default=ROOT / "Models" / "ocr.safetensors",
                    help="trained OCR: Models/ocr.safetensors (default) or a training checkpoint")
    ap.add_argument("--width-mult", type=float, default=1.25, help="channels of the widened network per trained one (above 1)")
    ap.add_argument("--noise", type=float, default=0.1,
                    help="spread of the copies' shares of a trained weight, relative to the share (zero-sum over the copies)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=OUT_DIR / "ocr_wide_init.pt")
    args = ap.parse_args()
    if not args.width_mult > 1:
        ap.error(f"--width-mult must be above 1, got {args.width_mult}")

    state, _ = checkpoint_contents(args.checkpoint)
    if ocr_width_mult(state) != 1:
        ap.error(f"{args.checkpoint} is already widened; widen the trained OCR it came from")
    trained = build_ocr_for(state)
    load_state(trained, state)
    # train_ocr.py takes the multiplier back from the first layer's width, so every layer's must be whole.
    if any(int(n * args.width_mult) != n * args.width_mult for n in hidden_widths(trained)):
        ap.error(f"--width-mult {args.width_mult} gives fractional channel counts; train_ocr.py would build other widths")
    widened_state = widen_state(trained, state, args.width_mult, args.seed, args.noise)
    wide = build_ocr(width_mult=args.width_mult, trunk_blocks=ocr_trunk_blocks(state))
    missing = load_ocr_state(wide, widened_state)
    if missing:
        raise SystemExit(f"widened state lacks layers {missing}")

    trained.eval()
    wide.eval()
    torch.manual_seed(args.seed)
    with torch.no_grad():
        x = torch.rand(16, 1, OCR_HEIGHT, OCR_WIDTH) * 2 - 1
        a, b = trained(x), wide(x)
    scale = a.abs().max().item()
    difference = (a - b).abs().max().item()
    agree = (a.argmax(1) == b.argmax(1)).float().mean().item()
    print(f"logits on 16 random inputs: largest {scale:.3f}, largest difference {difference:.2e}, "
          f"same best class at {agree * 100:.2f} % of the steps")
    if difference > 1e-3 * max(scale, 1):
        raise SystemExit("the widened network does not give the trained one's logits; nothing written")
    floats = sum(v.numel() for v in widened_state.values())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": widened_state, "widened_from": str(args.checkpoint), "width_mult": args.width_mult}, args.out)
    print(f"wrote {args.out}: width x{args.width_mult}, {floats:,} floats")


if __name__ == "__main__":
    main()

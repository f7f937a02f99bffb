"""Trains the corner refiner: a region around an imprecise plate box -> the plate's four corners.

    python training/train_refiner.py --minutes 40

Training pairs are made on the fly:
  - plates of the composited detector scenes (training/out/scenes_train: synthetic US plates with
    exact corners, and real uc3m/openalpr_e2e_eu plates with their labelled boxes), and
  - real US plates: the tight, frontal `openalpr_segocr_us` train crops (their image corners are
    the plate corners) pasted with random perspective into scene images.
The box the region is made from is the true box moved and resized at random, like the
detector's boxes (which miss by about 6 % of the plate width, median). Validation uses the
scene val split and the `openalpr_segocr_us` val crops, with fixed perturbations.
Writes training/out/refiner_best.pt (best mean corner error on validation) and refiner_last.pt.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (DET_MEAN, DET_STD, OUT_DIR, REF_WIDTH, refiner_corners,  # noqa: E402
                    refiner_region, refiner_sample, refiner_targets)
from data_real import segocr_plates  # noqa: E402
from models import build_refiner, checkpoint_state, load_state  # noqa: E402
from synth.augment import photometric, random_quad  # noqa: E402
from synth.scenes import paste_plate, shrink_for_paste  # noqa: E402

MEAN = torch.tensor(DET_MEAN).view(1, 3, 1, 1)
STD = torch.tensor(DET_STD).view(1, 3, 1, 1)


def to_tensor(images: np.ndarray) -> torch.Tensor:
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255.0
    return (x - MEAN) / STD


def read_rgb(path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def quad_box(q: np.ndarray):
    return (*q.min(0), *q.max(0))


def perturb_box(q: np.ndarray, rng, strength: float = 1.0, wide: float = 0.0):
    """A box like the detector's: the true box moved and resized at random; a tenth of them
    twice as far, and a share `wide` (--wide) three times as far, as the detector's box of a
    plate on a busy background, stretched over the lettering or bars beside it."""
    x0, y0, x1, y1 = quad_box(q)
    w, h = x1 - x0, y1 - y0
    k = strength * (3.0 if wide > 0 and rng.random() < wide else (2.0 if rng.random() < 0.1 else 1.0))
    cx = (x0 + x1) / 2 + rng.normal(0, 0.08 * k) * w
    cy = (y0 + y1) / 2 + rng.normal(0, 0.15 * k) * h
    nw = w * np.exp(rng.normal(-0.08, 0.15 * k))
    nh = h * np.exp(rng.normal(-0.05, 0.2 * k))
    return cx - nw / 2, cy - nh / 2, cx + nw / 2, cy + nh / 2


class Sources:
    def __init__(self, split: str, rng):
        folder = OUT_DIR / f"scenes_{split}"
        self.folder = folder
        self.scenes = [json.loads(line) for line in open(folder / "labels.jsonl")]
        self.with_plates = [(i, k) for i, lab in enumerate(self.scenes) for k, q in enumerate(lab["quads"])
                            if np.ptp(np.array(q).reshape(4, 2)[:, 0]) >= 16]
        self.cache: dict[int, np.ndarray] = {}
        self.crops = segocr_plates(split)
        self.rng = rng

    def scene(self, i: int) -> np.ndarray:
        if i not in self.cache:
            self.cache[i] = read_rgb(self.folder / self.scenes[i]["file"])
        return self.cache[i]

    def scene_plate(self, rng):
        i, k = self.with_plates[rng.integers(len(self.with_plates))]
        return self.scene(i), np.array(self.scenes[i]["quads"][k], np.float32).reshape(4, 2)

    def pasted_plate(self, rng, crop=None):
        """A real US plate pasted with random perspective into a scene image (a copy)."""
        crop = self.crops[rng.integers(len(self.crops))] if crop is None else crop
        canvas = self.scene(int(rng.integers(len(self.scenes)))).copy()
        ch, cw = canvas.shape[:2]
        target_w = float(np.exp(rng.uniform(np.log(30), np.log(260))))
        target_h = target_w * crop.shape[0] / crop.shape[1]
        plate = shrink_for_paste(crop, target_w, rng)
        q = random_quad(target_w, target_h, rng, tilt=0.15, rot_deg=8)
        margin_x, margin_y = target_w * 0.6 + 2, target_h * 0.6 + 2
        q += np.array([rng.uniform(margin_x, max(margin_x + 1, cw - margin_x)),
                       rng.uniform(margin_y, max(margin_y + 1, ch - margin_y))], np.float32)
        paste_plate(canvas, plate, q, rng)
        return canvas, q

    def sample(self, rng, real_fraction: float, augment: bool = True, wide: float = 0.0):
        if rng.random() < real_fraction:
            img, q = self.pasted_plate(rng)
        else:
            img, q = self.scene_plate(rng)
        region = refiner_region(perturb_box(q, rng, wide=wide))
        x = refiner_sample(img, region)
        if augment and rng.random() < 0.7:
            x = photometric(x, rng, 0.5)
        return x, refiner_targets(q, region), q


def validation_set(seed: int = 3, scenes: int = 400):
    """Fixed pairs: plates of the val scenes and pasted segocr val crops, fixed perturbations."""
    rng = np.random.default_rng(seed)
    src = Sources("val", rng)
    xs, regions, quads, kinds = [], [], [], []
    for i, k in src.with_plates[:scenes]:
        q = np.array(src.scenes[i]["quads"][k], np.float32).reshape(4, 2)
        region = refiner_region(perturb_box(q, rng))
        xs.append(refiner_sample(src.scene(i), region))
        regions.append(region)
        quads.append(q)
        kinds.append("scene")
    for crop in src.crops:
        img, q = src.pasted_plate(rng, crop)
        region = refiner_region(perturb_box(q, rng))
        xs.append(refiner_sample(img, region))
        regions.append(region)
        quads.append(q)
        kinds.append("real_us")
    return np.stack(xs), regions, quads, kinds


def corner_error(pred: np.ndarray, quad: np.ndarray) -> float:
    """Mean corner distance as a fraction of the plate width."""
    width = max(np.ptp(quad[:, 0]), 1.0)
    return float(np.linalg.norm(pred - quad, axis=1).mean() / width)


@torch.no_grad()
def evaluate(net, val) -> dict:
    xs, regions, quads, kinds = val
    was_training = net.training  # validate.py keeps using the network in eval mode
    net.eval()
    out = net(to_tensor(xs))[:, :, 0, 0].numpy()
    net.train(was_training)
    result = {}
    for kind in ("scene", "real_us"):
        idx = [i for i, k in enumerate(kinds) if k == kind]
        after = [corner_error(refiner_corners(out[i], regions[i]), quads[i]) for i in idx]
        # The box the region was made from, as corners: what the engine would use without refining.
        before = []
        for i in idx:
            x0, y0, r = regions[i]
            w, h = r / 1.8, r / 3.6
            cx, cy = x0 + r / 2, y0 + r / 4
            before.append(corner_error(np.array([[cx - w / 2, cy - h / 2], [cx + w / 2, cy - h / 2],
                                                 [cx + w / 2, cy + h / 2], [cx - w / 2, cy + h / 2]]), quads[i]))
        result[kind] = {"n": len(idx), "mean_error": float(np.mean(after)), "median_error": float(np.median(after)),
                        "within_5pct": float(np.mean(np.array(after) < 0.05)),
                        "median_error_of_box": float(np.median(before))}
    result["mean_error"] = float(np.mean([result[k]["mean_error"] for k in ("scene", "real_us")]))
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=40)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--real-fraction", type=float, default=0.4, help="share of pasted real US crops")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--resume", type=str, default="", help="training/out/*.pt or the shipped Models/NAME.safetensors")
    ap.add_argument("--eval-every", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--wide", type=float, default=0.0,
                    help="share of training boxes moved and resized three times as far as usual (default none)")
    args = ap.parse_args()
    if not 0 <= args.wide <= 1:
        ap.error(f"--wide is a share of the training boxes, from 0 to 1; got {args.wide}")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train = Sources("train", rng)
    val = validation_set()
    print(f"scene plates {len(train.with_plates)}, real US crops {len(train.crops)}, val {len(val[0])}", flush=True)
    net = build_refiner()
    if args.resume:
        load_state(net, checkpoint_state(args.resume))
    print("eval start", json.dumps(evaluate(net, val)), flush=True)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    start = time.time()
    deadline = start + args.minutes * 60
    step, best, log = 0, float("inf"), []
    while time.time() < deadline:
        progress = (time.time() - start) / (args.minutes * 60)
        lr = args.lr * min(1.0, (step + 1) / 50) * 0.5 * (1 + np.cos(np.pi * min(progress, 1.0)))
        for g in opt.param_groups:
            g["lr"] = lr
        xs, ts = [], []
        for _ in range(args.batch):
            x, t, _ = train.sample(rng, args.real_fraction, wide=args.wide)
            xs.append(x)
            ts.append(t)
        pred = net(to_tensor(np.stack(xs)))[:, :, 0, 0]
        target = torch.from_numpy(np.stack(ts))
        # In refiner-input pixels, so beta = 1 pixel.
        loss = F.smooth_l1_loss(pred * REF_WIDTH, target * REF_WIDTH, beta=1.0)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
        opt.step()
        step += 1
        if step % 50 == 0:
            print(f"step {step} loss {loss.item():.3f} lr {lr:.5f} t {time.time()-start:.0f}s", flush=True)
        if step % args.eval_every == 0 or time.time() >= deadline:
            metrics = evaluate(net, val)
            metrics["step"] = step
            log.append(metrics)
            print("eval", json.dumps(metrics), flush=True)
            state = {"state_dict": net.state_dict(), "step": step, "val_mean_corner_error": metrics["mean_error"]}
            torch.save(state, OUT_DIR / "refiner_last.pt")
            if metrics["mean_error"] < best:
                best = metrics["mean_error"]
                torch.save(state, OUT_DIR / "refiner_best.pt")
    (OUT_DIR / "refiner_train_log.json").write_text(json.dumps(log, indent=1))


if __name__ == "__main__":
    main()

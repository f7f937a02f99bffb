"""Trains the plate detector on composited scenes (training/out/scenes_train).

    python training/train_detector.py --minutes 30

Needs python training/synth/scenes.py --split train / --split val first (--scenes names the
training folders when there are more than training/out/scenes_train).
Writes training/out/detector_best.pt (best synthetic-val F1) and detector_last.pt.
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
from common import DET_HEIGHT, DET_MEAN, DET_STD, DET_WIDTH, OUT_DIR  # noqa: E402
from det_decode import decode, focal_loss, make_targets, match  # noqa: E402
from models import build_detector, checkpoint_state, load_state  # noqa: E402
from data_real import segocr_plates  # noqa: E402
from synth.augment import photometric, random_quad, tint  # noqa: E402
from synth.scenes import overlaps, paste_plate, shrink_for_paste  # noqa: E402


def paste_real_plate(img, quads, plates, rng, ch, cw, tint_share=0.0):
    """Pastes one real plate (random size and perspective) into a copy of img, inside a region
    that a ch x cw crop will usually keep; returns the image and the labels with its corners.
    A tint_share of the plates are recoloured first (synth.augment.tint)."""
    plate = plates[rng.integers(len(plates))]
    if rng.random() < tint_share:
        plate = tint(plate, rng)
    h, w = img.shape[:2]
    target_w = float(np.exp(rng.uniform(np.log(18), np.log(min(220, cw * 0.8)))))
    target_h = target_w * plate.shape[0] / plate.shape[1]
    q = random_quad(target_w, target_h, rng, tilt=0.15, rot_deg=7)
    half_w, half_h = np.ptp(q[:, 0]) / 2 + 2, np.ptp(q[:, 1]) / 2 + 2
    if w <= 2 * half_w or h <= 2 * half_h:
        return img, quads
    q += np.array([rng.uniform(half_w, w - half_w), rng.uniform(half_h, h - half_h)], np.float32)
    if overlaps(q, quads, pad=6):
        return img, quads
    img = img.copy()
    paste_plate(img, shrink_for_paste(plate, target_w, rng), q, rng)
    return img, quads + [q.astype(np.float32)]

MEAN = torch.tensor(DET_MEAN).view(1, 3, 1, 1)
STD = torch.tensor(DET_STD).view(1, 3, 1, 1)


def load_split(split: str):
    folder = OUT_DIR / f"scenes_{split}"
    labels = [json.loads(l) for l in open(folder / "labels.jsonl")]
    return folder, labels


def read_rgb(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def to_tensor(images: np.ndarray) -> torch.Tensor:
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255.0
    return (x - MEAN) / STD


def rescale_flip(img, quads, rng, scale_range):
    """Random zoom (log-uniform in scale_range, padded with the letterbox grey when the scene
    shrinks) and a horizontal mirror half the time. Zooming out makes small plates out of the
    scenes' plates, zooming in makes large ones; mirroring swaps the corner order TL<->TR,
    BL<->BR so that corner 0 stays top-left."""
    s = float(np.exp(rng.uniform(np.log(scale_range[0]), np.log(scale_range[1]))))
    if abs(s - 1) > 0.02:
        h, w = img.shape[:2]
        nh, nw = max(1, round(h * s)), max(1, round(w * s))
        img = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        quads = [q * s for q in quads]
        if nh < DET_HEIGHT or nw < DET_WIDTH:
            canvas = np.full((max(nh, DET_HEIGHT), max(nw, DET_WIDTH), 3), 114, np.uint8)
            oy = int(rng.integers(0, canvas.shape[0] - nh + 1))
            ox = int(rng.integers(0, canvas.shape[1] - nw + 1))
            canvas[oy:oy + nh, ox:ox + nw] = img
            img = canvas
            quads = [q + np.array([ox, oy], np.float32) for q in quads]
    if rng.random() < 0.5:
        w = img.shape[1]
        img = img[:, ::-1]
        quads = [np.stack([w - q[:, 0], q[:, 1]], 1)[[1, 0, 3, 2]] for q in quads]
    return np.ascontiguousarray(img), [np.asarray(q, np.float32) for q in quads]


def random_crop(img, quads, rng, ch, cw):
    """A ch x cw crop (multiple of 32) keeping the labels; plates cut by the crop are kept
    only when most of them stays inside."""
    y0 = int(rng.integers(0, img.shape[0] - ch + 1) // 4 * 4)
    x0 = int(rng.integers(0, img.shape[1] - cw + 1) // 4 * 4)
    out = []
    for q in quads:
        q = q - np.array([x0, y0], np.float32)
        bx0, by0 = q.min(0)
        bx1, by1 = q.max(0)
        inside = (min(bx1, cw) - max(bx0, 0)) * (min(by1, ch) - max(by0, 0))
        if bx1 > 0 and by1 > 0 and bx0 < cw and by0 < ch and inside > 0.6 * (bx1 - bx0) * (by1 - by0):
            out.append(q)
    return img[y0:y0 + ch, x0:x0 + cw], out


@torch.no_grad()
def evaluate(net, folder, labels, threshold=0.3, limit=None):
    was_training = net.training  # validate.py keeps using the network in eval mode
    net.eval()
    tp = fp = gt = 0
    for lab in labels[:limit]:
        img = read_rgb(folder / lab["file"])
        hm, geo = net(to_tensor(img[None]))
        dets = decode(hm[0, 0].numpy(), geo[0].numpy(), threshold)
        gts = [(*np.array(q).reshape(4, 2).min(0), *np.array(q).reshape(4, 2).max(0)) for q in lab["quads"]]
        a, b, c = match([d[2] for d in dets], gts)
        tp, fp, gt = tp + a, fp + b, gt + c
    net.train(was_training)
    n = len(labels[:limit])
    recall = tp / max(gt, 1)
    precision = tp / max(tp + fp, 1)
    return {"recall": recall, "precision": precision, "fp_per_image": fp / max(n, 1),
            "f1": 2 * recall * precision / max(recall + precision, 1e-9)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, nargs=2, default=[256, 384], help="training crop h w")
    ap.add_argument("--lr", type=float, default=4e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--resume", type=str, default="", help="training/out/*.pt or the shipped Models/NAME.safetensors")
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--real-paste", type=float, default=0.0,
                    help="share of training crops that get a real US plate (openalpr_segocr_us train) pasted in")
    ap.add_argument("--tint", type=float, default=0.0,
                    help="share of pasted real plates recoloured as coloured plates (yellow, gold, blue, green)")
    ap.add_argument("--scenes", nargs="+", default=["scenes_train"],
                    help="training scene folders under training/out (synth/scenes.py --name)")
    ap.add_argument("--scale", type=float, nargs=2, default=[1.0, 1.0],
                    help="random zoom range of the scenes, e.g. 0.5 1.6 (1 1 = off, no mirroring)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    augment = tuple(args.scale) != (1.0, 1.0)
    real_plates = segocr_plates("train") if args.real_paste > 0 else []
    labels = []
    for name in args.scenes:
        folder = OUT_DIR / name
        labels += [dict(label, path=folder / label["file"]) for label in map(json.loads, open(folder / "labels.jsonl"))]
    vfolder, vlabels = load_split("val")
    print(f"train scenes {len(labels)}, val scenes {len(vlabels)}", flush=True)
    # Decoded scenes are cached in memory (uint8, ~0.7 MB each).
    cache: dict[int, np.ndarray] = {}

    net = build_detector()
    if args.resume:
        load_state(net, checkpoint_state(args.resume))
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    start = time.time()
    deadline = start + args.minutes * 60
    step, best, log = 0, -1.0, []
    ch, cw = args.crop
    while time.time() < deadline:
        progress = (time.time() - start) / (args.minutes * 60)
        lr = args.lr * min(1.0, (step + 1) / 50) * 0.5 * (1 + np.cos(np.pi * min(progress, 1.0)))
        for g in opt.param_groups:
            g["lr"] = lr
        imgs, heats, geoms, weights = [], [], [], []
        for k in rng.integers(0, len(labels), args.batch):
            if k not in cache:
                cache[k] = read_rgb(labels[k]["path"])
            quads = [np.array(q, np.float32).reshape(4, 2) for q in labels[k]["quads"]]
            img = cache[k]
            if augment:
                img, quads = rescale_flip(img, quads, rng, args.scale)
            img, quads = random_crop(img, quads, rng, ch, cw)
            if real_plates and rng.random() < args.real_paste:
                img, quads = paste_real_plate(img, quads, real_plates, rng, ch, cw, args.tint)
            if augment and rng.random() < 0.5:
                img = photometric(img, rng, 0.3)
            h, g, w = make_targets(quads, ch, cw)
            imgs.append(img)
            heats.append(h)
            geoms.append(g)
            weights.append(w)
        x = to_tensor(np.stack(imgs))
        heat = torch.from_numpy(np.stack(heats))[:, None]
        geom = torch.from_numpy(np.stack(geoms))
        weight = torch.from_numpy(np.stack(weights))[:, None]
        logits, pred_geom = net.forward_raw_heatmap(x)
        hm_loss = focal_loss(logits, heat)
        geo_loss = (F.smooth_l1_loss(pred_geom, geom, reduction="none", beta=0.05) * weight).sum() / weight.sum().clamp(min=1) / 8
        loss = hm_loss + 2.0 * geo_loss
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
        opt.step()
        step += 1
        if step % 25 == 0:
            print(f"step {step} heat {hm_loss.item():.3f} geo {geo_loss.item():.4f} lr {lr:.5f} t {time.time()-start:.0f}s", flush=True)
        if step % args.eval_every == 0 or time.time() >= deadline:
            metrics = evaluate(net, vfolder, vlabels, limit=80)
            metrics["step"] = step
            log.append(metrics)
            print("eval", json.dumps(metrics), flush=True)
            state = {"state_dict": net.state_dict(), "step": step, **metrics}
            torch.save(state, OUT_DIR / "detector_last.pt")
            if metrics["f1"] > best:
                best = metrics["f1"]
                torch.save(state, OUT_DIR / "detector_best.pt")
    (OUT_DIR / "detector_train_log.json").write_text(json.dumps(log, indent=1))


if __name__ == "__main__":
    main()

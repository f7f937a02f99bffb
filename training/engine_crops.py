"""Cuts the real US train crops out of photos the way the engine does, for OCR training.

    python training/engine_crops.py --copies 2 --seed 71     # -> training/out/ocr_engine_train.npz

`train_ocr.py --framed` imitates the engine's cut with noisy corners; this runs the engine's
own pipeline instead (training/pipeline.py with the shipped detector and refiner: exposure
correction, both detector passes, refined corners, the margin and the warp). Each real US
train crop is pasted into frames made from negatives/ train photos, as make_eval_set.py makes
its val folders (1280x720 / 1920x1080 frames with one to three plates 60-380 px wide, and
one in four as a close-up: 640x480 to 1024x768, 25-60 % of the width), the pipeline finds the
plates, and each plate it finds (IoU >= 0.3 with the pasted box) gives the OCR input the
engine would read, plus, for the second look, the same cut moved up or down by 6 % of the
plate's height. Plates the pipeline misses give nothing: the OCR never sees them in the
engine either. Only train-split crops, frames and texts are used.

    python training/engine_crops.py --split val --copies 1 --seed 7   # -> training/out/ocr_engine_val.npz

cuts the val crops the same way, into frames made from train photos with a seed of their own
(so neither the frames nor the backgrounds are those of make_eval_set.py's folders), and keeps
for each plate found the five cuts the engine can read: as cut, moved down and moved up,
widened and narrowed (images [N, 5, 48, 128]; pipeline.second_look_quads).
`train_ocr.py --engine-val` reads them as the engine reads a plate, second look included,
and picks its checkpoint by that: the OCR's checks on whole and framed
val crops rose in rounds that the engine read fewer plates with (docs/accuracy.md).

    python training/engine_crops.py --split select --copies 2 --seed 8   # -> training/out/ocr_engine_select.npz

does the same for the tenth of the train plates that `train_ocr.py --select` holds out of
training to pick its checkpoint on (data_real's `select` split), leaving val to the report.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA_DIR, MODELS_DIR, OUT_DIR  # noqa: E402
from data_real import detection_rows, us_ocr_rows  # noqa: E402
from det_decode import iou  # noqa: E402
from pipeline import Pipeline, correct_exposure, ocr_crop, second_look_quads, second_look_shift  # noqa: E402
from make_eval_set import closeup_quad, frame_from, street_quad  # noqa: E402
from synth.augment import photometric  # noqa: E402
from synth.scenes import overlaps, paste_plate  # noqa: E402


def street_frame(plates, backgrounds, rng):
    """Up to three plates in a 720p/1080p frame (make_eval_set.paste_set's geometry; a
    squarish train crop is kept under 40 % of the frame's height)."""
    size = [(1280, 720), (1920, 1080)][rng.integers(2)]
    frame = frame_from(backgrounds[rng.integers(len(backgrounds))], size, rng)
    placed, quads = [], []
    for img, text in plates:
        q = street_quad(img, size, rng, max_height=0.4 * size[1])
        if overlaps(q, quads, pad=10):
            continue
        paste_plate(frame, img, q, rng)
        quads.append(q)
        placed.append((q, text))
    return photometric(frame, rng, 0.3), placed


def closeup_frame(plate, backgrounds, rng):
    """One plate at 25-60 % of a photo-sized frame (make_eval_set.closeup_set's geometry)."""
    img, text = plate
    size = [(640, 480), (800, 600), (1024, 768)][rng.integers(3)]
    frame = frame_from(backgrounds[rng.integers(len(backgrounds))], size, rng)
    q = closeup_quad(img, size, rng, max_height=0.4 * size[1])
    paste_plate(frame, img, q, rng)
    return frame, [(q, text)]


def engine_cut(grey: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The OCR input the engine cuts for `quad` (pipeline.ocr_crop), as uint8."""
    return np.clip(np.rint(ocr_crop(grey, quad)), 0, 255).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=2, help="frames each train crop is pasted into")
    ap.add_argument("--closeup", type=float, default=0.25, help="share of crops pasted as close-ups")
    ap.add_argument("--seed", type=int, default=71)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--split", default="train", choices=["train", "val", "select"],
                    help="val: the val crops, every plate's five cuts kept together, for train_ocr.py --engine-val; "
                         "select: the same for the train plates train_ocr.py --select holds out")
    ap.add_argument("--out", type=Path, default=None, help="default training/out/ocr_engine_SPLIT.npz")
    args = ap.parse_args()
    args.out = args.out or OUT_DIR / f"ocr_engine_{args.split}.npz"
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    pipeline = Pipeline(MODELS_DIR / "detector.safetensors", MODELS_DIR / "ocr.safetensors", MODELS_DIR / "refiner.safetensors")
    backgrounds = detection_rows("train", ("negatives",))
    plates = []
    for row in us_ocr_rows(args.split):
        img = cv2.imread(str(DATA_DIR / row["path"]), cv2.IMREAD_COLOR)
        if img is not None:
            plates.append((cv2.cvtColor(img, cv2.COLOR_BGR2RGB), row["text"]))
    images, texts, shifted = [], [], []
    pasted = found = frames = 0
    start = time.time()
    for copy in range(args.copies):
        order = rng.permutation(len(plates))
        i = 0
        while i < len(order):
            if rng.random() < args.closeup:
                frame, placed = closeup_frame(plates[order[i]], backgrounds, rng)
                i += 1
            else:
                group = [plates[j] for j in order[i:i + int(rng.integers(1, 4))]]
                i += len(group)
                frame, placed = street_frame(group, backgrounds, rng)
            pasted += len(placed)
            frames += 1
            if frames % 250 == 0:
                print(f"{frames} frames, {pasted} plates pasted, {found} found, {time.time() - start:.0f}s", flush=True)
            grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
            detections = pipeline.detect(correct_exposure(frame))
            for quad, text in placed:
                box = (*quad.min(0), *quad.max(0))
                match = max(detections, key=lambda d: iou(d[2], box), default=None)
                if match is None or iou(match[2], box) < 0.3:
                    continue
                found += 1
                q = match[1]
                if args.split in ("val", "select"):
                    images.append(np.stack([engine_cut(grey, q)] + [engine_cut(grey, moved) for moved in second_look_quads(q)]))
                    texts.append(text)
                    continue
                images.append(engine_cut(grey, q))
                texts.append(text)
                shifted.append(0)
                images.append(engine_cut(grey, q + second_look_shift(q) * (1 if rng.random() < 0.5 else -1)))
                texts.append(text)
                shifted.append(1)
        print(f"copy {copy + 1}: {pasted} plates pasted, {found} found, {time.time() - start:.0f}s", flush=True)
    if args.split in ("val", "select"):
        np.savez_compressed(args.out, images=np.stack(images), texts=np.array(texts))
    else:
        np.savez_compressed(args.out, images=np.stack(images), texts=np.array(texts), shifted=np.array(shifted, np.uint8))
    print(f"wrote {args.out}: {len(texts)} crops ({found} plates found of {pasted})")


if __name__ == "__main__":
    main()

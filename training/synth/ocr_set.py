"""Pre-renders synthetic OCR crops (grey, OCR_HEIGHT x OCR_WIDTH) to training/out/ocr_synth_*.npz.

Each crop is made the way the engine makes its OCR input: the plate quadrilateral (with
detector-like corner error) grown by OCR_PLATE_MARGIN and warped to the network input.
"""
from __future__ import annotations

import argparse
import json
import sys
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import DATA_DIR, OCR_HEIGHT, OCR_PLATE_MARGIN, OCR_WIDTH, OUT_DIR  # noqa: E402
from synth.augment import occlude, photometric, plate_frame, random_quad  # noqa: E402
from synth.plate import PlateRenderer  # noqa: E402
from synth.templates import load_templates  # noqa: E402


def background_paths(split: str = "train", limit: int = 400, seed: int = 0) -> list[Path]:
    rows = [json.loads(l) for l in open(DATA_DIR / "detection.jsonl")]
    rows = [r for r in rows if r["split"] == split and r["source"] in ("negatives", "uc3m_det")]
    rng = np.random.default_rng(seed)
    rng.shuffle(rows)
    return [DATA_DIR / r["path"] for r in rows[:limit]]


def load_backgrounds(paths) -> list[np.ndarray]:
    out = []
    for p in paths:
        img = cv2.imread(str(p), cv2.IMREAD_COLOR)
        if img is not None:
            out.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    return out


def grow_quad(quad: np.ndarray, margin: float) -> np.ndarray:
    """Moves each corner outwards by `margin` of the plate width/height (the engine does the same)."""
    tl, tr, br, bl = quad
    right = ((tr - tl) + (br - bl)) / 2
    down = ((bl - tl) + (br - tr)) / 2
    dx, dy = right * margin, down * margin
    return np.array([tl - dx - dy, tr + dx - dy, br + dx + dy, bl - dx + dy], np.float32)


def make_crop(renderer: PlateRenderer, backgrounds, rng) -> tuple[np.ndarray, str]:
    plate, text = renderer.render(rng)
    if rng.random() < 0.35:
        plate = plate_frame(plate, rng)
    if rng.random() < 0.1:
        plate = occlude(plate, rng, 0.08)
    ph, pw = plate.shape[:2]
    # Target plate width in pixels at capture time: low resolution is common.
    target_w = float(np.exp(rng.uniform(np.log(40), np.log(260))))
    scale = target_w / pw
    quad = random_quad(pw * scale, ph * scale, rng) + np.array([target_w, target_w], np.float32)
    canvas_size = int(target_w * 2)
    bg = backgrounds[rng.integers(len(backgrounds))]
    bx = cv2.resize(bg, (canvas_size, canvas_size))
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    m = cv2.getPerspectiveTransform(src, quad)
    warped = cv2.warpPerspective(plate, m, (canvas_size, canvas_size), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones((ph, pw), np.float32), m, (canvas_size, canvas_size))
    canvas = (bx * (1 - mask[:, :, None]) + warped * mask[:, :, None]).astype(np.uint8)
    if rng.random() < 0.3:
        canvas = photometric(canvas, rng, 0.5)
    # Corner error of a detector, then the engine's margin and warp.
    plate_w = np.linalg.norm(quad[1] - quad[0])
    noisy = quad + rng.normal(0, 0.025, quad.shape).astype(np.float32) * plate_w
    grown = grow_quad(noisy, OCR_PLATE_MARGIN)
    dst = np.array([[0, 0], [OCR_WIDTH, 0], [OCR_WIDTH, OCR_HEIGHT], [0, OCR_HEIGHT]], np.float32)
    crop = cv2.warpPerspective(canvas, cv2.getPerspectiveTransform(grown, dst), (OCR_WIDTH, OCR_HEIGHT),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    crop = photometric(crop, rng)
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    if rng.random() < 0.1:
        grey = 255 - grey  # some plates are light on dark; make the model polarity-agnostic
    return grey, text


def _worker(args):
    seed, count, split, glyphs, labels_as_drawn = args
    rng = np.random.default_rng(seed)
    renderer = PlateRenderer(glyphs=glyphs, labels_as_drawn=labels_as_drawn)
    backgrounds = load_backgrounds(background_paths(split, 300, seed))
    images = np.zeros((count, OCR_HEIGHT, OCR_WIDTH), np.uint8)
    texts = []
    for i in range(count):
        images[i], t = make_crop(renderer, backgrounds, rng)
        texts.append(t)
    return images, texts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=60000)
    ap.add_argument("--split", default="train", choices=["train", "val"])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--glyphs", action="store_true",
                    help="also render state-outline/heart/star/badge separators and emblems beside the serial")
    ap.add_argument("--labels-as-drawn", action="store_true",
                    help="label a round glyph as drawn, O or 0, also outside the engine's serial formats "
                         "(how the shipped OCR's synthetic crops were labelled)")
    args = ap.parse_args()
    per = args.count // args.workers
    jobs = [(args.seed * 1000 + i, per, args.split, args.glyphs, args.labels_as_drawn) for i in range(args.workers)]
    load_templates()  # builds the inpainted designs once, before the workers read them
    with Pool(args.workers) as pool:
        parts = pool.map(_worker, jobs)
    images = np.concatenate([p[0] for p in parts])
    texts = sum((p[1] for p in parts), [])
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"ocr_synth_{args.split}.npz"
    np.savez(out, images=images, texts=np.array(texts))
    print(f"wrote {len(texts)} crops to {out}")


if __name__ == "__main__":
    main()

"""Composes detector training scenes at the network input size (letterboxed 384x640).

Sources: uc3m_det and openalpr_e2e_eu scenes with some real plates replaced by synthetic US
plates (the others keep their real boxes), and negatives/ with synthetic plates pasted at
random places. Every plate is labelled with its four corners (TL, TR, BR, BL); real boxes
give axis-aligned corners. Output: training/out/scenes_<split>/NNNNN.jpg + labels.jsonl.
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
from common import DATA_DIR, DET_HEIGHT, DET_PAD_VALUE, DET_WIDTH, OUT_DIR  # noqa: E402
from data_real import detection_rows  # noqa: E402
from synth.augment import photometric, plate_frame, random_quad  # noqa: E402
from synth.plate import PlateRenderer  # noqa: E402


def paste_plate(canvas: np.ndarray, plate: np.ndarray, quad: np.ndarray, rng) -> None:
    """Warps `plate` onto `canvas` so that its corners land on `quad` (in place)."""
    h, w = canvas.shape[:2]
    x0, y0 = np.floor(quad.min(0)).astype(int)
    x1, y1 = np.ceil(quad.max(0)).astype(int)
    x0c, y0c, x1c, y1c = max(x0, 0), max(y0, 0), min(x1 + 1, w), min(y1 + 1, h)
    if x1c <= x0c or y1c <= y0c:
        return
    ph, pw = plate.shape[:2]
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    m = cv2.getPerspectiveTransform(src, (quad - np.array([x0c, y0c])).astype(np.float32))
    size = (x1c - x0c, y1c - y0c)
    # Pre-shrink large plates so the warp does not alias.
    warped = cv2.warpPerspective(plate, m, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), m, size, flags=cv2.INTER_LINEAR)
    a = mask.astype(np.float32)[:, :, None] / 255
    roi = canvas[y0c:y1c, x0c:x1c].astype(np.float32)
    # Match the scene's lighting roughly.
    light = np.clip(roi.mean() / 128, 0.45, 1.3) * rng.uniform(0.8, 1.1)
    canvas[y0c:y1c, x0c:x1c] = np.clip(roi * (1 - a) + warped.astype(np.float32) * light * a, 0, 255).astype(np.uint8)


def shrink_for_paste(plate: np.ndarray, target_w: float, rng, strength: float = 0.3) -> np.ndarray:
    """A plate image shrunk (aspect kept) to about twice the width it will be pasted at, so the
    warp does not alias, with light photometric changes."""
    small_w = max(8, int(target_w * 2))
    small = cv2.resize(plate, (small_w, max(4, int(small_w * plate.shape[0] / plate.shape[1]))),
                       interpolation=cv2.INTER_AREA)
    return photometric(small, rng, strength)


def small_plate(renderer, rng, target_w):
    plate, _ = renderer.render(rng)
    if rng.random() < 0.3:
        plate = plate_frame(plate, rng)
    # Shrink to about twice the target size first (cheap, avoids aliasing in the warp).
    w = max(8, int(target_w * 2))
    plate = cv2.resize(plate, (w, max(4, w // 2)), interpolation=cv2.INTER_AREA)
    return photometric(plate, rng, 0.4)


def fit_scene(img: np.ndarray, rng, zoom_range=(1.0, 1.0)):
    """Scales the image to fill the network width (random extra zoom), random vertical/horizontal
    crop; returns the canvas, the scale and the offset."""
    h, w = img.shape[:2]
    s = DET_WIDTH / w * rng.uniform(*zoom_range)
    nw, nh = int(round(w * s)), int(round(h * s))
    scaled = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    canvas = np.full((DET_HEIGHT, DET_WIDTH, 3), DET_PAD_VALUE, np.uint8)
    ox = int(rng.integers(0, max(1, nw - DET_WIDTH + 1)))
    oy = int(rng.integers(0, max(1, nh - DET_HEIGHT + 1)))
    crop = scaled[oy:oy + DET_HEIGHT, ox:ox + DET_WIDTH]
    canvas[:crop.shape[0], :crop.shape[1]] = crop
    return canvas, s, (ox, oy)


def box_quad(x, y, w, h):
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float32)


def quad_box(q):
    return (*q.min(0), *q.max(0))


def overlaps(q, quads, pad=4):
    x0, y0, x1, y1 = quad_box(q)
    for o in quads:
        a0, b0, a1, b1 = quad_box(o)
        if x0 - pad < a1 and a0 < x1 + pad and y0 - pad < b1 and b0 < y1 + pad:
            return True
    return False


def random_plates(canvas, quads, renderer, rng, count):
    for _ in range(count):
        target_w = float(np.exp(rng.uniform(np.log(16), np.log(230))))
        q = random_quad(target_w, target_w * rng.uniform(0.45, 0.56), rng, tilt=0.25, rot_deg=12)
        c = np.array([rng.uniform(target_w / 2, DET_WIDTH - target_w / 2),
                      rng.uniform(target_w / 4, DET_HEIGHT - target_w / 4)], np.float32)
        q = q + c
        if overlaps(q, quads):
            continue
        paste_plate(canvas, small_plate(renderer, rng, target_w), q, rng)
        quads.append(q)


def make_scene(row, renderer, rng):
    img = cv2.cvtColor(cv2.imread(str(DATA_DIR / row["path"]), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    quads = []
    if row["source"] == "negatives":
        canvas, _, _ = fit_scene(img, rng, (1.0, 1.6))
        n = 0 if rng.random() < 0.15 else int(rng.integers(1, 5))
        random_plates(canvas, quads, renderer, rng, n)
    else:
        zoom = (0.5, 1.4) if row["source"] == "openalpr_e2e_eu" else (1.0, 1.5)
        canvas, s, (ox, oy) = fit_scene(img, rng, zoom)
        for b in row["boxes"]:
            q = box_quad(b["x"] * s - ox, b["y"] * s - oy, b["w"] * s, b["h"] * s)
            x0, y0, x1, y1 = quad_box(q)
            if x1 < 2 or y1 < 2 or x0 > DET_WIDTH - 2 or y0 > DET_HEIGHT - 2:
                continue
            bw = b["w"] * s
            if bw >= 14 and rng.random() < 0.65:
                # Replace with a US plate: same width, US aspect, perspective of its own.
                pw = bw * rng.uniform(1.0, 1.12)
                sq = random_quad(pw, pw * rng.uniform(0.45, 0.55), rng, tilt=0.15, rot_deg=5)
                sq += np.array([(x0 + x1) / 2, (y0 + y1) / 2], np.float32)
                paste_plate(canvas, small_plate(renderer, rng, pw), sq, rng)
                q = sq
            # Clip to the canvas for the label.
            q = np.clip(q, 0, [DET_WIDTH - 1, DET_HEIGHT - 1]).astype(np.float32)
            if (quad_box(q)[2] - quad_box(q)[0]) >= 3:
                quads.append(q)
        if rng.random() < 0.3:
            random_plates(canvas, quads, renderer, rng, int(rng.integers(1, 3)))
    if rng.random() < 0.5:  # a 16:9 frame leaves a padded band at the bottom of the letterbox
        canvas[360:] = DET_PAD_VALUE
        quads = [q for q in quads if quad_box(q)[3] < 362]
    canvas = photometric(canvas, rng, 0.5)
    return canvas, quads


def _worker(args):
    seed, rows, out_dir, start = args
    rng = np.random.default_rng(seed)
    renderer = PlateRenderer()
    labels = []
    for i, row in enumerate(rows):
        canvas, quads = make_scene(row, renderer, rng)
        name = f"{start + i:06d}.jpg"
        cv2.imwrite(str(out_dir / name), cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
        labels.append({"file": name, "source": row["source"],
                       "quads": [[round(float(v), 2) for v in q.reshape(-1)] for q in quads]})
    return labels


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=6000)
    ap.add_argument("--split", default="train", choices=["train", "val"])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--name", default="", help="output folder under training/out (default scenes_<split>)")
    args = ap.parse_args()
    out_dir = OUT_DIR / (args.name or f"scenes_{args.split}")
    rng = np.random.default_rng(args.seed)
    by_source = {s: detection_rows(args.split, (s,)) for s in ("uc3m_det", "openalpr_e2e_eu", "negatives")}
    weights = {"uc3m_det": 0.5, "openalpr_e2e_eu": 0.12, "negatives": 0.38}
    rows = []
    for _ in range(args.count):
        src = rng.choice(list(weights), p=list(weights.values()))
        rows.append(by_source[src][rng.integers(len(by_source[src]))])
    out_dir.mkdir(parents=True, exist_ok=True)
    per = (len(rows) + args.workers - 1) // args.workers
    jobs = [(args.seed * 100 + k, rows[k * per:(k + 1) * per], out_dir, k * per) for k in range(args.workers)]
    with Pool(args.workers) as pool:
        parts = pool.map(_worker, jobs)
    with open(out_dir / "labels.jsonl", "w") as f:
        for part in parts:
            for label in part:
                f.write(json.dumps(label) + "\n")
    print(f"wrote {len(rows)} scenes to {out_dir}")


if __name__ == "__main__":
    main()

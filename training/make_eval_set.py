"""Writes held-out evaluation folders in the OpenALPR benchmark layout for `alpr evaluate DIR`.

Each folder holds image files and, per image, `NAME.txt` with one tab-separated line per plate:
`NAME.jpg  x  y  w  h  PLATE` (axis-aligned box in pixels, top-left corner plus size).

    python training/make_eval_set.py --out training/out/eval

Sets (all from val splits, never trained on):
  eu_val         openalpr_e2e_eu val photos with their labelled plate (European plates).
  us_crops_val   real US val crops (openalpr_segocr_us, reported_ocr_us) pasted with mild
                 perspective into 1280x720 / 1920x1080 frames made from negatives/ val images.
                 The box is the pasted crop, which for loose crops includes some margin.
  synth_us_val   synthetic US plates (val seed) in 1280x720 / 1920x1080 frames, 1-3 each.
  us_closeup_val openalpr_segocr_us val crops, one per 640x480 / 800x600 / 1024x768 frame,
                 25-60 % of its width (close-up photos: plates wider than the detector's
                 main input was trained on).
  us_crops_reviewed_val
                 us_crops_val's plates after a review by eye of all 275 crops
                 (`val_review.csv`): crops that cut off part of a labelled character left
                 out, labels that differ from the plate replaced by what it shows; pasted as
                 in us_crops_val, but the frame's lighting is drawn again while it leaves a
                 plate with less than MIN_SPREAD grey levels (5th to 95th percentile) that
                 had more after pasting.
  negatives_val  negatives/ val photos with empty label files (false plates per image).
"""
from __future__ import annotations

import argparse
import csv
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA_DIR, OUT_DIR  # noqa: E402
from data_real import detection_rows, us_ocr_rows  # noqa: E402
from synth.augment import photometric, random_quad  # noqa: E402
from synth.plate import PlateRenderer  # noqa: E402
from synth.scenes import overlaps, paste_plate  # noqa: E402


REVIEW_FILE = Path(__file__).resolve().parent / "val_review.csv"
# Grey levels between the 5th and 95th percentile of a pasted plate below which the frame's
# lighting is drawn again (us_crops_reviewed_val): under about 20 a plate is nearly black.
MIN_SPREAD = 24.0
LIGHTING_DRAWS = 20


def write_label(folder: Path, name: str, plates) -> None:
    lines = [f"{name}\t{int(round(x))}\t{int(round(y))}\t{int(round(w))}\t{int(round(h))}\t{text}"
             for x, y, w, h, text in plates]
    (folder / f"{Path(name).stem}.txt").write_text("\n".join(lines) + "\n")


def frame_from(row, size, rng) -> np.ndarray:
    img = cv2.cvtColor(cv2.imread(str(DATA_DIR / row["path"]), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    w, h = size
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)


def eu_val(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    rows = detection_rows("val", ("openalpr_e2e_eu",))
    for row in rows:
        name = Path(row["path"]).name
        shutil.copy(DATA_DIR / row["path"], out / name)
        write_label(out, name, [(b["x"], b["y"], b["w"], b["h"], b["text"]) for b in row["boxes"]])
    return len(rows)


def street_quad(plate: np.ndarray, size, rng, max_height: float | None = None) -> np.ndarray:
    """Corners for a plate 60-380 px wide with mild perspective somewhere in a frame of `size`;
    `max_height` caps a squarish crop's height (scaling its width with it)."""
    target_w = float(np.exp(rng.uniform(np.log(60), np.log(380))))
    th = target_w * plate.shape[0] / plate.shape[1]
    if max_height is not None and th > max_height:
        target_w, th = target_w * max_height / th, max_height
    q = random_quad(target_w, th, rng, tilt=0.15, rot_deg=6)
    return q + np.array([rng.uniform(target_w, size[0] - target_w), rng.uniform(th, size[1] - th)], np.float32)


def closeup_quad(plate: np.ndarray, size, rng, max_height: float | None = None) -> np.ndarray:
    """Corners for a plate 25-60 % of the frame's width (a close-up photo), as street_quad."""
    tw = float(rng.uniform(0.25, 0.6)) * size[0]
    th = tw * plate.shape[0] / plate.shape[1]
    if max_height is not None and th > max_height:
        tw, th = tw * max_height / th, max_height
    q = random_quad(tw, th, rng, tilt=0.1, rot_deg=4)
    return q + np.array([rng.uniform(tw * 0.6, size[0] - tw * 0.6), rng.uniform(th, size[1] - th)], np.float32)


def reviewed(rows: list[dict]) -> list[dict]:
    """`rows` (ocr_crops.csv val rows) with val_review.csv applied: a crop marked `cut` left
    out, a crop marked `relabel` given the text its plate shows."""
    with open(REVIEW_FILE) as f:
        review = {r["path"]: r for r in csv.DictReader(f)}
    out = []
    for row in rows:
        r = review.pop(row["path"], None)
        if r is None:
            out.append(row)
            continue
        if r["text"] != row["text"]:
            raise ValueError(f"{REVIEW_FILE.name}: {r['path']} is labelled {row['text']}, not {r['text']}")
        if r["verdict"] == "relabel":
            out.append({**row, "text": r["shows"]})
        elif r["verdict"] != "cut":
            raise ValueError(f"{REVIEW_FILE.name}: unknown verdict {r['verdict']!r} for {r['path']}")
    if review:
        raise ValueError(f"{REVIEW_FILE.name}: not among the val crops: {', '.join(review)}")
    return out


def grey_spreads(frame: np.ndarray, quads) -> list[float]:
    """For each of `quads`, the grey levels between the 5th and 95th percentile of the
    frame's pixels inside it."""
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    spreads = []
    for quad in quads:
        mask = np.zeros(grey.shape, np.uint8)
        cv2.fillConvexPoly(mask, np.round(quad).astype(np.int32), 1)
        inside = grey[mask > 0]
        if inside.size == 0:
            spreads.append(0.0)
            continue
        lo, hi = np.percentile(inside, [5, 95])
        spreads.append(float(hi - lo))
    return spreads


def lit(frame: np.ndarray, quads, rng, min_spread: float | None) -> tuple[np.ndarray, bool]:
    """The frame's lighting pass (`photometric`); with `min_spread`, drawn again (up to
    LIGHTING_DRAWS times) while it leaves a plate under `min_spread` grey levels that had
    more before it. Returns the frame and whether a draw met the bound."""
    if min_spread is None:
        return photometric(frame, rng, 0.3), True
    floors = [min(min_spread, spread) for spread in grey_spreads(frame, quads)]
    best, best_margin = None, -np.inf
    for _ in range(LIGHTING_DRAWS):
        out = photometric(frame, rng, 0.3)
        margin = min((spread - f for spread, f in zip(grey_spreads(out, quads), floors)), default=0.0)
        if margin >= 0:
            return out, True
        if margin > best_margin:
            best, best_margin = out, margin
    return best, False


def paste_set(out: Path, plates, backgrounds, rng, sizes, min_spread: float | None = None) -> int:
    """plates: iterator of (rgb plate image, text). 1-3 plates per frame. `min_spread`: see
    `lit`."""
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    plates = list(plates)
    i = 0
    while i < len(plates):
        size = sizes[rng.integers(len(sizes))]
        frame = frame_from(backgrounds[rng.integers(len(backgrounds))], size, rng)
        labels, quads = [], []
        for _ in range(int(rng.integers(1, 4))):
            if i >= len(plates):
                break
            img, text = plates[i]
            # Capped at half the frame's height: a crop taller than wide (a plate seen from far
            # to one side) drawn wide would otherwise leave no room to place it. Frames that fit are
            # drawn as before.
            q = street_quad(img, size, rng, max_height=size[1] / 2)
            if overlaps(q, quads, pad=10):
                continue
            paste_plate(frame, img, q, rng)
            quads.append(q)
            x0, y0 = q.min(0)
            x1, y1 = q.max(0)
            labels.append((x0, y0, x1 - x0, y1 - y0, text))
            i += 1
        frame, bounded = lit(frame, quads, rng, min_spread)
        if not bounded:
            print(f"{out.name}_{count:04d}: no lighting draw kept every plate above {min_spread} grey levels")
        name = f"{out.name}_{count:04d}.jpg"
        cv2.imwrite(str(out / name), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
        write_label(out, name, labels)
        count += 1
    return count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=OUT_DIR / "eval")
    ap.add_argument("--synthetic", type=int, default=200, help="synthetic plates in synth_us_val")
    ap.add_argument("--seed", type=int, default=99)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    # negatives only: uc3m scenes hold unlabelled real plates, which would count as false positives.
    backgrounds = detection_rows("val", ("negatives",))
    sizes = [(1280, 720), (1920, 1080)]
    print("eu_val", eu_val(args.out / "eu_val"))
    rows = us_ocr_rows("val")
    images = {}
    for row in rows:
        img = cv2.imread(str(DATA_DIR / row["path"]), cv2.IMREAD_COLOR)
        if img is not None:
            images[row["path"]] = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)

    def plates_of(chosen):
        """(image, text) for each of `chosen` whose image was read."""
        return [(images[r["path"]], r["text"]) for r in chosen if r["path"] in images]

    crops = plates_of(rows)
    segocr = plates_of(r for r in rows if r["source"] == "openalpr_segocr_us")
    print("us_crops_val", paste_set(args.out / "us_crops_val", crops, backgrounds, rng, sizes))
    renderer = PlateRenderer()
    synth = [renderer.render(rng) for _ in range(args.synthetic)]
    print("synth_us_val", paste_set(args.out / "synth_us_val", synth, backgrounds, rng, sizes))
    # Own generator, so that the folders above stay the same.
    rng = np.random.default_rng(args.seed + 1)
    print("us_closeup_val", closeup_set(args.out / "us_closeup_val", segocr, backgrounds, rng))
    print("negatives_val", negatives_set(args.out / "negatives_val", backgrounds))
    # Own generator again, so that adding this folder left the others as they were.
    rng = np.random.default_rng(args.seed + 2)
    plates = plates_of(reviewed(rows))
    print("us_crops_reviewed_val",
          paste_set(args.out / "us_crops_reviewed_val", plates, backgrounds, rng, sizes, MIN_SPREAD))


def closeup_set(out: Path, plates, backgrounds, rng) -> int:
    """One plate per photo-sized frame (640x480, 800x600, 1024x768), 25-60 % of its width."""
    out.mkdir(parents=True, exist_ok=True)
    for n, (img, text) in enumerate(plates):
        size = [(640, 480), (800, 600), (1024, 768)][n % 3]
        frame = frame_from(backgrounds[rng.integers(len(backgrounds))], size, rng)
        q = closeup_quad(img, size, rng)
        paste_plate(frame, img, q, rng)
        x0, y0 = q.min(0)
        x1, y1 = q.max(0)
        name = f"{out.name}_{n:04d}.jpg"
        cv2.imwrite(str(out / name), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
        write_label(out, name, [(x0, y0, x1 - x0, y1 - y0, text)])
    return len(plates)


def negatives_set(out: Path, rows) -> int:
    """The negatives val photos as they are, each with an empty label file: false plates only."""
    out.mkdir(parents=True, exist_ok=True)
    for row in rows:
        name = Path(row["path"]).name
        shutil.copy(DATA_DIR / row["path"], out / name)
        (out / f"{Path(name).stem}.txt").write_text("")
    return len(rows)


if __name__ == "__main__":
    main()

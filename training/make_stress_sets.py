"""Writes the close-up stress folders: the 70 `openalpr_segocr_us` val plates pasted into photo
frames as in `us_closeup_val`, once per condition that photos the engine was not tuned on may
show, for `alpr evaluate DIR` (OpenALPR benchmark layout, as `make_eval_set.py`).

    python training/make_stress_sets.py --out training/out/stress

Conditions (one folder each; every folder has the same 70 plates in the same frames):
  base       25-60 % of a 640x480 / 800x600 / 1024x768 frame's width, up to 4 degrees rotation
  wide       60-85 % of the width (the plate fills the photo)
  narrow     12-25 % of the width
  rot12      rotated up to 12 degrees
  rot45      rotated up to 45 degrees (a phone photo held at a slant; PlateRecognizer.TurnedViews)
  tilt       strong perspective (yaw up to 0.3)
  portrait   480x640 / 600x800 / 768x1024 frames, 30-70 % of the width
  photo12mp  4032x3024 frames, 8-25 % of the width (a phone photo)
  photo12mp_far  4032x3024 frames, 3-8 % of the width (120-320 px: a car across the lot)
  q35        JPEG quality 35
  gray       grey frames
  blur       Gaussian blur, sigma 1.6
  dark       frames at a quarter of their brightness
  bright     frames brightened 1.8x plus 30 (washed out)
  noise      Gaussian noise, sigma 12
  motion7    horizontal motion blur over 7 px (a passing car, a slow shutter)
  motion13   horizontal motion blur over 13 px
  street     1280x720 frames, 6-20 % of the width (a street camera's distance)
  street_motion5  the same with horizontal motion blur over 5 px
  street_motion9  the same with horizontal motion blur over 9 px (a faster car or a longer shutter)
  street_vmotion5 the same with vertical motion blur over 5 px (a car coming towards a camera
             that looks down the lane)
  vmotion9   vertical motion blur over 9 px
  ir_night   1280x720 street frames as an infrared camera sees them at night (infrared_night):
             grey, the scene dark, the plate lit and stretched, sensor noise
  ir_night_motion5  the same with horizontal motion blur over 5 px
  edge       as base, each plate touching the frame's edge (1-3 px from it): the four sides and
             the four corners in turn, where the detector's input is padded
  street_edge  as street, each plate touching the frame's edge likewise
  street4k   3840x2160 frames, 1.5-5 % of the width (58-192 px: a 4K camera at a street
             camera's distance)
  yaw        as base, the plate seen from 35-60 degrees to the side (its width times 0.5-0.82,
             stronger perspective), as by a camera beside the road
  street_yaw as street, seen from the side likewise
Only val data: the plates never trained on, the frames from `negatives/` val photos.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA_DIR, OUT_DIR  # noqa: E402
from data_real import detection_rows, us_ocr_rows  # noqa: E402
from make_eval_set import frame_from, write_label  # noqa: E402
from synth.augment import random_quad  # noqa: E402
from synth.scenes import paste_plate  # noqa: E402


def infrared_night(frame: np.ndarray, quad: np.ndarray, rng) -> np.ndarray:
    """A night frame from an infrared ALPR camera: grey, the scene dark (a sixth of its
    brightness), the retroreflective plate lit by the camera's own illuminator (its levels
    stretched from its 5th-95th percentile to 20-235), sensor noise over all."""
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)
    mask = np.zeros(grey.shape, np.uint8)
    cv2.fillConvexPoly(mask, np.round(quad).astype(np.int32), 1)
    plate = grey[mask == 1]
    low, high = np.percentile(plate, 5), np.percentile(plate, 95)
    lit = (grey - low) / max(high - low, 1.0) * 215 + 20
    out = np.where(mask == 1, lit, grey / 6) + rng.normal(0, 5, grey.shape)
    out = np.clip(out, 0, 255).astype(np.uint8)
    return np.repeat(out[:, :, None], 3, 2)


EDGE_PLACES = ["left", "top", "right", "bottom", "top left", "top right", "bottom right", "bottom left"]


def random_centre(span, size, rng) -> tuple[float, float]:
    """A centre anywhere in a frame of `size` for a plate of extent `span`, 2 px clear of its edges."""
    cx = rng.uniform(span[0] / 2 + 2, size[0] - span[0] / 2 - 2) if size[0] - span[0] > 4 else size[0] / 2
    cy = rng.uniform(span[1] / 2 + 2, size[1] - span[1] / 2 - 2)
    return cx, cy


def edge_centre(place: str, quad: np.ndarray, size, rng) -> tuple[float, float]:
    """A centre for `quad` (about the origin) that puts it 1-3 px inside the `place` edge (or
    corner) of a frame of `size`, anywhere along the other axis."""
    low, high = quad.min(0), quad.max(0)
    cx, cy = random_centre(high - low, size, rng)
    gap_x, gap_y = rng.uniform(1, 3), rng.uniform(1, 3)
    if "left" in place:
        cx = gap_x - low[0]
    if "right" in place:
        cx = size[0] - gap_x - high[0]
    if "top" in place:
        cy = gap_y - low[1]
    if "bottom" in place:
        cy = size[1] - gap_y - high[1]
    return float(cx), float(cy)


def stress_set(out: Path, plates, backgrounds, sizes, fraction, rot=4.0, tilt=0.1, post=None, quality=92, seed=7,
               infrared=False, at_edge=False, squeeze=None) -> int:
    """One plate per frame of `sizes(n)`, `fraction` (low, high) of its width, then `post`
    (with `infrared`, infrared_night first); with `at_edge`, touching the frame's edge at
    `EDGE_PLACES[n % 8]`; with `squeeze` (low, high), its width then times a factor drawn from
    that range, its height kept (a plate seen from the side: cos of the angle)."""
    rng = np.random.default_rng(seed)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for n, (img, text) in enumerate(plates):
        size = sizes(n)
        frame = frame_from(backgrounds[rng.integers(len(backgrounds))], size, rng)
        tw = float(rng.uniform(*fraction)) * size[0]
        th = tw * img.shape[0] / img.shape[1]
        if squeeze is not None:
            tw *= float(rng.uniform(*squeeze))
        q = random_quad(tw, th, rng, tilt=tilt, rot_deg=rot)
        span = q.max(0) - q.min(0)
        if at_edge:
            cx, cy = edge_centre(EDGE_PLACES[n % len(EDGE_PLACES)], q, size, rng)
        else:
            cx, cy = random_centre(span, size, rng)
        q = q + np.array([cx, cy], np.float32)
        paste_plate(frame, img, q, rng)
        if infrared:
            frame = infrared_night(frame, q, rng)
        if post is not None:
            frame = post(frame, rng)
        x0, y0 = q.min(0)
        x1, y1 = q.max(0)
        name = f"{out.name}_{n:04d}.jpg"
        cv2.imwrite(str(out / name), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
        write_label(out, name, [(x0, y0, x1 - x0, y1 - y0, text)])
    return len(plates)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=OUT_DIR / "stress")
    ap.add_argument("--only", nargs="+", metavar="CONDITION", help="write these folders only (the others are left as they are)")
    args = ap.parse_args()
    plates = []
    for row in us_ocr_rows("val"):
        if row["source"] != "openalpr_segocr_us":
            continue
        img = cv2.imread(str(DATA_DIR / row["path"]), cv2.IMREAD_COLOR)
        if img is not None:
            plates.append((cv2.cvtColor(img, cv2.COLOR_BGR2RGB), row["text"]))
    backgrounds = detection_rows("val", ("negatives",))

    def photo(n):
        return [(640, 480), (800, 600), (1024, 768)][n % 3]

    def portrait(n):
        return [(480, 640), (600, 800), (768, 1024)][n % 3]

    def scaled(gain, offset=0.0):
        return lambda f, rng: np.clip(f.astype(np.float32) * gain + offset, 0, 255).astype(np.uint8)

    def motion(length, vertical=False):
        kernel = np.zeros((length, length), np.float32)
        if vertical:
            kernel[:, length // 2] = 1.0 / length
        else:
            kernel[length // 2, :] = 1.0 / length
        return lambda f, rng: cv2.filter2D(f, -1, kernel)

    def street(n):
        return (1280, 720)

    conditions = {
        "base": dict(sizes=photo, fraction=(0.25, 0.6)),
        "wide": dict(sizes=photo, fraction=(0.6, 0.85)),
        "narrow": dict(sizes=photo, fraction=(0.12, 0.25)),
        "rot12": dict(sizes=photo, fraction=(0.25, 0.6), rot=12),
        "rot45": dict(sizes=photo, fraction=(0.25, 0.6), rot=45),
        "tilt": dict(sizes=photo, fraction=(0.25, 0.6), tilt=0.3),
        "portrait": dict(sizes=portrait, fraction=(0.3, 0.7)),
        "photo12mp": dict(sizes=lambda n: (4032, 3024), fraction=(0.08, 0.25)),
        "photo12mp_far": dict(sizes=lambda n: (4032, 3024), fraction=(0.03, 0.08)),
        "q35": dict(sizes=photo, fraction=(0.25, 0.6), quality=35),
        "gray": dict(sizes=photo, fraction=(0.25, 0.6),
                     post=lambda f, rng: np.repeat(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)[:, :, None], 3, 2)),
        "blur": dict(sizes=photo, fraction=(0.25, 0.6), post=lambda f, rng: cv2.GaussianBlur(f, (0, 0), 1.6)),
        "dark": dict(sizes=photo, fraction=(0.25, 0.6), post=scaled(0.25)),
        "bright": dict(sizes=photo, fraction=(0.25, 0.6), post=scaled(1.8, 30)),
        "noise": dict(sizes=photo, fraction=(0.25, 0.6),
                      post=lambda f, rng: np.clip(f.astype(np.float32) + rng.normal(0, 12, f.shape), 0, 255).astype(np.uint8)),
        "motion7": dict(sizes=photo, fraction=(0.25, 0.6), post=motion(7)),
        "motion13": dict(sizes=photo, fraction=(0.25, 0.6), post=motion(13)),
        "street": dict(sizes=street, fraction=(0.06, 0.2)),
        "street_motion5": dict(sizes=street, fraction=(0.06, 0.2), post=motion(5)),
        "street_motion9": dict(sizes=street, fraction=(0.06, 0.2), post=motion(9)),
        "street_vmotion5": dict(sizes=street, fraction=(0.06, 0.2), post=motion(5, vertical=True)),
        "vmotion9": dict(sizes=photo, fraction=(0.25, 0.6), post=motion(9, vertical=True)),
        "ir_night": dict(sizes=street, fraction=(0.06, 0.2), infrared=True),
        "ir_night_motion5": dict(sizes=street, fraction=(0.06, 0.2), infrared=True, post=motion(5)),
        "edge": dict(sizes=photo, fraction=(0.25, 0.6), at_edge=True),
        "street_edge": dict(sizes=street, fraction=(0.06, 0.2), at_edge=True),
        # a 4K camera's frame, the plates at a street camera's distance (58-192 px)
        "street4k": dict(sizes=lambda n: (3840, 2160), fraction=(0.015, 0.05)),
        # seen from 35-60 degrees to the side, as by a camera beside the road
        "yaw": dict(sizes=photo, fraction=(0.25, 0.6), tilt=0.2, squeeze=(0.5, 0.82)),
        "street_yaw": dict(sizes=street, fraction=(0.06, 0.2), tilt=0.2, squeeze=(0.5, 0.82)),
    }
    unknown = set(args.only or []) - set(conditions)
    if unknown:
        ap.error(f"no such condition: {', '.join(sorted(unknown))} (conditions: {', '.join(conditions)})")
    for name, condition in conditions.items():
        if not args.only or name in args.only:
            print(name, stress_set(args.out / name, plates, backgrounds, **condition))


if __name__ == "__main__":
    main()

"""Renders the demo clip `Demo/sample-720p.mp4`: a drawn street with three cars, seen from
behind, each crossing the frame once with a synthetic US plate, so that the reader agent's
tracker yields one read per pass.

Everything in the clip is drawn here or by the training plate renderer (`synth.plate`, its
generic US designs with the roadgeek fonts), so the clip can ship with the repository: no
photograph or dataset image is used. The plates are fixed so that `Demo/hotlist.csv` can name
two of them.

    python3 training/make_demo_clip.py --out Demo/sample-720p.mp4
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth.plate as plate_module  # noqa: E402
from common import fonts  # noqa: E402
from synth.scenes import paste_plate  # noqa: E402

WIDTH, HEIGHT = 1280, 720
FPS = 10
# (plate text, body colour RGB, first frame, frames in view). Gaps of at least 1.5 s between
# cars end each track (the tracker's maximum gap is 1 s).
CARS = [
    ("KTN4827", (170, 30, 35), 8, 38),
    ("MPR2250", (40, 70, 140), 62, 38),
    ("BVX7316", (205, 205, 200), 116, 38),
]
DURATION_FRAMES = 160


def generic_renderer() -> plate_module.PlateRenderer:
    """The renderer without its Minnesota templates (cut from photographs we do not ship)."""
    renderer = plate_module.PlateRenderer.__new__(plate_module.PlateRenderer)
    renderer.templates = []
    renderer.font_paths = [str(p) for p in fonts()]
    renderer.mn_fraction = 0.0
    renderer._font_cache = {}
    return renderer


def render_plate(renderer, text: str, seed: int) -> np.ndarray:
    """A generic US plate carrying `text` (the renderer draws a random serial otherwise)."""
    original = plate_module.random_serial
    plate_module.random_serial = lambda rng: (text, [])
    try:
        # Retry until the design is legible: plain background and dark-on-light ink.
        rng = np.random.default_rng(seed)
        while True:
            plate, drawn = renderer.render_generic(rng)
            grey = cv2.cvtColor(plate, cv2.COLOR_RGB2GRAY)
            if drawn == text and grey.mean() > 170:
                return plate
    finally:
        plate_module.random_serial = original


def street(rng) -> np.ndarray:
    """Sky, buildings with windows, a sidewalk and a two-lane road, drawn once."""
    img = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    for y in range(0, 330):
        t = y / 330
        img[y] = (int(150 + 60 * t), int(185 + 40 * t), int(230 + 15 * t))
    x = 0
    while x < WIDTH:
        w = int(rng.integers(120, 260))
        top = int(rng.integers(60, 200))
        colour = tuple(int(v) for v in rng.integers(90, 190, 3))
        cv2.rectangle(img, (x, top), (x + w, 330), colour, -1)
        for wy in range(top + 20, 310, 38):
            for wx in range(x + 15, x + w - 25, 34):
                lit = rng.random() < 0.3
                cv2.rectangle(img, (wx, wy), (wx + 18, wy + 22), (235, 225, 160) if lit else (60, 70, 90), -1)
        x += w + int(rng.integers(0, 20))
    cv2.rectangle(img, (0, 330), (WIDTH, 380), (170, 170, 165), -1)  # sidewalk
    cv2.rectangle(img, (0, 380), (WIDTH, HEIGHT), (85, 85, 90), -1)  # road
    for lx in range(0, WIDTH, 120):
        cv2.rectangle(img, (lx, 545), (lx + 60, 555), (230, 230, 230), -1)
    noise = rng.normal(0, 3, img.shape)
    return np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def draw_car(frame: np.ndarray, cx: float, base_y: float, scale: float, colour, plate: np.ndarray, rng) -> None:
    """The back of a car centred at `cx`, its wheels on `base_y`, with `plate` on the bumper."""
    w, h = 420 * scale, 300 * scale
    x0, x1 = int(cx - w / 2), int(cx + w / 2)
    y1 = int(base_y)
    y0 = int(base_y - h)
    dark = tuple(int(c * 0.55) for c in colour)
    cv2.ellipse(frame, (int(cx), y1), (int(w * 0.55), int(18 * scale)), 0, 0, 360, (50, 50, 55), -1)  # shadow
    for wx in (x0 + int(0.08 * w), x1 - int(0.2 * w)):  # tyres
        cv2.rectangle(frame, (wx, y1 - int(40 * scale)), (wx + int(0.12 * w), y1), (25, 25, 25), -1)
    cv2.rectangle(frame, (x0, y0 + int(0.38 * h)), (x1, y1 - int(0.1 * h)), colour, -1)  # body
    roof = np.array([[x0 + 0.14 * w, y0 + 0.4 * h], [x0 + 0.24 * w, y0], [x1 - 0.24 * w, y0], [x1 - 0.14 * w, y0 + 0.4 * h]], np.int32)
    cv2.fillPoly(frame, [roof], colour)
    glass = np.array([[x0 + 0.2 * w, y0 + 0.37 * h], [x0 + 0.28 * w, y0 + 0.06 * h],
                      [x1 - 0.28 * w, y0 + 0.06 * h], [x1 - 0.2 * w, y0 + 0.37 * h]], np.int32)
    cv2.fillPoly(frame, [glass], (70, 85, 100))
    for lx in (x0 + int(0.03 * w), x1 - int(0.17 * w)):  # tail lights
        cv2.rectangle(frame, (lx, y0 + int(0.45 * h)), (lx + int(0.14 * w), y0 + int(0.56 * h)), (200, 20, 25), -1)
    cv2.rectangle(frame, (x0, y1 - int(0.24 * h)), (x1, y1 - int(0.1 * h)), dark, -1)  # bumper
    pw, ph = 170 * scale, 85 * scale
    px, py = cx - pw / 2, y0 + 0.6 * h
    quad = np.array([[px, py], [px + pw, py + 2 * scale], [px + pw, py + ph + 2 * scale], [px, py + ph]], np.float32)
    paste_plate(frame, plate, quad, rng)


def render_frames(directory: Path) -> None:
    rng = np.random.default_rng(20240611)
    background = street(rng)
    renderer = generic_renderer()
    plates = [cv2.resize(render_plate(renderer, text, seed=100 + i), (340, 170), interpolation=cv2.INTER_AREA)
              for i, (text, *_rest) in enumerate(CARS)]
    for index in range(DURATION_FRAMES):
        frame = background.copy()
        for (text, colour, first, count), plate in zip(CARS, plates):
            if not first <= index < first + count:
                continue
            t = (index - first) / (count - 1)
            # Drives away from the camera across the frame: left to right, a little smaller.
            cx = -150 + t * (WIDTH + 300)
            scale = 1.05 - 0.15 * t
            draw_car(frame, cx, 690 - 40 * t, scale, colour, plate, np.random.default_rng(index))
        grain = np.random.default_rng(index).normal(0, 2, frame.shape)
        frame = np.clip(frame.astype(np.float32) + grain, 0, 255).astype(np.uint8)
        cv2.imwrite(str(directory / f"{index:05d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("Demo/sample-720p.mp4"))
    ap.add_argument("--frames-dir", type=Path, help="also keep the PNG frames here")
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.frames_dir or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        render_frames(directory)
        subprocess.run([
            "ffmpeg", "-y", "-loglevel", "error", "-framerate", str(FPS), "-i", str(directory / "%05d.png"),
            "-c:v", "libx264", "-preset", "slow", "-crf", "26", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
            str(args.out),
        ], check=True)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, {DURATION_FRAMES / FPS:.0f} s, "
          f"plates {', '.join(c[0] for c in CARS)})")


if __name__ == "__main__":
    main()

"""Minnesota design templates: the sample serial is found and painted over.

The DMV sample images carry placeholder serials (AA000, 0AA000, SAMPLE...). The serial is
the row of tall dark glyphs in the middle band; it is erased by inpainting from the
surrounding background so a new serial can be drawn in the same place and colour.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

import sys
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import DATA_DIR, OUT_DIR  # noqa: E402

TEMPLATE_DIR = OUT_DIR / "templates"
# Designs whose serial cannot be located reliably (vertical or unusual layouts).
SKIPPED = set()


@dataclass
class Template:
    image: np.ndarray  # RGB uint8, serial erased
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 of the original serial
    ink: tuple[int, int, int]  # serial colour


def find_serial(rgb: np.ndarray, min_glyphs: int = 2):
    h, w = rgb.shape[:2]
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    bg = np.median(grey[int(h * 0.3):int(h * 0.8)])
    dark = (grey < min(110, bg - 60)).astype(np.uint8)
    light = (grey > max(170, bg + 60)).astype(np.uint8)
    masks = [dark, light] if bg < 100 else [dark]
    best = None
    for mask in masks:
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, 8)
        glyphs = []
        for i in range(1, n):
            x, y, cw, ch, area = stats[i]
            if 0.28 * h < ch < 0.62 * h and cw < 0.2 * w and area > 0.1 * cw * ch and \
                    0.15 * h < y + ch / 2 < 0.8 * h:
                glyphs.append((x, y, cw, ch, i))
        if len(glyphs) < min_glyphs:
            continue
        med_cy = np.median([y + ch / 2 for x, y, cw, ch, _ in glyphs])
        med_h = np.median([ch for *_, ch, _ in glyphs])
        glyphs = [g for g in glyphs if abs(g[1] + g[3] / 2 - med_cy) < 0.15 * med_h and abs(g[3] - med_h) < 0.2 * med_h]
        if len(glyphs) < min_glyphs or (best is not None and len(glyphs) <= len(best[0])):
            continue
        best = (glyphs, labels)
    if best is None:
        return None
    glyphs, labels = best
    x0 = min(g[0] for g in glyphs); y0 = min(g[1] for g in glyphs)
    x1 = max(g[0] + g[2] for g in glyphs); y1 = max(g[1] + g[3] for g in glyphs)
    ink_mask = np.isin(labels, [g[4] for g in glyphs])
    ink = tuple(int(v) for v in np.median(rgb[ink_mask], axis=0))
    return (x0, y0, x1, y1), ink_mask


def erase_serial(rgb: np.ndarray, box, ink_mask) -> np.ndarray:
    mask = cv2.dilate(ink_mask.astype(np.uint8) * 255, np.ones((7, 7), np.uint8))
    return cv2.inpaint(rgb, mask, 7, cv2.INPAINT_TELEA)


def build_templates() -> list[dict]:
    TEMPLATE_DIR.mkdir(parents=True, exist_ok=True)
    index = []
    for path in sorted((DATA_DIR / "us_plate_designs/plates/MN").glob("*")):
        if path.suffix.lower() not in (".jpg", ".png"):
            continue
        bgr = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if bgr.ndim == 3 and bgr.shape[2] == 4:  # RGBA: composite on white
            alpha = bgr[:, :, 3:4].astype(np.float32) / 255
            bgr = (bgr[:, :, :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        found = find_serial(rgb)
        if found is None or path.stem in SKIPPED:
            continue
        box, ink_mask = found
        x0, y0, x1, y1 = box
        if (x1 - x0) < 0.25 * rgb.shape[1]:
            continue
        clean = erase_serial(rgb, box, ink_mask)
        residue = find_serial(clean, min_glyphs=1)
        if residue is not None:
            rx0, ry0, rx1, ry1 = residue[0]
            if abs((ry1 - ry0) - (y1 - y0)) < 0.25 * (y1 - y0):
                continue  # part of the sample serial survived (glyph on busy art)
        out = TEMPLATE_DIR / f"{path.stem}.png"
        cv2.imwrite(str(out), cv2.cvtColor(clean, cv2.COLOR_RGB2BGR))
        ink = tuple(int(v) for v in np.median(rgb[ink_mask], axis=0))
        index.append({"file": out.name, "box": [int(v) for v in box], "ink": list(ink)})
    (TEMPLATE_DIR / "index.json").write_text(json.dumps(index, indent=1))
    return index


def load_templates() -> list[Template]:
    index_path = TEMPLATE_DIR / "index.json"
    if not index_path.exists():
        build_templates()
    index = json.loads(index_path.read_text())
    templates = []
    for row in index:
        img = cv2.cvtColor(cv2.imread(str(TEMPLATE_DIR / row["file"])), cv2.COLOR_BGR2RGB)
        templates.append(Template(img, tuple(row["box"]), tuple(row["ink"])))
    return templates


if __name__ == "__main__":
    rows = build_templates()
    print(f"{len(rows)} templates written to {TEMPLATE_DIR}")

"""Synthetic US licence plates: Minnesota designs and generic US-style designs.

`PlateRenderer.render(rng)` returns an RGB plate image (the whole image is the plate, so its
corners are the plate corners) and the serial text as labelled (separators and small
stacked characters are drawn but never labelled, as in the real US label sets).
"""
from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import ALPHABET, fonts, written  # noqa: E402
from synth.templates import load_templates  # noqa: E402

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
STATES = ["ALABAMA", "ALASKA", "ARIZONA", "ARKANSAS", "CALIFORNIA", "COLORADO", "CONNECTICUT",
          "DELAWARE", "FLORIDA", "GEORGIA", "HAWAII", "IDAHO", "ILLINOIS", "INDIANA", "IOWA",
          "KANSAS", "KENTUCKY", "LOUISIANA", "MAINE", "MARYLAND", "MASSACHUSETTS", "MICHIGAN",
          "MINNESOTA", "MISSISSIPPI", "MISSOURI", "MONTANA", "NEBRASKA", "NEVADA",
          "NEW HAMPSHIRE", "NEW JERSEY", "NEW MEXICO", "NEW YORK", "NORTH CAROLINA",
          "NORTH DAKOTA", "OHIO", "OKLAHOMA", "OREGON", "PENNSYLVANIA", "RHODE ISLAND",
          "SOUTH CAROLINA", "SOUTH DAKOTA", "TENNESSEE", "TEXAS", "UTAH", "VERMONT", "VIRGINIA",
          "WASHINGTON", "WEST VIRGINIA", "WISCONSIN", "WYOMING", "District of Columbia"]
SLOGANS = ["EMPIRE STATE", "GARDEN STATE", "SUNSHINE STATE", "LAND OF LINCOLN", "GREAT LAKES",
           "THE LONE STAR STATE", "Famous Potatoes", "LIVE FREE OR DIE", "FIRST IN FLIGHT",
           "10,000 lakes", "America's Dairyland", "Virginia is for Lovers", "TAXI", "COMMERCIAL",
           "dmv.ca.gov", "Explore", "The Peach State", "Grand Canyon State", "VETERAN",
           "IN GOD WE TRUST", "Wild Wonderful", "Sportsman's Paradise", "Centennial"]

# Serial formats: L letter, D digit, X either; weights roughly follow how common they are.
FORMATS = [("LLLDDDD", 6), ("LLLDDD", 5), ("DLLLDDD", 4), ("DDDLLL", 3), ("LLDDDDD", 2),
           ("DLLDDD", 2), ("LLDDDD", 2), ("DDDDLL", 1), ("LLLLDDD", 1), ("DDDDDDD", 1),
           ("TDDDDDDC", 2), ("DDDDD", 1), ("LDDDDD", 1), ("DDLLDD", 1), ("LLLDDDDD", 1),
           ("VANITY", 3)]

BACKGROUNDS = [((250, 250, 250), (20, 20, 120)), ((245, 245, 240), (10, 10, 10)),
               ((250, 215, 60), (10, 10, 10)), ((235, 240, 250), (30, 40, 130)),
               ((255, 250, 225), (120, 20, 20)), ((25, 35, 110), (245, 245, 245)),
               ((20, 90, 50), (245, 245, 245)), ((240, 240, 240), (20, 90, 50)),
               ((210, 230, 245), (10, 10, 10)), ((250, 250, 250), (10, 10, 10)),
               ((30, 30, 30), (240, 240, 240)), ((250, 230, 200), (60, 30, 10))]


def random_serial(rng: np.random.Generator, separator_share: float = 0.6) -> tuple[str, list[int]]:
    """Returns the serial and the positions after which a separator may be drawn."""
    names, weights = zip(*FORMATS)
    fmt = names[rng.choice(len(names), p=np.array(weights) / sum(weights))]
    if fmt == "VANITY":
        n = int(rng.integers(2, 9))
        pool = LETTERS * 3 + DIGITS
        return "".join(rng.choice(list(pool), n)), []
    out = []
    for c in fmt:
        if c == "L":
            out.append(rng.choice(list(LETTERS)))
        elif c == "D":
            out.append(rng.choice(list(DIGITS)))
        else:
            out.append(c)
    text = "".join(out)
    groups = []
    if len(text) >= 6 and rng.random() < separator_share:
        # Break between a letter run and a digit run, like ABC 1234 or 123-ABC.
        for i in range(1, len(text)):
            if text[i - 1].isalpha() != text[i].isalpha():
                groups.append(i)
                break
    return text, groups


def draw_glyph(draw: ImageDraw.ImageDraw, rng, cx: float, cy: float, w: float, h: float, fill=255) -> None:
    """An unlabelled pictogram the size of a separator or a small emblem: a state outline
    (an irregular blob, like the New York and New Jersey separators), a heart, a star or a
    badge. Real plates put these between or beside the serial, and the OCR must not read
    them as characters."""
    kind = rng.choice(["outline", "heart", "star", "badge"], p=[0.55, 0.15, 0.15, 0.15])
    if kind == "outline":
        n = int(rng.integers(6, 12))
        angles = np.sort(rng.uniform(0, 2 * np.pi, n))
        radii = rng.uniform(0.55, 1.0, n)
        sx, sy = w / 2 * rng.uniform(0.6, 1.0), h / 2 * rng.uniform(0.5, 1.0)
        pts = [(cx + np.cos(a) * r * sx, cy + np.sin(a) * r * sy) for a, r in zip(angles, radii)]
        draw.polygon(pts, fill=fill)
    elif kind == "heart":
        r = min(w, h) * 0.28
        draw.ellipse([cx - 2 * r, cy - 1.6 * r, cx, cy + 0.4 * r], fill=fill)
        draw.ellipse([cx, cy - 1.6 * r, cx + 2 * r, cy + 0.4 * r], fill=fill)
        draw.polygon([(cx - 1.95 * r, cy - 0.3 * r), (cx + 1.95 * r, cy - 0.3 * r), (cx, cy + 1.8 * r)], fill=fill)
    elif kind == "star":
        r = min(w, h) * 0.5
        pts = [(cx + np.cos(np.pi / 2 + k * np.pi / 5) * (r if k % 2 == 0 else r * 0.45),
                cy - np.sin(np.pi / 2 + k * np.pi / 5) * (r if k % 2 == 0 else r * 0.45)) for k in range(10)]
        draw.polygon(pts, fill=fill)
    else:
        draw.rounded_rectangle([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], radius=int(min(w, h) * 0.25),
                               outline=fill, width=max(2, int(min(w, h) * 0.12)))
        draw.ellipse([cx - w * 0.2, cy - h * 0.2, cx + w * 0.2, cy + h * 0.2], fill=fill)


def draw_stacked(draw: ImageDraw.ImageDraw, rng, x: float, top: int, bottom: int, font, ink, pool: str) -> None:
    """Two small characters from `pool` stacked at `x` in the serial's band, unlabelled (as the
    county prefixes and suffix letters that the real US labels leave out)."""
    stack = "".join(rng.choice(list(pool), 2))
    draw.text((x, top + 5), stack[0], font=font, fill=ink)
    draw.text((x, (top + bottom) / 2), stack[1], font=font, fill=ink)


class PlateRenderer:
    def __init__(self, mn_fraction: float = 0.4, glyphs: bool = False, labels_as_drawn: bool = False):
        """glyphs: also draw state-outline, heart, star and badge separators, and emblems or
        stacked characters right of the serial (`ocr_set.py --glyphs`). Off, the renderer
        draws exactly what the shipped weights were trained on, seed for seed.

        Labels are written as the engine writes readings (`written`: a round glyph outside
        the engine's serial formats is 0, whether O or 0 was drawn); labels_as_drawn keeps
        the glyph drawn, as the renderer labelled before (the shipped OCR's synthetic crops
        and the first synth_us_val)."""
        self.templates = load_templates()
        self.glyphs = glyphs
        self.labels_as_drawn = labels_as_drawn
        self.font_paths = [str(p) for p in fonts()]
        self.mn_fraction = mn_fraction
        self._font_cache: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}

    def font(self, path: str, size: int) -> ImageFont.FreeTypeFont:
        key = (path, size)
        if key not in self._font_cache:
            self._font_cache[key] = ImageFont.truetype(path, size)
        return self._font_cache[key]

    # -- text ---------------------------------------------------------------------------
    def text_layer(self, rng, text: str, separators: list[int], font_path: str) -> np.ndarray:
        """Renders the serial as an alpha mask (float 0..1), tightly cropped."""
        size = 120
        font = self.font(font_path, size)
        if self.glyphs:
            sep = rng.choice(["space", "dash", "dot", "glyph", "none"], p=[0.35, 0.2, 0.08, 0.22, 0.15])
        else:
            sep = rng.choice(["space", "dash", "dot", "none"], p=[0.45, 0.25, 0.1, 0.2])
        spacing = int(size * rng.uniform(0.02, 0.12))
        widths = [font.getbbox(c)[2] - font.getbbox(c)[0] for c in text]
        gap = {"space": int(size * 0.35), "dash": int(size * 0.45), "dot": int(size * 0.3),
               "glyph": int(size * rng.uniform(0.4, 0.7)) if sep == "glyph" else 0, "none": 0}[sep]
        total = sum(widths) + spacing * len(text) + gap * len(separators) + 40
        canvas = Image.new("L", (total, int(size * 1.5)), 0)
        draw = ImageDraw.Draw(canvas)
        x = 20
        for i, c in enumerate(text):
            if i in separators:
                if sep == "dash":
                    draw.rectangle([x + gap * 0.2, size * 0.62, x + gap * 0.75, size * 0.72], fill=255)
                elif sep == "dot":
                    r = gap * 0.18
                    draw.ellipse([x + gap / 2 - r, size * 0.65 - r, x + gap / 2 + r, size * 0.65 + r], fill=255)
                elif sep == "glyph":
                    draw_glyph(draw, rng, x + gap / 2, size * rng.uniform(0.5, 0.75), gap * 0.8, size * 0.55)
                x += gap
            bbox = font.getbbox(c)
            draw.text((x - bbox[0], 10), c, font=font, fill=255)
            x += widths[i] + spacing
        arr = np.asarray(canvas)
        ys, xs = np.nonzero(arr > 20)
        arr = arr[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
        return arr.astype(np.float32) / 255

    def draw_text_in_box(self, rng, plate: np.ndarray, text, separators, box, ink, font_path,
                         max_width=None):
        x0, y0, x1, y1 = box
        alpha = self.text_layer(rng, text, separators, font_path)
        th = max(4, y1 - y0)
        aspect = alpha.shape[1] / alpha.shape[0]
        tw = int(th * aspect * rng.uniform(0.85, 1.1))
        limit = max_width or (x1 - x0)
        if tw > limit:
            tw = int(limit)
        cx = (x0 + x1) / 2
        left = int(np.clip(cx - tw / 2, 2, plate.shape[1] - tw - 2))
        alpha = cv2.resize(alpha, (max(tw, 2), th), interpolation=cv2.INTER_AREA)
        region = plate[y0:y0 + th, left:left + alpha.shape[1]].astype(np.float32)
        a = alpha[:region.shape[0], :region.shape[1], None]
        region = region * (1 - a) + np.array(ink, np.float32) * a
        plate[y0:y0 + th, left:left + alpha.shape[1]] = region.astype(np.uint8)

    # -- designs ------------------------------------------------------------------------
    def render_mn(self, rng) -> tuple[np.ndarray, str]:
        t = self.templates[rng.integers(len(self.templates))]
        plate = t.image.copy()
        text, seps = random_serial(rng, 0.7 if self.glyphs else 0.6)
        x0, y0, x1, y1 = t.box
        w = plate.shape[1]
        width_room = max(x1 - x0, min(x1, w - 12) - max(x0 - 0.08 * w, 12)) if len(text) > 5 else x1 - x0
        ink = tuple(int(np.clip(v + rng.integers(-20, 21), 0, 255)) for v in t.ink)
        font = self.font_paths[rng.integers(len(self.font_paths))]
        self.draw_text_in_box(rng, plate, text, seps, (x0, y0, x1, y1), ink, font, max_width=width_room)
        return plate, text

    def render_generic(self, rng) -> tuple[np.ndarray, str]:
        h, w = 250, 500
        bg, ink = BACKGROUNDS[rng.integers(len(BACKGROUNDS))]
        bg = np.array(bg, np.float32) + rng.integers(-15, 16, 3)
        plate = np.ones((h, w, 3), np.float32) * bg
        # Soft gradient and a few faint shapes as background art.
        grad = np.linspace(rng.uniform(-25, 5), rng.uniform(-5, 25), h)[:, None, None]
        plate += grad
        img = Image.fromarray(np.clip(plate, 0, 255).astype(np.uint8))
        draw = ImageDraw.Draw(img)
        for _ in range(rng.integers(0, 4)):
            colour = tuple(int(v) for v in np.clip(bg + rng.integers(-70, 71, 3), 0, 255))
            cx, cy, r = rng.integers(0, w), rng.integers(0, h), rng.integers(20, 140)
            if rng.random() < 0.5:
                draw.ellipse([cx - r, cy - r, cx + r, cy + r // 2], fill=colour)
            else:
                draw.polygon([(cx - r, h), (cx, cy), (cx + r, h)], fill=colour)
        ink = tuple(int(v) for v in np.clip(np.array(ink) + rng.integers(-20, 21, 3), 0, 255))
        accent = tuple(int(v) for v in rng.integers(0, 200, 3))
        font_path = self.font_paths[rng.integers(len(self.font_paths))]
        if rng.random() < 0.9:  # state name header
            name = STATES[rng.integers(len(STATES))]
            name = name.title() if rng.random() < 0.4 else name
            size = int(rng.uniform(0.12, 0.2) * h)
            f = self.font(self.font_paths[rng.integers(len(self.font_paths))], size)
            tw = f.getlength(name)
            draw.text(((w - tw) / 2, rng.uniform(0.02, 0.07) * h), name, font=f,
                      fill=accent if rng.random() < 0.6 else ink)
        if rng.random() < 0.7:  # slogan footer
            slogan = SLOGANS[rng.integers(len(SLOGANS))]
            size = int(rng.uniform(0.08, 0.13) * h)
            f = self.font(self.font_paths[rng.integers(len(self.font_paths))], size)
            tw = f.getlength(slogan)
            draw.text(((w - tw) / 2, h * rng.uniform(0.8, 0.86)), slogan, font=f, fill=accent)
        if rng.random() < 0.6:  # border
            m = int(rng.integers(3, 12))
            draw.rounded_rectangle([m, m, w - m, h - m], radius=int(rng.integers(5, 25)),
                                   outline=ink if rng.random() < 0.5 else accent, width=int(rng.integers(2, 6)))
        if rng.random() < 0.6:  # registration stickers in the corners
            for corner in rng.choice(4, int(rng.integers(1, 3)), replace=False):
                sx = 15 if corner % 2 == 0 else w - 75
                sy = 15 if corner < 2 else h - 55
                colour = tuple(int(v) for v in rng.integers(0, 256, 3))
                draw.rectangle([sx, sy, sx + 60, sy + 40], fill=colour)
        plate = np.asarray(img).copy()
        text, seps = random_serial(rng, 0.7 if self.glyphs else 0.6)
        top = int(h * rng.uniform(0.24, 0.3))
        bottom = int(h * rng.uniform(0.74, 0.8))
        left = int(w * rng.uniform(0.04, 0.22)) if rng.random() < 0.3 else int(w * 0.05)
        if left > w * 0.1 and rng.random() < 0.7:  # small stacked characters on the left, unlabelled
            f = self.font(font_path, int((bottom - top) * 0.3))
            d = ImageDraw.Draw(img2 := Image.fromarray(plate))
            draw_stacked(d, rng, w * 0.05, top, bottom, f, ink, LETTERS)
            plate = np.asarray(img2).copy()
        right = int(w * 0.95)
        if self.glyphs and rng.random() < 0.25:  # an emblem or stacked characters right of the serial, unlabelled
            right = int(w * rng.uniform(0.72, 0.8))
            img2 = Image.fromarray(plate)
            d = ImageDraw.Draw(img2)
            ex0, ex1 = right + w * 0.02, w * 0.95
            if rng.random() < 0.5:
                colour = ink if rng.random() < 0.5 else tuple(int(v) for v in rng.integers(0, 220, 3))
                for _ in range(int(rng.integers(1, 4))):
                    gw, gh = (ex1 - ex0) * rng.uniform(0.4, 0.9), (bottom - top) * rng.uniform(0.4, 0.9)
                    draw_glyph(d, rng, rng.uniform(ex0 + gw / 2, ex1 - gw / 2), rng.uniform(top + gh / 2, bottom - gh / 2),
                               gw, gh, fill=colour)
            else:
                f = self.font(font_path, int((bottom - top) * rng.uniform(0.28, 0.4)))
                draw_stacked(d, rng, ex0, top, bottom, f, ink, LETTERS + DIGITS)
            plate = np.asarray(img2).copy()
        self.draw_text_in_box(rng, plate, text, seps, (left, top, right, bottom), ink, font_path,
                              max_width=right - left)
        return plate, text

    def render(self, rng) -> tuple[np.ndarray, str]:
        plate, text = self.render_mn(rng) if rng.random() < self.mn_fraction else self.render_generic(rng)
        return plate, text if self.labels_as_drawn else written(text)


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    r = PlateRenderer(glyphs="--glyphs" in sys.argv)
    sys.argv = [a for a in sys.argv if a != "--glyphs"]
    tiles = []
    for _ in range(24):
        p, t = r.render(rng)
        p = cv2.resize(p, (250, 125))
        cv2.putText(p, t, (5, 120), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 0, 255), 2)
        tiles.append(p)
    rows = [np.hstack(tiles[i:i + 4]) for i in range(0, 24, 4)]
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/plates.png")
    cv2.imwrite(str(out), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))
    print(out)

"""New real-looking training plates from the real crops: characters of one plate swapped or
copied within it, with the label changed to match (`train_ocr.py --char-swap`).

The OCR reads its 2,476 real training crops almost perfectly and the val crops about eight
points worse (validate.py's fit figures): it has learnt those plates, not only how plates
read. Moving a plate's own characters around keeps every pixel real (its font, lighting,
blur and wear) while the text becomes one the network has not learnt: `HHM2809` can become
`HMH2809` or `HHM2089`. Letters move only onto letters and digits onto digits, so a plate
keeps its format.

Where the characters are comes from the crop itself: its ink splits into as many separate
blobs of character height as the label has characters, or the crop is left alone (touching
or broken characters, stacked suffixes, frames cutting through the serial).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class CharBox:
    """One character of a crop, in crop pixels: columns x0 ..< x1, inked rows y0 ..< y1."""
    x0: int
    x1: int
    y0: int
    y1: int


def char_boxes(img: np.ndarray, text: str) -> list[CharBox] | None:
    """The boxes of `text`'s characters in the crop `img`, or None unless the crop splits into
    exactly that many clean characters: the crop is binarised (Otsu, the minority polarity
    as ink), and its connected ink blobs at least a third of the crop's height and not
    touching its top or bottom edge, merged where they overlap along the width, are the
    characters, left to right."""
    h, w = img.shape
    blurred = cv2.GaussianBlur(img, (3, 3), 0)
    _, binary = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if (binary > 0).mean() > 0.5:
        binary = 255 - binary
    count, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    blobs = []
    for x, y, bw, bh, area in stats[1:count]:
        if bh < h / 3 or bh > 0.8 * h or y <= 0 or y + bh >= h or bw > w / 3 or area < 0.15 * bw * bh:
            continue
        blobs.append([x, x + bw, y, y + bh])
    blobs.sort()
    merged: list[list[int]] = []
    for b in blobs:
        if merged and b[0] < merged[-1][1] - 1:
            m = merged[-1]
            merged[-1] = [m[0], max(m[1], b[1]), min(m[2], b[2]), max(m[3], b[3])]
        else:
            merged.append(b)
    if len(merged) != len(text) or len(text) < 2:
        return None
    heights = np.array([m[3] - m[2] for m in merged], np.float32)
    widths = np.array([m[1] - m[0] for m in merged], np.float32)
    if heights.min() < 0.75 * np.median(heights):  # a stacked or small character among them
        return None
    if widths.max() > 1.6 * np.median(widths):  # a sticker or emblem joined to a character
        return None
    return [CharBox(*m[:2], *m[2:]) for m in merged]


def find_boxes(store: np.ndarray, texts: list[str]) -> list:
    """char_boxes for every crop of `store`."""
    return [char_boxes(c, t) for c, t in zip(store, texts)]


def _similar(a: CharBox, b: CharBox) -> bool:
    wa, wb = a.x1 - a.x0, b.x1 - b.x0
    ha, hb = a.y1 - a.y0, b.y1 - b.y0
    return 0.7 <= wa / wb <= 1.4 and 0.85 <= ha / hb <= 1.18 and abs((a.y0 + a.y1) - (b.y0 + b.y1)) <= 0.15 * (ha + hb)


def _paste(src: np.ndarray, box: CharBox, out: np.ndarray, target: CharBox) -> None:
    """The character in `box` of `src`, with a tenth of its height above and below, resized
    onto `target`'s place in `out` (the plate around it, header and footer, stays as it was)."""
    h = src.shape[0]

    def rows(b: CharBox) -> tuple[int, int]:
        m = max(1, round(0.1 * (b.y1 - b.y0)))
        return max(0, b.y0 - m), min(h, b.y1 + m)

    (sy0, sy1), (ty0, ty1) = rows(box), rows(target)
    patch = src[sy0:sy1, box.x0:box.x1]
    out[ty0:ty1, target.x0:target.x1] = cv2.resize(patch, (target.x1 - target.x0, ty1 - ty0), interpolation=cv2.INTER_LINEAR)


def swap_characters(img: np.ndarray, text: str, boxes: list[CharBox], rng, moves: int = 2) -> tuple[np.ndarray, str]:
    """`img` with up to `moves` characters swapped with, or copied over, another of the same kind
    (letter or digit) and of similar size, and the text that now reads."""
    out, chars = img.copy(), list(text)
    for _ in range(moves):
        i, j = (int(v) for v in rng.choice(len(chars), 2, replace=False))
        if chars[i].isdigit() != chars[j].isdigit() or not _similar(boxes[i], boxes[j]):
            continue
        if rng.random() < 0.5:
            before = out.copy()
            _paste(before, boxes[i], out, boxes[j])
            _paste(before, boxes[j], out, boxes[i])
            chars[i], chars[j] = chars[j], chars[i]
        else:
            _paste(out.copy(), boxes[i], out, boxes[j])
            chars[j] = chars[i]
    return out, "".join(chars)

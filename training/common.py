"""Shared paths and constants for the training pipeline."""
from __future__ import annotations

import os
from pathlib import Path

TRAINING_DIR = Path(__file__).resolve().parent
REPO_DIR = TRAINING_DIR.parent
DATA_DIR = Path(os.environ.get("ALPR_DATA_DIR", "/work/shared/data"))
# Where training writes (synthetic sets, checkpoints, logs); ALPR_OUT_DIR lets two rounds run side by side.
OUT_DIR = Path(os.environ.get("ALPR_OUT_DIR", TRAINING_DIR / "out"))
MODELS_DIR = REPO_DIR / "Models"
FIXTURES_DIR = REPO_DIR / "Tests" / "ALPRVisionTests" / "Fixtures"
FONT_DIR = Path(os.environ.get("ALPR_FONT_DIR", "/usr/share/fonts/truetype/roadgeek"))

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CHAR_TO_CLASS = {c: i + 1 for i, c in enumerate(ALPHABET)}  # 0 is the CTC blank

# OCR input: the plate quadrilateral, grown by OCR_PLATE_MARGIN of its width/height on
# every side, warped to OCR_HEIGHT x OCR_WIDTH grey.
OCR_HEIGHT = 48
OCR_WIDTH = 128
OCR_PLATE_MARGIN = 0.06

# Detector input: letterboxed RGB frame (top-left aligned, grey padding).
DET_HEIGHT = 384
DET_WIDTH = 640
DET_STRIDE = 4
# Frames the standard input would shrink below DET_MIN_SCALE (1080p and up) are letterboxed into
# this larger input instead; the detector is fully convolutional (docs/model-format.md).
DET_LARGE_HEIGHT, DET_LARGE_WIDTH = 544, 960
DET_MIN_SCALE = 0.5
# The engine's coarse second pass (PlateDetector.coarseInput): the same network at this input
# size, for plates too wide for the main pass; its detections count if at least
# DET_COARSE_MIN_WIDTH of its pixels and at most DET_COARSE_MAX_FRACTION of the image wide.
DET_COARSE_HEIGHT, DET_COARSE_WIDTH = 128, 224
DET_COARSE_MIN_WIDTH = 50
DET_COARSE_MAX_FRACTION = 1.0
DET_CORNER_SCALE = 64.0
DET_PAD_VALUE = 114  # letterbox fill, 0..255 on every channel
DET_MEAN = [0.485, 0.456, 0.406]
DET_STD = [0.229, 0.224, 0.225]

# Corner refiner: a region around the detector's box, REF_CONTEXT times the larger of the box
# width and twice its height wide and half as high (so a 2:1 plate keeps its shape), sampled
# bilinearly into REF_HEIGHT x REF_WIDTH RGB; output corner k = region origin
# + (out[2k] + 0.5, out[2k+1] + 0.25) * region width (docs/model-format.md, "Corner refiner").
REF_HEIGHT = 64
REF_WIDTH = 128
REF_CONTEXT = 1.8


def refiner_region(box) -> tuple[float, float, float]:
    """(x0, y0, R): the region's top-left corner and width for a box (x0, y0, x1, y1)."""
    bx0, by0, bx1, by1 = box
    w, h = max(bx1 - bx0, 1.0), max(by1 - by0, 1.0)
    r = REF_CONTEXT * max(w, 2 * h)
    cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
    return cx - r / 2, cy - r / 4, r


def refiner_sample(rgb, region):
    """The region sampled into the refiner input (uint8 RGB REF_HEIGHT x REF_WIDTH): input pixel
    (i, j) reads the frame at (x0 + (j + 0.5) s - 0.5, y0 + (i + 0.5) s - 0.5), s = R / REF_WIDTH,
    bilinear, edge pixels replicated."""
    import cv2
    import numpy as np
    x0, y0, r = region
    s = r / REF_WIDTH
    m = np.array([[s, 0, x0 + 0.5 * s - 0.5], [0, s, y0 + 0.5 * s - 0.5]], np.float64)
    return cv2.warpAffine(rgb, m, (REF_WIDTH, REF_HEIGHT), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)


def refiner_targets(quad, region):
    """Frame corners [4, 2] -> the 8 refiner outputs."""
    import numpy as np
    x0, y0, r = region
    q = (np.asarray(quad, np.float64).reshape(4, 2) - np.array([x0, y0])) / r - np.array([0.5, 0.25])
    return q.reshape(8).astype(np.float32)


def refiner_corners(out, region):
    """The 8 refiner outputs -> frame corners [4, 2]."""
    import numpy as np
    x0, y0, r = region
    return (np.asarray(out, np.float64).reshape(4, 2) + np.array([0.5, 0.25])) * r + np.array([x0, y0])


# The five placeholder labels of openalpr_segocr_us (DATA.md): the plate shows other text.
PLACEHOLDER_OCR_FILES = {"md178", "vt268", "vt315", "vt706", "wy420"}


def fonts() -> list[Path]:
    found = sorted(FONT_DIR.glob("*.ttf"))
    if not found:
        raise FileNotFoundError(f"no fonts in {FONT_DIR}; install the Debian package fonts-roadgeek")
    return found


def encode_text(text: str) -> list[int]:
    return [CHAR_TO_CLASS[c] for c in text]


# The engine's serial formats (`USPlateFormats.standard` in
# Sources/ALPRVision/Recognition/USPlateFormats.swift): L letter, N digit, else literal.
ENGINE_FORMATS = ["LLLNNN", "NNNLLL", "LLLNNNN", "NLLLNNN", "TNNNNNNC", "NNNNNLL", "LNNLLL"]


def fits_engine_format(text: str) -> bool:
    return any(len(p) == len(text) and all(
        (k == "L" and c.isalpha()) or (k == "N" and c.isdigit()) or (k not in "LN" and k == c)
        for k, c in zip(p, text)) for p in ENGINE_FORMATS)


def written(text: str) -> str:
    """The label as the engine writes a reading (`USPlateFormats.written`): a round glyph in a
    text that fits none of its formats is the digit 0, as the real US labels write it."""
    if "O" not in text or fits_engine_format(text):
        return text
    return text.replace("O", "0")


def decode_greedy(classes) -> str:
    """Collapses repeats and drops blanks (CTC greedy decoding)."""
    out, prev = [], 0
    for c in classes:
        c = int(c)
        if c != prev and c != 0:
            out.append(ALPHABET[c - 1])
        prev = c
    return "".join(out)

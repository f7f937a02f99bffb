"""Shared paths and constants for the training pipeline."""
from __future__ import annotations

import os
from pathlib import Path

TRAINING_DIR = Path(__file__).resolve().parent
REPO_DIR = TRAINING_DIR.parent
DATA_DIR = Path(os.environ.get("ALPR_DATA_DIR", "/work/shared/data"))
OUT_DIR = TRAINING_DIR / "out"
MODELS_DIR = REPO_DIR / "Models"
FIXTURES_DIR = REPO_DIR / "Tests" / "ALPRVisionTests" / "Fixtures"
FONT_DIR = Path("/usr/share/fonts/truetype/roadgeek")

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
DET_CORNER_SCALE = 64.0
DET_PAD_VALUE = 114  # letterbox fill, 0..255 on every channel
DET_MEAN = [0.485, 0.456, 0.406]
DET_STD = [0.229, 0.224, 0.225]

# The five placeholder labels of openalpr_segocr_us (DATA.md): the plate shows other text.
PLACEHOLDER_OCR_FILES = {"md178", "vt268", "vt315", "vt706", "wy420"}


def fonts() -> list[Path]:
    found = sorted(FONT_DIR.glob("*.ttf"))
    if not found:
        raise FileNotFoundError(f"no fonts in {FONT_DIR}; install the Debian package fonts-roadgeek")
    return found


def encode_text(text: str) -> list[int]:
    return [CHAR_TO_CLASS[c] for c in text]


def decode_greedy(classes) -> str:
    """Collapses repeats and drops blanks (CTC greedy decoding)."""
    out, prev = [], 0
    for c in classes:
        c = int(c)
        if c != prev and c != 0:
            out.append(ALPHABET[c - 1])
        prev = c
    return "".join(out)

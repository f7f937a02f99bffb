"""Loading of the real labelled data (ocr_crops.csv, detection.jsonl) by split."""
from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import cv2
import numpy as np

from common import ALPHABET, DATA_DIR, PLACEHOLDER_OCR_FILES

US_OCR_SOURCES = ("openalpr_segocr_us", "reported_ocr_us")


# Splits of the US crops: the data's own `train` and `val`, and the train split divided into
# `select` (a tenth of its plates, for picking a checkpoint: train_ocr.py --select) and `fit`
# (the rest, trained on when `select` is held out).
US_OCR_SPLITS = ("train", "val", "select", "fit")


def in_selection_split(text: str) -> bool:
    """Whether a train plate belongs to the `select` tenth: by a hash of its text salted
    differently from the data's val rule (sha256(text) % 10 == 0), so a plate text is wholly
    in or out, across both sources, and the tenth is drawn independently of val."""
    return int(hashlib.sha256(("select:" + text).encode()).hexdigest(), 16) % 10 == 0


def us_ocr_rows(split: str) -> list[dict]:
    """US crop rows of one split (US_OCR_SPLITS), without placeholder labels or unknown
    characters.

    uc3m_ocr (Spain) is left out: two characters of every crop are painted grey and are not
    labelled, which would teach the model to skip characters.
    """
    if split not in US_OCR_SPLITS:
        raise ValueError(f"unknown split {split!r}: one of {', '.join(US_OCR_SPLITS)}")
    source_split = "val" if split == "val" else "train"
    rows = []
    with open(DATA_DIR / "ocr_crops.csv") as f:
        for row in csv.DictReader(f):
            if row["source"] not in US_OCR_SOURCES or row["split"] != source_split:
                continue
            if split in ("select", "fit") and in_selection_split(row["text"]) != (split == "select"):
                continue
            if Path(row["path"]).stem in PLACEHOLDER_OCR_FILES:
                continue
            if not row["text"] or any(c not in ALPHABET for c in row["text"]) or len(row["text"]) > 10:
                continue
            rows.append(row)
    return rows


def segocr_plates(split: str) -> list[np.ndarray]:
    """RGB openalpr_segocr_us crops of a split (same filtering as us_ocr_rows): tight, frontal
    real US plates whose image corners are the plate corners, for pasting into scenes."""
    plates = []
    for row in us_ocr_rows(split):
        if row["source"] == "openalpr_segocr_us":
            img = cv2.imread(str(DATA_DIR / row["path"]), cv2.IMREAD_COLOR)
            if img is not None:
                plates.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    return plates


def load_grey(path: Path, size: tuple[int, int]) -> np.ndarray | None:
    """Reads an image as grey (BT.601 weights, as the engine) resized to size = (w, h)."""
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        return None
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)


def detection_rows(split: str, sources=("uc3m_det", "openalpr_e2e_eu", "negatives")) -> list[dict]:
    rows = [json.loads(line) for line in open(DATA_DIR / "detection.jsonl")]
    return [r for r in rows if r["split"] == split and r["source"] in sources]

"""Validation of the trained networks on held-out data; writes training/out/validation.json.

    python training/validate.py [--detector CKPT] [--ocr CKPT] [--eval-dir training/out/eval]

OCR: exact match on the real US val split (split == val rows of openalpr_segocr_us and
reported_ocr_us, resized whole to the OCR input, and framed as in photos) and on synthetic val
crops; the same checks on the training split, to show how closely the network fits its real
training plates.
Detector: recall at IoU 0.3 and false positives per image on uc3m_det val, openalpr_e2e_eu val,
negatives val (original frames, letterboxed like the engine) and composited val scenes.
Refiner: mean corner error (fraction of the plate width) on val scene plates and pasted
openalpr_segocr_us val crops, from perturbed boxes.
End to end (if --eval-dir exists): plate read rate on the make_eval_set.py folders, with the
refiner when there is one and the coarse second pass; detections are read and kept as the
engine keeps them (read_plates: unsure detections from 0.2 confirmed by the OCR, lettering
inside a plate skipped, counts_as_plate), before matching and before counting false plates.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA_DIR, OUT_DIR  # noqa: E402
from data_real import detection_rows, us_ocr_rows  # noqa: E402
from det_decode import area, intersection, iou, match  # noqa: E402
from pipeline import Pipeline, correct_exposure  # noqa: E402
from train_detector import evaluate as evaluate_scenes, load_split  # noqa: E402
from train_ocr import exact_match, framed_validation, framed_validation_backgrounds, load_real, plain_real  # noqa: E402
from train_refiner import evaluate as evaluate_refiner, validation_set as refiner_validation_set  # noqa: E402


TRAIN_FRAMED_SAMPLE = 1000  # training crops framed once each for the fit check (all 2,476 take a while)


def ocr_metrics(pipe: Pipeline) -> dict:
    rows = us_ocr_rows("val")
    store, texts = load_real("val")
    images = np.stack([plain_real(v) for v in store])
    acc, preds = exact_match(pipe.ocr, images, texts)
    by_source = defaultdict(lambda: [0, 0])
    for row, p, t in zip(rows, preds, texts):
        by_source[row["source"]][0] += p == t
        by_source[row["source"]][1] += 1
    sval = np.load(OUT_DIR / "ocr_synth_val.npz")
    stexts = [str(t) for t in sval["texts"]]
    sacc, _ = exact_match(pipe.ocr, sval["images"], stexts)
    # Decoded as the engine decodes a first look (beam search and format re-ranking).
    engine_acc, _ = exact_match(pipe.ocr, images, texts, engine_decoding=True)
    engine_sacc, _ = exact_match(pipe.ocr, sval["images"], stexts, engine_decoding=True)
    char_err = sum(edit_distance(p, t) for p, t in zip(preds, texts)) / sum(len(t) for t in texts)
    backgrounds = framed_validation_backgrounds()
    framed_images, framed_texts = framed_validation(store, texts, backgrounds=backgrounds)
    framed_acc, _ = exact_match(pipe.ocr, framed_images, framed_texts)
    # The same checks on the training split show how closely the network fits the real plates it
    # was trained on: the distance to the val figures is what more real plates could still buy.
    train_store, train_texts = load_real("train")
    train_acc, _ = exact_match(pipe.ocr, np.stack([plain_real(v) for v in train_store]), train_texts)
    sample = slice(0, TRAIN_FRAMED_SAMPLE)
    train_framed_images, train_framed_texts = framed_validation(train_store[sample], train_texts[sample], copies=1,
                                                                  backgrounds=backgrounds)
    train_framed_acc, _ = exact_match(pipe.ocr, train_framed_images, train_framed_texts)
    return {"real_us_val_exact": acc, "real_us_val_n": len(texts), "real_us_val_char_error_rate": char_err,
            "real_us_val_framed_exact": framed_acc, "real_us_val_framed_n": len(framed_texts),
            "real_us_train_exact": train_acc, "real_us_train_n": len(train_texts),
            "real_us_train_framed_exact": train_framed_acc, "real_us_train_framed_n": len(train_framed_texts),
            "real_us_val_exact_engine_decoding": engine_acc,
            "by_source": {k: {"exact": v[0] / v[1], "n": v[1]} for k, v in by_source.items()},
            "synthetic_val_exact": sacc, "synthetic_val_n": len(sval["texts"]),
            "synthetic_val_exact_engine_decoding": engine_sacc,
            "examples_wrong": [(t, p) for p, t in zip(preds, texts) if p != t][:25]}


def edit_distance(a: str, b: str) -> int:
    d = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, cb in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (ca != cb))
    return d[-1]


def detector_real(pipe: Pipeline, threshold: float) -> dict:
    out = {}
    for source in ("uc3m_det", "openalpr_e2e_eu", "negatives"):
        tp = fp = gt = 0
        rows = detection_rows("val", (source,))
        widths_hit = defaultdict(lambda: [0, 0])
        for row in rows:
            rgb = cv2.cvtColor(cv2.imread(str(DATA_DIR / row["path"]), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
            dets = pipe.detect(rgb, threshold)
            gts = [(b["x"], b["y"], b["x"] + b["w"], b["y"] + b["h"]) for b in row["boxes"]]
            a, b, c = match([d[2] for d in dets], gts)
            tp, fp, gt = tp + a, fp + b, gt + c
            # Recall by plate width in network-input pixels.
            s = min(640 / row["width"], 384 / row["height"])
            for g in gts:
                bucket = bucket_of((g[2] - g[0]) * s)
                widths_hit[bucket][1] += 1
                widths_hit[bucket][0] += any(iou(d[2], g) >= 0.3 for d in dets)
        out[source] = {"images": len(rows), "plates": gt, "recall_iou0.3": tp / gt if gt else None,
                       "fp_per_image": fp / max(1, len(rows)),
                       "recall_by_input_width": {k: f"{v[0]}/{v[1]}" for k, v in sorted(widths_hit.items())}}
    return out


def bucket_of(w: float) -> str:
    for lo, hi in ((0, 12), (12, 25), (25, 50), (50, 100), (100, 1e9)):
        if lo <= w < hi:
            return f"{lo}-{int(hi) if hi < 1e9 else 'inf'}px"
    return "?"


# PlateRecognizer.Options.minimumConfidence and .minimumCharacters: the engine drops reads
# less likely or shorter than these.
MIN_READ_CONFIDENCE = 0.2
MIN_READ_CHARACTERS = 2
# PlateRecognizer.ShortReads: reads of at most this many characters need this confidence.
SHORT_READ_CHARACTERS = 3
SHORT_READ_CONFIDENCE = 0.5


# PlateRecognizer.StrokeReads: reads at least this fraction I or 1 need this confidence.
STROKE_READ_FRACTION = 0.5
STROKE_READ_CONFIDENCE = 0.5
# PlateRecognizer.StrokeReads.dropsOnlyStrokes: a read of nothing but I and 1 is never a plate.
DROP_ONLY_STROKES = True


# PlateRecognizer.UnsureDetections: detections from this score up to the detection threshold
# are read, and kept only when the read has this confidence and this many characters.
UNSURE_DETECTION_THRESHOLD = 0.2
UNSURE_READ_CONFIDENCE = 0.5
UNSURE_READ_CHARACTERS = 4
# PlateRecognizer.UnsureDetections.minimumWidth: one narrower than this (frame pixels, the
# detector's box) is not read.
UNSURE_MIN_WIDTH = 40


# PlateRecognizer.ConfidentDetections: a detection scoring at least this needs a read of only
# this confidence (instead of MIN_READ_CONFIDENCE).
CONFIDENT_DETECTION_SCORE = 0.7
CONFIDENT_READ_CONFIDENCE = 0.01


# PlateRecognizer.Options.suppressionIoU: a detection refined onto a plate already read (IoU
# over this) is that plate.
SUPPRESSION_IOU = 0.3


# PlateRecognizer.partOfPlateShare: a detection with this share of its area inside a plate
# already read is lettering on that plate.
PART_OF_PLATE_SHARE = 0.5

# PlateRecognizer.besideLettering*: lettering just above or below a plate (isBesidePlate) is
# at most this share of the plate's height tall, lies this share of its width or more within the
# plate's left and right edges, and overlaps the plate's box or lies at most this share of the
# plate's height above or below it.
BESIDE_LETTERING_HEIGHT_SHARE = 0.6
BESIDE_LETTERING_SPAN_SHARE = 0.75
BESIDE_LETTERING_GAP_SHARE = 0.05


def is_beside_plate(box, plate) -> bool:
    """PlateRecognizer.isBesidePlate: boxes as (x0, y0, x1, y1)."""
    height, width = plate[3] - plate[1], box[2] - box[0]
    if width <= 0 or height <= 0 or box[3] - box[1] > BESIDE_LETTERING_HEIGHT_SHARE * height:
        return False
    span = min(box[2], plate[2]) - max(box[0], plate[0])
    gap = max(box[1] - plate[3], plate[1] - box[3])
    return span >= BESIDE_LETTERING_SPAN_SHARE * width and gap <= BESIDE_LETTERING_GAP_SHARE * height


def is_part_of_plate(box, plate) -> bool:
    """PlateRecognizer.isPartOfAPlate for one plate: PART_OF_PLATE_SHARE of `box` inside it."""
    return intersection(plate, box) >= PART_OF_PLATE_SHARE * area(box)


def is_lettering(box, confidence, plate, plate_confidence) -> bool:
    """PlateRecognizer.isLettering: smaller, less sure, and mostly inside the plate or beside it."""
    return (area(box) < area(plate) and confidence < plate_confidence
            and (is_part_of_plate(box, plate) or is_beside_plate(box, plate)))


def min_read_confidence(score: float | None) -> float:
    """PlateRecognizer.Options.minimumConfidence(detectionScore:)."""
    if score is not None and score >= CONFIDENT_DETECTION_SCORE:
        return min(MIN_READ_CONFIDENCE, CONFIDENT_READ_CONFIDENCE)
    return MIN_READ_CONFIDENCE


def counts_as_plate(text: str, confidence: float, sure_detection: bool = True, score: float | None = None) -> bool:
    """The engine's rule for whether a detection's (first-look) read is a plate: the mirror of
    PlateRecognizer.Options.whyNotAPlate (a Swift test checks that the constants above are the
    engine's defaults). `score` is the detector's, when known."""
    if len(text) < MIN_READ_CHARACTERS or confidence < min_read_confidence(score):
        return False
    if len(text) <= SHORT_READ_CHARACTERS and confidence < SHORT_READ_CONFIDENCE:
        return False
    strokes = sum(c in "I1" for c in text)
    if DROP_ONLY_STROKES and strokes == len(text):
        return False
    if strokes >= STROKE_READ_FRACTION * len(text) and confidence < STROKE_READ_CONFIDENCE:
        return False
    return sure_detection or (confidence >= UNSURE_READ_CONFIDENCE and len(text) >= UNSURE_READ_CHARACTERS)


# PlateRecognizer.TightCrops: an image in which nothing was found is read again centred on a
# grey canvas TIGHT_CROP_SCALE times its width (at least 3:4 high), first shrunk by the least
# whole factor (block means) that brings its longer side to TIGHT_CROP_MAX_SIDE or under, unless
# that leaves it under TIGHT_CROP_MIN_SHRUNK_SIDE; a plate found there counts if it spans
# TIGHT_CROP_MIN_FILL of the image's width and has TIGHT_CROP_MIN_CHARACTERS, its read held to
# MIN_READ_CONFIDENCE however sure the detector is of the canvas's rectangle.
TIGHT_CROP_MAX_SIDE = 1024
TIGHT_CROP_SCALE = 2.5
TIGHT_CROP_GREY = 128
TIGHT_CROP_MIN_FILL = 0.85
TIGHT_CROP_MIN_SHRUNK_SIDE = 16
TIGHT_CROP_MIN_CHARACTERS = 4


def shrink_factor(w: int, h: int, max_side: int, min_side: int) -> int | None:
    """RGBImage.shrinkFactor: the least whole factor bringing the longer side to max_side or
    under (1 if already), None if it would leave the shorter side under min_side."""
    if max_side <= 0:
        return None
    longer = max(w, h)
    if longer <= max_side:
        return 1
    factor = -(-longer // max_side)
    return factor if min(w, h) // factor >= min_side else None


def tight_crop_shrink_factor(w: int, h: int) -> int | None:
    """PlateRecognizer.TightCrops.shrinkFactor (larger images shrunk, as the engine's default)."""
    return shrink_factor(w, h, TIGHT_CROP_MAX_SIDE, TIGHT_CROP_MIN_SHRUNK_SIDE)


def shrink(rgb: np.ndarray, factor: int) -> np.ndarray:
    """RGBImage.shrunk(by:): each pixel the mean of a factor x factor block, rounded half up;
    the columns and rows under one block at the right and bottom left out."""
    if factor == 1:
        return rgb
    h, w = rgb.shape[0] // factor, rgb.shape[1] // factor
    blocks = rgb[:h * factor, :w * factor].reshape(h, factor, w, factor, 3).astype(np.uint32).sum((1, 3))
    area = factor * factor
    return ((blocks + area // 2) // area).astype(np.uint8)


# PlateRecognizer.TurnedViews: an image in which nothing was found, also not as a tight crop, is
# read again turned by each of TURNED_VIEW_DEGREES about its centre (clockwise as shown, grey 128
# where the turn brings in the corners) until one gives a plate, first shrunk by the least whole
# factor that brings its longer side to TURNED_VIEW_MAX_SIDE or under (not turned if that leaves
# it under TURNED_VIEW_MIN_SHRUNK_SIDE).
TURNED_VIEW_DEGREES = (-30.0, 30.0)
TURNED_VIEW_MAX_SIDE = 1280
TURNED_VIEW_MIN_SHRUNK_SIDE = 16


def turned(rgb: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """RGBImage.turned(by:): the image turned about its centre, bilinear, grey outside; and the
    2x3 affine map from the turned image's points to this image's (sourcePoint(of:turnedBy:))."""
    h, w = rgb.shape[:2]
    a = np.deg2rad(degrees)
    cx, cy = w / 2, h / 2
    # source = c + R(-a) (p - c), in pixel-centre coordinates as cv2 samples them.
    to_source = np.array([[np.cos(a), np.sin(a), cx - cx * np.cos(a) - cy * np.sin(a)],
                          [-np.sin(a), np.cos(a), cy + cx * np.sin(a) - cy * np.cos(a)]], np.float64)
    # cv2 puts pixel centres at whole coordinates: shift by half a pixel either side.
    sampling = to_source.copy()
    sampling[:, 2] += to_source[:, :2] @ np.array([0.5, 0.5]) - 0.5
    view = cv2.warpAffine(rgb, sampling, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(128, 128, 128))
    return view, to_source


def read_plates(pipe: Pipeline, rgb: np.ndarray, threshold: float, tight_crops: bool = True,
                turned_views: bool = True) -> list:
    """read_plates_once; for an image with no plate its tight-crop reading
    (PlateRecognizer.TightCrops), the plates moved back into the image, clipped to it and
    scaled by the shrink; and with still none, its turned views (PlateRecognizer.TurnedViews)."""
    plates = read_plates_once(pipe, rgb, threshold)
    if plates:
        return plates
    if tight_crops:
        plates = read_tight_crop(pipe, rgb, threshold)
    if plates or not turned_views:
        return plates
    h, w = rgb.shape[:2]
    factor = shrink_factor(w, h, TURNED_VIEW_MAX_SIDE, TURNED_VIEW_MIN_SHRUNK_SIDE)
    if factor is None:
        return plates
    small = shrink(rgb, factor)
    for degrees in TURNED_VIEW_DEGREES:
        view, to_source = turned(small, degrees)
        for score, quad, _, text in read_plates_once(pipe, view, threshold):
            back = np.c_[quad, np.ones(len(quad))] @ to_source.T * factor
            back = np.clip(back, 0, [w, h]).astype(np.float32)
            plates.append((score, back, (*back.min(0), *back.max(0)), text))
        if plates:
            break
    return plates


def read_tight_crop(pipe: Pipeline, rgb: np.ndarray, threshold: float) -> list:
    """The tight-crop reading of an image with no plate found (PlateRecognizer.TightCrops)."""
    factor = tight_crop_shrink_factor(rgb.shape[1], rgb.shape[0])
    if factor is None:
        return []
    small = shrink(rgb, factor)
    h, w = small.shape[:2]
    cw = max(w + 2, int(round(w * TIGHT_CROP_SCALE)))
    ch = max(h + 2, int(round(h * TIGHT_CROP_SCALE)), cw * 3 // 4)
    x, y = (cw - w) // 2, (ch - h) // 2
    canvas = np.full((ch, cw, 3), TIGHT_CROP_GREY, np.uint8)
    canvas[y:y + h, x:x + w] = small
    moved = []
    for score, quad, _, text in read_plates_once(pipe, canvas, threshold, confident_detections=False):
        if len(text) < TIGHT_CROP_MIN_CHARACTERS:
            continue
        quad = np.clip(quad - np.array([x, y], np.float32), 0, [w, h]) * factor
        box = (*quad.min(0), *quad.max(0))
        if box[2] - box[0] >= TIGHT_CROP_MIN_FILL * w * factor and box[3] > box[1]:
            moved.append((score, quad, box, text))
    return moved


def read_plates_once(pipe: Pipeline, rgb: np.ndarray, threshold: float, confident_detections: bool = True) -> list:
    """The plates the engine reports for a frame, as PlateRecognizer.recognize finds them:
    detections from UNSURE_DETECTION_THRESHOLD (those under `threshold` read only from
    UNSURE_MIN_WIDTH wide and kept only when the OCR confirms them), refined, skipped when refined onto a plate already read or mostly inside
    one, read, and kept by counts_as_plate (`confident_detections` False: the detector's score
    never lowers the read's floor); a plate kept drops the reads before it that are lettering
    on it, and a plate read after one it is lettering on is dropped (PlateRecognizer.isLettering:
    smaller, less sure, mostly inside it or just above or below it). Returns
    [(score, quad, box, text)]."""
    lit = correct_exposure(rgb) if pipe.exposure else rgb
    plates, confidences = [], []
    for score, quad, detected in pipe.detections(lit, min(threshold, UNSURE_DETECTION_THRESHOLD)):
        if score < threshold and min(detected[2], rgb.shape[1]) - max(detected[0], 0) < UNSURE_MIN_WIDTH:
            continue  # too small to be a plate the OCR could confirm
        if pipe.refiner is not None:
            quad = pipe.refine(lit, quad)
        box = (*quad.min(0), *quad.max(0))
        if pipe.refiner is not None and any(iou(box, p[2]) > SUPPRESSION_IOU for p in plates):
            continue
        if any(is_part_of_plate(box, p[2]) for p in plates):
            continue
        # A read dropped whatever its text needs no second look (PlateRecognizer.secondLookFloor).
        sure = score >= threshold
        trusted = score if confident_detections else None
        floor = min_read_confidence(trusted)
        text, confidence = pipe.read(rgb, quad, floor if sure else max(floor, UNSURE_READ_CONFIDENCE))
        # A text read with a motion blur undone must count as a plate as cut too.
        if counts_as_plate(text, confidence, sure, trusted) and (pipe.last_as_cut is None or counts_as_plate(*pipe.last_as_cut, sure, trusted)):
            if any(is_lettering(box, confidence, p[2], c) for p, c in zip(plates, confidences)):
                continue  # lettering on or beside a plate read before it
            kept = [k for k, (p, c) in enumerate(zip(plates, confidences)) if not is_lettering(p[2], c, box, confidence)]
            plates = [plates[k] for k in kept] + [(score, quad, box, text)]
            confidences = [confidences[k] for k in kept] + [confidence]
    return plates


def end_to_end(pipe: Pipeline, eval_dir: Path, threshold: float) -> dict:
    out = {}
    for folder in sorted(p for p in eval_dir.iterdir() if p.is_dir()):
        found = read = total = fps = images = 0
        for txt in sorted(folder.glob("*.txt")):
            labels = [l.split("\t") for l in txt.read_text().splitlines() if l.strip()]
            # An empty label file is a photo without plates (negatives_val): false plates only.
            image = folder / labels[0][0] if labels else next((f for f in sorted(folder.glob(f"{txt.stem}.*")) if f.suffix != ".txt"), None)
            if image is None:
                continue
            rgb = cv2.cvtColor(cv2.imread(str(image), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
            # As the engine: a detection whose read is empty or unlikely is not a plate.
            dets = read_plates(pipe, rgb, threshold)
            images += 1
            used = set()
            for _, x, y, w, h, text in labels:
                g = (float(x), float(y), float(x) + float(w), float(y) + float(h))
                total += 1
                best = max(((iou(d[2], g), k) for k, d in enumerate(dets) if k not in used), default=(0, -1))
                if best[0] >= 0.3:
                    used.add(best[1])
                    found += 1
                    read += dets[best[1]][3] == text
            fps += len(dets) - len(used)
        out[folder.name] = {"images": images, "plates": total, "detected_iou0.3": found / max(1, total),
                            "read_exact": read / max(1, total), "fp_per_image": fps / max(1, images)}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--detector", type=Path, default=OUT_DIR / "detector_best.pt")
    ap.add_argument("--ocr", type=Path, default=OUT_DIR / "ocr_best.pt")
    ap.add_argument("--refiner", type=Path, default=OUT_DIR / "refiner_best.pt")
    ap.add_argument("--eval-dir", type=Path, default=OUT_DIR / "eval")
    ap.add_argument("--threshold", type=float, default=0.3)
    ap.add_argument("--out", type=Path, default=OUT_DIR / "validation.json")
    args = ap.parse_args()
    torch.set_num_threads(2)
    pipe = Pipeline(args.detector, args.ocr, args.refiner)
    # Detector figures are the network's own boxes at the main input: no refiner, no coarse pass.
    refiner, pipe.refiner, pipe.coarse_pass = pipe.refiner, None, False
    result = {}
    if pipe.ocr is not None:
        result["ocr"] = ocr_metrics(pipe)
        print(json.dumps({k: v for k, v in result["ocr"].items() if k != "examples_wrong"}, indent=1), flush=True)
    if pipe.detector is not None:
        result["detector_real"] = detector_real(pipe, args.threshold)
        folder, labels = load_split("val")
        result["detector_synthetic_val"] = evaluate_scenes(pipe.detector, folder, labels, args.threshold)
        result["detector_synthetic_val"]["images"] = len(labels)
        print(json.dumps({k: result[k] for k in ("detector_real", "detector_synthetic_val")}, indent=1), flush=True)
    if refiner is not None:
        result["refiner"] = evaluate_refiner(refiner, refiner_validation_set())
        print(json.dumps(result["refiner"], indent=1), flush=True)
    pipe.refiner, pipe.coarse_pass = refiner, True
    if pipe.ocr is not None and pipe.detector is not None and args.eval_dir.exists():
        result["end_to_end"] = end_to_end(pipe, args.eval_dir, args.threshold)
        print(json.dumps(result["end_to_end"], indent=1))
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

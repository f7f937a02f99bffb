"""The engine's pipeline in Python (letterbox, detect, rectify, read) for validation."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

import ctc_decode
from common import (DET_COARSE_HEIGHT, DET_COARSE_MAX_FRACTION, DET_COARSE_MIN_WIDTH, DET_COARSE_WIDTH, DET_HEIGHT, DET_LARGE_HEIGHT, DET_LARGE_WIDTH, DET_MEAN, DET_MIN_SCALE, DET_PAD_VALUE, DET_STD, DET_WIDTH, OCR_HEIGHT,
                    OCR_PLATE_MARGIN, OCR_WIDTH, OUT_DIR, refiner_corners, refiner_region, refiner_sample)
from det_decode import area, decode, intersection, iou
from models import build_detector, build_ocr_for, build_refiner, checkpoint_state, load_ocr_state, load_state
from synth.ocr_set import grow_quad


def fitted_size(w: int, h: int, s: float) -> tuple[int, int]:
    """Width and height of a w x h frame letterboxed at scale s (PlateDetector.fittedSize)."""
    return max(1, int(round(w * s))), max(1, int(round(h * s)))


def letterbox(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    h, w = rgb.shape[:2]
    height, width = DET_HEIGHT, DET_WIDTH
    if min(width / w, height / h) < DET_MIN_SCALE:
        height, width = DET_LARGE_HEIGHT, DET_LARGE_WIDTH
    s = min(width / w, height / h)
    nw, nh = fitted_size(w, h, s)
    canvas = np.full((height, width, 3), DET_PAD_VALUE, np.uint8)
    canvas[:nh, :nw] = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    return canvas, s


EXPOSURE_TARGET, EXPOSURE_PERCENTILE, EXPOSURE_MAX_GAIN, EXPOSURE_STEP = 160.0, 0.9, 4.0, 4


def gain_for_levels(levels: np.ndarray) -> float:
    """ExposureCorrection.gain(histogram:): the 90th-percentile level lifted to 160, at most 4x."""
    histogram = np.bincount(levels.ravel(), minlength=256)
    needed = int(np.ceil(levels.size * EXPOSURE_PERCENTILE))
    level = int(np.searchsorted(np.cumsum(histogram), needed))
    return 1.0 if level >= EXPOSURE_TARGET else min(EXPOSURE_TARGET / max(level, 1), EXPOSURE_MAX_GAIN)


def exposure_gain(rgb: np.ndarray) -> float:
    """ExposureCorrection.gain(for:) in the engine: over the rounded channel means of a sparse
    grid of pixels; 1 for frames bright enough."""
    sums = rgb[::EXPOSURE_STEP, ::EXPOSURE_STEP].astype(np.int32).sum(2)
    return gain_for_levels((sums + 1) // 3)


def correct_exposure(rgb: np.ndarray) -> np.ndarray:
    """The frame the engine's detector and refiner see: dark frames scaled by exposure_gain
    (rounded, clipped)."""
    gain = exposure_gain(rgb)
    if gain <= 1:
        return rgb
    table = np.minimum(np.floor(np.arange(256) * gain + 0.5), 255).astype(np.uint8)
    return table[rgb]


def correct_crop_exposure(crop: np.ndarray) -> np.ndarray:
    """An OCR input as the engine corrects it: by its own gain over its grey levels."""
    gain = gain_for_levels(crop)
    return crop if gain <= 1 else np.minimum(crop.astype(np.float32) * gain, 255)


def load_net(builder, checkpoint: Path):
    net = builder()
    load_state(net, checkpoint_state(checkpoint))
    return net.eval()


class Pipeline:
    def __init__(self, detector_ckpt=OUT_DIR / "detector_best.pt", ocr_ckpt=OUT_DIR / "ocr_best.pt",
                 refiner_ckpt=OUT_DIR / "refiner_best.pt"):
        self.detector = load_net(build_detector, detector_ckpt) if Path(detector_ckpt).exists() else None
        self.ocr = None
        if Path(ocr_ckpt).exists():  # checkpoints from before the context blocks load too
            state = checkpoint_state(ocr_ckpt)
            self.ocr = build_ocr_for(state)
            load_ocr_state(self.ocr, state)
            self.ocr.eval()
        self.refiner = load_net(build_refiner, refiner_ckpt) if refiner_ckpt and Path(refiner_ckpt).exists() else None
        self.coarse_pass = True
        # As the engine's ExposureCorrection: callers detect on correct_exposure(frame) and read
        # from the frame as it came; read() corrects each crop.
        self.exposure = True
        self.second_look = True
        self.motion_deblur = True
        self.last_as_cut = None
        self.mean = torch.tensor(DET_MEAN).view(1, 3, 1, 1)
        self.std = torch.tensor(DET_STD).view(1, 3, 1, 1)

    @torch.no_grad()
    def _pass(self, canvas: np.ndarray, s: float, threshold: float) -> list:
        """(score, quad in frame pixels, box) after suppression for a letterboxed canvas."""
        x = (torch.from_numpy(canvas).permute(2, 0, 1)[None].float() / 255 - self.mean) / self.std
        hm, geo = self.detector(x)
        return [(score, q / s, tuple(v / s for v in box)) for score, q, box in decode(hm[0, 0].numpy(), geo[0].numpy(), threshold)]

    def detections(self, rgb: np.ndarray, threshold=0.3) -> list:
        """Both passes joined as PlateDetector.merge does: a coarse plate overlapping a main
        one (IoU > 0.3) is dropped; one the main pass missed replaces the main detections that
        are fragments of it (mostly inside, under 60 % of its width, scoring lower)."""
        canvas, main_scale = letterbox(rgb)
        main = self._pass(canvas, main_scale, threshold)
        if not self.coarse_pass:
            return main
        # The coarse canvas is the main canvas's content area-shrunk (as the engine does).
        h, w = rgb.shape[:2]
        s = min(DET_COARSE_WIDTH / w, DET_COARSE_HEIGHT / h)
        nw, nh = fitted_size(w, h, s)
        mw, mh = fitted_size(w, h, main_scale)
        coarse_canvas = np.full((DET_COARSE_HEIGHT, DET_COARSE_WIDTH, 3), DET_PAD_VALUE, np.uint8)
        content = cv2.resize(canvas[:mh, :mw].astype(np.float32), (nw, nh), interpolation=cv2.INTER_AREA)
        coarse_canvas[:nh, :nw] = np.clip(np.rint(content), 0, 255).astype(np.uint8)
        coarse = self._pass(coarse_canvas, s, threshold)
        kept = list(main)
        for c in coarse:
            width = c[2][2] - c[2][0]
            inside = min(c[2][2], rgb.shape[1]) - max(c[2][0], 0)  # the engine clamps boxes to the frame
            if width * s < DET_COARSE_MIN_WIDTH or inside > DET_COARSE_MAX_FRACTION * rgb.shape[1]:
                continue
            if any(iou(m[2], c[2]) > 0.3 for m in main):
                continue
            kept = [m for m in kept if not (m[0] < c[0] and m[2][2] - m[2][0] < 0.6 * width
                                            and intersection(m[2], c[2]) >= 0.5 * area(m[2]))]
            kept.append(c)
        return sorted(kept, key=lambda d: -d[0])

    @torch.no_grad()
    def detect(self, rgb: np.ndarray, threshold=0.3):
        """Returns [(score, quad in frame pixels [4,2], box (x0,y0,x1,y1))]."""
        out = []
        for score, q, _ in self.detections(rgb, threshold):
            if self.refiner is not None:
                q = self.refine(rgb, q)
            box = (*q.min(0), *q.max(0))
            if self.refiner is not None and any(iou(box, o[2]) > 0.3 for o in out):
                continue  # refined onto a plate already found
            out.append((score, q, box))
        return out

    @torch.no_grad()
    def refine(self, rgb: np.ndarray, quad: np.ndarray) -> np.ndarray:
        """The refiner's corners for a detected quad, or the quad when they are implausible."""
        box = (*quad.min(0), *quad.max(0))
        if box[2] - box[0] < 1 or box[3] - box[1] < 1:
            return quad
        region = refiner_region(box)
        x = (torch.from_numpy(refiner_sample(rgb, region)).permute(2, 0, 1)[None].float() / 255 - self.mean) / self.std
        q = refiner_corners(self.refiner(x)[0, :, 0, 0].numpy(), region).astype(np.float32)
        refined_box = (*q.min(0), *q.max(0))
        return q if np.isfinite(q).all() and iou(refined_box, box) >= 0.2 else quad

    @torch.no_grad()
    def read(self, rgb: np.ndarray, quad: np.ndarray, at_least: float = None) -> tuple[str, float]:
        """The engine's reading of a plate and its first look's confidence, decoded as the
        engine decodes (ctc_decode: beam search, look-alike variants and format re-ranking,
        the round glyph written as the engine writes it). As PlateOCR.SecondLook: a first
        reading under SECOND_LOOK_BELOW (and at least `at_least`, by default
        SECOND_LOOK_AT_LEAST, the least a read needs to be kept; read_plates raises it for
        unsure detections as PlateRecognizer.secondLookFloor does) is read again from the
        crop shifted up and down by SECOND_LOOK_OFFSET of the plate height, widened and
        narrowed by SECOND_LOOK_WIDTH of its width each side, and sharpened (unsharp_mask,
        SECOND_LOOK_SHARPEN), and every text the views propose is ranked by its probability
        averaged over the views (ctc_decode.combine). With `motion_deblur`, a crop whose
        horizontal blur is at least MOTION_DEBLUR_FROM long (blur_length_to_undo) is also read
        with it undone (undo_blur), and that reading is the first look when it is the surer;
        the confidence returned is then the first look's as cut, and `last_as_cut` holds the
        reading as cut (text, confidence), which must count as a plate too (PlateRecognizer);
        otherwise it is None."""
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        quad = np.asarray(quad, np.float32)
        first = self._crops(grey, [quad])[0]
        probabilities = self._probabilities_of([first])[0]
        # PlateOCR.motionDeblur: a crop showing a horizontal blur is read with it undone too, and
        # the surer first look kept; its second look's shifted views are undone alike. A read
        # under the floor is dropped whatever its text, so it is not looked at for a blur.
        at_least = SECOND_LOOK_AT_LEAST if at_least is None else at_least
        plain = ctc_decode.rank(ctc_decode.hypotheses(probabilities))
        length = blur_length_to_undo(first) if self.motion_deblur and plain.confidence >= at_least else 0
        as_cut, undo = None, (lambda crop: crop)
        if length:
            undone = undo_blur(first, length)
            undone_probabilities = self._probabilities_of([undone])[0]
            if deblurred_first_look(plain.confidence, ctc_decode.rank(ctc_decode.hypotheses(undone_probabilities)).confidence, at_least):
                as_cut = (plain.text, float(plain.confidence))
                first, probabilities, undo = undone, undone_probabilities, (lambda crop: undo_blur(crop, length))
        text, confidence = read_views(probabilities, lambda: self._probabilities_of(second_look_crops(grey, quad, first, self.exposure, undo)),
                                      at_least, self.second_look,
                                      first_look=None if as_cut is None else as_cut[1])
        self.last_as_cut = as_cut
        return text, confidence

    def _crops(self, grey: np.ndarray, quads) -> list[np.ndarray]:
        return [np.asarray(ocr_crop(grey, quad, self.exposure), np.float32) for quad in quads]

    @torch.no_grad()
    def _probabilities_of(self, crops) -> list[np.ndarray]:
        """The OCR's [steps, classes] float32 probabilities for each crop (0-255 floats)."""
        x = (torch.from_numpy(np.stack(crops))[:, None] / 255 - 0.5) / 0.5
        return [ctc_decode.softmax_steps(logits) for logits in self.ocr(x)[:, :, 0, :].numpy()]


SECOND_LOOK_BELOW, SECOND_LOOK_AT_LEAST, SECOND_LOOK_OFFSET, SECOND_LOOK_WIDTH, SECOND_LOOK_SHARPEN = 0.97, 0.2, 0.06, 0.04, 1.0


def second_look_shift(quad: np.ndarray) -> np.ndarray:
    """How far the second look moves a plate's corners down: SECOND_LOOK_OFFSET of its height."""
    tl, tr, br, bl = quad
    return ((bl - tl) + (br - tr)) / 2 * SECOND_LOOK_OFFSET


def second_look_widen(quad: np.ndarray, fraction: float = SECOND_LOOK_WIDTH) -> np.ndarray:
    """PlateOCR.widen: the quad with its left corners (TL, BL) moved back and its right ones
    forward by `fraction` of its mean width vector (negative: narrowed)."""
    tl, tr, br, bl = quad
    d = ((tr - tl) + (br - bl)) / 2 * fraction
    return np.stack([tl - d, tr + d, br + d, bl - d]).astype(quad.dtype)


def second_look_quads(quad: np.ndarray) -> list[np.ndarray]:
    """The second look's moved cuts, in the engine's order: moved down and up
    (second_look_shift), then widened and narrowed (second_look_widen)."""
    down = second_look_shift(quad)
    return [quad + down, quad - down, second_look_widen(quad), second_look_widen(quad, -SECOND_LOOK_WIDTH)]


def second_look_crops(grey: np.ndarray, quad: np.ndarray, first: np.ndarray, exposure: bool = True,
                      undo=lambda crop: crop) -> list[np.ndarray]:
    """The second look's views of a plate whose first crop is `first`: the moved cuts
    (second_look_quads, each passed through `undo`, the first look's deblurring), and `first`
    sharpened (0-255 floats)."""
    crops = [undo(np.asarray(ocr_crop(grey, q, exposure), np.float32)) for q in second_look_quads(quad)]
    return crops + [unsharp_mask(first, SECOND_LOOK_SHARPEN)]


def read_views(first: np.ndarray, more, at_least: float = SECOND_LOOK_AT_LEAST, second_look: bool = True,
               first_look: float | None = None) -> tuple[str, float]:
    """The engine's reading of a plate and its first look's confidence, from the OCR's
    probabilities for the first crop; `more()` gives those of the second look's views
    (second_look_crops), asked for only when the first reading is under SECOND_LOOK_BELOW and
    its first look at least `at_least` (PlateOCR.SecondLook). `first_look` is the first look's
    confidence as cut when `first` is of the crop deblurred (the reading's own otherwise)."""
    found = ctc_decode.hypotheses(first)
    reading = ctc_decode.rank(found)
    confidence = float(reading.confidence) if first_look is None else first_look
    if not second_look or not (at_least <= confidence and reading.confidence < SECOND_LOOK_BELOW):
        return reading.text, confidence
    views = more()
    proposals = found + [h for view in views for h in ctc_decode.hypotheses(view)]
    return ctc_decode.combine(proposals, [first] + views).text, confidence


MOTION_DEBLUR_FROM, MOTION_DEBLUR_MAX, MOTION_DEBLUR_REGULARIZATION = 6, 20, 0.01


def blur_length(crop: np.ndarray, maximum: int = MOTION_DEBLUR_MAX) -> int:
    """MotionDeblur.estimatedLength: the lag from 2 to `maximum` at which the autocorrelation
    of the crop's horizontal differences (each row's mean removed) is lowest; 0 when flat."""
    d = np.diff(np.asarray(crop, np.float64), axis=1)
    d -= d.mean(axis=1, keepdims=True)
    lags = min(maximum, crop.shape[1] - 2)
    if lags < 2:
        return 0
    n = d.shape[1]
    r = np.array([(d[:, :n - t] * d[:, t:]).sum() for t in range(lags + 1)])
    return 0 if r[0] <= 0 else 2 + int(np.argmin(r[2:]))


def blur_length_to_undo(crop: np.ndarray) -> int:
    """PlateOCR.blurLengthToUndo: the estimate when at least MOTION_DEBLUR_FROM, else 0."""
    length = blur_length(crop)
    return length if length >= MOTION_DEBLUR_FROM else 0


def deblurred_first_look(as_cut: float, undone: float, at_least: float = SECOND_LOOK_AT_LEAST) -> bool:
    """PlateOCR.read's rule for a plate with a motion blur to undo: its reading with the blur
    undone (confidence `undone`) becomes the first look when the reading as cut (`as_cut`) is
    at least the floor, `at_least` (a read the recogniser drops whatever its text is not looked
    at for a blur), and the undone reading is the surer. Pipeline.read and train_ocr's
    engine_match both decide by it."""
    return as_cut >= at_least and undone > as_cut


_DECONVOLUTIONS: dict = {}


def deconvolution(length: int, width: int = OCR_WIDTH, regularization: float = MOTION_DEBLUR_REGULARIZATION) -> np.ndarray:
    """MotionDeblur.deconvolution: (1 + λ)(HᵀH + λI)⁻¹Hᵀ for a box blur of `length` pixels
    from x - length // 2, the row's end pixels repeated."""
    key = (length, width, regularization)
    if key not in _DECONVOLUTIONS:
        h = np.zeros((width, width))
        for x in range(width):
            for k in range(length):
                h[x, min(max(x + k - length // 2, 0), width - 1)] += 1 / length
        _DECONVOLUTIONS[key] = (1 + regularization) * np.linalg.solve(h.T @ h + regularization * np.eye(width), h.T)
    return _DECONVOLUTIONS[key]


def undo_blur(crop: np.ndarray, length: int) -> np.ndarray:
    """PlateOCR.undoBlur: each row multiplied by the deconvolution, clamped to 0-255."""
    crop = np.asarray(crop, np.float32)
    return np.clip(crop @ deconvolution(length, crop.shape[1]).T.astype(np.float32), 0, 255)


def unsharp_mask(crop: np.ndarray, amount: float) -> np.ndarray:
    """PlateOCR.unsharpMask: the crop plus `amount` times its difference from a 5x5 binomial
    blur (edges mirrored, BORDER_REFLECT_101), clamped to 0-255."""
    crop = np.asarray(crop, np.float32)
    blurred = cv2.GaussianBlur(crop, (5, 5), 0, borderType=cv2.BORDER_REFLECT_101)
    return np.clip(crop + amount * (crop - blurred), 0, 255)


def ocr_crop(grey: np.ndarray, quad, exposure: bool = True) -> np.ndarray:
    """The OCR input the engine cuts from a grey frame for a plate's corners: grown by the
    margin, warped to the input size, and (with `exposure`) corrected by its own levels."""
    dst = np.array([[0, 0], [OCR_WIDTH, 0], [OCR_WIDTH, OCR_HEIGHT], [0, OCR_HEIGHT]], np.float32)
    grown = grow_quad(np.asarray(quad, np.float32), OCR_PLATE_MARGIN)
    crop = cv2.warpPerspective(grey, cv2.getPerspectiveTransform(grown, dst), (OCR_WIDTH, OCR_HEIGHT),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return correct_crop_exposure(crop) if exposure else crop

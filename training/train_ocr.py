"""Trains the OCR network (CTC) on synthetic crops plus the real US train crops.

    python training/train_ocr.py --minutes 25

Needs training/out/ocr_synth_{train,val}.npz (python training/synth/ocr_set.py).
Writes training/out/ocr_best.pt (best on the real US val split, whole crops and framed in
scenes as the engine cuts them, plus synthetic val) and ocr_last.pt.

With --select, a tenth of the real train plates (data_real's `select` split) is held out of
training and the checkpoint is picked on it instead, so that the val split, which the
validation report and the engine's held-out folders are made from, plays no part in choosing
the weights; the val figures are still logged.
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ctc_decode  # noqa: E402
from common import DATA_DIR, OCR_HEIGHT, OCR_PLATE_MARGIN, OCR_WIDTH, OUT_DIR, decode_greedy, encode_text, written  # noqa: E402
from data_real import in_selection_split, load_grey, us_ocr_rows  # noqa: E402
from char_swap import find_boxes, swap_characters  # noqa: E402
from models import build_ocr, checkpoint_contents, load_ocr_state, ocr_trunk_blocks, ocr_width_mult  # noqa: E402
from pipeline import (SECOND_LOOK_SHARPEN, blur_length_to_undo, deblurred_first_look, read_views, undo_blur,  # noqa: E402
                      unsharp_mask)
from synth.augment import photometric, random_quad  # noqa: E402
from synth.ocr_set import background_paths, grow_quad, load_backgrounds  # noqa: E402

STORE = (OCR_WIDTH * 2, OCR_HEIGHT * 2)  # real crops are kept at 2x for jittered resampling


def load_real(split: str):
    images, texts = [], []
    for row in us_ocr_rows(split):
        g = load_grey(DATA_DIR / row["path"], STORE)
        if g is not None:
            images.append(g)
            texts.append(row["text"])
    return np.stack(images), texts


def jitter_real(img: np.ndarray, rng) -> np.ndarray:
    """Random framing (the engine's crops come from detector corners), rotation, blur, noise."""
    w, h = STORE
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    src += rng.normal(0, 0.04, src.shape).astype(np.float32) * np.array([w, h], np.float32)
    dst = np.array([[0, 0], [OCR_WIDTH, 0], [OCR_WIDTH, OCR_HEIGHT], [0, OCR_HEIGHT]], np.float32)
    out = cv2.warpPerspective(img, cv2.getPerspectiveTransform(src, dst), (OCR_WIDTH, OCR_HEIGHT),
                              flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    if rng.random() < 0.3:  # low resolution
        f = rng.uniform(0.3, 0.7)
        small = cv2.resize(out, (int(OCR_WIDTH * f), int(OCR_HEIGHT * f)), interpolation=cv2.INTER_AREA)
        out = cv2.resize(small, (OCR_WIDTH, OCR_HEIGHT), interpolation=cv2.INTER_LINEAR)
    return photometric(out, rng, 0.6)


def framed_real(img: np.ndarray, backgrounds, rng, widths: tuple[float, float] = (50, 260)) -> np.ndarray:
    """A real crop as the engine would see it in a photo: put into a scene at a random size
    (`widths`, 50-260 px wide unless --framed-widths says otherwise) and perspective, then cut out by noisy corners grown by about the engine's
    margin and warped to the OCR input, so the model meets scene pixels around the plate and
    the warp's own resampling."""
    sh, sw = img.shape[:2]
    target_w = float(np.exp(rng.uniform(np.log(widths[0]), np.log(widths[1]))))
    target_h = target_w / rng.uniform(1.8, 2.3)  # the store stretches crops to the input aspect
    quad = random_quad(target_w, target_h, rng) + np.array([target_w, target_w], np.float32)
    size = int(target_w * 2)
    bg = backgrounds[rng.integers(len(backgrounds))]
    y = int(rng.integers(0, max(1, bg.shape[0] - size)))
    x = int(rng.integers(0, max(1, bg.shape[1] - size)))
    canvas = cv2.resize(bg[y:y + size, x:x + size], (size, size)).astype(np.float32)
    small = cv2.resize(img, (max(8, int(target_w * 2)), max(4, int(target_w * 2 * sh / sw))), interpolation=cv2.INTER_AREA)
    m = cv2.getPerspectiveTransform(np.array([[0, 0], [small.shape[1], 0], [small.shape[1], small.shape[0]],
                                              [0, small.shape[0]]], np.float32), quad)
    warped = cv2.warpPerspective(small, m, (size, size), flags=cv2.INTER_LINEAR).astype(np.float32)
    mask = cv2.warpPerspective(np.ones(small.shape, np.float32), m, (size, size), flags=cv2.INTER_LINEAR)
    light = rng.uniform(0.6, 1.2)
    canvas = np.clip(canvas * (1 - mask) + warped * light * mask, 0, 255).astype(np.uint8)
    if rng.random() < 0.4:
        canvas = photometric(canvas, rng, 0.5)
    noisy = quad + rng.normal(0, 0.025, quad.shape).astype(np.float32) * target_w
    grown = grow_quad(noisy, OCR_PLATE_MARGIN + rng.uniform(-0.03, 0.03))
    dst = np.array([[0, 0], [OCR_WIDTH, 0], [OCR_WIDTH, OCR_HEIGHT], [0, OCR_HEIGHT]], np.float32)
    crop = cv2.warpPerspective(canvas, cv2.getPerspectiveTransform(grown, dst), (OCR_WIDTH, OCR_HEIGHT),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return photometric(crop, rng, 0.4)


def framed_validation_backgrounds() -> list:
    """The val-split scenes (grey) `framed_validation` frames crops in: the same 100 every time."""
    return [cv2.cvtColor(b, cv2.COLOR_RGB2GRAY) for b in load_backgrounds(background_paths("val", 100, 1234))]


def framed_validation(store: np.ndarray, texts, copies: int = 2, backgrounds: list | None = None):
    """The real val crops framed as in framed_real, twice each, in val-split scenes with a fixed
    seed: the same set on every run and evaluation. `backgrounds` (from
    `framed_validation_backgrounds`) saves loading the scenes again for a second call."""
    rng = np.random.default_rng(1234)
    if backgrounds is None:
        backgrounds = framed_validation_backgrounds()
    images = np.stack([framed_real(img, backgrounds, rng) for _ in range(copies) for img in store])
    return images, [t for _ in range(copies) for t in texts]


def level_motion_blur(img: np.ndarray, rng) -> np.ndarray:
    """Blur along a line 3-11 px long within 20 degrees of horizontal (`--motion-blur`)."""
    k = int(rng.integers(3, 12))
    kernel = np.zeros((k, k), np.float32)
    kernel[k // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), float(rng.uniform(-20, 20)), 1.0)
    kernel = cv2.warpAffine(kernel, rot, (k, k))
    kernel /= max(kernel.sum(), 1e-6)
    return cv2.filter2D(img, -1, kernel, borderType=cv2.BORDER_REPLICATE)


def deblurred_view(img: np.ndarray, rng) -> np.ndarray:
    """A crop as the engine reads a plate smeared sideways (`--deblurred`): a horizontal box blur
    6-14 px long at the OCR input, ends repeated (MotionDeblur's model) with a little sensor
    noise, then undone by the engine's own estimate when it reaches MOTION_DEBLUR_FROM
    (pipeline.blur_length_to_undo, undo_blur); left blurred when it does not."""
    length = int(rng.integers(6, 15))
    grey = img.astype(np.float32)
    padded = np.pad(grey, ((0, 0), (length, length)), mode="edge")
    kernel = np.ones(length, np.float32) / length
    start = length - length // 2
    blurred = np.stack([np.convolve(row, kernel[::-1], mode="full")[start + length - 1: start + length - 1 + grey.shape[1]]
                        for row in padded])
    blurred = np.clip(blurred + rng.normal(0, 1.5, blurred.shape), 0, 255).astype(np.float32)
    estimate = blur_length_to_undo(blurred)
    out = undo_blur(blurred, estimate) if estimate else blurred
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def plain_real(img: np.ndarray) -> np.ndarray:
    return cv2.resize(img, (OCR_WIDTH, OCR_HEIGHT), interpolation=cv2.INTER_AREA)


def normalised(grey: torch.Tensor) -> torch.Tensor:
    """Grey uint8 crops [N, H, W] as the network's input [N, 1, H, W] in -1..1."""
    return (grey.float().unsqueeze(1) / 255.0 - 0.5) / 0.5


def to_tensor(batch: np.ndarray) -> torch.Tensor:
    return normalised(torch.from_numpy(batch))


def ctc_batch(texts):
    targets = torch.tensor(sum((encode_text(t) for t in texts), []), dtype=torch.long)
    lengths = torch.tensor([len(t) for t in texts], dtype=torch.long)
    return targets, lengths


@torch.no_grad()
def exact_match(net, images: np.ndarray, texts, batch=256, engine_decoding: bool = False) -> tuple[float, list[str]]:
    """Share of `texts` read exactly, and the reads, written as the engine writes a reading (a
    round glyph outside its formats is 0). Greedy decoding by default (fast, for the trainer's
    checks); `engine_decoding` decodes as the engine does (ctc_decode: beam search, look-alike
    variants, format re-ranking), a first look without the second."""
    was_training = net.training  # validate.py passes a network in eval mode and keeps using it
    net.eval()
    preds = []
    device = next(net.parameters()).device
    for i in range(0, len(images), batch):
        logits = net(to_tensor(images[i:i + batch]).to(device)).float()[:, :, 0, :]  # [N, K, T]
        if engine_decoding:
            preds += [ctc_decode.rank(ctc_decode.hypotheses(ctc_decode.softmax_steps(x))).text for x in logits.cpu().numpy()]
        else:
            preds += [written(decode_greedy(c.tolist())) for c in logits.argmax(1)]
    net.train(was_training)
    correct = sum(p == t for p, t in zip(preds, texts))
    return correct / max(1, len(texts)), preds


def engine_views(cuts: np.ndarray) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """The views the engine's second look reads, for each plate's cuts ([N, C, H, W] uint8: as
    the engine cuts it from a frame, then moved as the second look moves it,
    pipeline.second_look_quads; engine_crops.py --split val; files made before the widened and
    narrowed cuts hold three): [N, C + 1, H, W] uint8, the cuts and the first one sharpened
    (pipeline.second_look_crops); and, for the plates whose first cut shows a horizontal
    motion blur the engine undoes (blur_length_to_undo), the same views with it undone
    ([C + 1, H, W] float32 by plate index: each cut deblurred, and the deblurred first one
    sharpened, as PlateOCR.motionDeblur reads them)."""
    sharpened = np.stack([np.clip(np.rint(unsharp_mask(c[0].astype(np.float32), SECOND_LOOK_SHARPEN)), 0, 255).astype(np.uint8)
                          for c in cuts])
    deblurred = {}
    for k, c in enumerate(cuts):
        length = blur_length_to_undo(c[0].astype(np.float32))
        if length:
            undone = [undo_blur(cut.astype(np.float32), length) for cut in c]
            deblurred[k] = np.stack(undone + [unsharp_mask(undone[0], SECOND_LOOK_SHARPEN)]).astype(np.float32)
    return np.concatenate([cuts, sharpened[:, None]], 1), deblurred


@torch.no_grad()
def engine_match(net, views: tuple[np.ndarray, dict[int, np.ndarray]], texts, batch=256) -> float:
    """Share of `texts` the engine reads exactly from `views` (engine_views): the first view
    decoded as the engine decodes, and where that reading is unsure, the second look over all
    of them (pipeline.read_views). A plate with a blur to undo is read deblurred too, and the
    surer of the two first looks is kept with its views, as PlateOCR.motionDeblur does
    (pipeline.deblurred_first_look: not for a first look as cut under the floor)."""
    plain, deblurred = views
    was_training = net.training
    net.eval()
    device = next(net.parameters()).device

    def probabilities(flat: np.ndarray) -> list[np.ndarray]:
        out = []
        for i in range(0, len(flat), batch):
            logits = net(to_tensor(flat[i:i + batch]).to(device)).float()[:, :, 0, :]
            out += [ctc_decode.softmax_steps(x) for x in logits.cpu().numpy()]
        return out

    probs = probabilities(plain.reshape(-1, *plain.shape[2:]))
    order = sorted(deblurred)
    # Deblurred views stay unrounded floats, as the engine's input.
    undone = probabilities(np.concatenate([deblurred[k] for k in order])) if order else []
    count = plain.shape[1]  # views per plate
    undone_by_plate = {k: undone[count * i:count * (i + 1)] for i, k in enumerate(order)}
    net.train(was_training)
    correct = 0
    for k, text in enumerate(texts):
        first, *more = probs[count * k:count * (k + 1)]
        first_look = None
        if k in undone_by_plate:
            as_cut = ctc_decode.rank(ctc_decode.hypotheses(first)).confidence
            undone_first, *undone_more = undone_by_plate[k]
            if deblurred_first_look(as_cut, ctc_decode.rank(ctc_decode.hypotheses(undone_first)).confidence):
                first, more, first_look = undone_first, undone_more, float(as_cut)
        correct += read_views(first, lambda more=more: more, first_look=first_look)[0] == text
    return correct / max(1, len(texts))


@torch.no_grad()
def update_ema(average: torch.nn.Module, net: torch.nn.Module, decay: float) -> None:
    """average <- decay * average + (1 - decay) * net, for weights and batch-norm statistics
    alike (integer buffers such as the batch counter are copied)."""
    current = net.state_dict()
    for name, value in average.state_dict().items():
        if value.dtype.is_floating_point:
            value.mul_(decay).add_(current[name], alpha=1 - decay)
        else:
            value.copy_(current[name])


class BatchMaker:
    """Draws one training batch (grey uint8 crops and their texts) from the pools: synthetic
    crops as rendered, real train crops (characters moved within the plate, `--char-swap`)
    jittered or framed in scenes, engine-cut crops, and the motion blur, in that order of
    random draws."""

    def __init__(self, args, synth_images, synth_texts, real_images, real_texts, backgrounds,
                 engine_images, engine_texts):
        self.args = args
        self.synth_images, self.synth_texts = synth_images, synth_texts
        self.real_images, self.real_texts = real_images, real_texts
        self.backgrounds = backgrounds
        self.engine_images, self.engine_texts = engine_images, engine_texts
        self.n_real = int(args.batch * args.real_fraction)
        # Where each real crop's characters are, for --char-swap (None: not separable).
        self.real_boxes = find_boxes(real_images, real_texts) if args.char_swap > 0 else None
        if self.real_boxes is not None:
            usable = sum(b is not None for b in self.real_boxes)
            print(f"real train crops whose characters can be moved: {usable} of {len(real_texts)}", flush=True)

    def __call__(self, rng) -> tuple[np.ndarray, list[str]]:
        args, n_real = self.args, self.n_real
        si = rng.integers(0, len(self.synth_texts), args.batch - n_real)
        n_engine = int(rng.binomial(n_real, args.engine_fraction)) if self.engine_images is not None else 0
        ri = rng.integers(0, len(self.real_texts), n_real - n_engine)
        ei = rng.integers(0, len(self.engine_texts), n_engine) if n_engine else np.zeros(0, int)
        real_texts = [self.real_texts[i] for i in ri]
        real_part = []
        for k, i in enumerate(ri):
            image = self.real_images[i]
            if self.real_boxes is not None and self.real_boxes[i] is not None and rng.random() < args.char_swap:
                image, real_texts[k] = swap_characters(image, real_texts[k], self.real_boxes[i], rng)
            real_part.append(framed_real(image, self.backgrounds, rng, tuple(args.framed_widths))
                             if rng.random() < args.framed else jitter_real(image, rng))
        real_part += [photometric(self.engine_images[i], rng, 0.3) for i in ei]
        batch = np.concatenate([self.synth_images[si], np.stack(real_part)]) if real_part else self.synth_images[si]
        if args.motion_blur > 0:
            for i in np.flatnonzero(rng.random(len(batch)) < args.motion_blur):
                batch[i] = level_motion_blur(batch[i], rng)
        if args.deblurred > 0:
            for i in np.flatnonzero(rng.random(len(batch)) < args.deblurred):
                batch[i] = deblurred_view(batch[i], rng)
        texts = [self.synth_texts[i] for i in si] + real_texts + [self.engine_texts[i] for i in ei]
        return batch, texts


class WorkerBatches(torch.utils.data.IterableDataset):
    """Endless batches from BatchMaker, each DataLoader worker with its own random stream
    (seed, worker number), so that data preparation keeps up with a GPU (`--workers`)."""

    def __init__(self, make: BatchMaker, seed: int):
        self.make, self.seed = make, seed

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        rng = np.random.default_rng([self.seed, info.id if info is not None else 0])
        while True:
            batch, texts = self.make(rng)
            yield torch.from_numpy(batch), texts


def cpu_state(net: torch.nn.Module) -> dict:
    return {k: v.detach().cpu() for k, v in net.state_dict().items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=25)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--real-fraction", type=float, default=0.35)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--resume", type=str, default="",
                    help="checkpoint to continue from: training/out/*.pt or the shipped Models/ocr.safetensors")
    ap.add_argument("--eval-every", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--framed", type=float, default=0.0,
                    help="share of real samples put into a scene and cut out as the engine does (framed_real)")
    ap.add_argument("--framed-widths", type=float, nargs=2, default=(50, 260), metavar=("MIN", "MAX"),
                    help="plate widths in px, drawn log-uniformly, at which framed real crops are put into scenes")
    ap.add_argument("--engine-crops", type=Path, default=None,
                    help="real train crops cut by the engine's own pipeline (engine_crops.py's .npz)")
    ap.add_argument("--engine-val", type=Path, default=None,
                    help="val plates cut by the engine's pipeline (engine_crops.py --split val): the checkpoint "
                         "is picked by how many of them the engine would read (engine_match), not by the crop checks")
    ap.add_argument("--engine-fraction", type=float, default=0.0,
                    help="share of real samples drawn from --engine-crops (the rest as --framed says)")
    ap.add_argument("--context-dilations", default="1,2,4",
                    help="dilations of the residual 1x3 context blocks, comma-separated; '' for none "
                         "(the first two rounds of the shipped OCR had none)")
    ap.add_argument("--trunk-blocks", default=None,
                    help="comma-separated OCR trunk stages given a residual block (s12, s6; models.build_ocr); "
                         "default: those of --resume, else models.OCR_TRUNK_BLOCKS")
    ap.add_argument("--width-mult", type=float, default=None,
                    help="channels of every OCR layer times this (models.build_ocr; 16/32/64/96/128 at 1); "
                         "default: that of --resume, else 1. Each read costs about its square in time")
    ap.add_argument("--motion-blur", type=float, default=0.0,
                    help="share of each batch blurred along a near-horizontal line (3-11 px at the OCR input, "
                         "within 20 degrees of level), as a passing car or a slow shutter blurs a plate")
    ap.add_argument("--deblurred", type=float, default=0.0,
                    help="share of each batch blurred sideways 6-14 px and undone as the engine undoes it "
                         "(MotionDeblur), so the OCR learns what a deblurred plate looks like")
    ap.add_argument("--char-swap", type=float, default=0.0,
                    help="share of real crops whose characters are swapped or copied within the plate, label to match (char_swap.py)")
    ap.add_argument("--ema", type=float, default=0.0,
                    help="keep an exponential moving average of the weights (and batch-norm statistics) with "
                         "this decay, e.g. 0.999; evaluated and saved instead of the raw weights")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"],
                    help="auto: cuda when PyTorch sees a GPU; weights are saved for the CPU either way")
    ap.add_argument("--workers", type=int, default=0,
                    help="processes preparing batches (0: in the training process, as on a 2-core machine)")
    ap.add_argument("--bf16", action="store_true", help="on cuda, run the network under bfloat16 autocast")
    ap.add_argument("--select", action="store_true",
                    help="hold a tenth of the real train plates out of training and pick the checkpoint on them "
                         "(with --engine-val, a file from engine_crops.py --split select), not on val")
    args = ap.parse_args()
    if args.workers < 0:
        ap.error(f"--workers must be 0 or more, got {args.workers}")
    if args.width_mult is not None and not args.width_mult > 0:
        ap.error(f"--width-mult must be above 0, got {args.width_mult}")
    if args.engine_val is not None and not args.engine_val.is_file():
        ap.error(f"--engine-val: no file {args.engine_val} (python training/engine_crops.py --split val)")
    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(args.device)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    synth = np.load(OUT_DIR / "ocr_synth_train.npz")
    synth_images, synth_texts = synth["images"], [str(t) for t in synth["texts"]]
    sval = np.load(OUT_DIR / "ocr_synth_val.npz")
    sval_images, sval_texts = sval["images"], [str(t) for t in sval["texts"]]
    real_images, real_texts = load_real("fit" if args.select else "train")
    val_store, val_texts = load_real("val")
    val_images = np.stack([plain_real(v) for v in val_store])
    print(f"synthetic {len(synth_texts)}, real train {len(real_texts)}, real val {len(val_texts)}, device {device}",
          flush=True)
    select = None
    if args.select:
        select_store, select_texts = load_real("select")
        select = (np.stack([plain_real(v) for v in select_store]), select_texts,
                  *framed_validation(select_store, select_texts))
        print(f"real train plates held out to pick the checkpoint: {len(select_texts)} crops", flush=True)
    backgrounds = []
    if args.framed > 0:
        backgrounds = [cv2.cvtColor(b, cv2.COLOR_RGB2GRAY) for b in load_backgrounds(background_paths("train", 300, args.seed))]
    framed_images, framed_texts = framed_validation(val_store, val_texts)
    engine_images, engine_texts = None, []
    if args.engine_crops and args.engine_fraction > 0:
        engine = np.load(args.engine_crops)
        engine_images, engine_texts = engine["images"], [str(t) for t in engine["texts"]]
        if args.select:  # the held-out plates are not trained on in any form
            keep = np.array([not in_selection_split(t) for t in engine_texts], bool)
            engine_images, engine_texts = engine_images[keep], [t for t, k in zip(engine_texts, keep) if k]
        print(f"engine-cut real train crops {len(engine_texts)}", flush=True)

    engine_val = None
    if args.engine_val:
        engine_val = np.load(args.engine_val)
        engine_val = (engine_views(engine_val["images"]), [str(t) for t in engine_val["texts"]])
        if not set(engine_val[1]) <= set(select[1] if select is not None else val_texts):
            ap.error(f"--engine-val {args.engine_val} holds plates outside the "
                     f"{'select' if args.select else 'val'} split (engine_crops.py --split {'select' if args.select else 'val'})")
        print(f"engine-cut {'held-out train' if args.select else 'val'} plates {len(engine_val[1])}", flush=True)

    resume_state, resume_entries = checkpoint_contents(args.resume) if args.resume else (None, {})
    if args.select and args.resume and not resume_entries.get("held_out_select"):
        # The shipped OCR reads the held-out train plates 99 % exactly (val: 92 %): it trained on them.
        print(f"warning: --resume {args.resume} was not trained with --select, so it has seen the held-out "
              "plates and the checkpoint picked on them favours memory over reading", flush=True)
    if args.trunk_blocks is not None:
        trunk = tuple(b.strip() for b in args.trunk_blocks.split(",") if b.strip())
    else:
        trunk = ocr_trunk_blocks(resume_state) if resume_state is not None else None
    width = args.width_mult if args.width_mult is not None else ocr_width_mult(resume_state) if resume_state is not None else 1.0
    if resume_state is not None and width != ocr_width_mult(resume_state):
        ap.error(f"--width-mult {width} differs from the {ocr_width_mult(resume_state)} of --resume {args.resume}")
    net = build_ocr(width_mult=width, context_dilations=tuple(int(d) for d in args.context_dilations.split(",") if d.strip()),
                    trunk_blocks=trunk)
    if resume_state is not None:
        added = load_ocr_state(net, resume_state)
        if added:
            print(f"layers new to the checkpoint (start as the identity): {', '.join(added)}", flush=True)
    net.to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    ema_net = None
    if args.ema > 0:
        ema_net = copy.deepcopy(net).eval()
    deadline = time.time() + args.minutes * 60
    start = time.time()
    step, best, log = 0, -1.0, []
    make = BatchMaker(args, synth_images, synth_texts, real_images, real_texts, backgrounds, engine_images, engine_texts)
    batches = None
    if args.workers > 0:
        batches = iter(torch.utils.data.DataLoader(WorkerBatches(make, args.seed), batch_size=None,
                                                   num_workers=args.workers, prefetch_factor=4,
                                                   pin_memory=device.type == "cuda"))
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=args.bf16 and device.type == "cuda")
    while time.time() < deadline:
        progress = (time.time() - start) / (args.minutes * 60)
        lr = args.lr * min(1.0, (step + 1) / 50) * 0.5 * (1 + np.cos(np.pi * min(progress, 1.0)))
        for g in opt.param_groups:
            g["lr"] = lr
        if batches is not None:
            images, texts = next(batches)
            x = normalised(images.to(device, non_blocking=True))
        else:
            batch, texts = make(rng)
            x = to_tensor(batch).to(device)
        with autocast:
            logits = net(x)[:, :, 0, :]                         # [N, K, T]
        log_probs = F.log_softmax(logits.float(), 1).permute(2, 0, 1)  # [T, N, K]
        targets, lengths = ctc_batch(texts)
        targets, lengths = targets.to(device), lengths.to(device)
        inputs = torch.full((len(texts),), log_probs.shape[0], dtype=torch.long, device=device)
        loss = F.ctc_loss(log_probs, targets, inputs, lengths, blank=0, zero_infinity=True)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        step += 1
        if ema_net is not None:
            update_ema(ema_net, net, min(args.ema, (1 + step) / (10 + step)))
        if step % 50 == 0:
            print(f"step {step} loss {loss.item():.3f} lr {lr:.5f} t {time.time()-start:.0f}s", flush=True)
        if step % args.eval_every == 0 or time.time() >= deadline:
            judged = ema_net if ema_net is not None else net
            real_acc, _ = exact_match(judged, val_images, val_texts)
            framed_acc, _ = exact_match(judged, framed_images, framed_texts)
            synth_acc, _ = exact_match(judged, sval_images, sval_texts)
            entry = {"step": step, "real_val": real_acc, "framed_val": framed_acc, "synth_val": synth_acc}
            if engine_val is not None:
                entry["engine_select" if args.select else "engine_val"] = engine_match(judged, *engine_val)
            if select is not None:
                entry["real_select"], _ = exact_match(judged, select[0], select[1])
                entry["framed_select"], _ = exact_match(judged, select[2], select[3])
            log.append(entry)
            print(f"eval step {step}: real US val {real_acc:.3f}, framed {framed_acc:.3f}, synthetic val {synth_acc:.3f}"
                  + (f", held-out train {entry['real_select']:.3f}, framed {entry['framed_select']:.3f}" if select is not None else "")
                  + (f", engine-cut {'held-out train' if args.select else 'val'} {entry['engine_select' if args.select else 'engine_val']:.3f}"
                     if engine_val is not None else ""), flush=True)
            state = {"state_dict": cpu_state(judged), **entry, "held_out_select": args.select}
            torch.save(state, OUT_DIR / "ocr_last.pt")
            # Picked on the engine-cut val plates as the engine reads them where given (ties go to
            # the crop checks), else on the real val crops, whole and framed as in photos, and synthetic val.
            # With --select, the held-out train plates stand in for val throughout.
            if select is not None:
                score = entry["real_select"] + entry["framed_select"] + 0.25 * synth_acc
            else:
                score = real_acc + framed_acc + 0.25 * synth_acc
            if engine_val is not None:
                score = entry["engine_select" if args.select else "engine_val"] + 1e-3 * score
            if score > best:
                best = score
                torch.save(state, OUT_DIR / "ocr_best.pt")
    (OUT_DIR / "ocr_train_log.json").write_text(json.dumps(log, indent=1))


if __name__ == "__main__":
    main()

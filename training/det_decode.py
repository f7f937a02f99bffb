"""Detector targets and decoding, mirroring the engine's decoding (docs/model-format.md).

Cell (i, j) of the stride-s output has its centre at ((j + 0.5) * s, (i + 0.5) * s) in network
input pixels; geometry channel 2k / 2k+1 is corner k's (dx, dy) from that centre divided by
corner_scale, corners in the order TL, TR, BR, BL.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from common import DET_CORNER_SCALE, DET_STRIDE


def make_targets(quads: list[np.ndarray], height: int, width: int, stride: int = DET_STRIDE):
    gh, gw = height // stride, width // stride
    heat = np.zeros((gh, gw), np.float32)
    geom = np.zeros((8, gh, gw), np.float32)
    weight = np.zeros((gh, gw), np.float32)
    ys, xs = np.mgrid[0:gh, 0:gw].astype(np.float32)
    cell_x, cell_y = (xs + 0.5) * stride, (ys + 0.5) * stride
    for q in quads:
        q = np.asarray(q, np.float32).reshape(4, 2)
        x0, y0 = q.min(0)
        x1, y1 = q.max(0)
        cx, cy = q.mean(0)
        sx = max(0.7, (x1 - x0) / stride / 6)
        sy = max(0.7, (y1 - y0) / stride / 6)
        g = np.exp(-(((xs + 0.5) - cx / stride) ** 2 / (2 * sx * sx) + ((ys + 0.5) - cy / stride) ** 2 / (2 * sy * sy)))
        ci, cj = int(np.clip(cy // stride, 0, gh - 1)), int(np.clip(cx // stride, 0, gw - 1))
        g[ci, cj] = 1.0
        heat = np.maximum(heat, g)
        region = (g > 0.3) & (g >= weight)
        for k in range(4):
            geom[2 * k][region] = (q[k, 0] - cell_x[region]) / DET_CORNER_SCALE
            geom[2 * k + 1][region] = (q[k, 1] - cell_y[region]) / DET_CORNER_SCALE
        weight = np.where(region, g, weight)
    return heat, geom, weight


def focal_loss(logits: torch.Tensor, target: torch.Tensor, alpha=2.0, beta=4.0) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss, on logits for numerical stability."""
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    neg = 1 - pos
    log_p = F.logsigmoid(logits)
    log_1mp = F.logsigmoid(-logits)
    pos_loss = -((1 - p) ** alpha) * log_p * pos
    neg_loss = -((1 - target) ** beta) * (p ** alpha) * log_1mp * neg
    n = pos.sum().clamp(min=1)
    return (pos_loss.sum() + neg_loss.sum()) / n


def decode(heatmap: np.ndarray, geometry: np.ndarray, threshold=0.3, nms_iou=0.3,
           stride=DET_STRIDE, corner_scale=DET_CORNER_SCALE):
    """heatmap [H, W] (after sigmoid), geometry [8, H, W] -> list of (score, quad[4,2], box)."""
    hm = torch.from_numpy(heatmap)[None, None]
    peaks = (hm == F.max_pool2d(hm, 3, 1, 1))[0, 0].numpy() & (heatmap > threshold)
    dets = []
    for i, j in zip(*np.nonzero(peaks)):
        cx, cy = (j + 0.5) * stride, (i + 0.5) * stride
        q = geometry[:, i, j].reshape(4, 2) * corner_scale + np.array([cx, cy])
        box = (*q.min(0), *q.max(0))
        dets.append((float(heatmap[i, j]), q, box))
    dets.sort(key=lambda d: -d[0])
    kept = []
    for d in dets:
        if all(iou(d[2], k[2]) < nms_iou for k in kept):
            kept.append(d)
    return kept


def intersection(a, b) -> float:
    """Overlap area of two (x0, y0, x1, y1) boxes."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def area(b) -> float:
    return (b[2] - b[0]) * (b[3] - b[1])


def iou(a, b) -> float:
    inter = intersection(a, b)
    union = area(a) + area(b) - inter
    return inter / union if union > 0 else 0.0


def match(dets_boxes, gt_boxes, iou_threshold=0.3):
    """Greedy matching; returns (true positives, false positives, ground-truth count)."""
    used = set()
    tp = 0
    for d in dets_boxes:
        best, best_j = 0.0, -1
        for j, g in enumerate(gt_boxes):
            if j in used:
                continue
            v = iou(d, g)
            if v > best:
                best, best_j = v, j
        if best >= iou_threshold:
            used.add(best_j)
            tp += 1
    return tp, len(dets_boxes) - tp, len(gt_boxes)

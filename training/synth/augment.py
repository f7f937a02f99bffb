"""Photometric and geometric corruption shared by the OCR and detector generators."""
from __future__ import annotations

import cv2
import numpy as np


def motion_blur(img, rng):
    k = int(rng.integers(3, 8))
    kernel = np.zeros((k, k), np.float32)
    kernel[k // 2, :] = 1.0 / k
    rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
    kernel = cv2.warpAffine(kernel, rot, (k, k))
    kernel /= max(kernel.sum(), 1e-6)
    return cv2.filter2D(img, -1, kernel)


def shadow(img, rng):
    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.float32)
    pts = np.array([[rng.uniform(-0.2, 1.2) * w, rng.uniform(-0.2, 1.2) * h] for _ in range(4)], np.int32)
    cv2.fillPoly(mask, [pts], 1.0)
    mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, 0.03 * w))
    strength = rng.uniform(0.3, 0.7)
    factor = 1 - strength * mask
    if img.ndim == 3:
        factor = factor[:, :, None]
    return np.clip(img.astype(np.float32) * factor, 0, 255).astype(np.uint8)


def jpeg(img, rng, low=15, high=80):
    quality = int(rng.integers(low, high))
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED) if ok else img


def photometric(img: np.ndarray, rng, strength: float = 1.0) -> np.ndarray:
    """Lighting, blur, noise, shadows and compression on a uint8 image (grey or RGB)."""
    out = img
    if rng.random() < 0.3 * strength:
        out = shadow(out, rng)
    f = out.astype(np.float32)
    # Contrast, brightness and gamma.
    contrast = rng.uniform(0.5, 1.3) if rng.random() < 0.8 else 1.0
    bright = rng.uniform(-50, 50)
    f = (f - 128) * contrast + 128 + bright
    f = np.clip(f, 0, 255)
    if rng.random() < 0.5:
        gamma = rng.uniform(0.6, 1.8)
        f = 255 * (f / 255) ** gamma
    if f.ndim == 3 and rng.random() < 0.4:  # colour cast (night lighting, sodium lamps)
        f = f * rng.uniform(0.75, 1.2, 3)[None, None, :]
    out = np.clip(f, 0, 255).astype(np.uint8)
    r = rng.random()
    if r < 0.25 * strength:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 1.6))
    elif r < 0.4 * strength:
        out = motion_blur(out, rng)
    if rng.random() < 0.5 * strength:
        noise = rng.normal(0, rng.uniform(2, 12), out.shape)
        out = np.clip(out.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.5 * strength:
        out = jpeg(out, rng)
    return out


def tint(plate: np.ndarray, rng) -> np.ndarray:
    """A white-background RGB plate recoloured as a coloured plate (yellow taxi and commercial
    plates, gold, orange, pale blue or green state designs): each channel scaled by a factor in
    0.25-1, the strongest at 1, so the background takes the colour and dark characters stay dark."""
    factors = rng.uniform(0.25, 1.0, 3)
    factors[rng.integers(3)] = 1.0
    return np.clip(plate.astype(np.float32) * factors[None, None, :], 0, 255).astype(np.uint8)


def plate_frame(plate: np.ndarray, rng) -> np.ndarray:
    """Draws a licence plate frame: a thick band over the edges, often covering the footer."""
    h, w = plate.shape[:2]
    out = plate.copy()
    colour = tuple(int(v) for v in (rng.integers(0, 60, 3) if rng.random() < 0.6 else rng.integers(150, 230, 3)))
    top = int(h * rng.uniform(0.0, 0.1))
    bottom = int(h * rng.uniform(0.0, 0.2))
    side = int(w * rng.uniform(0.0, 0.04))
    if top:
        out[:top] = colour
    if bottom:
        out[h - bottom:] = colour
    if side:
        out[:, :side] = colour
        out[:, w - side:] = colour
    return out


def occlude(img: np.ndarray, rng, max_frac=0.15) -> np.ndarray:
    """A small random blob (a tow hitch, a bike rack bar) over part of the plate."""
    h, w = img.shape[:2]
    out = img.copy()
    bw, bh = int(w * rng.uniform(0.03, max_frac)), int(h * rng.uniform(0.1, 0.5))
    x, y = int(rng.integers(0, max(1, w - bw))), int(rng.integers(0, max(1, h - bh)))
    out[y:y + bh, x:x + bw] = rng.integers(0, 255)
    return out


def random_quad(w: float, h: float, rng, tilt: float = 0.12, rot_deg: float = 8) -> np.ndarray:
    """Corners (TL, TR, BR, BL) of a w x h plate seen in perspective, centred at 0."""
    pts = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]], np.float32)
    # Perspective: one side shorter than the other (yaw) and top vs bottom (pitch).
    yaw = rng.uniform(-tilt, tilt)
    pitch = rng.uniform(-tilt / 2, tilt / 2)
    pts[[0, 3], 1] *= 1 + yaw
    pts[[1, 2], 1] *= 1 - yaw
    pts[[0, 1], 0] *= 1 + pitch
    pts[[2, 3], 0] *= 1 - pitch
    a = np.deg2rad(rng.uniform(-rot_deg, rot_deg))
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], np.float32)
    shear = rng.uniform(-0.08, 0.08)
    pts[:, 0] += shear * pts[:, 1]
    return pts @ rot.T

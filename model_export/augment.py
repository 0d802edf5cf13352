"""Training augmentation that respects the face.

The model input is aligned by the landmarks, so moving the whole image would
be undone by the alignment. What varies on a real device is the landmark fit
itself, so augmentation perturbs the landmarks used for alignment (a small
rotation, scale and shift: the crop then sits a little off, as it does when
dlib's fit is off) and jitters single points (the drawing wobbles as it does
from frame to frame). A horizontal flip swaps the left and right landmark
indices, so index 36 stays the subject's right eye. Camera differences are
imitated by blur and noise on the crop, and a hand, glasses or a nasal
cannula by a patch of the crop hidden (random erasing): the model then cannot
lean on any one part of the face, and the drawing channel still shows it.
Optionally, pairs of faces are blended with their targets (mixup), so the
network is trained between the classes as well as on them: with folder
labels as noisy as FER2013's, it then learns less of each face's own label.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from device.expression.preprocess import InputSpec, model_input
from device.vision.geometry import MIRROR, eye_line_frame

MAX_ROTATION_DEG = 8.0
MAX_SCALE = 0.08
MAX_SHIFT = 0.06  # eye-line units
POINT_JITTER = 0.012  # eye-line units, per point
ERASE_PROBABILITY = 0.3
ERASE_AREA = (0.03, 0.12)  # fraction of the crop hidden


def mirror_face(gray: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The face flipped left-right, with landmark indices swapped so that
    index 36 is still the subject's right eye (training's horizontal flip)."""
    width = gray.shape[1]
    flipped = points[MIRROR].astype(np.float64).copy()
    flipped[:, 0] = (width - 1) - flipped[:, 0]
    return cv2.flip(gray, 1), flipped


def erase_patch(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A copy of the crop with one rectangle of it replaced by noise."""
    height, width = gray.shape
    area = rng.uniform(*ERASE_AREA) * height * width
    aspect = math.exp(rng.uniform(math.log(0.5), math.log(2.0)))
    h = min(height, max(1, round(math.sqrt(area * aspect))))
    w = min(width, max(1, round(math.sqrt(area / aspect))))
    top, left = int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1))
    erased = gray.copy()
    erased[top : top + h, left : left + w] = rng.integers(0, 256, (h, w), dtype=np.uint8)
    return erased


def augmented_input(crop: np.ndarray, points: np.ndarray, spec: InputSpec, rng: np.random.Generator) -> np.ndarray:
    gray, pts = crop, points.astype(np.float64)
    if rng.random() < 0.5:
        gray, pts = mirror_face(gray, pts)
    frame = eye_line_frame(pts)
    angle = math.radians(rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG))
    scale = 1 + rng.uniform(-MAX_SCALE, MAX_SCALE)
    c, s = math.cos(angle) * scale, math.sin(angle) * scale
    centred = pts - frame.origin
    moved = centred @ np.array([[c, -s], [s, c]]).T + frame.origin
    moved += rng.uniform(-MAX_SHIFT, MAX_SHIFT, size=2) * frame.unit
    moved += rng.normal(0, POINT_JITTER * frame.unit, size=moved.shape)
    if rng.random() < 0.25:
        gray = cv2.GaussianBlur(gray, (0, 0), rng.uniform(0.5, 1.2))
    if rng.random() < 0.25:
        noise = rng.normal(0, rng.uniform(2, 8), size=gray.shape)
        gray = np.clip(gray + noise, 0, 255).astype(np.uint8)
    if rng.random() < ERASE_PROBABILITY:
        gray = erase_patch(gray, rng)
    return model_input(gray, moved, spec)


def mixed_pairs(
    x: np.ndarray, targets: np.ndarray, alpha: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Mixup: each input blended with another of the same epoch, and so its target.

    The weight is drawn from Beta(alpha, alpha) and folded to at least a half,
    so each blend stays mostly its own face, and keeps its own class weight
    (train passes it). alpha 0 returns the inputs as floats.
    """
    x = x.astype(np.float32)
    if alpha <= 0:
        return x, targets
    weight = rng.beta(alpha, alpha, size=len(x)).astype(np.float32)
    weight = np.maximum(weight, 1 - weight)
    partner = rng.permutation(len(x))
    shape = (-1,) + (1,) * (x.ndim - 1)
    blended = weight.reshape(shape) * x + (1 - weight).reshape(shape) * x[partner]
    blended_targets = weight[:, None] * targets + (1 - weight[:, None]) * targets[partner]
    return blended, blended_targets.astype(np.float32)

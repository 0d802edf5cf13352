"""Move chosen landmarks of a real face photo and warp the image to match.

A piecewise-affine warp (scikit-image) over the 68 landmarks plus fixed
anchors on the image border: the face changes where the landmarks moved and
nowhere else. This turns one photo into expressions with a known, even
one-sided, movement: the embedded demo and the geometry tests use it.
Movements are given in eye-line units (1 = distance between the eye centres),
along the eye-line frame's axes, so they mean the same at any image size.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from skimage.transform import PiecewiseAffineTransform, warp

from device.vision.geometry import eye_line_frame

# landmark index -> (dx, dy) in eye-line units; y grows downwards.
Movement = Mapping[int, tuple[float, float]]


def _border_anchors(width: int, height: int, per_side: int = 5) -> np.ndarray:
    xs = np.linspace(0, width - 1, per_side)
    ys = np.linspace(0, height - 1, per_side)
    top = np.stack([xs, np.zeros_like(xs)], axis=1)
    bottom = np.stack([xs, np.full_like(xs, height - 1)], axis=1)
    left = np.stack([np.zeros_like(ys[1:-1]), ys[1:-1]], axis=1)
    right = np.stack([np.full_like(ys[1:-1], width - 1), ys[1:-1]], axis=1)
    return np.concatenate([top, bottom, left, right])


def moved_points(points: np.ndarray, movement: Movement, amount: float = 1.0) -> np.ndarray:
    """The landmarks after `movement` (scaled by `amount`), in image pixels."""
    frame = eye_line_frame(points)
    # Turn frame-axis offsets into image-pixel offsets: rotate and scale, no shift.
    offsets = np.zeros((len(points), 2))
    for index, (dx, dy) in movement.items():
        offsets[index] = (dx * amount, dy * amount)
    image_offsets = frame.to_image(offsets) - frame.origin
    return points.astype(np.float64) + image_offsets


def warp_face(image: np.ndarray, points: np.ndarray, movement: Movement, amount: float = 1.0) -> np.ndarray:
    """`image` (uint8, H x W x C) with the landmarks moved; same size and type."""
    height, width = image.shape[:2]
    anchors = _border_anchors(width, height)
    source = np.concatenate([points.astype(np.float64), anchors])
    target = np.concatenate([moved_points(points, movement, amount), anchors])
    # warp() maps output pixels back to input pixels, so estimate target -> source.
    transform = PiecewiseAffineTransform.from_estimate(target, source)
    if not transform:
        raise ValueError(f"the landmark movement cannot be warped ({transform}): use a smaller amount")
    warped = warp(image, transform, output_shape=image.shape, order=1, mode="edge", preserve_range=True)
    return np.clip(np.round(warped), 0, 255).astype(np.uint8)


def _with_neighbours(
    main: dict[int, tuple[float, float]], neighbours: Mapping[int, float]
) -> dict[int, tuple[float, float]]:
    """Add neighbouring points that follow a main point by a fraction, so the
    skin around a moved point stretches smoothly instead of forming a spike."""
    moves = dict(main)
    for index, fraction in neighbours.items():
        leader = min(main, key=lambda m: abs(m - index))
        dx, dy = main[leader]
        moves[index] = (dx * fraction, dy * fraction)
    return moves


# Movements of the subject's sides (right = landmarks 48, 36-41, 17-21, ...).
RIGHT_SMILE: Movement = _with_neighbours({48: (-0.06, -0.10)}, {49: 0.5, 59: 0.5, 60: 0.6})
LEFT_SMILE: Movement = _with_neighbours({54: (0.06, -0.10)}, {53: 0.5, 55: 0.5, 64: 0.6})
SMILE: Movement = {**RIGHT_SMILE, **LEFT_SMILE}
BROW_RAISE: Movement = {i: (0.0, -0.10) for i in range(17, 27)} | {i: (0.0, -0.03) for i in (37, 38, 43, 44)}
PUCKER: Movement = _with_neighbours({48: (0.09, 0.0)}, {49: 0.5, 59: 0.5, 60: 0.7}) | _with_neighbours(
    {54: (-0.09, 0.0)}, {53: 0.5, 55: 0.5, 64: 0.7}
)


def eye_closure(points: np.ndarray, fraction: float) -> Movement:
    """Upper lids lowered `fraction` of the way to the lower lids."""
    frame = eye_line_frame(points)
    aligned = frame.to_frame(points.astype(np.float64))
    moves: dict[int, tuple[float, float]] = {}
    for upper, lower in ((37, 41), (38, 40), (43, 47), (44, 46)):
        dx, dy = (aligned[lower] - aligned[upper]) * fraction
        moves[upper] = (float(dx), float(dy))
    return moves


# One-sided movements as a real face makes them. A one-sided smile does not
# move the mouth corner alone: it drags the lips' midline (51, 57, 62, 66)
# towards the moving side and lifts the lip on that side, while the still
# side's corner stays nearly where it was. Measures that refer to the midline
# read such a smile as moving both sides; these warps test that ours do not.
_MIDLINE_LIPS = (51, 57, 62, 66)


def one_sided_smile(side: str, amount: float = 1.0) -> Movement:
    """The subject's `side` ("right" or "left") smiles; the other stays still."""
    sign = -1.0 if side == "right" else 1.0  # outwards along x for that side
    corner, lip_top, lip_bottom, inner = (48, 49, 59, 60) if side == "right" else (54, 53, 55, 64)
    upper_mid = 50 if side == "right" else 52
    lower_mid = 58 if side == "right" else 56
    moves: dict[int, tuple[float, float]] = {
        corner: (sign * 0.06 * amount, -0.10 * amount),
        lip_top: (sign * 0.04 * amount, -0.07 * amount),
        lip_bottom: (sign * 0.04 * amount, -0.06 * amount),
        inner: (sign * 0.045 * amount, -0.07 * amount),
        upper_mid: (sign * 0.03 * amount, -0.04 * amount),
        lower_mid: (sign * 0.03 * amount, -0.03 * amount),
    }
    for index in _MIDLINE_LIPS:
        moves[index] = (sign * 0.025 * amount, -0.02 * amount)  # dragged towards the moving side
    return moves


def uneven_smile(right: float, left: float) -> Movement:
    """Both sides smile, the right by `right` and the left by `left` (1 is
    one_sided_smile's full movement); the lips' midline goes where the two
    pulls add up, as in a real face with one side weaker."""
    moves = {**one_sided_smile("right", right), **one_sided_smile("left", left)}
    for index in _MIDLINE_LIPS:
        (rx, ry), (lx, ly) = one_sided_smile("right", right)[index], one_sided_smile("left", left)[index]
        moves[index] = (rx + lx, ry + ly)
    return moves


def one_sided_brow_raise(side: str, amount: float = 1.0) -> Movement:
    brow = range(17, 22) if side == "right" else range(22, 27)
    lids = (37, 38) if side == "right" else (43, 44)
    return {i: (0.0, -0.10 * amount) for i in brow} | {i: (0.0, -0.03 * amount) for i in lids}


def one_sided_eye_closure(points: np.ndarray, side: str, fraction: float) -> Movement:
    pairs = ((37, 41), (38, 40)) if side == "right" else ((43, 47), (44, 46))
    upper = {u for u, _ in pairs}
    return {i: move for i, move in eye_closure(points, fraction).items() if i in upper}


def one_sided_pucker(side: str, amount: float = 1.0) -> Movement:
    """The side's corner pushed inwards; the lips' midline follows it part way."""
    sign = 1.0 if side == "right" else -1.0  # inwards along x for that side
    corner, lip_top, lip_bottom, inner = (48, 49, 59, 60) if side == "right" else (54, 53, 55, 64)
    moves: dict[int, tuple[float, float]] = {
        corner: (sign * 0.09 * amount, 0.0),
        lip_top: (sign * 0.05 * amount, 0.0),
        lip_bottom: (sign * 0.05 * amount, 0.0),
        inner: (sign * 0.06 * amount, 0.0),
    }
    for index in _MIDLINE_LIPS:
        moves[index] = (-sign * 0.015 * amount, 0.0)  # drawn towards the moving side (its corner pulls the lips)
    return moves


def one_sided_snarl(side: str, amount: float = 1.0) -> Movement:
    """Nostril wing and upper lip lifted on one side; the nose tip and the lip's midline follow a little."""
    nostril, lip = (31, 50) if side == "right" else (35, 52)
    near_nostril = 32 if side == "right" else 34
    return {
        nostril: (0.0, -0.05 * amount),
        near_nostril: (0.0, -0.025 * amount),
        lip: (0.0, -0.05 * amount),
        33: (0.0, -0.012 * amount),
        51: (0.0, -0.02 * amount),
    }

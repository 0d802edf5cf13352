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

"""Landmarks -> model input: the one function used both in training and on
the device, so the two can never drift apart.

The face is aligned in the eye-line frame (device/vision/geometry.py): eyes
level, at the same height and distance apart in every input. Two renderings
of it, as channels:

- the aligned face crop, histogram-equalized so that lighting and camera
  exposure matter less; at one level of detail whatever the camera, where
  the model's input says so (DETAIL_PX);
- a drawing of the 68 landmarks, each facial part as a line of its own grey
  level, anti-aliased, rendered in memory (the seed plotted landmarks with
  matplotlib and saved a JPEG).

`Representation` picks the crop, the drawing, or both as two channels.
Any change to what this module produces for a training face must bump
PREPROCESSING_VERSION: the model card records it and the device refuses a
model made for another. (Anti-aliasing faces larger than any training face,
resampled_square, left every training input as it was: tests/test_augment
and tests/test_expression check that it still does.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np

from device.vision.geometry import eye_line_frame

PREPROCESSING_VERSION = 1

# The aligned square spans SPAN eye-line units; the eye line sits EYE_LINE of
# the way down. That keeps brows to chin in view (the chin is about 1.8 units
# below the eyes) with a little margin for head movement.
SPAN = 2.5
EYE_LINE = 0.36

# A model may take the aligned crop at a fixed level of detail: reduced to
# DETAIL_PX pixels across the square and brought back, whatever the photo's
# resolution. FER2013's faces (the training data) span a median of 44 px
# across this square (25th percentile 40), so a sharp camera frame or studio
# photo carries detail no training face had. Each model's card says which
# detail it was trained with (none: the crop's own). Measured so far (README,
# "The expression model"): on FER2013 faces it changes nothing, as expected,
# and it did not lift a model's score on posed-like faces.
DETAIL_PX = 40

# The most the plain bilinear warp may shrink the photo (see resampled_square).
MAX_WARP_SHRINK = 2.5


class Representation(StrEnum):
    CROP = "crop"
    DRAWING = "drawing"
    BOTH = "both"

    @property
    def channels(self) -> int:
        return 2 if self is Representation.BOTH else 1


# Facial parts in the drawing: (indices, closed, grey level).
_PARTS: tuple[tuple[tuple[int, ...], bool, int], ...] = (
    (tuple(range(0, 17)), False, 90),  # jaw
    (tuple(range(17, 22)), False, 170),  # brows
    (tuple(range(22, 27)), False, 170),
    (tuple(range(27, 31)), False, 120),  # nose bridge
    ((*range(30, 36), 30), False, 120),  # nose tip and nostrils
    (tuple(range(36, 42)), True, 255),  # eyes
    (tuple(range(42, 48)), True, 255),
    (tuple(range(48, 60)), True, 210),  # outer lips
    (tuple(range(60, 68)), True, 150),  # inner lips
)


@dataclass(frozen=True)
class InputSpec:
    """What one model takes: the square's size, the representation, the
    detail (pixels across) the crop is reduced to first (None keeps it all),
    and the view: how many eye-line units the square spans and how far down
    it the eye line sits. Training uses the default view; a card names the
    view its model is run with (the README's test-time views)."""

    size: int
    representation: Representation
    detail: int | None = None
    span: float = SPAN
    eye_line: float = EYE_LINE


def alignment(points: np.ndarray, size: int, span: float = SPAN, eye_line: float = EYE_LINE) -> np.ndarray:
    """The 2x3 affine matrix taking image pixels to the aligned square."""
    frame = eye_line_frame(points)
    scale = size / (span * frame.unit)
    c, s = math.cos(-frame.roll) * scale, math.sin(-frame.roll) * scale
    ox, oy = frame.origin
    # Rotate and scale about the eye midpoint, then put it on the square's
    # vertical centre line ((size - 1) / 2 in pixel-centre coordinates, so that
    # a mirrored face gives exactly the mirrored input) at eye_line of the height.
    return np.array(
        [
            [c, -s, (size - 1) / 2 - (c * ox - s * oy)],
            [s, c, eye_line * size - (s * ox + c * oy)],
        ],
        dtype=np.float64,
    )


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    return points.astype(np.float64) @ matrix[:, :2].T + matrix[:, 2]


def aligned_crop(gray: np.ndarray, points: np.ndarray, spec: InputSpec) -> np.ndarray:
    """The face, aligned in the spec's view, at its detail and histogram-equalized, size x size uint8."""
    matrix = alignment(points, spec.size, spec.span, spec.eye_line)
    return cv2.equalizeHist(matched_detail(resampled_square(gray, matrix, spec.size), spec.detail))


def resampled_square(gray: np.ndarray, matrix: np.ndarray, size: int) -> np.ndarray:
    """The size x size square that `matrix` (image pixels -> square) maps the
    photo to, without aliasing however far it shrinks the face.

    A bilinear warp reads only the 2 x 2 pixels nearest each output pixel. A
    face far larger than the square (a camera frame at arm's length, a studio
    photo: 4 to 6 times larger) is then sampled, not averaged: skin texture,
    hair and sensor noise fold into grain and false edges that no training face
    had. Beyond MAX_WARP_SHRINK the square is warped at k times its size, k the
    shrink rounded up, so that the warp reads every pixel, and then
    area-averaged by k. A training face for a 48 px or larger input (prepare's
    canonical crop, shrunk about 2.1 times, 2.3 at the augmentation's largest
    scale) never reaches that step, so its input is the plain warp's, unchanged.
    """
    shrink = 1.0 / math.hypot(matrix[0, 0], matrix[0, 1])
    if shrink <= MAX_WARP_SHRINK:
        return cv2.warpAffine(gray, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    k = math.ceil(shrink)
    # Output pixel i covers pixels k*i .. k*i + k - 1 of the larger square,
    # centred on k*i + (k - 1) / 2: the matrix scaled by k and shifted so.
    larger = matrix * k
    larger[:, 2] += (k - 1) / 2
    square = cv2.warpAffine(gray, larger, (size * k, size * k), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return cv2.resize(square, (size, size), interpolation=cv2.INTER_AREA)


def matched_detail(crop: np.ndarray, detail: int | None) -> np.ndarray:
    """The crop reduced to `detail` pixels across (area averaging, so nothing
    aliases) and brought back to its size."""
    size = crop.shape[0]
    if detail is None or size <= detail:
        return crop
    small = cv2.resize(crop, (detail, detail), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (size, size), interpolation=cv2.INTER_LINEAR)


def landmark_drawing(points: np.ndarray, spec: InputSpec) -> np.ndarray:
    """The landmarks drawn in the aligned square of the spec's view, size x size uint8."""
    size = spec.size
    aligned = transform_points(points, alignment(points, size, spec.span, spec.eye_line))
    canvas = np.zeros((size, size), dtype=np.uint8)
    shift = 4  # sub-pixel precision for cv2's drawing functions
    fixed = np.round(aligned * (1 << shift)).astype(np.int32)
    thickness = max(1, round(size / 64))
    for indices, closed, grey in _PARTS:
        cv2.polylines(canvas, [fixed[list(indices)]], closed, grey, thickness, cv2.LINE_AA, shift)
    return canvas


def model_input(gray: np.ndarray, points: np.ndarray, spec: InputSpec) -> np.ndarray:
    """The classifier's input for one face: size x size x channels, uint8."""
    representation = spec.representation
    if representation is Representation.CROP:
        layers = [aligned_crop(gray, points, spec)]
    elif representation is Representation.DRAWING:
        layers = [landmark_drawing(points, spec)]
    else:
        layers = [aligned_crop(gray, points, spec), landmark_drawing(points, spec)]
    return np.stack(layers, axis=-1)

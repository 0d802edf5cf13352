"""A steady landmark fit for still photos: the face brought to one canonical
view, then the mean of several fits of that view and of its mirror image.

Why each step (measured on the astronaut fixture, a two-sided smile whose
symmetry is the ratio of two corner lifts of about 0.08 eye-line units, so a
corner read 0.005 off moves it by about 0.06; docs/measures.md, Repeatability):

- **The canonical view.** dlib's shape predictor reads a face through the box
  it is given, and the detector's box is snapped to whole pixels and to the
  steps of its image pyramid, so the same face photographed a little closer
  or a few pixels aside was fitted from a different box and read differently
  (a smile's symmetry moved by up to 0.056 on the same photos moved 2-4 px
  and scaled by 0.95-1.05). A fit's eye centres place the face, by one
  similarity warp, with its eyes level, CANONICAL_UNIT pixels apart, at the
  same place in the same image, whatever the photo's size, position and
  tilt; every fit there starts from the same box. The view is placed twice
  (PLACINGS): by the detector's single fit, then by the steady fit.
- **The mean of jittered fits.** Even on one view, the predictor's regression
  trees sample pixels at fixed offsets, so a pixel's shift changes the fit:
  the mean over small shifts and scales of the view is steadier. Scale
  mattered most: five scales read Grace Hopper's smile within 0.023 on the
  moved photos, three within 0.05.
- **The mirror image.** dlib's predictor is not left-right symmetric: on the
  astronaut an even smile (both corners lifted alike) read 0.075 on the right
  and 0.085 on the left, symmetry 0.89. The mirrored view's fit, mapped back
  point by point, has the opposite lean; the mean of the two cancels the
  predictor's own lean and keeps the face's (each side's points stay that
  side's). The even smile then reads 0.99, and a one-sided one stays under 0.12.

Together: the same photos moved and scaled read within 0.05 of the photos as
taken, on both fixture faces (tests/test_measures_validated.py). A live
session does not use this: it follows each side's 90th percentile over many
frames. `assess` does (a photo pair has one frame each).
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from device.vision.analysis import FaceAnalysis, analyse_face
from device.vision.geometry import MIRROR, eye_line_frame
from device.vision.landmarks import Box, FaceLandmarker, FaceResult

# The canonical view: the eye centres CANONICAL_UNIT px apart (about a face in
# front of the kiosk's camera at 640x480), level, their midpoint at EYES_AT.
CANONICAL_UNIT = 80.0
CANONICAL_SIZE = (320, 320)  # width, height
EYES_AT = ((CANONICAL_SIZE[0] - 1) / 2, 130.0)  # the middle column: the mirror keeps it
# The box the predictor starts from, as dlib's detector places it around a
# face (median over the fixture faces: 2.3 eye distances wide and high,
# centred half an eye distance below the eyes' midpoint).
_HALF_BOX = 1.15 * CANONICAL_UNIT
_BOX_CENTRE = (EYES_AT[0], EYES_AT[1] + 0.5 * CANONICAL_UNIT)
CANONICAL_BOX = Box(
    _BOX_CENTRE[0] - _HALF_BOX, _BOX_CENTRE[1] - _HALF_BOX, _BOX_CENTRE[0] + _HALF_BOX, _BOX_CENTRE[1] + _HALF_BOX
)
# Shifts as a fraction of the box's width, and scales about the box's centre:
# small enough that the face stays the same, large enough that the predictor
# samples different pixels: 45 fits of each view and its mirror, twice
# (PLACINGS), 180 in all: 0.74 s a photo on a loaded 2-core machine (one fit: 0.03 s).
SHIFTS = (-0.02, 0.0, 0.02)
SCALES = (0.96, 0.98, 1.0, 1.02, 1.04)


def canonical_view(points: np.ndarray) -> np.ndarray:
    """The 2 x 3 similarity that takes the photo to the canonical view, placed
    by `points` (a fit of the face, image pixels)."""
    frame = eye_line_frame(points.astype(np.float64))
    scale = CANONICAL_UNIT / frame.unit
    cos, sin = np.cos(-frame.roll) * scale, np.sin(-frame.roll) * scale
    rotation = np.array([[cos, -sin], [sin, cos]])
    shift = np.array(EYES_AT) - rotation @ frame.origin
    return np.hstack([rotation, shift[:, None]])


def _jittered_mean(landmarker: FaceLandmarker, view: np.ndarray, shifts: tuple[float, ...]) -> np.ndarray:
    """The mean of the fits of `view` moved by `shifts` and SCALES, in `view`'s pixels."""
    box = CANONICAL_BOX
    fits = []
    for scale in SCALES:
        for fx in shifts:
            for fy in shifts:
                matrix = cv2.getRotationMatrix2D(_BOX_CENTRE, 0, scale)
                matrix[:, 2] += np.array([fx * box.width, fy * box.width])
                moved = cv2.warpAffine(
                    view, matrix, CANONICAL_SIZE, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
                )
                back = cv2.invertAffineTransform(matrix)
                points = landmarker.fit(moved, box).astype(np.float64)
                fits.append(points @ back[:, :2].T + back[:, 2])
    return np.mean(fits, axis=0)


def _view_fit(
    landmarker: FaceLandmarker, gray: np.ndarray, placed_by: np.ndarray, shifts: tuple[float, ...]
) -> np.ndarray:
    """The mean fit of the canonical view placed by `placed_by` and of its
    mirror image, in `gray`'s pixels."""
    to_view = canonical_view(placed_by)
    enlarging = abs(np.linalg.det(to_view[:, :2])) > 1.0
    view = cv2.warpAffine(
        gray,
        to_view,
        CANONICAL_SIZE,
        flags=cv2.INTER_CUBIC if enlarging else cv2.INTER_AREA,
        borderMode=cv2.BORDER_REPLICATE,
    )
    # The eyes' midpoint and CANONICAL_BOX are on the view's middle column, so
    # the mirrored view's face sits in the same box.
    width = CANONICAL_SIZE[0]
    direct = _jittered_mean(landmarker, view, shifts)
    mirrored = _jittered_mean(landmarker, np.ascontiguousarray(view[:, ::-1]), shifts)
    mirrored[:, 0] = width - 1 - mirrored[:, 0]
    in_view = (direct + mirrored[MIRROR]) / 2
    back = cv2.invertAffineTransform(to_view)
    return in_view @ back[:, :2].T + back[:, 2]


# The view is placed twice: first by the detector's single fit, then by the
# steady fit of that view. On Grace Hopper's portrait (glasses over the eyes)
# a single fit's eye centres moved so much with the photo that, placed once,
# a smile's symmetry still moved by 0.13 on the photos shifted and scaled;
# placed twice, by 0.05.
PLACINGS = 2


def steady_points(landmarker: FaceLandmarker, gray: np.ndarray, face: FaceResult) -> np.ndarray:
    """The steady fit of `face` (found and fitted once in `gray`), image pixels."""
    assert face.points is not None
    points = face.points.astype(np.float64)
    for _ in range(PLACINGS):
        points = _view_fit(landmarker, gray, points, SHIFTS)
    return points


def analyse_still(landmarker: FaceLandmarker, image: np.ndarray, min_face_px: int) -> FaceAnalysis:
    """A still BGR photo: the largest face (as analyse_photo finds it), its
    landmarks the steady fit, and the measures and pose of those."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    face = landmarker.analyse(gray, min_face_px)
    if face.points is None:
        return analyse_face(face, (image.shape[1], image.shape[0]))
    steady = replace(face, points=steady_points(landmarker, gray, face).astype(np.float32))
    return analyse_face(steady, (image.shape[1], image.shape[0]))

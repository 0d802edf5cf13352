"""A steadier landmark fit for still photos: the mean of several fits of the
same face, each on the photo shifted and scaled a little.

Why: dlib's shape predictor reads a face differently when the photo moves by
a pixel or is scaled by a few percent (its regression trees sample pixels at
fixed offsets). On the astronaut fixture a mouth corner moved about 0.01
eye-line units (a pixel) that way, and a two-sided smile's symmetry, the ratio
of two lifts of about 0.09, read anywhere from 0.75 to 1.0 on the same photos
moved a little. Fitting landmarks at sub-pixel precision did not help
(measured: the same spread), averaging fits did: 18 jittered fits brought that
spread from 0.25 to 0.08 (these 125: the same photos moved by 3-6% read
within 0.09 of each other, docs/measures.md). A live session averages over
many frames anyway; a photo pair has only one of each, so `assess` uses this
(about a third of a second a photo).
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from device.vision.analysis import FaceAnalysis, analyse_face
from device.vision.landmarks import FaceLandmarker, FaceResult

# Shifts as a fraction of the face box's width, and scales about the box's
# centre: small enough that the face stays the same, large enough that the
# predictor samples different pixels.
SHIFTS = (-0.02, -0.01, 0.0, 0.01, 0.02)
SCALES = (0.96, 0.98, 1.0, 1.02, 1.04)


def steady_points(landmarker: FaceLandmarker, gray: np.ndarray, face: FaceResult) -> np.ndarray:
    """The mean of the jittered fits of `face` (found in `gray`), image pixels."""
    assert face.box is not None
    box = face.box
    centre = ((box.left + box.right) / 2, (box.top + box.bottom) / 2)
    fits = []
    for scale in SCALES:
        for fx in SHIFTS:
            for fy in SHIFTS:
                matrix = cv2.getRotationMatrix2D(centre, 0, scale)
                matrix[:, 2] += np.array([fx * box.width, fy * box.width])
                moved = cv2.warpAffine(
                    gray, matrix, gray.shape[::-1], flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
                )
                back = cv2.invertAffineTransform(matrix)
                points = landmarker.fit(moved, box).astype(np.float64)
                fits.append(points @ back[:, :2].T + back[:, 2])
    return np.mean(fits, axis=0)


def analyse_still(landmarker: FaceLandmarker, image: np.ndarray, min_face_px: int) -> FaceAnalysis:
    """A still BGR photo: the largest face (as analyse_photo finds it), its
    landmarks the mean of the jittered fits, and the measures and pose of those."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    face = landmarker.analyse(gray, min_face_px)
    if face.points is None:
        return analyse_face(face, (image.shape[1], image.shape[0]))
    steady = replace(face, points=steady_points(landmarker, gray, face).astype(np.float32))
    return analyse_face(steady, (image.shape[1], image.shape[0]))

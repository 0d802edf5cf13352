"""Rest and task photos of several real faces, for the per-side measures'
validation (tests/test_measures_validated.py): the two fixture portraits
large and sharp enough for dlib (the astronaut, Grace Hopper) and the FER2013
neutral fixtures, each warped along its own landmarks into two-sided and
one-sided movements (model_export/face_warp.py), and turned, nodded and
tilted a little between rest and task, as a patient does between photos
(within the live gate's 12 degrees).

A turn is a rotation of the landmarks about the vertical axis with a generic
face's depths (below), warped into the photo: a real head turn moves near
points (the nose) more than far ones (the jaw's edge), which is what moves the
mouth against the eyes.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from device.vision.geometry import eye_line_frame
from model_export.face_warp import Movement, warp_face

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# A generic adult face's depth behind the nose tip, millimetres, by dlib point.
_DEPTH_MM = np.concatenate(
    [
        [95, 85, 75, 64, 55, 47, 41, 37, 35, 37, 41, 47, 55, 64, 75, 85, 95],  # jaw, ear to ear
        [45, 38, 33, 30, 29, 29, 30, 33, 38, 45],  # brows
        [25, 18, 10, 0, 20, 12, 8, 12, 20],  # nose bridge, tip, nostrils
        [38, 31, 31, 30, 32, 32, 30, 31, 31, 38, 32, 32],  # eyes
        [30, 20, 15, 13, 15, 20, 30, 22, 17, 15, 17, 22],  # outer lips
        [30, 18, 15, 18, 30, 18, 16, 18],  # inner lips
    ]
).astype(np.float64)
_EYE_CENTRES_MM = 62.0  # the distance between the eye centres on that face


def head_turn(points: np.ndarray, yaw_degrees: float, pitch_degrees: float = 0.0) -> Movement:
    """The landmark movement of the head turned by `yaw_degrees` (about the
    vertical axis) and nodded by `pitch_degrees`, in eye-line units."""
    aligned = eye_line_frame(points).to_frame(points.astype(np.float64))
    depth = _DEPTH_MM / _EYE_CENTRES_MM
    yaw, pitch = math.radians(yaw_degrees), math.radians(pitch_degrees)
    x, y = aligned[:, 0], aligned[:, 1]
    turned_x = x * math.cos(yaw) + (depth - depth[27]) * math.sin(yaw)
    nodded_y = y * math.cos(pitch) + (depth - depth[27]) * math.sin(pitch)
    return {i: (float(turned_x[i] - x[i]), float(nodded_y[i] - y[i])) for i in range(68)}


def combined(*movements: Movement) -> Movement:
    """Movements added point by point (a smile on a turned head)."""
    total: dict[int, tuple[float, float]] = {}
    for movement in movements:
        for index, (dx, dy) in movement.items():
            x, y = total.get(index, (0.0, 0.0))
            total[index] = (x + dx, y + dy)
    return total


# Head poses of the task photo against the rest photo: (yaw, pitch, roll)
# degrees, within the live gate (12 degrees of turn or tilt), either way.
POSES = ((-6.0, -3.0, 8.0), (-3.0, -1.5, -4.0), (0.0, 0.0, 0.0), (3.0, 1.5, 4.0), (6.0, 3.0, -8.0))


def posed(image: np.ndarray, points: np.ndarray, movement: Movement, pose: tuple[float, float, float]) -> np.ndarray:
    """`image` (whose landmarks are `points`) with `movement` on a head turned
    and nodded by pose's yaw and pitch, then tilted by its roll in the image."""
    yaw, pitch, roll = pose
    moved = warp_face(image, points, combined(movement, head_turn(points, yaw, pitch)))
    if roll == 0.0:
        return moved
    centre = (float(points[:, 0].mean()), float(points[:, 1].mean()))
    tilt = cv2.getRotationMatrix2D(centre, roll, 1.0)
    return cv2.warpAffine(moved, tilt, moved.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)


def hopper_photo() -> np.ndarray:
    """Grace Hopper's portrait cropped to her head, at its own size (the eyes
    about 90 px apart: a face in front of the kiosk's camera), in colour."""
    image = cv2.imread(str(FIXTURES / "grace_hopper.jpg"))
    assert image is not None
    return image[40:440, 70:470].copy()


def fer_faces(limit: int) -> list[np.ndarray]:
    """The first `limit` FER2013 neutral fixture faces, enlarged five times
    (240 px, the size a face has in front of the kiosk's camera), in colour."""
    faces = []
    for path in sorted((FIXTURES / "expressions" / "neutral").glob("*.jpg"))[:limit]:
        gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        assert gray is not None, path
        big = cv2.resize(gray, None, fx=5, fy=5, interpolation=cv2.INTER_CUBIC)
        faces.append(cv2.cvtColor(big, cv2.COLOR_GRAY2BGR))
    return faces

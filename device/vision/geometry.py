"""The eye-line frame, per-side facial measures and head pose.

All measures are taken in the eye-line frame: the face is rotated so the line
between the eyes is horizontal, moved so the midpoint between the eyes is the
origin, and scaled so the distance between the eyes is 1. That makes them
independent of head roll, distance from the camera and image size, so a
patient's numbers can be compared from frame to frame and day to day. In that
frame x grows towards the image's right and y grows downwards.

The brow is measured from the midpoint of the eye's two corners (canthi),
not from the eye centre (the mean of its six points): the lids move the mean
(a closing eye moved it down), which read a closing eye as a brow raise
(a quarter of the target on the demo). The corners are tied to bone.

The nostril wing is measured from the top of the nose bridge (points 27 and
28), not from the eye line: the nose stands in front of the eyes, so a nod
between the rest and the task moved the wings against the eye line on both
sides (a 3 degree nod: about a third of the nose wrinkle's target), and a
one-sided wrinkle read two-sided. The top of the bridge sits about as deep as
the wings, so a nod moves both alike; a wrinkle does not move it.

Indices are dlib's 68-point scheme, 0-based. The subject's right side is the
image's left in an unmirrored frontal photo.

A side's measures use only that side's points and the frame itself (the eye
centres). No measure refers to a point on the mouth's or the chin's midline:
a one-sided smile drags the lips' midline towards the moving side, so a
distance to it changes on both sides and hides the asymmetry a therapist
needs to see.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import NamedTuple

import cv2
import numpy as np


class SideIndices(NamedTuple):
    """The landmarks that describe one side of the face."""

    brow: list[int]
    eye: list[int]
    lids: tuple[tuple[int, int], ...]  # (upper, lower) lid pairs: the palpebral opening
    mouth_corner: int
    nostril: int
    upper_lip: int


RIGHT = SideIndices(list(range(17, 22)), list(range(36, 42)), ((37, 41), (38, 40)), 48, 31, 50)
LEFT = SideIndices(list(range(22, 27)), list(range(42, 48)), ((43, 47), (44, 46)), 54, 35, 52)

# For flipping a face horizontally: landmark i of the flipped face is landmark
# MIRROR[i] of the original (used by measures tests and training augmentation).
MIRROR = np.array(
    list(range(16, -1, -1))  # jaw
    + list(range(26, 16, -1))  # brows
    + [27, 28, 29, 30]  # nose bridge
    + [35, 34, 33, 32, 31]  # nostrils
    + [45, 44, 43, 42, 47, 46]  # right eye <- left eye
    + [39, 38, 37, 36, 41, 40]  # left eye <- right eye
    + [54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55]  # outer lip
    + [64, 63, 62, 61, 60, 67, 66, 65]  # inner lip
)


@dataclass(frozen=True, slots=True)
class EyeLineFrame:
    origin: np.ndarray  # midpoint between the eye centres, image pixels
    roll: float  # angle of the eye line from the image horizontal, radians
    unit: float  # distance between the eye centres, pixels

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        """Image pixels -> eye-line frame (rotated, centred, scaled)."""
        c, s = math.cos(-self.roll), math.sin(-self.roll)
        rotation = np.array([[c, -s], [s, c]], dtype=np.float64)
        return ((points - self.origin) @ rotation.T) / self.unit

    def to_image(self, points: np.ndarray) -> np.ndarray:
        """Eye-line frame -> image pixels (for drawing)."""
        c, s = math.cos(self.roll), math.sin(self.roll)
        rotation = np.array([[c, -s], [s, c]], dtype=np.float64)
        return (np.asarray(points, dtype=np.float64) * self.unit) @ rotation.T + self.origin


def eye_centres(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(subject's right eye centre, left eye centre) in image pixels."""
    return points[RIGHT.eye].mean(axis=0), points[LEFT.eye].mean(axis=0)


# Each eye's (outer, inner) corner: the brow height is measured from their midpoint.
RIGHT_CANTHI = (36, 39)
LEFT_CANTHI = (45, 42)


def eye_line_frame(points: np.ndarray) -> EyeLineFrame:
    right, left = eye_centres(points.astype(np.float64))
    dx, dy = left - right
    unit = math.hypot(dx, dy)
    if unit < 1e-6:
        raise ValueError("eye centres coincide: not a usable face fit")
    return EyeLineFrame(origin=(right + left) / 2, roll=math.atan2(dy, dx), unit=unit)


@dataclass(frozen=True, slots=True)
class SideMeasures:
    """One side of the face, in eye-line units (1 = distance between the eyes)."""

    brow_height: float  # eye (corners' midpoint) up to the brow curve (raising the brow: increases)
    eye_opening: float  # mean distance between the upper and lower lid (closing: decreases)
    mouth_corner_drop: float  # mouth corner (48/54) below the eye line (smile lifts it: decreases)
    mouth_half_width: float  # mouth corner out from the eyes' midpoint, sideways (pucker: decreases)
    nostril_drop: float  # nostril wing (31/35) below the top of the nose bridge (27/28) (snarl: decreases)
    upper_lip_drop: float  # upper lip (50/52) below the eye line (snarl: decreases)


@dataclass(frozen=True, slots=True)
class Measures:
    right: SideMeasures  # the subject's right side
    left: SideMeasures

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# The top of the nose bridge: the nostril wings' height is measured from it.
NOSE_BRIDGE_TOP = [27, 28]


def _side(aligned: np.ndarray, side: SideIndices, canthi: tuple[int, int]) -> SideMeasures:
    eye_centre = aligned[list(canthi)].mean(axis=0)
    bridge = float(aligned[NOSE_BRIDGE_TOP, 1].mean())
    corner = aligned[side.mouth_corner]
    return SideMeasures(
        brow_height=float(eye_centre[1] - aligned[side.brow, 1].mean()),
        eye_opening=float(np.mean([np.linalg.norm(aligned[a] - aligned[b]) for a, b in side.lids])),
        mouth_corner_drop=float(corner[1]),
        mouth_half_width=float(abs(corner[0])),
        nostril_drop=float(aligned[side.nostril, 1]) - bridge,
        upper_lip_drop=float(aligned[side.upper_lip, 1]),
    )


def measure(points: np.ndarray) -> Measures:
    """The per-side measures of DESIGN.md for one 68-point fit (image pixels)."""
    aligned = eye_line_frame(points).to_frame(points.astype(np.float64))
    return Measures(right=_side(aligned, RIGHT, RIGHT_CANTHI), left=_side(aligned, LEFT, LEFT_CANTHI))


# A generic adult face in millimetres, in the camera's axes (x right, y down,
# z away from the camera), nose tip at the origin. Only used to estimate head
# pose for quality gating, where a few degrees of error do not matter. Only
# points that the exercises do not move are used (eye corners, nose): with the
# mouth corners in the set, a smile read as a nod of the head.
_MODEL_INDICES = [30, 27, 31, 35, 36, 39, 42, 45]
_MODEL_POINTS = np.array(
    [
        (0.0, 0.0, 0.0),  # 30 nose tip
        (0.0, -38.0, 18.0),  # 27 top of the nose bridge
        (-14.0, 6.0, 16.0),  # 31 right nostril wing
        (14.0, 6.0, 16.0),  # 35 left nostril wing
        (-45.0, -35.0, 30.0),  # 36 right eye, outer corner
        (-15.0, -35.0, 24.0),  # 39 right eye, inner corner
        (15.0, -35.0, 24.0),  # 42 left eye, inner corner
        (45.0, -35.0, 30.0),  # 45 left eye, outer corner
    ],
    dtype=np.float64,
)


@dataclass(frozen=True, slots=True)
class HeadPose:
    """Degrees. roll: eye line tilt (positive: the subject's left eye lower in
    the image); yaw: positive when the face turns towards the image's right;
    pitch: positive when the chin goes down."""

    roll: float
    yaw: float
    pitch: float


def head_pose(points: np.ndarray, image_size: tuple[int, int]) -> HeadPose:
    """Head orientation from the landmarks (`image_size` is width, height)."""
    width, height = image_size
    # Nearly orthographic: the face's depth is small against its distance, and
    # a long focal length makes the estimate independent of the (unknown) lens
    # and of where the face sits in the frame. Measured on the same photo
    # cropped two ways, a real focal length moved pitch by 20 degrees; this, by 2.
    focal = 8.0 * float(max(width, height))
    camera = np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]], dtype=np.float64)
    image_points = points[_MODEL_INDICES].astype(np.float64)
    ok, rvec, _ = cv2.solvePnP(_MODEL_POINTS, image_points, camera, None, flags=cv2.SOLVEPNP_ITERATIVE)
    roll = math.degrees(eye_line_frame(points).roll)
    if not ok:
        return HeadPose(roll=roll, yaw=float("nan"), pitch=float("nan"))
    rotation, _ = cv2.Rodrigues(rvec)
    # Rotation about y turns the head left/right; about x nods it.
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, rotation[2, 0]))))
    pitch = math.degrees(math.atan2(rotation[2, 1], rotation[2, 2]))
    return HeadPose(roll=roll, yaw=yaw, pitch=pitch)

"""Drawing a landmark fit and its eye-line frame on an image."""

from __future__ import annotations

import cv2
import numpy as np

from device.vision.geometry import EyeLineFrame, eye_centres, eye_line_frame

# Facial parts as (indices, closed, BGR colour): distinct colours so a wrong
# index order is visible at a glance.
PARTS: tuple[tuple[range, bool, tuple[int, int, int]], ...] = (
    (range(0, 17), False, (200, 200, 200)),  # jaw
    (range(17, 22), False, (0, 200, 255)),  # right brow
    (range(22, 27), False, (0, 200, 255)),  # left brow
    (range(27, 31), False, (255, 200, 0)),  # nose bridge
    (range(31, 36), False, (255, 200, 0)),  # nostrils
    (range(36, 42), True, (80, 255, 80)),  # right eye
    (range(42, 48), True, (80, 255, 80)),  # left eye
    (range(48, 60), True, (120, 120, 255)),  # outer lip
    (range(60, 68), True, (180, 120, 255)),  # inner lip
)
EYE_LINE_COLOUR = (255, 255, 255)


def draw_landmarks(image: np.ndarray, points: np.ndarray, thickness: int = 1) -> None:
    """Draw the 68 points and the outlines of the facial parts, in place."""
    for indices, closed, colour in PARTS:
        outline = np.round(points[list(indices)]).astype(np.int32)
        cv2.polylines(image, [outline], closed, colour, thickness, cv2.LINE_AA)
    radius = max(1, thickness + 1)
    for x, y in np.round(points).astype(np.int32):
        cv2.circle(image, (int(x), int(y)), radius, (0, 255, 255), -1, cv2.LINE_AA)


def draw_eye_line_frame(image: np.ndarray, points: np.ndarray, thickness: int = 1) -> EyeLineFrame:
    """Draw the eye line through both eye centres and the perpendicular
    midline through their midpoint, in place; returns the frame."""
    frame = eye_line_frame(points)
    axes = frame.to_image(np.array([[-1.2, 0.0], [1.2, 0.0], [0.0, -0.9], [0.0, 2.0]]))
    ends = np.round(axes).astype(np.int32)
    cv2.line(image, tuple(ends[0]), tuple(ends[1]), EYE_LINE_COLOUR, thickness, cv2.LINE_AA)
    cv2.line(image, tuple(ends[2]), tuple(ends[3]), EYE_LINE_COLOUR, thickness, cv2.LINE_AA)
    for centre in eye_centres(points):
        cx, cy = np.round(centre).astype(np.int32)
        cv2.drawMarker(image, (int(cx), int(cy)), EYE_LINE_COLOUR, cv2.MARKER_CROSS, 8 * thickness, thickness)
    return frame

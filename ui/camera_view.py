"""The mirrored live camera image with the landmarks and the eye-line frame
drawn lightly over it, as a pygame surface fitted to a rectangle."""

from __future__ import annotations

import cv2
import numpy as np
import pygame

from device.vision.draw import draw_eye_line_frame, draw_landmarks

OVERLAY_WEIGHT = 0.45  # the drawing is blended in, so the face stays the main thing


def camera_surface(image: np.ndarray, points: np.ndarray | None, size: tuple[int, int]) -> pygame.Surface:
    """`image` (BGR) mirrored like a mirror, with the fit drawn, scaled to fit `size`."""
    picture = image
    if points is not None:
        overlay = image.copy()
        draw_landmarks(overlay, points)
        draw_eye_line_frame(overlay, points)
        picture = cv2.addWeighted(overlay, OVERLAY_WEIGHT, image, 1 - OVERLAY_WEIGHT, 0)
    h, w = picture.shape[:2]
    scale = min(size[0] / w, size[1] / h)
    fitted = cv2.resize(picture, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    rgb = cv2.cvtColor(cv2.flip(fitted, 1), cv2.COLOR_BGR2RGB)
    return pygame.image.frombuffer(rgb.tobytes(), (rgb.shape[1], rgb.shape[0]), "RGB")

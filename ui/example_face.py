"""The exercise shown, not only told: a face drawn as landmark dots that
moves from rest to the target movement and back (the kiosk's intro screen).

The face is built from simple curves in a unit box; each catalogue measure
(brow height, eye opening, mouth corners, lip width, nostrils) has a
deformation, so a new exercise in exercises.toml animates without code.
"""

from __future__ import annotations

import math

import numpy as np
import pygame

from device.practice.catalogue import Exercise, Kind

DOT = (186, 230, 253)


Pair = tuple[float, float]


def _arc(centre: Pair, radii: Pair, degrees: Pair, count: int) -> np.ndarray:
    """`count` dots along an elliptical arc."""
    angles = np.linspace(math.radians(degrees[0]), math.radians(degrees[1]), count)
    return np.stack([centre[0] + radii[0] * np.cos(angles), centre[1] + radii[1] * np.sin(angles)], axis=1)


def face_points(exercise: Exercise | None, amount: float) -> list[np.ndarray]:
    """Dots per facial part (unit coordinates, y down) at `amount` (0 rest .. 1 full movement)."""
    brow_lift = eye_close = smile = pucker = wrinkle = frown = 0.0
    measure = exercise.measure if exercise is not None else None
    if exercise is not None and exercise.kind is Kind.EXPRESSION:
        smile = amount if exercise.expression_class == "happy" else 0.0
        frown = amount if exercise.expression_class == "sad" else 0.0
    elif measure == "brow_height":
        brow_lift = amount
    elif measure == "eye_opening":
        eye_close = amount
    elif measure in {"mouth_corner_drop", "mouth_corner"}:
        smile = amount
    elif measure == "mouth_half_width":
        pucker = amount
    elif measure == "nostril_drop":
        wrinkle = amount
    parts = [_arc((0.5, 0.45), (0.36, 0.47), (10, 170), 17)]  # jaw
    for side in (-1, 1):
        cx = 0.5 + side * 0.17
        parts.append(_arc((cx, 0.33 - 0.06 * brow_lift), (0.11, 0.04), (200, 340), 5))
        opening = 0.035 * (1 - 0.9 * eye_close)
        parts.append(_arc((cx, 0.42), (0.07, opening), (0, 360), 7)[:-1])
    nose_y = 0.62 - 0.03 * wrinkle
    parts.append(np.array([[0.5, 0.42 + i * 0.045] for i in range(4)]))
    parts.append(_arc((0.5, nose_y), (0.06 - 0.01 * wrinkle, 0.02), (0, 180), 5))
    width = 0.15 * (1 + 0.25 * smile - 0.45 * pucker)
    lift = 0.05 * smile - 0.04 * frown
    mouth = _arc((0.5, 0.75), (width, 0.045 + 0.02 * pucker), (0, 360), 13)[:-1].copy()
    corners = np.abs(mouth[:, 0] - 0.5) / max(width, 1e-6)  # 1 at the corners
    mouth[:, 1] -= lift * corners**2
    parts.append(mouth)
    return parts


def draw_example(surface: pygame.Surface, rect: pygame.Rect, exercise: Exercise | None, seconds: float) -> None:
    """The animated example: 1.5 s rest, 1 s to move, 1.5 s held, 1 s back."""
    cycle = seconds % 5.0
    if cycle < 1.5:
        amount = 0.0
    elif cycle < 2.5:
        amount = (cycle - 1.5) / 1.0
    elif cycle < 4.0:
        amount = 1.0
    else:
        amount = 1.0 - (cycle - 4.0)
    amount = 0.5 - 0.5 * math.cos(math.pi * amount)  # ease in and out
    side = min(rect.width, rect.height)
    radius = max(2, side // 70)
    for part in face_points(exercise, amount):
        for x, y in part:
            position = (rect.centerx + (x - 0.5) * side, rect.top + y * side * 0.95)
            pygame.draw.circle(surface, DOT, position, radius)

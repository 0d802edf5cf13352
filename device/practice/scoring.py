"""Per-frame scores: movement relative to the patient's neutral face, per
side, or the classifier's probability of the target expression.

The rules (also in the README, for therapists):
- movement on a side = change of the exercise's measure from the patient's
  calibrated neutral, in the exercise's direction: task - rest ("increase"),
  rest - task ("decrease"), (rest - task) / rest ("closure", the eyes), or
  for the open smile the length of the mouth corner's displacement upwards
  and outwards from its own neutral position ("lift_and_pull");
- side score = 100 x movement / (full movement x effort factor), from 0 and
  never capped, so a side that moves twice the target reads twice the other
  side's 100 and the asymmetry stays visible;
- the frame's score follows the weaker side (or the affected side, when the
  plan names it), capped at 100: a rep counts only when that side reaches
  the target, never on the strength of the healthy side;
- symmetry = weaker side's movement / stronger side's (0-1); when the
  affected side is known, affected / healthy instead (above 1 when the
  affected side moves more);
- synkinesis = how far the eyes close, (rest - task) / rest of the eye
  opening, on the side that closes more;
- expression score = 100 x the classifier's probability of the class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from device.practice.catalogue import MOUTH_CORNER, Direction, Exercise
from device.practice.plan import Effort, Side
from device.vision.geometry import Measures, SideMeasures


@dataclass(frozen=True, slots=True)
class SideMovement:
    right: float
    left: float


def _change(rest: float, task: float, direction: Direction) -> float:
    if direction is Direction.INCREASE:
        return task - rest
    if direction is Direction.DECREASE:
        return rest - task
    return (rest - task) / rest if rest > 0 else 0.0


def movement(exercise: Exercise, measures: Measures, neutral: Measures) -> SideMovement:
    assert exercise.measure is not None
    assert exercise.direction is not None
    name, direction = exercise.measure, exercise.direction
    if name == MOUTH_CORNER:
        return SideMovement(
            right=_corner_displacement(neutral.right, measures.right),
            left=_corner_displacement(neutral.left, measures.left),
        )
    return SideMovement(
        right=_change(getattr(neutral.right, name), getattr(measures.right, name), direction),
        left=_change(getattr(neutral.left, name), getattr(measures.left, name), direction),
    )


def _corner_displacement(rest: SideMeasures, task: SideMeasures) -> float:
    """How far a mouth corner moved up and outwards from its own neutral
    position (eye-line units). Moving down or inwards counts as nothing: the
    still side's corner dragged towards the moving side is not a smile."""
    lift = max(0.0, rest.mouth_corner_drop - task.mouth_corner_drop)
    pull = max(0.0, task.mouth_half_width - rest.mouth_half_width)
    return math.hypot(lift, pull)


def side_score(exercise: Exercise, value: float, effort: Effort) -> float:
    assert exercise.full_movement is not None
    return max(0.0, 100.0 * value / (exercise.full_movement * effort.factor))


def movement_score(exercise: Exercise, move: SideMovement, effort: Effort, affected: Side | None = None) -> float:
    """The frame's score: the affected side's, or the weaker side's, at most 100."""
    right, left = side_score(exercise, move.right, effort), side_score(exercise, move.left, effort)
    if affected is Side.RIGHT:
        followed = right
    elif affected is Side.LEFT:
        followed = left
    else:
        followed = min(right, left)
    return min(100.0, followed)


def symmetry(right: float, left: float, affected: Side | None = None) -> float | None:
    """None when neither side (or the healthy side) moved at all."""
    right, left = max(0.0, right), max(0.0, left)
    if affected is not None:
        moved, healthy = (right, left) if affected is Side.RIGHT else (left, right)
        return moved / healthy if healthy > 1e-6 else None
    stronger = max(right, left)
    return min(right, left) / stronger if stronger > 1e-6 else None


# A side moving less than this fraction of the other is called the weaker one
# (on screen and in the summary); dlib's jitter keeps two still sides near 1.
CLEARLY_WEAKER = 0.8


def weaker_side(right: float, left: float) -> tuple[Side, float] | None:
    """The side that moved clearly less, and its movement as a fraction of
    the other side's; None when neither is clearly weaker."""
    ratio = symmetry(right, left)
    if ratio is None or ratio >= CLEARLY_WEAKER:
        return None
    return (Side.RIGHT if right < left else Side.LEFT), ratio


def eye_closure(measures: Measures, neutral: Measures) -> float:
    """Synkinesis: the larger of the two eyes' closure fraction, 0 when open as at rest."""
    closures = [
        _change(getattr(neutral, side).eye_opening, getattr(measures, side).eye_opening, Direction.CLOSURE)
        for side in ("right", "left")
    ]
    return max(0.0, *closures)


def expression_score(probabilities: dict[str, float], expression_class: str) -> float:
    return 100.0 * probabilities.get(expression_class, 0.0)


class Smoother:
    """Exponential smoothing by time, so the live score is steady but follows
    a real movement within about `time_constant` seconds, at any frame rate."""

    def __init__(self, time_constant: float = 0.25) -> None:
        self.time_constant = time_constant
        self.value: float | None = None
        self._last: float | None = None

    def reset(self) -> None:
        self.value, self._last = None, None

    def update(self, value: float, timestamp: float) -> float:
        if self.value is None or self._last is None:
            self.value = value
        else:
            alpha = 1.0 - math.exp(-max(0.0, timestamp - self._last) / self.time_constant)
            self.value += alpha * (value - self.value)
        self._last = timestamp
        return self.value

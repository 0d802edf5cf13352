"""Per-frame scores: movement relative to the patient's neutral face, per
side, or the classifier's probability of the target expression.

The rules (also in the README, for therapists):
- movement on a side = change of the exercise's measure from the patient's
  calibrated neutral, in the exercise's direction: task - rest ("increase"),
  rest - task ("decrease"), (rest - task) / rest ("closure", the eyes); both
  smiles read each mouth corner's own lift from its neutral position;
- side score = 100 x movement / (full movement x effort factor), from 0 and
  never capped, so a side that moves twice the target reads twice the other
  side's 100 and the asymmetry stays visible;
- the frame's score follows the weaker side (or the affected side, when the
  plan names it), capped at 100: a rep counts only when that side reaches
  the target, never on the strength of the healthy side;
- movement of another region counts against it (AGAINST): the frame's score
  loses the largest other region's side score beyond OTHER_TOLERANCE, so a
  smile does not score as a pucker or a nose wrinkle;
- symmetry = weaker side's movement / stronger side's (0-1); when the
  affected side is known, affected / healthy instead (above 1 when the
  affected side moves more); none while the stronger side has moved no more
  than dlib's noise (NOISE_FRACTION of the target), where a ratio of two
  jitters would say nothing;
- synkinesis = how far the eyes close, (rest - task) / rest of the eye
  opening, on the side that closes more;
- expression score = 100 x the classifier's probability of the class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from device.practice.catalogue import Exercise, MeasureDirection, exercise
from device.practice.plan import Effort, Side
from device.vision.geometry import Measures


@dataclass(frozen=True, slots=True)
class SideMovement:
    right: float
    left: float


def _change(rest: float, task: float, direction: MeasureDirection) -> float:
    if direction is MeasureDirection.INCREASE:
        return task - rest
    if direction is MeasureDirection.DECREASE:
        return rest - task
    return (rest - task) / rest if rest > 0 else 0.0


def movement(exercise: Exercise, measures: Measures, neutral: Measures) -> SideMovement:
    assert exercise.measure is not None
    assert exercise.direction is not None
    name, direction = exercise.measure, exercise.direction
    return SideMovement(
        right=_change(getattr(neutral.right, name), getattr(measures.right, name), direction),
        left=_change(getattr(neutral.left, name), getattr(measures.left, name), direction),
    )


# The regions whose movement counts against each exercise, named by the
# exercise that moves them. Left out on purpose: the nose during a smile (the
# lifting corners raise the nostril wings), and the smile and the nose during
# an eye closure (dlib's fit of closed eyes lifts the mouth and the nose by a
# third to two thirds of their targets: measured on the demo), and the eyes
# during the smiles and the pucker: there the eyes closing is synkinesis,
# measured and reported on its own (the exercise's `synkinesis`), and a
# patient whose eye closes as they smile still did the smile; taking it off
# the score too would count it twice and leave them no rep they could earn.
AGAINST: dict[str, tuple[str, ...]] = {
    "brow_raise": ("gentle_eye_closure", "closed_smile", "lip_pucker", "nose_wrinkle"),
    "gentle_eye_closure": ("brow_raise", "lip_pucker"),
    "tight_eye_closure": ("brow_raise", "lip_pucker"),
    "closed_smile": ("brow_raise", "lip_pucker"),
    "open_smile": ("brow_raise", "lip_pucker"),
    "lip_pucker": ("brow_raise", "closed_smile", "nose_wrinkle"),
    "nose_wrinkle": ("brow_raise", "gentle_eye_closure", "closed_smile", "lip_pucker"),
}
# Another region's movement up to this side score (of 100 for its own full
# target, whatever the plan's effort) costs nothing: jitter, and the small
# movements any expression brings (a healthy smile narrows the eyes a little).
OTHER_TOLERANCE = 15.0
# A side that moved no more than this fraction of the full target has not
# moved beyond dlib's jitter on a still face (measured on the demo's rests:
# under a tenth of each target once the median rest is the reference).
NOISE_FRACTION = 0.25


def noise_floor(exercise: Exercise) -> float:
    """The movement (the exercise's units) below which a side has not moved."""
    assert exercise.full_movement is not None
    return NOISE_FRACTION * exercise.full_movement


def other_movement(exercise_: Exercise, measures: Measures, neutral: Measures) -> float:
    """The largest side score (at full effort) of another region's movement
    (AGAINST), less OTHER_TOLERANCE, 0 and up: what the asked movement's score loses."""
    worst = 0.0
    for other_id in AGAINST.get(exercise_.id, ()):
        other = exercise(other_id)
        move = movement(other, measures, neutral)
        worst = max(worst, side_score(other, move.right, Effort.FULL), side_score(other, move.left, Effort.FULL))
    return max(0.0, worst - OTHER_TOLERANCE)


def side_score(exercise: Exercise, value: float, effort: Effort) -> float:
    assert exercise.full_movement is not None
    return max(0.0, 100.0 * value / (exercise.full_movement * effort.factor))


def movement_score(
    exercise: Exercise, move: SideMovement, effort: Effort, affected: Side | None = None, other: float = 0.0
) -> float:
    """The frame's score: the affected side's, or the weaker side's, at most
    100, less `other` (other_movement), 0 and up."""
    right, left = side_score(exercise, move.right, effort), side_score(exercise, move.left, effort)
    if affected is Side.RIGHT:
        followed = right
    elif affected is Side.LEFT:
        followed = left
    else:
        followed = min(right, left)
    return max(0.0, min(100.0, followed) - other)


def symmetry(right: float, left: float, affected: Side | None = None, noise: float = 1e-6) -> float | None:
    """None when neither side (or the healthy side) moved more than `noise`."""
    right, left = max(0.0, right), max(0.0, left)
    if affected is not None:
        moved, healthy = (right, left) if affected is Side.RIGHT else (left, right)
        return moved / healthy if healthy > noise else None
    stronger = max(right, left)
    return min(right, left) / stronger if stronger > noise else None


# A side moving less than this fraction of the other is called the weaker one
# (on screen and in the summary); dlib's jitter keeps two still sides near 1.
CLEARLY_WEAKER = 0.8


def weaker_side(right: float, left: float, noise: float = 1e-6) -> tuple[Side, float] | None:
    """The side that moved clearly less, and its movement as a fraction of
    the other side's; None when neither is clearly weaker, or the stronger
    side moved no more than `noise` (noise_floor)."""
    ratio = symmetry(right, left, noise=noise)
    if ratio is None or ratio >= CLEARLY_WEAKER:
        return None
    return (Side.RIGHT if right < left else Side.LEFT), ratio


def eye_closure(measures: Measures, neutral: Measures) -> float:
    """Synkinesis: the larger of the two eyes' closure fraction, 0 when open as at rest."""
    closures = [
        _change(getattr(neutral, side).eye_opening, getattr(measures, side).eye_opening, MeasureDirection.CLOSURE)
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

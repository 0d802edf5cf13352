"""The summary's sentence about a session's asymmetry, in the patient's
language and in words: which side moved less and by about how much
("얼굴 왼쪽은 오른쪽의 절반쯤 움직였어요."), never a percentage. The words
are the catalogue's ([balance] in device/strings); this module only chooses.
"""

from __future__ import annotations

from device.i18n import Words
from device.practice.catalogue import Kind, exercise
from device.practice.plan import Side
from device.practice.scoring import CLEARLY_WEAKER, weaker_side
from device.practice.session import ExerciseResult, SessionResult

SIDE_KEYS = {Side.RIGHT: "balance.right", Side.LEFT: "balance.left"}
HARDLY = 0.15  # below this fraction of the other side, a side "hardly moved"
# The weaker side's movement as a fraction of the other's, rounded to what a
# patient reads at a glance: below each limit, its words.
AMOUNTS = (
    (0.3, "balance.amount_quarter"),
    (0.4, "balance.amount_third"),
    (0.6, "balance.amount_half"),
    (0.7, "balance.amount_two_thirds"),
    (CLEARLY_WEAKER, "balance.amount_three_quarters"),
)


def amount_key(ratio: float) -> str:
    """0.48 -> the key of "about half"; ratios at or above CLEARLY_WEAKER are not asked for."""
    return next((key for limit, key in AMOUNTS if ratio < limit), AMOUNTS[-1][1])


def _movement_exercises(result: SessionResult) -> list[ExerciseResult]:
    return [
        e
        for e in result.exercises
        if exercise(e.exercise_id).kind is Kind.MOVEMENT
        and e.right_movement is not None
        and e.left_movement is not None
    ]


def _moving_exercises(result: SessionResult) -> list[ExerciseResult]:
    """The movement exercises in which either side moved at all."""
    return [e for e in _movement_exercises(result) if max(e.right_movement or 0.0, e.left_movement or 0.0) > 1e-6]


def session_weaker_side(result: SessionResult) -> tuple[Side, float] | None:
    """The side that moved less over the session's movement exercises, and
    its movement as a fraction of the other side's, when it is clearly less.
    Read from the median exercise, so one odd exercise does not decide."""
    exercises = _moving_exercises(result)
    if not exercises:
        return None
    exercises.sort(key=lambda e: max(0.0, e.left_movement or 0.0) / max(e.right_movement or 0.0, 1e-9))
    median = exercises[len(exercises) // 2]
    assert median.right_movement is not None
    assert median.left_movement is not None
    return weaker_side(median.right_movement, median.left_movement)


def asymmetry_sentence(result: SessionResult, language: str) -> str | None:
    """E.g. "Your left side moved about half as much as your right side.";
    "both sides moved almost alike" when neither is clearly weaker; None
    when the session had no movement to compare."""
    words = Words(language)
    found = session_weaker_side(result)
    if found is None:
        return words("balance.even") if _moving_exercises(result) else None
    side, ratio = found
    other = Side.LEFT if side is Side.RIGHT else Side.RIGHT
    weak, strong = words(SIDE_KEYS[side]), words(SIDE_KEYS[other])
    if ratio < HARDLY:
        return words("balance.hardly", weak=weak)
    return words("balance.moved", weak=weak, strong=strong, amount=words(amount_key(ratio)))

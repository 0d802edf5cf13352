"""Sentences about a session's asymmetry, in the patient's language: the
summary says in words which side moved less and by how much."""

from __future__ import annotations

from device.practice.catalogue import Kind, exercise
from device.practice.plan import Side
from device.practice.session import ExerciseResult, SessionResult

SIDE_WORDS = {
    Side.RIGHT: {"en": "right", "ko": "오른쪽"},
    Side.LEFT: {"en": "left", "ko": "왼쪽"},
}
# A side moving less than this fraction of the other is worth saying.
SAY_BELOW = 0.8


def _fraction_words(ratio: float, language: str) -> str:
    """0.48 -> "about half as much"; rounded to what a patient reads easily."""
    if language == "ko":
        if ratio < 0.15:
            return "거의 움직이지 않았어요"
        return f"약 {round(ratio * 10) * 10}% 정도 움직였어요"
    if ratio < 0.15:
        return "hardly moved"
    for limit, words in ((0.3, "about a quarter"), (0.4, "about a third"), (0.6, "about half"),
                         (0.7, "about two thirds"), (SAY_BELOW, "about three quarters")):  # fmt: skip
        if ratio < limit:
            return f"moved {words} as much"
    return "moved almost as much"


def _movement_exercises(result: SessionResult) -> list[ExerciseResult]:
    return [
        e
        for e in result.exercises
        if exercise(e.exercise_id).kind is Kind.MOVEMENT
        and e.right_movement is not None
        and e.left_movement is not None
    ]


def weaker_side(result: SessionResult) -> tuple[Side, float] | None:
    """The side that moved less over the session's movement exercises, and
    its movement as a fraction of the other side's, when it is clearly less."""
    exercises = _movement_exercises(result)
    if not exercises:
        return None
    ratios = []
    for e in exercises:
        assert e.right_movement is not None
        assert e.left_movement is not None
        right, left = max(0.0, e.right_movement), max(0.0, e.left_movement)
        if max(right, left) > 1e-6:
            ratios.append(left / right if right > 0 else 0.0)
    if not ratios:
        return None
    ratios.sort()
    left_over_right = ratios[len(ratios) // 2]  # the median exercise: one odd exercise does not decide
    if left_over_right < SAY_BELOW:
        return Side.LEFT, left_over_right
    if left_over_right > 1 / SAY_BELOW:
        return Side.RIGHT, 1 / left_over_right
    return None


def asymmetry_sentence(result: SessionResult, language: str) -> str | None:
    """E.g. "Your left side moved about half as much as your right side."""
    found = weaker_side(result)
    if found is None:
        return None
    side, ratio = found
    other = Side.LEFT if side is Side.RIGHT else Side.RIGHT
    weak, strong = SIDE_WORDS[side][language], SIDE_WORDS[other][language]
    if language == "ko":
        return f"{weak} 얼굴이 {strong}보다 {_fraction_words(ratio, 'ko')}."
    words = _fraction_words(ratio, "en")
    if words.startswith("moved"):
        return f"Your {weak} side {words} as your {strong} side."
    return f"Your {weak} side {words} compared with your {strong} side."

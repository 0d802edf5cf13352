"""Sentences about a session's asymmetry, in the patient's language: the
summary says in words which side moved less and by how much."""

from __future__ import annotations

from device.practice.catalogue import Kind, exercise
from device.practice.plan import Side
from device.practice.scoring import CLEARLY_WEAKER, weaker_side
from device.practice.session import ExerciseResult, SessionResult

SIDE_WORDS = {
    Side.RIGHT: {"en": "right", "ko": "오른쪽"},
    Side.LEFT: {"en": "left", "ko": "왼쪽"},
}


def _fraction_words(ratio: float, language: str) -> str:
    """0.48 -> "about half as much"; rounded to what a patient reads easily."""
    if language == "ko":
        if ratio < 0.15:
            return "거의 움직이지 않았어요"
        return f"약 {round(ratio * 10) * 10}% 정도 움직였어요"
    if ratio < 0.15:
        return "hardly moved"
    for limit, words in ((0.3, "about a quarter"), (0.4, "about a third"), (0.6, "about half"),
                         (0.7, "about two thirds"), (CLEARLY_WEAKER, "about three quarters")):  # fmt: skip
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


def session_weaker_side(result: SessionResult) -> tuple[Side, float] | None:
    """The side that moved less over the session's movement exercises, and
    its movement as a fraction of the other side's, when it is clearly less.
    Read from the median exercise, so one odd exercise does not decide."""
    exercises = [e for e in _movement_exercises(result) if max(e.right_movement or 0.0, e.left_movement or 0.0) > 1e-6]
    if not exercises:
        return None
    exercises.sort(key=lambda e: max(0.0, e.left_movement or 0.0) / max(e.right_movement or 0.0, 1e-9))
    median = exercises[len(exercises) // 2]
    assert median.right_movement is not None
    assert median.left_movement is not None
    return weaker_side(median.right_movement, median.left_movement)


def asymmetry_sentence(result: SessionResult, language: str) -> str | None:
    """E.g. "Your left side moved about half as much as your right side."""
    found = session_weaker_side(result)
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

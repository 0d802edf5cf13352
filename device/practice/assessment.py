"""The photo-pair assessment clinics make with Emotrics: a resting photo and
one or more photos of the same face doing one exercise, read with the same
per-side rules as the live practice (scoring.py, grading.py).

Pure logic: analysed photos in, one `PhotoAssessment` per task photo out.
"""

from __future__ import annotations

from dataclasses import dataclass

from device.errors import KioskError
from device.practice.catalogue import Exercise, Kind
from device.practice.gating import RELATIVE_LIMITS
from device.practice.grading import region_of, subscore
from device.practice.plan import Effort, Side
from device.practice.scoring import (
    eye_closure,
    movement,
    movement_score,
    noise_floor,
    other_movement,
    side_score,
    symmetry,
    weaker_side,
)
from device.vision.analysis import FaceAnalysis
from device.vision.geometry import HeadPose


class AssessmentError(KioskError):
    """The exercise cannot be assessed from photos; the message says why."""


@dataclass(frozen=True)
class PhotoAssessment:
    exercise_id: str
    right_movement: float  # eye-line units (closure: fraction of the resting opening)
    left_movement: float
    right_score: float  # 0 and up: 100 is the target
    left_score: float
    score: float  # the affected (or weaker) side's, 0-100, less other_movement, as in the live practice
    symmetry: float | None  # affected/healthy, or weaker/stronger; None when no side moved beyond noise
    affected_side: Side | None  # as given
    weaker_side: Side | None  # the side that moved clearly less, when one did
    synkinesis: float | None  # eye closure fraction during a smile or pucker, 0-1
    region: str | None  # the eFACE region graded
    subscore: float | None  # eFACE-style 0-100; None where the landmarks cannot carry the symmetry
    other_movement: float = 0.0  # what other regions' movement took off the score (scoring.AGAINST)
    limit: dict[str, str] | None = None  # the catalogue's landmark_limit: why the symmetry is not reliable

    @property
    def reliable(self) -> bool:
        """Whether the landmarks can carry this exercise's symmetry."""
        return self.limit is None

    def as_dict(self) -> dict[str, object]:
        return {
            "exercise": self.exercise_id,
            "movement": {"right": round(self.right_movement, 4), "left": round(self.left_movement, 4)},
            "side_scores": {"right": round(self.right_score, 1), "left": round(self.left_score, 1)},
            "score": round(self.score, 1),
            "symmetry": None if self.symmetry is None else round(self.symmetry, 3),
            "affected_side": self.affected_side and self.affected_side.value,
            "weaker_side": self.weaker_side and self.weaker_side.value,
            "synkinesis": None if self.synkinesis is None else round(self.synkinesis, 3),
            "region": self.region,
            "subscore": None if self.subscore is None else round(self.subscore, 1),
            "other_movement": round(self.other_movement, 1),
            "reliable": self.reliable,
            "limit": self.limit,
        }


def check_assessable(exercise: Exercise) -> None:
    if exercise.kind is not Kind.MOVEMENT:
        raise AssessmentError(f"'{exercise.id}' is an expression exercise; photo pairs assess movement exercises only")


def turned_away(rest: HeadPose, task: HeadPose) -> str | None:
    """Why the task photo's head is not comparable with the rest photo's, or None."""
    for axis in ("yaw", "pitch", "roll"):
        change, limit = abs(getattr(task, axis) - getattr(rest, axis)), getattr(RELATIVE_LIMITS, axis)
        if not change <= limit:  # NaN (no pose) fails too
            return f"the head is turned {change:.0f} degrees ({axis}) from the rest photo (at most {limit:.0f})"
    return None


def assess(
    exercise: Exercise, rest: FaceAnalysis, task: FaceAnalysis, affected: Side | None, effort: Effort
) -> PhotoAssessment:
    """One task photo against the rest photo (both with measures)."""
    check_assessable(exercise)
    assert rest.measures is not None
    assert task.measures is not None
    move = movement(exercise, task.measures, rest.measures)
    noise = noise_floor(exercise)
    ratio = symmetry(move.right, move.left, affected, noise)
    weaker = weaker_side(move.right, move.left, noise)
    other = other_movement(exercise, task.measures, rest.measures)
    limit = exercise.landmark_limit
    region = region_of(exercise.id)
    return PhotoAssessment(
        exercise_id=exercise.id,
        right_movement=move.right,
        left_movement=move.left,
        right_score=side_score(exercise, move.right, effort),
        left_score=side_score(exercise, move.left, effort),
        score=movement_score(exercise, move, effort, affected, other),
        other_movement=other,
        symmetry=ratio,
        affected_side=affected,
        weaker_side=weaker[0] if weaker and limit is None else None,
        synkinesis=eye_closure(task.measures, rest.measures) if exercise.synkinesis else None,
        region=region,
        subscore=subscore(ratio) if ratio is not None and region is not None and limit is None else None,
        limit=limit,
    )

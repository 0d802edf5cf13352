"""One practice session: calibrate, then each exercise of the plan in turn.

Feed it every analysed frame with its timestamp (and the latest expression
probabilities, when the classifier has some); it returns the live state for
the screen. Pure logic: no camera, no clock, no database.

Scores (also in the README):
- exercise score = mean of its reps' mean scores x (reps done / reps planned);
- session score = mean of the exercise scores.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from device.practice.calibration import Calibration, Calibrator
from device.practice.catalogue import Kind
from device.practice.gating import Prompt, gate
from device.practice.plan import Plan, PlanItem
from device.practice.reps import Phase, Rep, RepCounter, Sample
from device.practice.scoring import (
    Smoother,
    expression_score,
    eye_closure,
    movement,
    movement_score,
    side_score,
)
from device.vision.analysis import FaceAnalysis


class Stage(StrEnum):
    CALIBRATING = "calibrating"
    EXERCISING = "exercising"
    DONE = "done"


@dataclass(frozen=True)
class LiveState:
    stage: Stage
    exercise_id: str | None
    item_index: int
    score: float | None  # smoothed, 0-100; None while the frame cannot score
    right_score: float | None  # movement exercises
    left_score: float | None
    prompt: Prompt | None
    phase: Phase | None
    reps_done: int
    reps_planned: int
    hold_progress: float
    rest_remaining: float
    calibration_progress: float


@dataclass(frozen=True)
class ExerciseResult:
    exercise_id: str
    reps_planned: int
    reps: tuple[Rep, ...]
    frames_scored: int
    frames_gated: int

    @property
    def score(self) -> float:
        if not self.reps:
            return 0.0
        return statistics.fmean(r.mean_score for r in self.reps) * len(self.reps) / self.reps_planned

    @property
    def symmetry(self) -> float | None:
        values = [r.symmetry for r in self.reps if r.symmetry is not None]
        return statistics.fmean(values) if values else None

    @property
    def synkinesis(self) -> float | None:
        values = [r.synkinesis for r in self.reps if r.synkinesis is not None]
        return statistics.fmean(values) if values else None


@dataclass(frozen=True)
class SessionResult:
    exercises: tuple[ExerciseResult, ...]
    calibration: Calibration | None
    prompts: dict[str, int]  # frames that could not score, by reason

    @property
    def score(self) -> float:
        return statistics.fmean(e.score for e in self.exercises) if self.exercises else 0.0

    @property
    def completed(self) -> bool:
        return all(len(e.reps) >= e.reps_planned for e in self.exercises)


class PracticeSession:
    def __init__(self, plan: Plan, frame_width: int, calibrator: Calibrator | None = None) -> None:
        self.plan = plan
        self.frame_width = frame_width
        self.calibrator = calibrator or Calibrator()
        self.calibration: Calibration | None = None
        self.stage = Stage.CALIBRATING
        self.item_index = 0
        self.smoother = Smoother()
        self.prompts: Counter[str] = Counter()
        self._results: list[ExerciseResult] = []
        self._counter = self._new_counter(plan.items[0])
        self._scored = 0
        self._gated = 0
        self.last_rep: tuple[str, Rep] | None = None  # set by the feed that completed a rep

    @property
    def item(self) -> PlanItem:
        return self.plan.items[self.item_index]

    def _new_counter(self, item: PlanItem) -> RepCounter:
        return RepCounter(item.reps, item.hold_s, item.rest_s, affected=self.plan.affected_side)

    def feed(self, timestamp: float, analysis: FaceAnalysis, probabilities: dict[str, float] | None) -> LiveState:
        self.last_rep = None
        reference = self.calibration.pose if self.calibration else None
        verdict = gate(analysis, self.frame_width, reference)
        if not verdict.ok and verdict.prompt is not None:
            self.prompts[verdict.prompt.value] += 1
        if self.stage is Stage.CALIBRATING:
            self.calibration = self.calibrator.add(timestamp, analysis, verdict.ok)
            if self.calibration is not None:
                self.stage = Stage.EXERCISING
            return self._state(None, None, None, verdict.prompt, timestamp)
        if self.stage is Stage.DONE:
            return self._state(None, None, None, None, timestamp)

        sample = self._sample(timestamp, analysis, probabilities) if verdict.ok else None
        if sample is None:
            self._gated += 1
        else:
            self._scored += 1
        rep = self._counter.update(timestamp, sample)
        self.last_rep = (self.item.exercise.id, rep) if rep is not None else None
        if rep is not None and self._counter.phase is Phase.DONE:
            self._next_exercise()
        score = self.smoother.value if sample is not None else None
        right = left = None
        if sample is not None and sample.right is not None and sample.left is not None:
            exercise = self.item.exercise
            right = side_score(exercise, sample.right, self.plan.effort)
            left = side_score(exercise, sample.left, self.plan.effort)
        return self._state(score, right, left, verdict.prompt, timestamp)

    def _sample(
        self, timestamp: float, analysis: FaceAnalysis, probabilities: dict[str, float] | None
    ) -> Sample | None:
        exercise = self.item.exercise
        if exercise.kind is Kind.EXPRESSION:
            if probabilities is None or exercise.expression_class is None:
                return None  # the classifier has not answered yet
            raw = expression_score(probabilities, exercise.expression_class)
            return Sample(timestamp, self.smoother.update(raw, timestamp))
        assert self.calibration is not None
        assert analysis.measures is not None
        neutral = self.calibration.neutral
        move = movement(exercise, analysis.measures, neutral)
        raw = movement_score(exercise, move, self.plan.effort)
        closure = eye_closure(analysis.measures, neutral) if exercise.synkinesis else None
        return Sample(timestamp, self.smoother.update(raw, timestamp), move.right, move.left, closure)

    def _next_exercise(self) -> None:
        self._results.append(self._exercise_result())
        self.item_index += 1
        self.smoother.reset()
        self._scored = self._gated = 0
        if self.item_index >= len(self.plan.items):
            self.stage = Stage.DONE
            self.item_index = len(self.plan.items) - 1
        else:
            self._counter = self._new_counter(self.item)

    def _exercise_result(self) -> ExerciseResult:
        return ExerciseResult(
            self.item.exercise.id, self.item.reps, tuple(self._counter.done), self._scored, self._gated
        )

    def _state(
        self, score: float | None, right: float | None, left: float | None, prompt: Prompt | None, now: float
    ) -> LiveState:
        counter = self._counter
        exercising = self.stage is Stage.EXERCISING
        return LiveState(
            stage=self.stage,
            exercise_id=self.item.exercise.id if self.stage is not Stage.DONE else None,
            item_index=self.item_index,
            score=score,
            right_score=right,
            left_score=left,
            prompt=prompt,
            phase=counter.phase if exercising else None,
            reps_done=len(counter.done),
            reps_planned=counter.reps,
            hold_progress=counter.hold_progress(now),
            rest_remaining=counter.rest_remaining(now),
            calibration_progress=self.calibrator.progress if self.stage is Stage.CALIBRATING else 1.0,
        )

    def result(self) -> SessionResult:
        """The result so far; exercises not reached count with no reps."""
        exercises = list(self._results)
        if self.stage is not Stage.DONE:
            exercises.append(self._exercise_result())
            exercises += [
                ExerciseResult(item.exercise.id, item.reps, (), 0, 0) for item in self.plan.items[self.item_index + 1 :]
            ]
        return SessionResult(tuple(exercises), self.calibration, dict(self.prompts))

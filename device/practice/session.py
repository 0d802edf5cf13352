"""One practice session: calibrate, then each exercise of the plan in turn,
each introduced first.

Feed it every analysed frame with its timestamp (and the latest expression
probabilities, when the classifier has some); it returns the live state for
the screen. Pure logic: no camera, no clock, no database.

The stages: CALIBRATING (the neutral reference), then for each exercise
INTRO (what to do, for `intro_s` seconds or until `begin()`) and EXERCISING,
then DONE. An exercise ends when its reps are done, when the patient skips
it (`skip()`), or when its time limit passes: the plan moves on and the
exercise is kept with what was done and how it ended (`ExerciseOutcome`).

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
from device.practice.plan import Plan, PlanItem, Side
from device.practice.reps import Phase, Rep, RepCounter, Sample
from device.practice.scoring import (
    Smoother,
    expression_score,
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

INTRO_S = 6.0  # how long each exercise's intro shows before it starts by itself
EXERCISE_LIMIT_S = 120.0  # an exercise not finished by then moves the plan on, stored as timed out


class Stage(StrEnum):
    CALIBRATING = "calibrating"
    INTRO = "intro"
    EXERCISING = "exercising"
    DONE = "done"


class ExerciseOutcome(StrEnum):
    """How an exercise of the plan ended."""

    COMPLETED = "completed"  # all its reps
    SKIPPED = "skipped"  # the patient skipped it
    TIMED_OUT = "timed_out"  # its time limit passed first
    STOPPED = "stopped"  # the session was stopped during it
    NOT_REACHED = "not_reached"  # the session ended before it


@dataclass(frozen=True)
class LiveState:
    stage: Stage
    exercise_id: str | None
    item_index: int
    score: float | None  # smoothed, 0-100; None while the frame cannot score, or between holds
    right_score: float | None  # movement exercises, 0 and up (100: the target)
    left_score: float | None
    prompt: Prompt | None
    phase: Phase | None
    reps_done: int
    reps_planned: int
    hold_progress: float
    rest_remaining: float
    calibration_progress: float
    intro_remaining: float = 0.0
    time_left: float | None = None  # seconds before the exercise's time limit moves the plan on
    weaker: Side | None = None  # the side that moves less (movement exercises, when one clearly does)


@dataclass(frozen=True)
class ExerciseResult:
    exercise_id: str
    reps_planned: int
    reps: tuple[Rep, ...]
    frames_scored: int
    frames_gated: int
    outcome: ExerciseOutcome = ExerciseOutcome.COMPLETED
    # Each side's movement at its best during the exercise (the 90th
    # percentile of the frames that scored), whether or not reps counted:
    # what the symmetry and the grading are read from.
    right_movement: float | None = None
    left_movement: float | None = None
    affected_side: Side | None = None

    @property
    def score(self) -> float:
        if not self.reps:
            return 0.0
        return statistics.fmean(r.mean_score for r in self.reps) * len(self.reps) / self.reps_planned

    @property
    def symmetry(self) -> float | None:
        """Affected / healthy (or weaker / stronger) of the best movements."""
        if self.right_movement is None or self.left_movement is None:
            return None
        return symmetry(self.right_movement, self.left_movement, self.affected_side)

    @property
    def synkinesis(self) -> float | None:
        values = [r.synkinesis for r in self.reps if r.synkinesis is not None]
        return statistics.fmean(values) if values else None


@dataclass(frozen=True)
class SessionResult:
    exercises: tuple[ExerciseResult, ...]
    calibration: Calibration | None
    prompts: dict[str, int]  # frames that could not score, by reason
    affected_side: Side | None = None

    @property
    def score(self) -> float:
        return statistics.fmean(e.score for e in self.exercises) if self.exercises else 0.0

    @property
    def exercises_done_in_full(self) -> int:
        """Exercises with all their reps. Whether the session ran to the end
        of its plan is its status (SessionEnd), not this."""
        return sum(len(e.reps) >= e.reps_planned for e in self.exercises)

    @property
    def any_rep_done(self) -> bool:
        """Whether the patient did at least one rep: the kiosk praises only
        then; a plan that only timed out or was skipped ends plainly."""
        return any(e.reps for e in self.exercises)


class Session:
    def __init__(
        self,
        plan: Plan,
        frame_width: int,
        calibrator: Calibrator | None = None,
        *,
        intro_s: float = INTRO_S,
        exercise_limit_s: float = EXERCISE_LIMIT_S,
        first_intro: bool = True,
    ) -> None:
        if not plan.items:
            raise ValueError("a practice session needs a plan with at least one exercise")
        self.plan = plan
        self.frame_width = frame_width
        self.calibrator = calibrator or Calibrator()
        self.intro_s = intro_s
        self.exercise_limit_s = exercise_limit_s
        self.first_intro = first_intro  # False when the exercise was introduced before calibration
        self.calibration: Calibration | None = None
        self.stage = Stage.CALIBRATING
        self.item_index = 0
        self.smoother = Smoother()
        self.prompts: Counter[str] = Counter()
        self._results: list[ExerciseResult] = []
        self._counter = self._new_counter(plan.items[0])
        self._scored = 0
        self._gated = 0
        self._moves: list[tuple[float, float]] = []  # (right, left) of each scored frame of the exercise
        self._stage_started = 0.0  # when the current intro or exercise began (stream seconds)
        self._begin_requested = False
        self._skip_requested = False
        self.last_rep: tuple[str, Rep] | None = None  # set by the feed that completed a rep

    @property
    def item(self) -> PlanItem:
        return self.plan.items[self.item_index]

    def _new_counter(self, item: PlanItem) -> RepCounter:
        return RepCounter(item.reps, item.hold_s, item.rest_s, affected=self.plan.affected_side)

    # -- the patient's choices -------------------------------------------------------

    def begin(self) -> None:
        """End the current intro now (the patient tapped Start)."""
        self._begin_requested = True

    def skip(self) -> None:
        """Skip the current exercise (or its intro): it is kept as skipped."""
        self._skip_requested = True

    # -- frames ----------------------------------------------------------------------

    def feed(self, timestamp: float, analysis: FaceAnalysis, probabilities: dict[str, float] | None) -> LiveState:
        self.last_rep = None
        reference = self.calibration.pose if self.calibration else None
        verdict = gate(analysis, self.frame_width, reference)
        if not verdict.ok and verdict.prompt is not None:
            self.prompts[verdict.prompt.value] += 1
        if self.stage is Stage.CALIBRATING:
            self.calibration = self.calibrator.add(timestamp, analysis, verdict.ok, probabilities)
            if self.calibration is not None:
                self._enter(Stage.INTRO if self.first_intro else Stage.EXERCISING, timestamp)
            return self._state(None, None, None, verdict.prompt or self.calibrator.prompt, timestamp)
        if self.stage is Stage.DONE:
            return self._state(None, None, None, None, timestamp)
        if self._skip_requested:
            self._skip_requested = self._begin_requested = False
            self._next_exercise(ExerciseOutcome.SKIPPED, timestamp)
            return self._state(None, None, None, None, timestamp)
        if self.stage is Stage.INTRO:
            if self._begin_requested or timestamp - self._stage_started >= self.intro_s:
                self._begin_requested = False
                self._enter(Stage.EXERCISING, timestamp)
            return self._state(None, None, None, verdict.prompt, timestamp)
        return self._exercise(timestamp, analysis, probabilities, verdict.ok, verdict.prompt)

    def _exercise(
        self,
        timestamp: float,
        analysis: FaceAnalysis,
        probabilities: dict[str, float] | None,
        gated_ok: bool,
        prompt: Prompt | None,
    ) -> LiveState:
        sample = self._sample(timestamp, analysis, probabilities) if gated_ok else None
        if sample is None:
            self._gated += 1
        else:
            self._scored += 1
            if sample.right is not None and sample.left is not None:
                self._moves.append((sample.right, sample.left))
        # The exercise this frame was scored for: a completed rep may move the
        # plan on below, and the sample must not be read against the next one.
        exercise = self.item.exercise
        rep = self._counter.update(timestamp, sample)
        self.last_rep = (exercise.id, rep) if rep is not None else None
        if rep is not None and self._counter.phase is Phase.DONE:
            self._next_exercise(ExerciseOutcome.COMPLETED, timestamp)
            return self._state(None, None, None, prompt, timestamp)
        if timestamp - self._stage_started >= self.exercise_limit_s:
            self._next_exercise(ExerciseOutcome.TIMED_OUT, timestamp)
            return self._state(None, None, None, prompt, timestamp)
        # Between holds the number would read as a grade for resting: none is shown.
        resting = self._counter.phase is Phase.RESTING
        score = self.smoother.value if sample is not None and not resting else None
        right = left = None
        weaker = None
        if sample is not None and sample.right is not None and sample.left is not None and not resting:
            right = side_score(exercise, sample.right, self.plan.effort)
            left = side_score(exercise, sample.left, self.plan.effort)
            found = weaker_side(sample.right, sample.left, noise_floor(exercise))
            weaker = found[0] if found is not None else None
        return self._state(score, right, left, prompt, timestamp, weaker=weaker)

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
        other = other_movement(exercise, analysis.measures, neutral)
        raw = movement_score(exercise, move, self.plan.effort, self.plan.affected_side, other)
        closure = eye_closure(analysis.measures, neutral) if exercise.synkinesis else None
        return Sample(timestamp, self.smoother.update(raw, timestamp), move.right, move.left, closure)

    def _enter(self, stage: Stage, now: float) -> None:
        self.stage = stage
        self._stage_started = now

    def _next_exercise(self, outcome: ExerciseOutcome, now: float) -> None:
        self._results.append(self._exercise_result(outcome))
        self.item_index += 1
        self.smoother.reset()
        self._scored = self._gated = 0
        self._moves = []
        if self.item_index >= len(self.plan.items):
            self.stage = Stage.DONE
            self.item_index = len(self.plan.items) - 1
        else:
            self._counter = self._new_counter(self.item)
            self._enter(Stage.INTRO, now)

    def _exercise_result(self, outcome: ExerciseOutcome) -> ExerciseResult:
        right = _best([m[0] for m in self._moves])
        left = _best([m[1] for m in self._moves])
        return ExerciseResult(
            self.item.exercise.id,
            self.item.reps,
            tuple(self._counter.done),
            self._scored,
            self._gated,
            outcome,
            right,
            left,
            self.plan.affected_side,
        )

    def _state(
        self,
        score: float | None,
        right: float | None,
        left: float | None,
        prompt: Prompt | None,
        now: float,
        *,
        weaker: Side | None = None,
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
            intro_remaining=max(0.0, self.intro_s - (now - self._stage_started)) if self.stage is Stage.INTRO else 0.0,
            time_left=max(0.0, self.exercise_limit_s - (now - self._stage_started)) if exercising else None,
            weaker=weaker,
        )

    def result(self) -> SessionResult:
        """The result so far; the exercise under way counts as stopped, the
        ones not reached with no reps."""
        exercises = list(self._results)
        if self.stage is not Stage.DONE:
            exercises.append(self._exercise_result(ExerciseOutcome.STOPPED))
            exercises += [
                ExerciseResult(item.exercise.id, item.reps, (), 0, 0, ExerciseOutcome.NOT_REACHED)
                for item in self.plan.items[self.item_index + 1 :]
            ]
        return SessionResult(tuple(exercises), self.calibration, dict(self.prompts), self.plan.affected_side)


def _best(values: list[float]) -> float | None:
    """A side's movement at its best, robust to a frame of bad fit."""
    if not values:
        return None
    if len(values) < 10:
        return max(values)
    return statistics.quantiles(values, n=10)[-1]

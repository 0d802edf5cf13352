"""A practice session fed by the live pipeline and recorded as it goes: the
one loop body that headless practice and the kiosk share.

Feed it each pipeline Update; it passes the frame to the session (with the
classifier's answer when an expression exercise needs one and it is recent),
records calibration, reps and the 1 Hz timeline, and returns the LiveState.
"""

from __future__ import annotations

from pathlib import Path

from device.pipeline import Update
from device.practice.catalogue import Kind
from device.practice.plan import Plan
from device.practice.session import LiveState, PracticeSession, SessionResult, Stage
from device.store.db import StoreError
from device.store.models import Patient
from device.store.records import SessionRecorder

# An expression result older than this (relative to the frame being scored)
# describes a face that may have changed: the frame is scored without one.
MAX_EXPRESSION_AGE = 0.5


class LivePractice:
    def __init__(self, plan: Plan, frame_width: int, patient: Patient | None, db_path: Path | None) -> None:
        self.session = PracticeSession(plan, frame_width=frame_width)
        self.recorder = SessionRecorder(db_path, patient, plan) if patient is not None and db_path else None
        self.started_at: float | None = None  # the first frame's timestamp
        self.state: LiveState | None = None
        self.elapsed = 0.0  # seconds of stream since the first frame
        self.finished = False

    @property
    def wants_expressions(self) -> bool:
        """Whether the classifier's answers are needed for the current exercise."""
        return self.session.item.exercise.kind is Kind.EXPRESSION and self.session.stage is not Stage.DONE

    @property
    def store_error(self) -> StoreError | None:
        return self.recorder.error if self.recorder is not None else None

    def feed(self, update: Update) -> LiveState:
        if self.started_at is None:
            self.started_at = update.frame.timestamp
        t = self.elapsed = update.frame.timestamp - self.started_at
        was_calibrating = self.session.stage is Stage.CALIBRATING
        probabilities = _recent_probabilities(update) if self.wants_expressions else None
        state = self.session.feed(t, update.analysis, probabilities)
        if self.recorder is not None:
            if was_calibrating and self.session.calibration is not None:
                self.recorder.calibration(self.session.calibration)
            if self.session.last_rep is not None:
                self.recorder.rep(*self.session.last_rep)
            self.recorder.sample(t, state)
        self.state = state
        return state

    def finish(self, stopped: bool) -> SessionResult:
        """The result, stored as completed or stopped (once)."""
        result = self.session.result()
        if self.recorder is not None and not self.finished:
            self.recorder.finish(result, stopped=stopped)
        self.finished = True
        return result


def _recent_probabilities(update: Update) -> dict[str, float] | None:
    """The classifier's newest answer, if it is recent and there is a face."""
    expression = update.expression
    if expression is None or update.analysis.face.points is None:
        return None
    if update.frame.timestamp - expression.frame_timestamp > MAX_EXPRESSION_AGE:
        return None
    return expression.probabilities

"""A practice session fed by the live pipeline and recorded as it goes: the
one loop body that headless practice and the kiosk share.

Feed it each pipeline Update; it passes the frame to the session (with the
classifier's answer when calibration or an expression exercise needs one and
it is recent), records calibration, reps and the 1 Hz timeline, and returns
the LiveState. The session is only recorded once a face has been seen: a
camera that never starts, or one that never sees anybody, leaves no session
behind (an empty room is not practice).

A classifier that has failed while an expression exercise needs it ends the
session (PipelineError): the exercise could never score.
"""

from __future__ import annotations

from collections.abc import Callable

from device.pipeline import PipelineError, Update
from device.practice.catalogue import Kind
from device.practice.plan import Plan
from device.practice.recording import Recorder
from device.practice.session import EXERCISE_LIMIT_S, INTRO_S, LiveState, Session, SessionResult, Stage

# An expression result older than this (relative to the frame being scored)
# describes a face that may have changed: the frame is scored without one.
MAX_EXPRESSION_AGE = 0.5


class LiveSession:
    def __init__(
        self,
        plan: Plan,
        frame_width: int,
        open_recorder: Callable[[], Recorder] | None,
        *,
        intro_s: float = INTRO_S,
        exercise_limit_s: float = EXERCISE_LIMIT_S,
        first_intro: bool = True,
        check_neutral_expression: bool = True,
    ) -> None:
        self.session = Session(
            plan,
            frame_width=frame_width,
            intro_s=intro_s,
            exercise_limit_s=exercise_limit_s,
            first_intro=first_intro,
        )
        # The classifier checks that the calibration face shows no expression.
        # Off for the embedded demo, whose resting face is a photo of a person
        # smiling slightly (its sessions never count as a patient's practice).
        self.check_neutral_expression = check_neutral_expression
        self._open_recorder = open_recorder
        self.recorder: Recorder | None = None
        self.started_at: float | None = None  # the first frame's timestamp
        self.face_seen = False  # a face has been found in some frame: the session is recorded from then on
        self.state: LiveState | None = None
        self.elapsed = 0.0  # seconds of stream since the first frame
        self.finished = False

    @property
    def wants_expressions(self) -> bool:
        """Whether the classifier's answers are needed now: to check that the
        calibration face is neutral, and for expression exercises."""
        stage = self.session.stage
        if stage is Stage.CALIBRATING:
            return self.check_neutral_expression
        return stage is Stage.EXERCISING and self.session.item.exercise.kind is Kind.EXPRESSION

    @property
    def needs_classifier(self) -> bool:
        """Whether the current exercise cannot score without the classifier."""
        session = self.session
        return session.stage is Stage.EXERCISING and session.item.exercise.kind is Kind.EXPRESSION

    @property
    def store_error(self) -> Exception | None:
        return self.recorder.error if self.recorder is not None else None

    @property
    def saving(self) -> bool:
        return self.recorder is not None and self.recorder.error is None

    def feed(self, update: Update) -> LiveState:
        if self.started_at is None:
            self.started_at = update.frame.timestamp
        if not self.face_seen and update.analysis.face.points is not None:
            self.face_seen = True
            if self._open_recorder is not None:
                self.recorder = self._open_recorder()
        if update.expression_error is not None and self.needs_classifier:
            raise PipelineError("classifier", update.expression_error)
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

    def skip(self) -> None:
        self.session.skip()

    def begin(self) -> None:
        self.session.begin()

    def finish(self, status: str) -> SessionResult:
        """The result, stored (once) with `status` (SessionEnd)."""
        result = self.session.result()
        if self.recorder is not None and not self.finished:
            self.recorder.finish(result, status)
        self.finished = True
        return result

    def wait_saved(self, timeout: float | None = None) -> bool:
        """Wait until the recorder has written everything (headless practice,
        before it reports; the kiosk never waits). True when there is nothing to wait for."""
        return self.recorder.flush(timeout) if self.recorder is not None else True


def _recent_probabilities(update: Update) -> dict[str, float] | None:
    """The classifier's newest answer, if it is recent and there is a face."""
    expression = update.expression
    if expression is None or update.analysis.face.points is None:
        return None
    if update.frame.timestamp - expression.frame_timestamp > MAX_EXPRESSION_AGE:
        return None
    return expression.probabilities

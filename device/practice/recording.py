"""What a practice session needs from a store, as a protocol: practice never
imports the store; device/store/records.py implements it."""

from __future__ import annotations

from typing import Protocol

from device.practice.calibration import Calibration
from device.practice.reps import Rep
from device.practice.session import LiveState, SessionResult


class SessionEnd:
    """The final status a session is stored with (the store's SessionStatus uses these)."""

    COMPLETED = "completed"
    STOPPED = "stopped"  # the patient stopped it, or the camera went away
    FAILED = "failed"  # an error ended it; what was done is kept
    INTERRUPTED = "interrupted"  # the kiosk closed (restart, service stop) during it; what was done is kept


class Recorder(Protocol):
    """Records one session as it happens. Never raises: the first failure is
    kept in `error` and the session goes on unsaved."""

    @property
    def error(self) -> Exception | None: ...

    @property
    def session_id(self) -> int | None: ...

    def calibration(self, calibration: Calibration) -> None: ...

    def rep(self, exercise_id: str, rep: Rep) -> None: ...

    def sample(self, t_s: float, state: LiveState) -> None: ...

    def finish(self, result: SessionResult, status: str) -> None:
        """Store the result with a final status: completed, stopped or failed."""
        ...

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every write handed over is done; False on timeout."""
        ...

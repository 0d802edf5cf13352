"""Reps and holds: a rep counts when the score stays at or above the
threshold for the exercise's hold time; then the patient rests.

A short dip below the threshold, or a few frames that fail the quality gate
(a blink of the tracker), do not break a hold: up to GRACE_S of either is
tolerated. Each rep keeps its peak and mean score, the mean movement of each
side, their symmetry and, for smile and pucker, the eye closing during it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from enum import StrEnum

from device.practice.plan import Side
from device.practice.scoring import symmetry

REP_THRESHOLD = 50.0  # score a hold must keep
GRACE_S = 0.4


class Phase(StrEnum):
    READY = "ready"  # waiting for the movement
    HOLDING = "holding"
    RESTING = "resting"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Sample:
    """What one scored frame contributes to a rep."""

    timestamp: float
    score: float
    right: float | None = None  # movement per side (movement exercises)
    left: float | None = None
    eye_closure: float | None = None  # synkinesis (smile and pucker)


@dataclass(frozen=True)
class Rep:
    number: int  # 1-based
    started: float
    ended: float
    peak_score: float
    mean_score: float
    right_movement: float | None
    left_movement: float | None
    symmetry: float | None
    synkinesis: float | None  # peak eye closure fraction during the hold


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


@dataclass
class RepCounter:
    reps: int
    hold_s: float
    rest_s: float
    affected: Side | None = None
    threshold: float = REP_THRESHOLD
    phase: Phase = Phase.READY
    done: list[Rep] = field(default_factory=list)
    _hold: list[Sample] = field(default_factory=list)
    _last_good: float | None = None  # last frame at or above the threshold while holding
    _rest_until: float = 0.0

    def hold_progress(self, now: float) -> float:
        if self.phase is not Phase.HOLDING or not self._hold:
            return 0.0
        return min(1.0, (now - self._hold[0].timestamp) / self.hold_s)

    def rest_remaining(self, now: float) -> float:
        return max(0.0, self._rest_until - now) if self.phase is Phase.RESTING else 0.0

    def update(self, now: float, sample: Sample | None) -> Rep | None:
        """Advance to time `now` with this frame's sample (None: the frame did
        not pass the quality gate). Returns a rep when one is completed."""
        if self.phase is Phase.DONE:
            return None
        if self.phase is Phase.RESTING:
            if now < self._rest_until:
                return None
            self.phase = Phase.READY
        if self.phase is Phase.READY:
            if sample is not None and sample.score >= self.threshold:
                self.phase, self._hold, self._last_good = Phase.HOLDING, [sample], now
            return None
        # HOLDING
        if sample is not None and sample.score >= self.threshold:
            self._hold.append(sample)
            self._last_good = now
        elif self._last_good is not None and now - self._last_good > GRACE_S:
            self.phase, self._hold = Phase.READY, []  # let go too early: not a rep
            return None
        if now - self._hold[0].timestamp >= self.hold_s:
            return self._complete(now)
        return None

    def _complete(self, now: float) -> Rep:
        samples = self._hold
        right = _mean([s.right for s in samples])
        left = _mean([s.left for s in samples])
        closures = [s.eye_closure for s in samples if s.eye_closure is not None]
        rep = Rep(
            number=len(self.done) + 1,
            started=samples[0].timestamp,
            ended=now,
            peak_score=max(s.score for s in samples),
            mean_score=statistics.fmean(s.score for s in samples),
            right_movement=right,
            left_movement=left,
            symmetry=symmetry(right, left, self.affected) if right is not None and left is not None else None,
            synkinesis=max(closures) if closures else None,
        )
        self.done.append(rep)
        self._hold = []
        if len(self.done) >= self.reps:
            self.phase = Phase.DONE
        else:
            self.phase, self._rest_until = Phase.RESTING, now + self.rest_s
        return rep

"""eFACE-style dynamic grading of a session, per facial region.

auto-eFACE (Banks, Hadlock and colleagues) scores each dynamic item from 0
to 100, 100 being a normal, symmetric movement, from how far the affected
side moves against the healthy side. Here, for each region practised in the
session:

    subscore = 100 x min(1, affected movement / healthy movement)

using each side's best movement during the exercise (the 90th percentile of
its scored frames, from the calibrated neutral), or weaker / stronger when
the plan names no affected side. Two exercises of one region (the closed and
the open smile) give their mean.

Ocular synkinesis is reported apart, as how far the eyes closed (0-100 %,
0 = not at all) during the smile and pucker exercises: lower is better.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass

from device.practice.session import SessionResult

REGION_EXERCISES: dict[str, tuple[str, ...]] = {
    "brow_elevation": ("brow_raise",),
    "gentle_eye_closure": ("gentle_eye_closure",),
    "full_eye_closure": ("tight_eye_closure",),
    "smile": ("closed_smile", "open_smile"),
    "lower_lip_pucker": ("lip_pucker",),
}


@dataclass(frozen=True)
class Grading:
    subscores: dict[str, float]  # region -> 0-100, for the regions practised
    ocular_synkinesis: float | None  # percent eye closure during smile and pucker

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def region_of(exercise_id: str) -> str | None:
    """The eFACE region an exercise grades, or None (the nose wrinkle has none)."""
    return next((region for region, ids in REGION_EXERCISES.items() if exercise_id in ids), None)


def subscore(symmetry: float) -> float:
    """0-100 from affected / healthy (or weaker / stronger) movement."""
    return 100.0 * min(1.0, symmetry)


def grade(result: SessionResult) -> Grading:
    subscores: dict[str, float] = {}
    for region, exercises in REGION_EXERCISES.items():
        scores = [
            subscore(e.symmetry) for e in result.exercises if e.exercise_id in exercises and e.symmetry is not None
        ]
        if scores:
            subscores[region] = round(statistics.fmean(scores), 1)
    closures = [e.synkinesis for e in result.exercises if e.synkinesis is not None]
    synkinesis = round(100.0 * max(closures), 1) if closures else None
    return Grading(subscores, synkinesis)

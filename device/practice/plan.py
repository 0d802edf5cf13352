"""A patient's exercise plan: which exercises, how many reps, how hard, and
which side of the face is affected, if known.

Facial Palsy UK advises low effort rather than maximal force, so effort
scales the movement that counts as a full score: at "gentle" effort half the
catalogue's full movement already scores 100.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from device.errors import KioskError
from device.practice.catalogue import CatalogueError, Exercise, exercise


class PlanError(KioskError):
    """The plan has an impossible value; the message names it."""


class Effort(StrEnum):
    GENTLE = "gentle"
    MODERATE = "moderate"
    FULL = "full"

    @property
    def factor(self) -> float:
        return {Effort.GENTLE: 0.5, Effort.MODERATE: 0.75, Effort.FULL: 1.0}[self]


class Side(StrEnum):
    RIGHT = "right"  # the patient's own right
    LEFT = "left"


MAX_REPS = 30
MAX_HOLD_S = 30.0
MAX_REST_S = 120.0


@dataclass(frozen=True)
class PlanItem:
    exercise: Exercise
    reps: int
    hold_s: float
    rest_s: float


@dataclass(frozen=True)
class Plan:
    items: tuple[PlanItem, ...]
    effort: Effort = Effort.GENTLE
    affected_side: Side | None = None


def plan_item(
    exercise_id: str, reps: int | None = None, hold_s: float | None = None, rest_s: float | None = None
) -> PlanItem:
    """A plan entry, with the catalogue's defaults for what is not given."""
    try:
        known = exercise(exercise_id)
    except CatalogueError as exc:
        raise PlanError(str(exc)) from exc
    item = PlanItem(
        known,
        known.reps if reps is None else reps,
        known.hold_s if hold_s is None else hold_s,
        known.rest_s if rest_s is None else rest_s,
    )
    if not 1 <= item.reps <= MAX_REPS:
        raise PlanError(f"{exercise_id}: reps must be between 1 and {MAX_REPS}, got {item.reps}")
    if not 0 < item.hold_s <= MAX_HOLD_S:
        raise PlanError(f"{exercise_id}: hold must be more than 0 and at most {MAX_HOLD_S:g} s, got {item.hold_s:g}")
    if not 0 <= item.rest_s <= MAX_REST_S:
        raise PlanError(f"{exercise_id}: rest must be between 0 and {MAX_REST_S:g} s, got {item.rest_s:g}")
    return item


def make_plan(entries: list[tuple[str, int | None]], effort: str = "gentle", affected_side: str | None = None) -> Plan:
    """A plan from (exercise id, reps or None) pairs, checked."""
    if not entries:
        raise PlanError("a plan needs at least one exercise")
    try:
        chosen_effort = Effort(effort)
    except ValueError:
        raise PlanError(f"effort must be one of {', '.join(Effort)}, got '{effort}'") from None
    try:
        side = Side(affected_side) if affected_side else None
    except ValueError:
        raise PlanError(f"affected side must be right, left or unknown, got '{affected_side}'") from None
    return Plan(tuple(plan_item(ident, reps) for ident, reps in entries), chosen_effort, side)


def default_plan() -> Plan:
    """The plan a new patient starts with: each palsy movement once through at
    gentle effort, three reps each, ending with a happy face."""
    return make_plan(
        [
            ("brow_raise", 3),
            ("gentle_eye_closure", 3),
            ("closed_smile", 3),
            ("lip_pucker", 3),
            ("nose_wrinkle", 3),
            ("happy", 3),
        ]
    )


def single_exercise_plan(exercise_id: str, base: Plan | None = None) -> Plan:
    """Just one exercise, keeping the effort and affected side of `base`."""
    base = base or default_plan()
    return replace(base, items=(plan_item(exercise_id),))

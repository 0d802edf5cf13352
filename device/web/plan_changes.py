"""What changed at each plan change: the plan page's history and the report's.

Each saved plan is stored whole (store.records.save_plan); a therapist asks
what was different from the one before, so each is compared with its
predecessor: exercises added (with their reps) and removed, reps changed,
effort and affected side changed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from device.i18n import Words
from device.practice.plan import Plan
from device.store.models import PlanRecord


class StoredPlan(Protocol):
    """A plan as a store keeps it: the device's PlanRecord, or the ward's WardPlan."""

    id: int
    created: datetime
    items: str  # JSON: [{"exercise": id, "reps": n, ...}, ...]
    effort: str
    affected_side: str | None
    author: str | None  # the therapist who made it on the ward; None: the device's dashboard


@dataclass(frozen=True)
class PlanChange:
    created: datetime
    author: str | None  # as StoredPlan.author
    first: bool  # the patient's first plan: everything in it is "added"
    added: tuple[tuple[str, int], ...]  # (exercise id, reps)
    removed: tuple[str, ...]
    reps: tuple[tuple[str, int, int], ...]  # (exercise id, before, after)
    effort: tuple[str, str] | None  # (before, after)
    side: tuple[str | None, str | None] | None

    @property
    def unchanged(self) -> bool:
        """Saved again as it was."""
        return not (self.first or self.added or self.removed or self.reps or self.effort or self.side)


def _items(record: StoredPlan) -> dict[str, int]:
    """exercise id -> reps, in the plan's order; an unreadable plan is read as empty, never a broken page."""
    try:
        items = json.loads(record.items)
        return {str(i["exercise"]): int(i["reps"]) for i in items}
    except (ValueError, KeyError, TypeError):
        return {}


def plan_changes(records: Sequence[StoredPlan]) -> list[PlanChange]:
    """Each plan against the one before it, newest first (`records` in any order)."""
    ordered = sorted(records, key=lambda r: (r.created, r.id))
    changes = []
    before: StoredPlan | None = None
    for record in ordered:
        now = _items(record)
        was = _items(before) if before is not None else {}
        effort = side = None
        if before is not None and before.effort != record.effort:
            effort = (before.effort, record.effort)
        if before is not None and before.affected_side != record.affected_side:
            side = (before.affected_side, record.affected_side)
        changes.append(
            PlanChange(
                created=record.created,
                author=record.author,
                first=before is None,
                added=tuple((e, reps) for e, reps in now.items() if e not in was),
                removed=tuple(e for e in was if e not in now),
                reps=tuple((e, was[e], reps) for e, reps in now.items() if e in was and was[e] != reps),
                effort=effort,
                side=side,
            )
        )
        before = record
    return changes[::-1]


def changes_between(changes: list[PlanChange], first: date, last: date) -> list[PlanChange]:
    """The changes made first..last inclusive (a report's range)."""
    return [c for c in changes if first <= c.created.date() <= last]


@dataclass(frozen=True)
class PlanFacts:
    """A plan as the report shows it."""

    items: tuple[tuple[str, int], ...]  # (exercise id, reps)
    effort: str
    affected_side: str | None


def plan_facts(plan: PlanRecord | Plan) -> PlanFacts:
    """A stored plan (the one in force on a day) or the default plan (a patient who never had one)."""
    if isinstance(plan, PlanRecord):
        return PlanFacts(tuple(_items(plan).items()), plan.effort, plan.affected_side)
    side = plan.affected_side.value if plan.affected_side else None
    return PlanFacts(tuple((i.exercise.id, i.reps) for i in plan.items), plan.effort.value, side)


def in_force(records: list[PlanRecord], day: date) -> PlanRecord | None:
    """The plan the kiosk used on `day`: the newest saved on or before it."""
    earlier = [r for r in records if r.created.date() <= day]
    return max(earlier, key=lambda r: (r.created, r.id)) if earlier else None


def describe(change: PlanChange, words: Words) -> str:
    """One line in the reader's language: what this change did."""

    def side(value: str | None) -> str:
        return words(f"side.{value or 'unknown'}")

    def items(pairs: tuple[tuple[str, int], ...]) -> str:
        return ", ".join(words("plan_history.item", name=words.exercise(e), reps=reps) for e, reps in pairs)

    if change.first:
        return words("plan_history.first", items=items(change.added))
    parts = []
    if change.added:
        parts.append(words("plan_history.added", items=items(change.added)))
    if change.removed:
        parts.append(words("plan_history.removed", items=", ".join(words.exercise(e) for e in change.removed)))
    parts += [
        words("plan_history.reps", name=words.exercise(e), before=before, after=after)
        for e, before, after in change.reps
    ]
    if change.effort:
        before, after = change.effort
        parts.append(words("plan_history.effort", before=words(f"effort.{before}"), after=words(f"effort.{after}")))
    if change.side:
        parts.append(words("plan_history.side", before=side(change.side[0]), after=side(change.side[1])))
    return " · ".join(parts) if parts else words("plan_history.unchanged")

"""Read-side queries: daily figures are computed from the sessions, never stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from peewee import Case, Expression, fn

from device.store.models import ExerciseRecord, Patient, PracticeRecord, SessionSource, SessionStatus


def practice_of(patient: Patient) -> Expression:
    """The patient's own practice: sessions on the device's camera. Sessions
    on the demo or a replay are kept apart and never counted as the patient's
    (the calendar, the dashboard, the trends and the exports all start here)."""
    return (PracticeRecord.patient == patient) & (PracticeRecord.source == SessionSource.CAMERA)


@dataclass(frozen=True)
class DaySummary:
    day: date
    sessions: int
    completed: int
    mean_score: float | None  # over completed sessions: a stopped one's partial score is not the day's level


def daily_summaries(patient: Patient, first: date, last: date) -> list[DaySummary]:
    """One row per day with at least one session, first..last inclusive."""
    start = datetime.combine(first, time.min)
    end = datetime.combine(last + timedelta(days=1), time.min)
    day = fn.date(PracticeRecord.started)
    query = (
        PracticeRecord.select(
            day.alias("day"),
            fn.COUNT(PracticeRecord.id).alias("sessions"),
            fn.SUM(PracticeRecord.status == SessionStatus.COMPLETED).alias("completed"),
            fn.AVG(Case(None, [(PracticeRecord.status == SessionStatus.COMPLETED, PracticeRecord.score)])).alias(
                "mean_score"
            ),
        )
        .where(practice_of(patient) & (PracticeRecord.started >= start) & (PracticeRecord.started < end))
        .group_by(day)
        .order_by(day)
        .dicts()
    )
    rows = cast(list[dict[str, Any]], list(query))
    return [
        DaySummary(
            day=_as_date(row["day"]),
            sessions=int(row["sessions"]),
            completed=int(row["completed"] or 0),
            mean_score=float(row["mean_score"]) if row["mean_score"] is not None else None,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class WeekSummary:
    monday: date
    days_practised: int
    sessions: int
    mean_score: float | None


def weekly_summaries(patient: Patient, first: date, last: date) -> list[WeekSummary]:
    """One row per week (Monday to Sunday) with practice, from the daily rows."""
    weeks: dict[date, list[DaySummary]] = {}
    for day in daily_summaries(patient, first, last):
        weeks.setdefault(day.day - timedelta(days=day.day.weekday()), []).append(day)
    return [
        WeekSummary(
            monday=monday,
            days_practised=len(days),
            sessions=sum(d.sessions for d in days),
            mean_score=mean_over_sessions(days),
        )
        for monday, days in sorted(weeks.items())
    ]


def mean_over_sessions(days: list[DaySummary]) -> float | None:
    """The mean completed-session score over several days: each day weighs by its completed sessions."""
    scored = [(d.mean_score, d.completed) for d in days if d.mean_score is not None]
    weight = sum(n for _, n in scored)
    return sum(s * n for s, n in scored) / weight if weight else None


def _as_date(value: object) -> date:
    """SQLite's date() comes back as text, or as a date or datetime when peewee converts it."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def sessions_on(patient: Patient, day: date) -> list[PracticeRecord]:
    start = datetime.combine(day, time.min)
    return list(
        PracticeRecord.select()
        .where(
            practice_of(patient)
            & (PracticeRecord.started >= start)
            & (PracticeRecord.started < start + timedelta(days=1))
        )
        .order_by(PracticeRecord.started)
    )


def session_exercises(record: PracticeRecord) -> list[ExerciseRecord]:
    """A session's exercises in the order of its plan."""
    return list(ExerciseRecord.select().where(ExerciseRecord.session == record).order_by(ExerciseRecord.position))

"""What the dashboard shows, computed from the store: one place for the pages
and the JSON API, so both always give the same numbers."""

from __future__ import annotations

import calendar
import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from peewee import fn

from device.i18n import Words
from device.practice.catalogue import catalogue
from device.practice.grading import REGION_EXERCISES
from device.store.models import ExerciseRecord, Patient, PracticeRecord, RepRecord, ScoreSample, SessionStatus
from device.store.queries import (
    DaySummary,
    daily_summaries,
    mean_over_sessions,
    practice_of,
    session_exercises,
    sessions_on,
)
from device.web.trend_rule import Trend, sentence, trend


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_month: bool
    summary: DaySummary | None
    is_today: bool


@dataclass(frozen=True)
class Month:
    first: date
    last: date
    weeks: list[list[CalendarDay]]
    previous: date
    next: date
    days_practised: int
    sessions: int
    mean_score: float | None


def month_view(patient: Patient, first: date, today: date) -> Month:
    first = first.replace(day=1)
    weeks_raw = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    summaries = {s.day: s for s in daily_summaries(patient, weeks_raw[0][0], weeks_raw[-1][-1])}
    weeks = [[CalendarDay(d, d.month == first.month, summaries.get(d), d == today) for d in week] for week in weeks_raw]
    in_month = [s for d, s in summaries.items() if d.month == first.month and d.year == first.year]
    following = (first + timedelta(days=32)).replace(day=1)
    return Month(
        first=first,
        last=following - timedelta(days=1),
        weeks=weeks,
        previous=(first - timedelta(days=1)).replace(day=1),
        next=following,
        days_practised=len(in_month),
        sessions=sum(s.sessions for s in in_month),
        mean_score=mean_over_sessions(in_month),
    )


@dataclass(frozen=True)
class ExerciseView:
    exercise: str
    reps_done: int
    reps_planned: int
    score: float
    symmetry: float | None
    synkinesis: float | None
    right_movement: float | None  # each side's best movement in the exercise (ExerciseResult)
    left_movement: float | None
    outcome: str = "completed"


@dataclass(frozen=True)
class SessionView:
    id: int
    started: datetime
    ended: datetime | None
    status: str
    score: float | None
    exercises: list[ExerciseView]
    timeline: tuple[tuple[float, float | None], ...]  # (seconds from start, score) at 1 Hz

    @property
    def duration_s(self) -> float | None:
        return (self.ended - self.started).total_seconds() if self.ended else None

    @property
    def interrupted(self) -> bool:
        return self.status == SessionStatus.INTERRUPTED


def session_view(record: PracticeRecord) -> SessionView:
    reps_by_exercise: dict[str, list[RepRecord]] = defaultdict(list)
    for rep in RepRecord.select().where(RepRecord.session == record).order_by(RepRecord.number):
        reps_by_exercise[rep.exercise].append(rep)
    exercises = [
        ExerciseView(
            exercise=e.exercise,
            reps_done=e.reps_done,
            reps_planned=e.reps_planned,
            score=e.score,
            symmetry=e.symmetry,
            synkinesis=e.synkinesis,
            right_movement=e.right_movement
            if e.right_movement is not None
            else _mean([r.right_movement for r in reps_by_exercise[e.exercise]]),
            left_movement=e.left_movement
            if e.left_movement is not None
            else _mean([r.left_movement for r in reps_by_exercise[e.exercise]]),
            outcome=e.outcome,
        )
        for e in session_exercises(record)
    ]
    # As plain tuples: thousands of rows a page, model instances would triple the cost.
    query = (
        ScoreSample.select(ScoreSample.t_s, ScoreSample.score)
        .where(ScoreSample.session == record)
        .order_by(ScoreSample.t_s)
    )
    rows = cast(list[tuple[float, float | None]], list(query.tuples()))
    timeline = [(float(t), None if score is None else float(score)) for t, score in rows]
    return SessionView(record.id, record.started, record.ended, record.status, record.score, exercises, tuple(timeline))


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


@dataclass(frozen=True)
class DayView:
    day: date
    sessions: list[SessionView]
    mean_score: float | None
    previous_week_mean: float | None  # the seven days before, for comparison


def day_view(patient: Patient, day: date) -> DayView:
    sessions = [session_view(r) for r in sessions_on(patient, day)]
    scores = [s.score for s in sessions if s.score is not None]
    week = daily_summaries(patient, day - timedelta(days=7), day - timedelta(days=1))
    return DayView(day, sessions, statistics.fmean(scores) if scores else None, mean_over_sessions(week))


@dataclass(frozen=True)
class WeekPoint:
    monday: date
    score: float | None
    symmetry: float | None
    reps_done: int
    reps_planned: int


@dataclass
class ExerciseTrend:
    exercise: str
    weeks: list[WeekPoint] = field(default_factory=list)

    def summary(self, words: Words) -> str:
        """A plain-language sentence over the weeks shown (trend_rule.py)."""
        return trend_sentence(self.exercise, self.weeks, words)


@dataclass(frozen=True)
class Trends:
    first: date
    last: date
    exercises: list[ExerciseTrend]
    streak_days: int  # consecutive days with practice, ending today or yesterday
    days_practised: int


def sessions_between(patient: Patient, first: date, last: date) -> list[PracticeRecord]:
    """Every session started first..last inclusive, oldest first."""
    return list(
        PracticeRecord.select()
        .where(
            practice_of(patient)
            & (PracticeRecord.started >= datetime.combine(first, datetime.min.time()))
            & (PracticeRecord.started < datetime.combine(last + timedelta(days=1), datetime.min.time()))
        )
        .order_by(PracticeRecord.started)
    )


def trends_view(patient: Patient, today: date, weeks: int = 12) -> Trends:
    """Per exercise, week by week, for the `weeks` weeks ending with today's."""
    last_monday = today - timedelta(days=today.weekday())
    first = last_monday - timedelta(weeks=weeks - 1)
    # Aggregated by SQLite (one row per exercise and week), so two years of
    # history cost the same as two weeks. date(started, '-6 days', 'weekday 1')
    # is the Monday on or before the session's day.
    monday = fn.date(PracticeRecord.started, "-6 days", "weekday 1")
    query = (
        ExerciseRecord.select(
            ExerciseRecord.exercise,
            monday.alias("monday"),
            fn.AVG(ExerciseRecord.score).alias("score"),
            fn.AVG(ExerciseRecord.symmetry).alias("symmetry"),
            fn.SUM(ExerciseRecord.reps_done).alias("reps_done"),
            fn.SUM(ExerciseRecord.reps_planned).alias("reps_planned"),
        )
        .join(PracticeRecord)
        .where(
            practice_of(patient)
            & (PracticeRecord.started >= datetime.combine(first, datetime.min.time()))
            & (PracticeRecord.status == SessionStatus.COMPLETED)  # a stopped session's part is not the level
        )
        .group_by(ExerciseRecord.exercise, monday)
        .dicts()
    )
    rows = cast(list[dict[str, Any]], list(query))
    grouped: dict[str, dict[date, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        # peewee may hand the date back as a datetime at midnight: the day is the first 10 characters.
        grouped[row["exercise"]][date.fromisoformat(str(row["monday"])[:10])] = row
    trends = []
    for exercise in sorted(grouped):
        trend = ExerciseTrend(exercise)
        for offset in range(weeks):
            week = first + timedelta(weeks=offset)
            found = grouped[exercise].get(week)
            trend.weeks.append(
                WeekPoint(
                    week,
                    None if found is None or found["score"] is None else float(found["score"]),
                    None if found is None or found["symmetry"] is None else float(found["symmetry"]),
                    0 if found is None else int(found["reps_done"]),
                    0 if found is None else int(found["reps_planned"]),
                )
            )
        trends.append(trend)
    days = {d.day for d in daily_summaries(patient, first, today)}
    return Trends(first, today, trends, practice_streak(patient, days, first, today), len(days))


def practice_streak(patient: Patient, days: set[date], first: date, today: date) -> int:
    """Consecutive practice days up to today (or up to yesterday, if today has
    none yet). `days` are the practice days from `first` on; a streak that
    starts on `first` may go further back, so then the whole history counts."""
    streak = consecutive_days(days, today)
    last = today if today in days else today - timedelta(days=1)
    if streak and last - timedelta(days=streak - 1) == first:
        streak = consecutive_days({d.day for d in daily_summaries(patient, date.min, today)}, today)
    return streak


def consecutive_days(days: set[date], today: date) -> int:
    day = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak


def exercise_trend(weeks: list[WeekPoint]) -> tuple[str, Trend]:
    """The measure a trend is told in (symmetry where the exercise has one,
    else the score) and its trend over the weeks."""
    first = weeks[0].monday if weeks else date.min

    def points(values: list[tuple[date, float | None]]) -> list[tuple[int, float]]:
        return [((monday - first).days // 7, value) for monday, value in values if value is not None]

    symmetry = points([(w.monday, w.symmetry) for w in weeks])
    if symmetry:
        return "symmetry", trend(symmetry, "symmetry")
    return "score", trend(points([(w.monday, w.score) for w in weeks]), "score")


def trend_sentence(exercise: str, weeks: list[WeekPoint], words: Words) -> str:
    """One plain sentence, in the reader's language (trend_rule.sentence)."""
    measure, found = exercise_trend(weeks)
    return sentence(exercise, measure, found, words)


@dataclass(frozen=True)
class RegionProgress:
    """One eFACE-style region: its subscore at the first graded session and at the latest."""

    region: str
    first: float
    first_day: date
    latest: float
    latest_day: date


Graded = list[tuple[date, dict[str, float]]]  # (day, subscores by region): read once per page


def graded_sessions(patient: Patient, until: date) -> Graded:
    """(day, eFACE-style subscores by region) of each completed session on the
    patient's camera up to `until`, oldest first."""
    graded = (
        PracticeRecord.select(PracticeRecord.started, PracticeRecord.grading)
        .where(
            practice_of(patient)
            & (PracticeRecord.status == SessionStatus.COMPLETED)
            & PracticeRecord.grading.is_null(False)
            & (PracticeRecord.started < datetime.combine(until + timedelta(days=1), datetime.min.time()))
        )
        .order_by(PracticeRecord.started)
    )
    found = []
    for record in graded:
        try:
            subscores = json.loads(record.grading or "{}").get("subscores", {})
        except (ValueError, AttributeError):
            continue  # an unreadable grading is skipped, never a broken page
        numbers = {r: float(v) for r, v in subscores.items() if isinstance(v, int | float)}
        if numbers:
            found.append((record.started.date(), numbers))
    return found


def region_progress(graded: Graded) -> list[RegionProgress]:
    """Per region practised, the first graded session against the latest."""
    seen: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for day, subscores in graded:
        for region, value in subscores.items():
            seen[region].append((day, value))
    return [
        RegionProgress(region, values[0][1], values[0][0], values[-1][1], values[-1][0])
        for region in REGION_EXERCISES
        if (values := seen.get(region))
    ]


def region_weeks(graded: Graded, mondays: list[date]) -> dict[str, list[float | None]]:
    """Per region, the mean subscore of each week starting on `mondays` (None: not practised)."""
    if not mondays:
        return {}
    sums: dict[str, dict[date, list[float]]] = defaultdict(lambda: defaultdict(list))
    for day, subscores in graded:
        monday = day - timedelta(days=day.weekday())
        for region, value in subscores.items():
            sums[region][monday].append(value)
    return {
        region: [statistics.fmean(sums[region][m]) if sums[region].get(m) else None for m in mondays]
        for region in REGION_EXERCISES
        if region in sums and any(sums[region].get(m) for m in mondays)
    }


@dataclass(frozen=True)
class ExerciseTotals:
    """One exercise over a date range, for the therapist's report."""

    exercise: str
    sessions: int
    reps_done: int
    reps_planned: int
    score: float | None
    right_movement: float | None
    left_movement: float | None
    symmetry: float | None
    synkinesis: float | None


def exercise_totals(patient: Patient, first: date, last: date) -> list[ExerciseTotals]:
    """Per exercise over first..last: completed and stopped sessions on the patient's camera."""
    query = (
        ExerciseRecord.select(
            ExerciseRecord.exercise,
            fn.COUNT(ExerciseRecord.id).alias("sessions"),
            fn.SUM(ExerciseRecord.reps_done).alias("reps_done"),
            fn.SUM(ExerciseRecord.reps_planned).alias("reps_planned"),
            fn.AVG(ExerciseRecord.score).alias("score"),
            fn.AVG(ExerciseRecord.right_movement).alias("right_movement"),
            fn.AVG(ExerciseRecord.left_movement).alias("left_movement"),
            fn.AVG(ExerciseRecord.symmetry).alias("symmetry"),
            fn.AVG(ExerciseRecord.synkinesis).alias("synkinesis"),
        )
        .join(PracticeRecord)
        .where(
            practice_of(patient)
            & PracticeRecord.status.in_([SessionStatus.COMPLETED, SessionStatus.STOPPED])
            & (PracticeRecord.started >= datetime.combine(first, datetime.min.time()))
            & (PracticeRecord.started < datetime.combine(last + timedelta(days=1), datetime.min.time()))
        )
        .group_by(ExerciseRecord.exercise)
        .dicts()
    )
    rows = cast(list[dict[str, Any]], list(query))
    order = list(catalogue())
    rows.sort(key=lambda r: order.index(r["exercise"]) if r["exercise"] in order else len(order))
    averages = ("score", "right_movement", "left_movement", "symmetry", "synkinesis")
    return [
        ExerciseTotals(
            r["exercise"],
            int(r["sessions"]),
            int(r["reps_done"] or 0),
            int(r["reps_planned"] or 0),
            *(None if r[k] is None else float(r[k]) for k in averages),
        )
        for r in rows
    ]

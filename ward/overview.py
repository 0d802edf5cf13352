"""The ward overview's rows: every patient with their device, last practice,
days practised in the last 14, this week's mean against last week's, and
the alerts (missed plan days, a decline, sessions cut off).

Each figure is the device's own rule, imported, read from the rows the
ingest keeps per patient (ward/day_rows.py), so the page costs the same
whatever the ward's history: a mean is the completed sessions' (each
weighing the same, device/store/queries.py), a week starts on Monday, and
the alerts are the device dashboard's (device/web/alerts.py): the plan days
of its window without a completed session, an exercise whose weeks decline
by the trend rule, and the sessions cut off. The ward knows no plan's start,
so a patient's plan days start with their first practice day.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import astuple, dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from peewee import Select, fn

from device.store.queries import ExerciseWeekRow, monday_of, week_points
from device.web.alerts import alert_window, declines, plan_days_missed
from device.web.reports import TREND_WEEKS
from ward.identity import History, histories
from ward.models import PatientDay, PatientExerciseWeek, WardPatient, database

WINDOW_DAYS = 14


@dataclass(frozen=True)
class PatientRow:
    id: int
    name: str
    device: str
    last_practice: date | None
    days_practised: int  # of the last WINDOW_DAYS, today included
    week_mean: float | None  # this week's counted sessions, Monday to today
    last_week_mean: float | None
    missed: list[date] = field(default_factory=list)  # plan days of the alert window without a completed session
    declining: list[str] = field(default_factory=list)  # exercises whose weeks decline (the trend rule)
    cut_off: int = 0  # sessions of the alert window that ended interrupted, failed or unsaved
    last_cut_off: date | None = None

    @property
    def attention(self) -> bool:
        return bool(self.missed or self.declining or self.cut_off)


@dataclass(frozen=True)
class _Day:
    """A day's (or a week's) figures, as PatientDay keeps them; added up across days and beds."""

    sessions: int = 0
    completed: int = 0
    cut_off: int = 0
    score_sum: float = 0.0
    score_count: int = 0

    def __add__(self, other: _Day) -> _Day:
        return _Day(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def mean(self) -> float | None:
        """The mean of the counted sessions' scores, each weighing the same."""
        return self.score_sum / self.score_count if self.score_count else None


def _as_date(value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # SQLite hands dates back as text


class OverviewCache:
    """The overview's rows, computed once for every therapist who opens the
    page until something they show changes: the key is the day, the newest
    day and exercise-week rows (each ingest that changes a patient's figures
    rewrites their week's rows, under new ids) and the patients as the
    histories group them (names, beds, ward identities). Reading the key is
    three index look-ups and the patient list; the rows, at a full ward, are
    most of a second of Python on a loaded machine. While one reader computes
    a change, the others are given the rows before it rather than queueing
    behind it (or all computing it). One per app (database)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: object = None
        self._rows: list[PatientRow] = []
        self._tables: dict[str, str] = {}
        self._today: date | None = None
        self._computing = False

    def rows(self, today: date) -> list[PatientRow]:
        return self._current(today)[0]

    def table(self, today: date, language: str, render: Callable[[list[PatientRow]], str]) -> str:
        """The rows as `render` writes them in `language`, once per change and
        language: the words of 150 rows were most of a page read from the cache."""
        rows, tables = self._current(today)
        with self._lock:
            if language not in tables:
                tables[language] = render(rows)
            return tables[language]

    def _current(self, today: date) -> tuple[list[PatientRow], dict[str, str]]:
        key = (today, _changes())
        with self._lock:
            if key == self._key or (self._computing and self._today == today):
                # Up to date; or another reader is computing the change: these rows are at most that old.
                return self._rows, self._tables
            self._computing = True
        try:
            rows = overview(today)
        finally:
            with self._lock:
                self._computing = False
        with self._lock:
            self._rows, self._tables, self._key, self._today = rows, {}, key, today
            return rows, self._tables


def _changes() -> tuple[object, ...]:
    newest = database.execute_sql(
        'SELECT (SELECT MAX("id") FROM "patient_day"), (SELECT MAX("id") FROM "patient_exercise_week")'
    ).fetchone()
    patients = WardPatient.select(WardPatient.id, WardPatient.name, WardPatient.identity, WardPatient.device)
    return (*newest, tuple(_rows(patients.order_by(WardPatient.id))))


def _rows(query: Select) -> list[tuple[Any, ...]]:
    """Straight from the driver's cursor: peewee's conversion of each row was
    most of the page's time, and psycopg2 already gives dates and floats."""
    return cast(list[tuple[Any, ...]], database.execute(query).fetchall())


def overview(today: date) -> list[PatientRow]:
    """Every patient's history (one per ward identity, one per patient without:
    ward/identity.py), by device and name, in five queries whatever the history's length."""
    alert_first, _ = alert_window(today)
    monday = monday_of(today)
    first = min(alert_first, today - timedelta(days=WINDOW_DAYS - 1), monday - timedelta(weeks=1))
    # A patient's first and last practice day: index look-ups on (patient, day), one per patient.
    first_day = PatientDay.select(fn.MIN(PatientDay.day)).where(PatientDay.patient == WardPatient.id)
    last_day = PatientDay.select(fn.MAX(PatientDay.day)).where(PatientDay.patient == WardPatient.id)
    ends = {
        pid: (_as_date(first_practice), _as_date(last_practice))
        for pid, first_practice, last_practice in cast(
            list[tuple[int, object, object]], _rows(WardPatient.select(WardPatient.id, first_day, last_day))
        )
    }
    days: dict[int, dict[date, _Day]] = defaultdict(dict)
    day_rows = PatientDay.select(
        PatientDay.patient,
        PatientDay.day,
        PatientDay.sessions,
        PatientDay.completed,
        PatientDay.cut_off,
        PatientDay.score_sum,
        PatientDay.score_count,
    ).where((PatientDay.day >= first) & (PatientDay.day <= today))
    for patient, day, *figures in _rows(day_rows):
        days[patient][cast(date, _as_date(day))] = _Day(*figures)
    weeks = _exercise_weeks(monday - timedelta(weeks=TREND_WEEKS - 1), monday)
    rows = [_row(history, ends, days, weeks, today) for history in histories()]
    return sorted(rows, key=lambda row: (row.device, row.name, row.id))


def _exercise_weeks(first_monday: date, last_monday: date) -> dict[int, list[tuple[Any, ...]]]:
    query = PatientExerciseWeek.select(
        PatientExerciseWeek.patient,
        PatientExerciseWeek.exercise,
        PatientExerciseWeek.monday,
        PatientExerciseWeek.sessions,
        PatientExerciseWeek.score_sum,
        PatientExerciseWeek.score_count,
        PatientExerciseWeek.symmetry_sum,
        PatientExerciseWeek.symmetry_count,
        PatientExerciseWeek.reps_done,
        PatientExerciseWeek.reps_planned,
    ).where((PatientExerciseWeek.monday >= first_monday) & (PatientExerciseWeek.monday <= last_monday))
    found: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for patient, *week in _rows(query.order_by(PatientExerciseWeek.patient, PatientExerciseWeek.id)):
        found[patient].append(tuple(week))
    return found


@lru_cache(maxsize=4096)
def _declining(weeks: tuple[tuple[Any, ...], ...], today: date) -> tuple[str, ...]:
    """The exercises whose weeks decline by the trend rule, from a history's
    exercise-week rows as read (exercise, monday, then ExerciseWeekRow's sums).
    Remembered by those rows: the rule is most of the overview's time, and a
    new session changes one patient's rows, not the ward's."""
    added: dict[tuple[str, date], ExerciseWeekRow] = {}
    for exercise, monday, *sums in weeks:
        week = ExerciseWeekRow(exercise, cast(date, _as_date(monday)), *sums)
        key = (week.exercise, week.monday)
        added[key] = _add_weeks(added[key], week) if key in added else week
    points = week_points(list(added.values()), monday_of(today) - timedelta(weeks=TREND_WEEKS - 1), today)
    return tuple(exercise for exercise, exercise_weeks in points.items() if declines(exercise_weeks))


def _row(
    history: History,
    ends: dict[int, tuple[date | None, date | None]],
    by_patient: dict[int, dict[date, _Day]],
    by_patient_weeks: dict[int, list[tuple[Any, ...]]],
    today: date,
) -> PatientRow:
    """One history's row: its members' days and exercise weeks added up (each session weighs the same)."""
    days: dict[date, _Day] = {}
    for member in history.ids:
        for day, figures in by_patient.get(member, {}).items():
            days[day] = days[day] + figures if day in days else figures
    firsts = [first for m in history.ids if (first := ends.get(m, (None, None))[0]) is not None]
    lasts = [last for m in history.ids if (last := ends.get(m, (None, None))[1]) is not None]
    monday = monday_of(today)
    alert_first, alert_last = alert_window(today)
    this_week, last_week = _Day(), _Day()
    cut_off = 0
    last_cut_off: date | None = None
    for day, figures in days.items():
        if day >= monday:
            this_week += figures
        elif day >= monday - timedelta(weeks=1):
            last_week += figures
        if figures.cut_off and alert_first <= day <= alert_last:
            cut_off += figures.cut_off
            last_cut_off = max(day, last_cut_off or day)
    practised = sum(
        1 for day, figures in days.items() if figures.sessions and day > today - timedelta(days=WINDOW_DAYS)
    )
    finished = {day for day, figures in days.items() if figures.completed}
    missed = plan_days_missed(min(firsts, default=None), alert_first, today - timedelta(days=1), finished)
    return PatientRow(
        id=history.ids[0],
        name=history.name,
        device=", ".join(history.devices),
        last_practice=max(lasts, default=None),
        days_practised=practised,
        week_mean=this_week.mean(),
        last_week_mean=last_week.mean(),
        missed=missed,
        declining=list(_declining(tuple(w for m in history.ids for w in by_patient_weeks.get(m, [])), today)),
        cut_off=cut_off,
        last_cut_off=last_cut_off,
    )


def _add_weeks(a: ExerciseWeekRow, b: ExerciseWeekRow) -> ExerciseWeekRow:
    """One exercise's week on two devices (one patient who changed beds): the sums and counts added."""
    return ExerciseWeekRow(
        a.exercise,
        a.monday,
        a.sessions + b.sessions,
        a.score_sum + b.score_sum,
        a.score_count + b.score_count,
        a.symmetry_sum + b.symmetry_sum,
        a.symmetry_count + b.symmetry_count,
        a.reps_done + b.reps_done,
        a.reps_planned + b.reps_planned,
    )

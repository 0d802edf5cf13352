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

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from peewee import JOIN, fn

from device.store.queries import ExerciseWeekRow, monday_of, week_points
from device.web.alerts import alert_window, declines, plan_days_missed
from device.web.reports import TREND_WEEKS
from ward.models import Device, PatientDay, PatientExerciseWeek, WardPatient

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


@dataclass
class _Totals:
    sessions: int = 0
    score_sum: float = 0.0
    score_count: int = 0

    def mean(self) -> float | None:
        return self.score_sum / self.score_count if self.score_count else None


def _as_date(value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # SQLite hands dates back as text


def overview(today: date) -> list[PatientRow]:
    """Every patient, by device and name, in four queries whatever the history's length."""
    alert_first, _ = alert_window(today)
    monday = monday_of(today)
    first = min(alert_first, today - timedelta(days=WINDOW_DAYS - 1), monday - timedelta(weeks=1))
    # A patient's first and last practice day: index look-ups on (patient, day), one per patient.
    first_day = PatientDay.select(fn.MIN(PatientDay.day)).where(PatientDay.patient == WardPatient.id)
    last_day = PatientDay.select(fn.MAX(PatientDay.day)).where(PatientDay.patient == WardPatient.id)
    patients = cast(
        list[tuple[int, str, str, object, object]],
        list(
            WardPatient.select(WardPatient.id, WardPatient.name, Device.name, first_day, last_day)
            .join(Device, JOIN.INNER)
            .order_by(Device.name, WardPatient.name)
            .tuples()
        ),
    )
    days: dict[int, dict[date, tuple[int, int, int, float, int]]] = defaultdict(dict)
    day_rows = PatientDay.select(
        PatientDay.patient,
        PatientDay.day,
        PatientDay.sessions,
        PatientDay.completed,
        PatientDay.cut_off,
        PatientDay.score_sum,
        PatientDay.score_count,
    ).where((PatientDay.day >= first) & (PatientDay.day <= today))
    for patient, day, *figures in cast(list[tuple[Any, ...]], list(day_rows.tuples())):
        days[patient][cast(date, _as_date(day))] = cast(tuple[int, int, int, float, int], tuple(figures))
    weeks = _exercise_weeks(monday - timedelta(weeks=TREND_WEEKS - 1), monday)
    return [_row(patient, days.get(patient[0], {}), weeks.get(patient[0], []), today) for patient in patients]


def _exercise_weeks(first_monday: date, last_monday: date) -> dict[int, list[ExerciseWeekRow]]:
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
    found: dict[int, list[ExerciseWeekRow]] = defaultdict(list)
    for patient, exercise, monday, *rest in cast(list[tuple[Any, ...]], list(query.tuples())):
        found[patient].append(ExerciseWeekRow(exercise, cast(date, _as_date(monday)), *rest))
    return found


def _row(
    patient: tuple[int, str, str, object, object],
    days: dict[date, tuple[int, int, int, float, int]],
    weeks: list[ExerciseWeekRow],
    today: date,
) -> PatientRow:
    """One patient's row: (id, name, device, first and last practice day), their days and exercise weeks."""
    pid, name, device, first_practice, last_practice = patient
    monday = monday_of(today)
    alert_first, alert_last = alert_window(today)
    this_week, last_week = _Totals(), _Totals()
    practised = 0
    cut_off = 0
    last_cut_off: date | None = None
    for day, (sessions, _completed, cut, score_sum, score_count) in days.items():
        practised += sessions > 0 and day > today - timedelta(days=WINDOW_DAYS)
        totals = this_week if day >= monday else last_week if day >= monday - timedelta(weeks=1) else None
        if totals is not None:
            totals.sessions += sessions
            totals.score_sum += score_sum
            totals.score_count += score_count
        if cut and alert_first <= day <= alert_last:
            cut_off += cut
            last_cut_off = max(day, last_cut_off or day)
    finished = {day for day, figures in days.items() if figures[1]}
    missed = plan_days_missed(_as_date(first_practice), alert_first, today - timedelta(days=1), finished)
    first_monday = monday - timedelta(weeks=TREND_WEEKS - 1)
    points = week_points(weeks, first_monday, today)
    declining = [exercise for exercise, exercise_weeks in points.items() if declines(exercise_weeks)]
    return PatientRow(
        pid,
        name,
        device,
        _as_date(last_practice),
        practised,
        this_week.mean(),
        last_week.mean(),
        missed,
        declining,
        cut_off,
        last_cut_off,
    )

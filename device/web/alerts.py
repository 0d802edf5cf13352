"""What a caregiver should see first on a patient's overview: days of the
plan without a finished session, a decline by the trend rule, and sessions
that ended cut off. Each is dated and links to the page that shows it.

A plan day is every day from the patient's first plan or first session,
whichever came first, to yesterday: the kiosk's plan is a daily one. Today
is not missed yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for

from device.progress import TrendDirection
from device.store.models import Patient, SessionStatus
from device.store.queries import WeekPoint, daily_summaries, first_practice_day, sessions_between
from device.store.records import plan_history
from device.web.language import WebWords
from device.web.reports import Trends, exercise_trend

ALERT_DAYS = 14  # how far back the overview looks
MAX_MISSED_SHOWN = 5  # the latest missed days named one by one; the others counted
CUT_OFF = (SessionStatus.INTERRUPTED, SessionStatus.FAILED, SessionStatus.SAVE_FAILED)


@dataclass(frozen=True)
class Alert:
    kind: str  # "missed", "decline" or "cut_off"
    day: date
    text: str  # in the reader's language
    link: str


def plan_start(patient: Patient) -> date | None:
    """The first plan day: the first plan's or the first session's, whichever came first."""
    days = [d for d in (first_practice_day(patient), *(p.created.date() for p in plan_history(patient)[-1:])) if d]
    return min(days) if days else None


def alert_window(today: date) -> tuple[date, date]:
    """The days the alerts look at: the last ALERT_DAYS before today, and today."""
    return today - timedelta(days=ALERT_DAYS), today


def plan_days_missed(start: date | None, first: date, last: date, finished: set[date]) -> list[date]:
    """The plan days (from `start`) of first..last not in `finished`, oldest
    first: the rule, whoever reads the days (this dashboard, the ward)."""
    if start is None:
        return []
    first = max(first, start)
    return [
        first + timedelta(days=n) for n in range((last - first).days + 1) if first + timedelta(days=n) not in finished
    ]


def declines(weeks: list[WeekPoint]) -> bool:
    """An exercise's weeks show a decline by the trend rule."""
    return exercise_trend(weeks)[1].direction is TrendDirection.DOWN


def missed_days(patient: Patient, first: date, last: date) -> list[date]:
    """Plan days first..last (never today or later) without a finished session, oldest first."""
    start = plan_start(patient)
    if start is None or max(first, start) > last:
        return []
    finished = {d.day for d in daily_summaries(patient, max(first, start), last) if d.completed}
    return plan_days_missed(start, first, last, finished)


def alerts(patient: Patient, today: date, trends: Trends, words: WebWords) -> list[Alert]:
    """The overview's alerts, the newest first."""
    found: list[Alert] = []
    window, _ = alert_window(today)
    missed = missed_days(patient, window, today - timedelta(days=1))
    for day in missed[-MAX_MISSED_SHOWN:]:
        link = url_for("pages.day", patient_id=patient.id, day=day.isoformat())
        found.append(Alert("missed", day, words("alerts.missed", date=words.dated(day)), link))
    if len(missed) > MAX_MISSED_SHOWN:
        day = missed[0]
        link = url_for("pages.month", patient_id=patient.id, month=day.strftime("%Y-%m"))
        text = words("alerts.missed_more", count=len(missed) - MAX_MISSED_SHOWN, days=ALERT_DAYS)
        found.append(Alert("missed", day, text, link))
    for exercise in trends.exercises:
        if declines(exercise.weeks):
            link = url_for("pages.trends", patient_id=patient.id)
            found.append(Alert("decline", today, exercise.summary(words), link))
    for record in sessions_between(patient, window, today):
        if record.status in CUT_OFF:
            day = record.started.date()
            link = url_for("pages.day", patient_id=patient.id, day=day.isoformat())
            when = {"date": words.dated(day), "time": words.time_of_day(record.started)}
            text = words("alerts.cut_off", **when, status=words(f"status.{record.status}"))
            found.append(Alert("cut_off", day, text, link))
    return sorted(found, key=lambda a: a.day, reverse=True)

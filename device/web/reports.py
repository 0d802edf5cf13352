"""What the dashboard shows, put together from the read side
(device/store/queries.py): one place for the pages and the JSON API, so both
always give the same numbers. Nothing here reads the database itself."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from device.i18n import Words
from device.practice.grading import REGION_EXERCISES
from device.progress import Trend, sentence, trend
from device.store.models import Patient
from device.store.queries import (
    DaySummary,
    ExerciseTotals,
    ExerciseView,
    RegionHistory,
    RegionProgress,
    SessionView,
    WeekPoint,
    daily_summaries,
    exercise_totals,
    exercise_weeks,
    monday_of,
    period_summary,
    practice_streak,
    region_history,
    session_views,
    sessions_between,
)

# Read-side names the pages and tests import from here.
__all__ = [
    "ExerciseTotals",
    "ExerciseView",
    "RegionProgress",
    "SessionView",
    "WeekPoint",
    "exercise_totals",
    "sessions_between",
]


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
    following = (first + timedelta(days=32)).replace(day=1)
    month = period_summary(patient, first, following - timedelta(days=1))
    return Month(
        first=first,
        last=month.last,
        weeks=weeks,
        previous=(first - timedelta(days=1)).replace(day=1),
        next=following,
        days_practised=month.days_practised,
        sessions=month.sessions,
        mean_score=month.mean_score,
    )


@dataclass(frozen=True)
class DayView:
    day: date
    sessions: list[SessionView]
    mean_score: float | None
    previous_week_mean: float | None  # the seven days before, for comparison


def day_view(patient: Patient, day: date) -> DayView:
    sessions = session_views(patient, day, day, timelines=True)
    week_before = period_summary(patient, day - timedelta(days=7), day - timedelta(days=1))
    return DayView(day, sessions, period_summary(patient, day, day).mean_score, week_before.mean_score)


@dataclass
class ExerciseTrend:
    exercise: str
    weeks: list[WeekPoint] = field(default_factory=list)

    def summary(self, words: Words) -> str:
        """A plain-language sentence over the weeks shown (device/progress.py)."""
        return trend_sentence(self.exercise, self.weeks, words)


@dataclass(frozen=True)
class Trends:
    first: date
    last: date
    exercises: list[ExerciseTrend]
    streak_days: int  # consecutive days with practice, ending today or yesterday
    days_practised: int


TREND_WEEKS = 12  # the trends page's weeks, and those a decline alert is found in


def trends_view(patient: Patient, today: date, weeks: int = TREND_WEEKS) -> Trends:
    """Per exercise, week by week, for the `weeks` weeks ending with today's."""
    first = monday_of(today) - timedelta(weeks=weeks - 1)
    trends = [ExerciseTrend(exercise, points) for exercise, points in exercise_weeks(patient, first, today).items()]
    days = period_summary(patient, first, today).days_practised
    return Trends(first, today, trends, practice_streak(patient, today), days)


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
    """One plain sentence, in the reader's language (progress.sentence)."""
    measure, found = exercise_trend(weeks)
    return sentence(exercise, measure, found, words)


Graded = RegionHistory  # the name the pages know it by


def graded_sessions(patient: Patient, until: date) -> RegionHistory:
    """The patient's eFACE-style regions up to `until`: first and latest graded
    session, and weekly rows for the longest report's weeks (queries.region_history)."""
    return region_history(patient, until)


def region_progress(graded: RegionHistory) -> list[RegionProgress]:
    """Per region practised, the first graded session against the latest."""
    return [graded.progress[region] for region in REGION_EXERCISES if region in graded.progress]


def region_weeks(graded: RegionHistory, mondays: list[date]) -> dict[str, list[float | None]]:
    """Per region, the mean subscore of each week starting on `mondays` (None: not practised)."""
    weekly = {region: graded.weekly(region, mondays) for region in REGION_EXERCISES}
    return {region: values for region, values in weekly.items() if any(v is not None for v in values)}

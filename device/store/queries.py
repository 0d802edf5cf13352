"""The read side: every read of practice data, for the dashboard's pages, its
JSON API and exports, and the kiosk, as typed records.

One definition of what counts, for every page and screen:
- A patient's practice is their sessions on the device's own camera
  (`practice_of`); demo and replay sessions are never theirs.
- A day's, a week's or a month's *mean score* is the mean of the session
  scores of its counted sessions (`counted`): status "completed" only.
  Stopped (the patient ended early), failed, interrupted, save_failed and
  running sessions are listed and counted as sessions, but a partial score is
  not the patient's level. Each counted session weighs the same, so a day of
  three sessions weighs three times a day of one in a month's mean.
- A week runs from Monday to Sunday.

Weekly figures per exercise and per region come from the ExerciseWeek and
RegionWeek rows that triggers keep as sessions close (migration_week_rows.py);
a week only partly inside the range asked for is computed from its sessions
here, with the same definitions, so a range's figures are exact and cost the
same whatever the history's length.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple, cast

from peewee import SQL, Case, Expression, fn

from device.practice.catalogue import catalogue
from device.store.models import (
    ExerciseRecord,
    ExerciseWeek,
    Patient,
    PracticeDay,
    PracticeRecord,
    RegionWeek,
    RepRecord,
    ScoreSample,
    SessionSource,
    SessionStatus,
    database,
)

COUNTED_STATUS = SessionStatus.COMPLETED  # the one status whose score is the patient's level


def practice_of(patient: Patient) -> Expression:
    """The patient's own practice: sessions on the device's camera. Sessions
    on the demo or a replay are kept apart and never counted as the patient's
    (the calendar, the dashboard, the trends and the exports all start here)."""
    return (PracticeRecord.patient == patient) & (PracticeRecord.source == SessionSource.CAMERA)


def counted() -> Expression:
    """The sessions every mean is taken over: completed ones (see the module's docstring)."""
    return PracticeRecord.status == COUNTED_STATUS


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _within(first: date, last: date) -> Expression:
    """Sessions started on first..last inclusive."""
    return (PracticeRecord.started >= _start(first)) & (PracticeRecord.started < _start(last + timedelta(days=1)))


def _mean(total: float, count: int) -> float | None:
    return total / count if count else None


# -- days and periods ----------------------------------------------------------


@dataclass(frozen=True)
class DaySummary:
    day: date
    sessions: int
    completed: int
    mean_score: float | None  # over counted sessions: a stopped one's partial score is not the day's level


def daily_summaries(patient: Patient, first: date, last: date) -> list[DaySummary]:
    """One row per day with at least one session, first..last inclusive."""
    day = fn.date(PracticeRecord.started)
    query = (
        PracticeRecord.select(
            day.alias("day"),
            fn.COUNT(PracticeRecord.id).alias("sessions"),
            fn.SUM(counted()).alias("completed"),
            fn.AVG(Case(None, [(counted(), PracticeRecord.score)])).alias("mean_score"),
        )
        .where(practice_of(patient) & _within(first, last))
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
class PeriodSummary:
    """Any run of days: a day, the week before a day, a month, a report's range."""

    first: date
    last: date
    days_practised: int
    sessions: int
    completed: int
    stopped: int
    mean_score: float | None  # over counted sessions

    @property
    def cut_off(self) -> int:
        """Sessions that ended neither completed nor stopped: interrupted, failed, save failed, running."""
        return self.sessions - self.completed - self.stopped


def period_summary(patient: Patient, first: date, last: date) -> PeriodSummary:
    """The figures of first..last inclusive, in one query."""
    query = PracticeRecord.select(
        fn.COUNT(fn.DISTINCT(fn.date(PracticeRecord.started))).alias("days"),
        fn.COUNT(PracticeRecord.id).alias("sessions"),
        fn.SUM(counted()).alias("completed"),
        fn.SUM(PracticeRecord.status == SessionStatus.STOPPED).alias("stopped"),
        fn.AVG(Case(None, [(counted(), PracticeRecord.score)])).alias("mean_score"),
    ).where(practice_of(patient) & _within(first, last))
    row = cast(dict[str, Any], query.dicts().get())
    mean = row["mean_score"]
    return PeriodSummary(
        first,
        last,
        int(row["days"] or 0),
        int(row["sessions"] or 0),
        int(row["completed"] or 0),
        int(row["stopped"] or 0),
        None if mean is None else float(mean),
    )


def _as_date(value: object) -> date:
    """SQLite's date() comes back as text, or as a date or datetime when peewee converts it."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def practice_streak(patient: Patient, today: date) -> int:
    """Consecutive days with practice up to today, or up to yesterday if today
    has none yet: the newest practice day up to today and the first day of
    its run, kept by migration 7's triggers. One index look-up, whatever the
    history's length."""
    newest = (
        PracticeDay.select(PracticeDay.day, PracticeDay.run_start)
        .where((PracticeDay.patient == patient) & (PracticeDay.day <= today))
        .order_by(PracticeDay.day.desc())
        .limit(1)
        .tuples()
    )
    found = cast(list[tuple[object, object]], list(newest))
    if not found:
        return 0
    day, run_start = (_as_date(value) for value in found[0])
    return 0 if day < today - timedelta(days=1) else (day - run_start).days + 1


def patients_by_recent_practice() -> list[Patient]:
    """The patients not archived, the most recently practised first (those
    who never practised last, by name): the dashboard's patient picker."""
    # Each patient's newest session, read backwards along the (patient,
    # started) index: a join grouped by patient read every session ever.
    own = (PracticeRecord.patient == Patient.id) & (PracticeRecord.source == SessionSource.CAMERA)
    latest = PracticeRecord.select(PracticeRecord.started).where(own).order_by(PracticeRecord.started.desc()).limit(1)
    query = (
        Patient.select(Patient, latest.alias("latest"))
        .where(~Patient.archived)
        .order_by(SQL('"latest" IS NULL'), SQL('"latest"').desc(), Patient.name)
    )
    return list(query)


def first_practice_day(patient: Patient) -> date | None:
    """The day of the patient's first session on the device's camera (None: never practised)."""
    first = PracticeRecord.select(fn.MIN(PracticeRecord.started)).where(practice_of(patient)).scalar()
    return None if first is None else _as_date(first)


def sessions_on(patient: Patient, day: date) -> list[PracticeRecord]:
    return sessions_between(patient, day, day)


def sessions_between(patient: Patient, first: date, last: date) -> list[PracticeRecord]:
    """Every session started first..last inclusive, oldest first."""
    return list(
        PracticeRecord.select().where(practice_of(patient) & _within(first, last)).order_by(PracticeRecord.started)
    )


def session_exercises(record: PracticeRecord) -> list[ExerciseRecord]:
    """A session's exercises in the order of its plan."""
    return list(ExerciseRecord.select().where(ExerciseRecord.session == record).order_by(ExerciseRecord.position))


def earlier_scores(patient: Patient, session_id: int | None, count: int) -> list[float]:
    """The scores of the patient's last `count` counted sessions other than
    `session_id`, newest first: what the kiosk's "better than last time" compares with."""
    query = (
        PracticeRecord.select(PracticeRecord.score)
        .where(
            practice_of(patient)
            & counted()
            & (PracticeRecord.id != (session_id or -1))
            & PracticeRecord.score.is_null(False)
        )
        .order_by(PracticeRecord.started.desc())
        .limit(count)
        .tuples()
    )
    return [float(score) for (score,) in cast(list[tuple[float]], list(query))]


# -- sessions with their exercises -------------------------------------------


@dataclass(frozen=True)
class ExerciseView:
    exercise: str
    reps_done: int
    reps_planned: int
    score: float
    symmetry: float | None
    synkinesis: float | None
    right_movement: float | None  # each side's best movement in the exercise, else its reps' mean
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


def session_views(patient: Patient, first: date, last: date, *, timelines: bool = False) -> list[SessionView]:
    """The sessions of first..last with their exercises (and, if asked, their
    1 Hz timelines), oldest first, in four queries whatever their number."""
    sessions = cast(
        list[dict[str, Any]],
        list(
            PracticeRecord.select(
                PracticeRecord.id,
                PracticeRecord.started,
                PracticeRecord.ended,
                PracticeRecord.status,
                PracticeRecord.score,
            )
            .where(practice_of(patient) & _within(first, last))
            .order_by(PracticeRecord.started)
            .dicts()
        ),
    )
    ids = [s["id"] for s in sessions]
    exercises: dict[int, list[ExerciseView]] = defaultdict(list)
    rep_movement = _rep_movements(ids)
    exercise_rows = (
        ExerciseRecord.select().where(ExerciseRecord.session.in_(ids)).order_by(ExerciseRecord.position).dicts()
    )
    for e in cast(list[dict[str, Any]], list(exercise_rows)):
        right, left = rep_movement.get((e["session"], e["exercise"]), (None, None))
        exercises[e["session"]].append(
            ExerciseView(
                exercise=e["exercise"],
                reps_done=e["reps_done"],
                reps_planned=e["reps_planned"],
                score=e["score"],
                symmetry=e["symmetry"],
                synkinesis=e["synkinesis"],
                right_movement=e["right_movement"] if e["right_movement"] is not None else right,
                left_movement=e["left_movement"] if e["left_movement"] is not None else left,
                outcome=e["outcome"],
            )
        )
    samples: dict[int, list[tuple[float, float | None]]] = defaultdict(list)
    if timelines and ids:
        # Straight from SQLite's cursor: a day's timelines are a thousand rows
        # and more, and peewee's conversion of each row was most of the day
        # page's time (the columns are REAL already).
        query = (
            ScoreSample.select(ScoreSample.session, ScoreSample.t_s, ScoreSample.score)
            .where(ScoreSample.session.in_(ids))
            .order_by(ScoreSample.session, ScoreSample.t_s)
        )
        rows = cast(list[tuple[int, float, float | None]], database.execute(query).fetchall())
        for session, t_s, score in rows:
            samples[session].append((t_s, score))
    return [
        SessionView(
            s["id"], s["started"], s["ended"], s["status"], s["score"], exercises[s["id"]], tuple(samples[s["id"]])
        )
        for s in sessions
    ]


def _rep_movements(session_ids: list[int]) -> dict[tuple[int, str], tuple[float | None, float | None]]:
    """Each exercise's mean movement per side over its reps: the fallback for
    results stored before the exercise kept its own (ExerciseView)."""
    query = (
        RepRecord.select(
            RepRecord.session, RepRecord.exercise, fn.AVG(RepRecord.right_movement), fn.AVG(RepRecord.left_movement)
        )
        .where(RepRecord.session.in_(session_ids))
        .group_by(RepRecord.session, RepRecord.exercise)
        .tuples()
    )
    rows = cast(list[tuple[int, str, float | None, float | None]], list(query))
    return {(session, exercise): (right, left) for session, exercise, right, left in rows}


class RepView(NamedTuple):
    """One rep: a named tuple, made three times faster than a frozen dataclass (an export makes thousands)."""

    session: int
    session_started: datetime
    exercise: str
    number: int
    peak_score: float
    mean_score: float
    right_movement: float | None
    left_movement: float | None
    symmetry: float | None
    synkinesis: float | None


def rep_views(patient: Patient, first: date, last: date) -> list[RepView]:
    """Every rep of the sessions of first..last, by session and then as done, in one query."""
    query = (
        RepRecord.select(
            RepRecord.session,
            PracticeRecord.started,
            RepRecord.exercise,
            RepRecord.number,
            RepRecord.peak_score,
            RepRecord.mean_score,
            RepRecord.right_movement,
            RepRecord.left_movement,
            RepRecord.symmetry,
            RepRecord.synkinesis,
        )
        .join(PracticeRecord)
        .where(practice_of(patient) & _within(first, last))
        .order_by(PracticeRecord.started, RepRecord.id)
    )
    # Straight from SQLite's cursor, as the timelines: a month is thousands of
    # reps, and peewee's conversion of each row was half the export's time.
    # Each session's start is parsed once.
    started: dict[str, datetime] = {}
    rows = cast(list[tuple[Any, ...]], database.execute(query).fetchall())
    return [
        RepView(session, started.get(text) or started.setdefault(text, _as_datetime(text)), *rest)
        for session, text, *rest in rows
    ]


def _as_datetime(value: object) -> datetime:
    """A DATETIME column as SQLite's cursor gives it (peewee stores str(datetime))."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


# -- weeks per exercise ----------------------------------------------------------


@dataclass(frozen=True)
class ExerciseWeekRow:
    """What an exercise's counted sessions of one week add up to (sums and counts)."""

    exercise: str
    monday: date
    sessions: int
    score_sum: float
    score_count: int
    symmetry_sum: float
    symmetry_count: int
    reps_done: int
    reps_planned: int


@dataclass(frozen=True)
class WeekPoint:
    monday: date
    score: float | None
    symmetry: float | None
    reps_done: int
    reps_planned: int


def exercise_week_rows(patient: Patient, first: date, last: date) -> list[ExerciseWeekRow]:
    """Computed from the sessions of first..last: per exercise and week."""
    monday = fn.date(PracticeRecord.started, "-6 days", "weekday 1")
    query = (
        ExerciseRecord.select(
            ExerciseRecord.exercise,
            monday.alias("monday"),
            fn.COUNT(fn.DISTINCT(PracticeRecord.id)).alias("sessions"),
            fn.TOTAL(ExerciseRecord.score).alias("score_sum"),
            fn.COUNT(ExerciseRecord.score).alias("score_count"),
            fn.TOTAL(ExerciseRecord.symmetry).alias("symmetry_sum"),
            fn.COUNT(ExerciseRecord.symmetry).alias("symmetry_count"),
            fn.TOTAL(ExerciseRecord.reps_done).alias("reps_done"),
            fn.TOTAL(ExerciseRecord.reps_planned).alias("reps_planned"),
        )
        .join(PracticeRecord)
        .where(practice_of(patient) & counted() & _within(first, last))
        .group_by(ExerciseRecord.exercise, monday)
        .dicts()
    )
    return [_exercise_row(row) for row in cast(list[dict[str, Any]], list(query))]


def stored_exercise_weeks(patient: Patient, first_monday: date, last_monday: date) -> list[ExerciseWeekRow]:
    """The rows kept at close for the weeks first_monday..last_monday."""
    query = (
        ExerciseWeek.select()
        .where(
            (ExerciseWeek.patient == patient)
            & (ExerciseWeek.monday >= first_monday)
            & (ExerciseWeek.monday <= last_monday)
        )
        .dicts()
    )
    return [_exercise_row(row) for row in cast(list[dict[str, Any]], list(query))]


def _exercise_row(row: dict[str, Any]) -> ExerciseWeekRow:
    return ExerciseWeekRow(
        row["exercise"],
        _as_date(row["monday"]),
        int(row["sessions"]),
        float(row["score_sum"]),
        int(row["score_count"]),
        float(row["symmetry_sum"]),
        int(row["symmetry_count"]),
        int(row["reps_done"]),
        int(row["reps_planned"]),
    )


def _edges(first: date, last: date) -> tuple[list[tuple[date, date]], tuple[date, date] | None]:
    """The parts of first..last that are not whole weeks (computed from their
    sessions), and the Mondays of the whole weeks between (read from the rows)."""
    first_monday, last_monday = monday_of(first), monday_of(last)
    if first_monday == last_monday:
        return [(first, last)], None
    parts = [(first, first_monday + timedelta(days=6)), (last_monday, last)]
    whole_first = first_monday if first == first_monday else first_monday + timedelta(weeks=1)
    whole_last = last_monday - timedelta(weeks=1)
    if last == last_monday + timedelta(days=6):
        parts.pop()
        whole_last = last_monday
    if first == first_monday:
        parts.pop(0)
    return parts, (whole_first, whole_last) if whole_first <= whole_last else None


def exercise_weeks(patient: Patient, first: date, last: date) -> dict[str, list[WeekPoint]]:
    """Per exercise practised in first..last, one point per week from the week
    of `first` to the week of `last` (None where not practised), over counted
    sessions of those days only."""
    parts, whole = _edges(first, last)
    rows = [row for start, end in parts for row in exercise_week_rows(patient, start, end)]
    if whole is not None:
        rows += stored_exercise_weeks(patient, *whole)
    return week_points(rows, first, last)


def week_points(rows: list[ExerciseWeekRow], first: date, last: date) -> dict[str, list[WeekPoint]]:
    """Per exercise in `rows`, one point per week from the week of `first` to
    the week of `last`, None where not practised: the means of the rows' sums
    (the ward reads its own week rows through this too)."""
    found: dict[str, dict[date, ExerciseWeekRow]] = defaultdict(dict)
    for row in rows:
        found[row.exercise][row.monday] = row
    mondays = [monday_of(first) + timedelta(weeks=n) for n in range((monday_of(last) - monday_of(first)).days // 7 + 1)]
    return {
        exercise: [
            WeekPoint(
                monday,
                _mean(row.score_sum, row.score_count) if row else None,
                _mean(row.symmetry_sum, row.symmetry_count) if row else None,
                row.reps_done if row else 0,
                row.reps_planned if row else 0,
            )
            for monday in mondays
            for row in [weeks.get(monday)]
        ]
        for exercise, weeks in sorted(found.items())
    }


# -- weeks per region ------------------------------------------------------------


@dataclass(frozen=True)
class RegionWeekRow:
    """One eFACE-style region in one week of counted, graded sessions."""

    region: str
    monday: date
    sessions: int
    subscore_sum: float
    first_started: datetime
    first_subscore: float
    latest_started: datetime
    latest_subscore: float

    @property
    def mean(self) -> float:
        return self.subscore_sum / self.sessions


def region_week_rows(patient: Patient, first: date, last: date) -> list[RegionWeekRow]:
    """Computed from the gradings of the counted sessions of first..last: per region and week."""
    query = (
        PracticeRecord.select(PracticeRecord.id, PracticeRecord.started, PracticeRecord.grading)
        .where(practice_of(patient) & counted() & PracticeRecord.grading.is_null(False) & _within(first, last))
        .order_by(PracticeRecord.started, PracticeRecord.id)
        .tuples()
    )
    seen: dict[tuple[str, date], list[tuple[datetime, float]]] = defaultdict(list)
    for _, started, grading in cast(list[tuple[int, datetime, str | None]], list(query)):
        for region, value in _subscores(grading).items():
            seen[(region, monday_of(started.date()))].append((started, value))
    return [
        RegionWeekRow(region, monday, len(values), sum(v for _, v in values), *values[0], *values[-1])
        for (region, monday), values in seen.items()
    ]


def _subscores(grading: str | None) -> dict[str, float]:
    """A session's subscores by region; an unreadable grading has none (never a broken page)."""
    try:
        subscores = json.loads(grading or "{}").get("subscores", {})
        return {r: float(v) for r, v in subscores.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    except (ValueError, AttributeError):
        return {}


def stored_region_weeks(patient: Patient, first_monday: date, last_monday: date) -> list[RegionWeekRow]:
    query = (
        RegionWeek.select()
        .where(
            (RegionWeek.patient == patient) & (RegionWeek.monday >= first_monday) & (RegionWeek.monday <= last_monday)
        )
        .dicts()
    )
    return [_region_row(row) for row in cast(list[dict[str, Any]], list(query))]


def _region_row(row: dict[str, Any]) -> RegionWeekRow:
    return RegionWeekRow(
        row["region"],
        _as_date(row["monday"]),
        int(row["sessions"]),
        float(row["subscore_sum"]),
        row["first_started"],
        float(row["first_subscore"]),
        row["latest_started"],
        float(row["latest_subscore"]),
    )


@dataclass(frozen=True)
class RegionProgress:
    """One eFACE-style region: its subscore at the first graded session and at the latest."""

    region: str
    first: float
    first_day: date
    latest: float
    latest_day: date


@dataclass(frozen=True)
class RegionHistory:
    """A patient's regions up to a day: each region's first and latest graded
    session, and its weekly rows over a window that ends that day."""

    until: date
    weeks: dict[str, dict[date, RegionWeekRow]]
    progress: dict[str, RegionProgress]

    def weekly(self, region: str, mondays: list[date]) -> list[float | None]:
        """The region's mean subscore in each week starting on `mondays` (None: not graded)."""
        rows = self.weeks.get(region, {})
        return [row.mean if (row := rows.get(monday)) else None for monday in mondays]


REGION_WINDOW_WEEKS = 54  # the longest report (366 days) spans at most 54 weeks


def region_history(patient: Patient, until: date, weeks: int = REGION_WINDOW_WEEKS) -> RegionHistory:
    """Each region's first and latest graded session up to `until`, and its
    weekly rows for the `weeks` weeks ending with the week of `until`."""
    first = monday_of(until) - timedelta(weeks=weeks - 1)
    parts, whole = _edges(first, until)
    rows = [row for start, end in parts for row in region_week_rows(patient, start, end)]
    if whole is not None:
        rows += stored_region_weeks(patient, *whole)
    by_region: dict[str, dict[date, RegionWeekRow]] = defaultdict(dict)
    for row in rows:
        by_region[row.region][row.monday] = row
    earliest, latest_before = _region_ends(patient, first)
    progress = {}
    for region in set(by_region) | set(earliest):
        shown = sorted(by_region.get(region, {}).values(), key=lambda r: r.monday)
        first_row = earliest.get(region) or shown[0]
        latest_row = shown[-1] if shown else latest_before[region]
        progress[region] = RegionProgress(
            region,
            first_row.first_subscore,
            first_row.first_started.date(),
            latest_row.latest_subscore,
            latest_row.latest_started.date(),
        )
    return RegionHistory(until, dict(by_region), progress)


def region_range(patient: Patient, first: date, last: date) -> RegionHistory:
    """The regions graded within first..last only (a report of exactly its
    range): each region's first and latest graded session of the range, and
    its weekly rows over the range's weeks."""
    parts, whole = _edges(first, last)
    rows = [row for start, end in parts for row in region_week_rows(patient, start, end)]
    if whole is not None:
        rows += stored_region_weeks(patient, *whole)
    by_region: dict[str, dict[date, RegionWeekRow]] = defaultdict(dict)
    for row in rows:
        by_region[row.region][row.monday] = row
    progress = {}
    for region, weeks in by_region.items():
        shown = sorted(weeks.values(), key=lambda r: r.monday)
        progress[region] = RegionProgress(
            region,
            shown[0].first_subscore,
            shown[0].first_started.date(),
            shown[-1].latest_subscore,
            shown[-1].latest_started.date(),
        )
    return RegionHistory(last, dict(by_region), progress)


# Each region graded before the window, found by skipping along the
# (patient, region, monday) index from one region to the next, with the ids
# of its earliest and its latest week before the window: a few index seeks
# per region, however many weeks came before (a GROUP BY read them all).
_REGION_ENDS = """
WITH RECURSIVE regions(region) AS (
    SELECT (SELECT MIN(region) FROM region_week WHERE patient_id = ?1 AND monday < ?2)
    UNION ALL
    SELECT (SELECT MIN(region) FROM region_week WHERE patient_id = ?1 AND monday < ?2 AND region > regions.region)
    FROM regions WHERE regions.region IS NOT NULL
)
SELECT
    (SELECT id FROM region_week WHERE patient_id = ?1 AND region = regions.region AND monday < ?2
     ORDER BY monday LIMIT 1),
    (SELECT id FROM region_week WHERE patient_id = ?1 AND region = regions.region AND monday < ?2
     ORDER BY monday DESC LIMIT 1)
FROM regions WHERE regions.region IS NOT NULL
"""


def _region_ends(patient: Patient, window_first: date) -> tuple[dict[str, RegionWeekRow], dict[str, RegionWeekRow]]:
    """Per region graded before the window: its earliest and its latest stored week."""
    found = database.execute_sql(_REGION_ENDS, (patient.id, window_first.isoformat()))
    pairs = cast(list[tuple[int, int]], found.fetchall())
    query = RegionWeek.select().where(RegionWeek.id.in_([i for pair in pairs for i in pair]))
    rows = {row["id"]: _region_row(row) for row in cast(list[dict[str, Any]], list(query.dicts()))}
    earliest = {rows[first].region: rows[first] for first, _ in pairs}
    latest = {rows[last].region: rows[last] for _, last in pairs}
    return earliest, latest


# -- a range per exercise, for the report ---------------------------------------


@dataclass(frozen=True)
class ExerciseTotals:
    """One exercise over a date range, for the therapist's report: the practice
    done (completed and stopped sessions) and the level (counted sessions)."""

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
    """Per exercise over first..last, in the catalogue's order: reps over completed and stopped sessions, means over
    counted ones, movements falling back to the reps' mean as on the day page."""
    rep_mean = {
        side: RepRecord.select(fn.AVG(getattr(RepRecord, side))).where(
            (RepRecord.session == ExerciseRecord.session) & (RepRecord.exercise == ExerciseRecord.exercise)
        )
        for side in ("right_movement", "left_movement")
    }

    def level(value: Any) -> Any:
        return fn.AVG(Case(None, [(counted(), value)]))

    query = (
        ExerciseRecord.select(
            ExerciseRecord.exercise,
            fn.COUNT(ExerciseRecord.id).alias("sessions"),
            fn.SUM(ExerciseRecord.reps_done).alias("reps_done"),
            fn.SUM(ExerciseRecord.reps_planned).alias("reps_planned"),
            level(ExerciseRecord.score).alias("score"),
            level(fn.COALESCE(ExerciseRecord.right_movement, rep_mean["right_movement"])).alias("right_movement"),
            level(fn.COALESCE(ExerciseRecord.left_movement, rep_mean["left_movement"])).alias("left_movement"),
            level(ExerciseRecord.symmetry).alias("symmetry"),
            level(ExerciseRecord.synkinesis).alias("synkinesis"),
        )
        .join(PracticeRecord)
        .where(
            practice_of(patient)
            & PracticeRecord.status.in_([SessionStatus.COMPLETED, SessionStatus.STOPPED])
            & _within(first, last)
        )
        .group_by(ExerciseRecord.exercise)
        .dicts()
    )
    rows = cast(list[dict[str, Any]], list(query))
    order = list(catalogue())
    rows.sort(key=lambda r: (order.index(r["exercise"]) if r["exercise"] in order else len(order), r["exercise"]))
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

"""The per-patient rows the overview reads (PatientDay, PatientExerciseWeek),
recomputed in the ingest's transaction for the week a stored session falls
in, so the overview never groups a ward's whole history per request.

A week's rows are recomputed from its sessions rather than incremented: a
resent session with changed content (a late grading, another status) is then
right by construction. The definitions are the device's, imported: practice
is the patient's own camera, a mean counts the completed sessions, each
weighing the same, a week starts on Monday, a cut-off session is the
dashboard's alert's.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from peewee import JOIN, PostgresqlDatabase

from device.store.models import SessionSource
from device.store.queries import COUNTED_STATUS, monday_of
from device.web.alerts import CUT_OFF
from ward.models import PatientDay, PatientExerciseWeek, WardExercise, WardPatient, WardSession, database


def refresh_week(patient_id: int, day: date) -> None:
    """Recompute the patient's day rows and exercise rows of the week of `day`.
    Call inside the transaction that stored the session."""
    if isinstance(database.obj, PostgresqlDatabase):
        # Two ingests for one patient at once: the second waits here, then reads the first's session.
        WardPatient.select(WardPatient.id).where(WardPatient.id == patient_id).for_update().execute()
    monday = monday_of(day)
    start = datetime.combine(monday, time.min)
    rows = cast(
        list[tuple[Any, ...]],
        list(
            WardSession.select(
                WardSession.id,
                WardSession.started,
                WardSession.status,
                WardSession.score,
                WardExercise.exercise,
                WardExercise.score,
                WardExercise.symmetry,
                WardExercise.reps_done,
                WardExercise.reps_planned,
            )
            .join(WardExercise, JOIN.LEFT_OUTER)
            .where(
                (WardSession.patient == patient_id)
                & (WardSession.source == SessionSource.CAMERA)
                & (WardSession.started >= start)
                & (WardSession.started < start + timedelta(days=7))
            )
            .tuples()
        ),
    )
    days: dict[date, dict[str, Any]] = {}
    weeks: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"sessions": set(), "score_sum": 0.0, "score_count": 0, "symmetry_sum": 0.0, "symmetry_count": 0,
                 "reps_done": 0, "reps_planned": 0}
    )  # fmt: skip
    seen: set[int] = set()
    for session_id, started, status, score, exercise, e_score, e_symmetry, reps_done, reps_planned in rows:
        counted = status == COUNTED_STATUS
        if session_id not in seen:
            seen.add(session_id)
            totals = days.setdefault(
                stored_day(started),
                {"sessions": 0, "completed": 0, "cut_off": 0, "score_sum": 0.0, "score_count": 0},
            )
            totals["sessions"] += 1
            totals["completed"] += counted
            totals["cut_off"] += status in CUT_OFF
            if counted and score is not None:
                totals["score_sum"] += score
                totals["score_count"] += 1
        if counted and exercise is not None:
            week = weeks[exercise]
            week["sessions"].add(session_id)
            week["score_sum"] += e_score
            week["score_count"] += 1
            if e_symmetry is not None:
                week["symmetry_sum"] += e_symmetry
                week["symmetry_count"] += 1
            week["reps_done"] += reps_done
            week["reps_planned"] += reps_planned
    PatientDay.delete().where(
        (PatientDay.patient == patient_id) & (PatientDay.day >= monday) & (PatientDay.day < monday + timedelta(days=7))
    ).execute()
    if days:
        PatientDay.insert_many([{"patient": patient_id, "day": d, **totals} for d, totals in days.items()]).execute()
    PatientExerciseWeek.delete().where(
        (PatientExerciseWeek.patient == patient_id) & (PatientExerciseWeek.monday == monday)
    ).execute()
    if weeks:
        PatientExerciseWeek.insert_many(
            [
                {
                    "patient": patient_id,
                    "exercise": exercise,
                    "monday": monday,
                    **week,
                    "sessions": len(week["sessions"]),
                }
                for exercise, week in weeks.items()
            ]
        ).execute()


def stored_day(started: object) -> date:
    """A stored session's day: the device's own calendar day (SQLite hands a timestamp back as text)."""
    return (started if isinstance(started, datetime) else datetime.fromisoformat(str(started))).date()

"""Migration 5's SQL: weekly rows per patient, exercise and region, kept by
triggers in the transaction that closes, re-grades or deletes a session.

Frozen like every migration (migrations.py): never edit this after it ships.
A change to the weekly rows is a new migration that drops and recreates the
triggers and refills the tables. The definitions match device/store/queries.py
(which sessions count: completed ones on the patient's camera; a week starts
on Monday), and tests/test_read_side.py checks the rows against the read
side's recomputation from the sessions.
"""

from __future__ import annotations

_WEEK_OF = "date({started}, '-6 days', 'weekday 1')"  # the Monday on or before a session's day
_COUNTED = "s.status = 'completed' AND s.source = 'camera'"  # queries.counted() and practice_of()


def _v5_exercise_refill(patient: str, started: str) -> tuple[str, str]:
    """Recompute one patient's exercise rows for the week holding `started` (SQL expressions)."""
    monday = _WEEK_OF.format(started=started)
    return (
        f'DELETE FROM "exercise_week" WHERE "patient_id" = {patient} AND "monday" = {monday};',
        'INSERT INTO "exercise_week" ("patient_id", "monday", "exercise", "sessions", "score_sum", "score_count", '
        '"symmetry_sum", "symmetry_count", "reps_done", "reps_planned") '
        f"SELECT s.patient_id, {monday}, e.exercise, COUNT(DISTINCT s.id), TOTAL(e.score), COUNT(e.score), "
        "TOTAL(e.symmetry), COUNT(e.symmetry), TOTAL(e.reps_done), TOTAL(e.reps_planned) "
        'FROM "session" s JOIN "exercise_result" e ON e.session_id = s.id '
        f"WHERE s.patient_id = {patient} AND {_COUNTED} "
        f"AND s.started >= {monday} AND s.started < date({monday}, '+7 days') GROUP BY e.exercise;",
    )


# The subscores of graded sessions, one row per session and region, with
# each region's first and latest subscore of the week beside every row.
_GRADED = (
    "SELECT s.patient_id AS patient_id, {monday} AS monday, j.key AS region, j.value AS value, "
    "s.started AS started, "
    "FIRST_VALUE(j.value) OVER (PARTITION BY s.patient_id, {monday}, j.key ORDER BY s.started, s.id) AS first_value, "
    "FIRST_VALUE(j.value) OVER (PARTITION BY s.patient_id, {monday}, j.key ORDER BY s.started DESC, s.id DESC) "
    "AS latest_value "
    "FROM \"session\" s, json_each(CASE WHEN json_valid(s.grading) AND json_type(s.grading, '$.subscores') = 'object' "
    "THEN s.grading ELSE '{{}}' END, '$.subscores') j "
    "WHERE {where} AND {counted} AND j.type IN ('integer', 'real')"
)
_REGION_INSERT = (
    'INSERT INTO "region_week" ("patient_id", "monday", "region", "sessions", "subscore_sum", '
    '"first_started", "first_subscore", "latest_started", "latest_subscore") '
    "SELECT patient_id, monday, region, COUNT(*), TOTAL(value), MIN(started), MAX(first_value), "
    "MAX(started), MAX(latest_value) FROM ({graded}) GROUP BY patient_id, monday, region;"
)


def _v5_region_refill(patient: str, started: str) -> tuple[str, str]:
    monday = _WEEK_OF.format(started=started)
    where = f"s.patient_id = {patient} AND s.started >= {monday} AND s.started < date({monday}, '+7 days')"
    graded = _GRADED.format(monday=monday, where=where, counted=_COUNTED)
    return (
        f'DELETE FROM "region_week" WHERE "patient_id" = {patient} AND "monday" = {monday};',
        _REGION_INSERT.format(graded=graded),
    )


def _v5_trigger(name: str, event: str, when: str, weeks: list[tuple[str, ...]]) -> str:
    body = " ".join(statement for week in weeks for statement in week)
    return f'CREATE TRIGGER "{name}" AFTER {event} {when} BEGIN {body} END'


_SESSION_OF = '(SELECT {column} FROM "session" WHERE "id" = {row}.session_id)'


def _v5_exercise_trigger(name: str, event: str, row: str) -> str:
    """A change to an exercise result of a closed session (a re-grade, a repair) refreshes its week."""
    patient, started = _SESSION_OF.format(column="patient_id", row=row), _SESSION_OF.format(column="started", row=row)
    status = _SESSION_OF.format(column="status", row=row)
    return _v5_trigger(name, event, f"WHEN {status} = 'completed'", [_v5_exercise_refill(patient, started)])


_SESSION_WEEK_COLUMNS = '"status", "score", "grading", "started", "source", "patient_id"'
WEEK_ROWS: tuple[str, ...] = (
    # What each closed session adds to its week, per exercise and per region:
    # kept by triggers in the transaction that closes, re-grades or deletes a
    # session, so the trends page and the report read a few rows per week
    # instead of every session (queries.py reads them; tests/test_read_side.py
    # checks them against a recomputation from the sessions).
    'CREATE TABLE "exercise_week" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, '
    '"monday" DATE NOT NULL, "exercise" TEXT NOT NULL, "sessions" INTEGER NOT NULL, "score_sum" REAL NOT NULL, '
    '"score_count" INTEGER NOT NULL, "symmetry_sum" REAL NOT NULL, "symmetry_count" INTEGER NOT NULL, '
    '"reps_done" INTEGER NOT NULL, "reps_planned" INTEGER NOT NULL, '
    'FOREIGN KEY ("patient_id") REFERENCES "patient" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "exerciseweek_patient_id_monday_exercise" '
    'ON "exercise_week" ("patient_id", "monday", "exercise")',
    'CREATE TABLE "region_week" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, '
    '"monday" DATE NOT NULL, "region" TEXT NOT NULL, "sessions" INTEGER NOT NULL, "subscore_sum" REAL NOT NULL, '
    '"first_started" DATETIME NOT NULL, "first_subscore" REAL NOT NULL, '
    '"latest_started" DATETIME NOT NULL, "latest_subscore" REAL NOT NULL, '
    'FOREIGN KEY ("patient_id") REFERENCES "patient" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "regionweek_patient_id_monday_region" ON "region_week" ("patient_id", "monday", "region")',
    # A patient's sessions by time: every page reads a date range of one
    # patient, which the single-column indexes answered by scanning the whole history.
    'CREATE INDEX "practicerecord_patient_id_started" ON "session" ("patient_id", "started")',
    _v5_trigger(
        "session_week_insert",
        'INSERT ON "session"',
        "WHEN NEW.status = 'completed'",
        [_v5_exercise_refill("NEW.patient_id", "NEW.started"), _v5_region_refill("NEW.patient_id", "NEW.started")],
    ),
    _v5_trigger(
        "session_week_update",
        f'UPDATE OF {_SESSION_WEEK_COLUMNS} ON "session"',
        "WHEN OLD.status = 'completed' OR NEW.status = 'completed'",
        [
            _v5_exercise_refill("OLD.patient_id", "OLD.started"),
            _v5_region_refill("OLD.patient_id", "OLD.started"),
            _v5_exercise_refill("NEW.patient_id", "NEW.started"),
            _v5_region_refill("NEW.patient_id", "NEW.started"),
        ],
    ),
    _v5_trigger(
        "session_week_delete",
        'DELETE ON "session"',
        "WHEN OLD.status = 'completed'",
        [_v5_exercise_refill("OLD.patient_id", "OLD.started"), _v5_region_refill("OLD.patient_id", "OLD.started")],
    ),
    _v5_exercise_trigger("exercise_week_insert", 'INSERT ON "exercise_result"', "NEW"),
    _v5_exercise_trigger("exercise_week_update", 'UPDATE ON "exercise_result"', "NEW"),
    _v5_exercise_trigger("exercise_week_delete", 'DELETE ON "exercise_result"', "OLD"),
    # Back-fill: every closed session already stored.
    'INSERT INTO "exercise_week" ("patient_id", "monday", "exercise", "sessions", "score_sum", "score_count", '
    '"symmetry_sum", "symmetry_count", "reps_done", "reps_planned") '
    f"SELECT s.patient_id, {_WEEK_OF.format(started='s.started')} AS monday, e.exercise, COUNT(DISTINCT s.id), "
    "TOTAL(e.score), COUNT(e.score), TOTAL(e.symmetry), COUNT(e.symmetry), TOTAL(e.reps_done), "
    'TOTAL(e.reps_planned) FROM "session" s JOIN "exercise_result" e ON e.session_id = s.id '
    f"WHERE {_COUNTED} GROUP BY s.patient_id, monday, e.exercise",
    _REGION_INSERT.format(
        graded=_GRADED.format(monday=_WEEK_OF.format(started="s.started"), where="1", counted=_COUNTED)
    ).rstrip(";"),
)

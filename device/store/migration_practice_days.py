"""Migration 7's SQL: one row per day a patient practised, with the first day
of the run of consecutive practice days it belongs to, kept by triggers in
the transaction that opens, moves or deletes a session.

The practice streak is then one indexed look-up (queries.practice_streak):
the newest practice day up to today, and its run's first day. Without the
run start, finding where the current run begins means walking back through
the days, so the trends page grew with the history.

Frozen like every migration (migrations.py): never edit this after it ships.
tests/test_read_side.py checks the rows against a count from the sessions.

Which sessions make a practice day matches queries.practice_of(): any
session on the patient's own camera, whatever its status (a stopped or
cut-off session is still a day practised). How the run start is kept, for a
patient p and a day d whose number of sessions has just changed:

- d gains its first session: its run starts where the run of d-1 starts, or
  at d if d-1 was not practised. The run that began at d+1 (if any) now
  begins there too: every row whose run starts at d+1 moves to it.
- d loses its last session: the days after d that were in its run now start
  a run at d+1. Its row goes.
- otherwise only the count changes.

Each statement costs an index look-up, and a change in the middle of the
history rewrites the rows of one run (a patient's newest session, the usual
write, touches one row).
"""

from __future__ import annotations

_CAMERA = "'camera'"  # models.SessionSource.CAMERA, frozen here as the migration ran it


def _day_changed(patient: str, started: str) -> tuple[str, ...]:
    """Recount one patient's day holding `started` and keep the run starts (SQL statements)."""
    day = f"date({started})"
    count = (
        f'(SELECT COUNT(*) FROM "session" WHERE "patient_id" = {patient} AND "source" = {_CAMERA} '
        f'AND "started" >= {day} AND "started" < date({day}, \'+1 day\'))'
    )
    row = f'"patient_id" = {patient} AND "day" = {day}'
    exists = f'EXISTS (SELECT 1 FROM "practice_day" WHERE {row})'
    run_start = f'(SELECT "run_start" FROM "practice_day" WHERE {row})'
    joined = (
        f'COALESCE((SELECT "run_start" FROM "practice_day" WHERE "patient_id" = {patient} '
        f"AND \"day\" = date({day}, '-1 day')), {day})"
    )
    return (
        # The last session of the day went: the rest of its run starts the day after.
        f'UPDATE "practice_day" SET "run_start" = date({day}, \'+1 day\') '
        f'WHERE "patient_id" = {patient} AND "day" > {day} AND "run_start" = {run_start} AND {count} = 0;',
        f'DELETE FROM "practice_day" WHERE {row} AND {count} = 0;',
        f'UPDATE "practice_day" SET "sessions" = {count} WHERE {row};',
        # A first session on the day: the run that started the day after joins this day's run.
        f'UPDATE "practice_day" SET "run_start" = {joined} '
        f'WHERE "patient_id" = {patient} AND "run_start" = date({day}, \'+1 day\') AND {count} > 0 AND NOT {exists};',
        f'INSERT INTO "practice_day" ("patient_id", "day", "sessions", "run_start") '
        f"SELECT {patient}, {day}, {count}, {joined} WHERE {count} > 0 AND NOT {exists};",
    )


def _trigger(name: str, event: str, when: str, days: list[tuple[str, ...]]) -> str:
    body = " ".join(statement for day in days for statement in day)
    return f'CREATE TRIGGER "{name}" AFTER {event} {when} BEGIN {body} END'


PRACTICE_DAYS: tuple[str, ...] = (
    'CREATE TABLE "practice_day" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, '
    '"day" DATE NOT NULL, "sessions" INTEGER NOT NULL, "run_start" DATE NOT NULL, '
    'FOREIGN KEY ("patient_id") REFERENCES "patient" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "practiceday_patient_id_day" ON "practice_day" ("patient_id", "day")',
    'CREATE INDEX "practiceday_patient_id_run_start" ON "practice_day" ("patient_id", "run_start")',
    _trigger(
        "session_day_insert",
        'INSERT ON "session"',
        f"WHEN NEW.source = {_CAMERA}",
        [_day_changed("NEW.patient_id", "NEW.started")],
    ),
    _trigger(
        "session_day_update",
        'UPDATE OF "patient_id", "started", "source" ON "session"',
        "WHEN OLD.patient_id IS NOT NEW.patient_id OR date(OLD.started) IS NOT date(NEW.started) "
        "OR OLD.source IS NOT NEW.source",
        [_day_changed("OLD.patient_id", "OLD.started"), _day_changed("NEW.patient_id", "NEW.started")],
    ),
    _trigger(
        "session_day_delete",
        'DELETE ON "session"',
        f"WHEN OLD.source = {_CAMERA}",
        [_day_changed("OLD.patient_id", "OLD.started")],
    ),
    # Back-fill: each patient's practice days, and the first day of each run
    # (consecutive days share day number - row number).
    'INSERT INTO "practice_day" ("patient_id", "day", "sessions", "run_start") '
    'SELECT "patient_id", "day", "sessions", MIN("day") OVER (PARTITION BY "patient_id", "run") FROM ('
    'SELECT "patient_id", "day", "sessions", '
    'julianday("day") - ROW_NUMBER() OVER (PARTITION BY "patient_id" ORDER BY "day") AS "run" FROM ('
    'SELECT "patient_id", date("started") AS "day", COUNT(*) AS "sessions" FROM "session" '
    f'WHERE "source" = {_CAMERA} GROUP BY "patient_id", date("started")))',
)

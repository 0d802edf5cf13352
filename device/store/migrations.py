"""Numbered schema migrations, each frozen as the SQL it ran.

Migration N (1-based) takes the schema from version N-1 to N (SQLite's
`user_version`). Append only, and never edit a migration that has shipped:
a device upgrading from version 1 runs exactly these statements, so a change
to models.py needs a new migration here too. tests/test_store.py checks that
the migrations and the models describe the same tables.
"""

from __future__ import annotations

from device.store.migration_practice_days import PRACTICE_DAYS
from device.store.migration_week_rows import WEEK_ROWS

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the first schema.
    (
        'CREATE TABLE "patient" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT NOT NULL, '
        '"created" DATETIME NOT NULL, "archived" INTEGER NOT NULL)',
        'CREATE UNIQUE INDEX "patient_name" ON "patient" ("name")',
        'CREATE TABLE "session" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, '
        '"plan" TEXT NOT NULL, "started" DATETIME NOT NULL, "ended" DATETIME, "status" TEXT NOT NULL, '
        '"score" REAL, FOREIGN KEY ("patient_id") REFERENCES "patient" ("id") ON DELETE CASCADE)',
        'CREATE INDEX "practicerecord_patient_id" ON "session" ("patient_id")',
        'CREATE INDEX "practicerecord_started" ON "session" ("started")',
        'CREATE INDEX "practicerecord_status" ON "session" ("status")',
        'CREATE TABLE "calibration" ("id" INTEGER NOT NULL PRIMARY KEY, "session_id" INTEGER NOT NULL, '
        '"neutral" TEXT NOT NULL, "pose" TEXT NOT NULL, "frames" INTEGER NOT NULL, '
        'FOREIGN KEY ("session_id") REFERENCES "session" ("id") ON DELETE CASCADE)',
        'CREATE INDEX "calibrationrecord_session_id" ON "calibration" ("session_id")',
        'CREATE TABLE "exercise_result" ("id" INTEGER NOT NULL PRIMARY KEY, "session_id" INTEGER NOT NULL, '
        '"exercise" TEXT NOT NULL, "position" INTEGER NOT NULL, "reps_planned" INTEGER NOT NULL, '
        '"reps_done" INTEGER NOT NULL, "score" REAL NOT NULL, "symmetry" REAL, "synkinesis" REAL, '
        'FOREIGN KEY ("session_id") REFERENCES "session" ("id") ON DELETE CASCADE)',
        'CREATE INDEX "exerciserecord_session_id" ON "exercise_result" ("session_id")',
        'CREATE TABLE "plan" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, '
        '"items" TEXT NOT NULL, "effort" TEXT NOT NULL, "affected_side" TEXT, "created" DATETIME NOT NULL, '
        'FOREIGN KEY ("patient_id") REFERENCES "patient" ("id") ON DELETE CASCADE)',
        'CREATE INDEX "planrecord_patient_id" ON "plan" ("patient_id")',
        'CREATE TABLE "rep" ("id" INTEGER NOT NULL PRIMARY KEY, "session_id" INTEGER NOT NULL, '
        '"exercise" TEXT NOT NULL, "number" INTEGER NOT NULL, "started_s" REAL NOT NULL, "ended_s" REAL NOT NULL, '
        '"peak_score" REAL NOT NULL, "mean_score" REAL NOT NULL, "right_movement" REAL, "left_movement" REAL, '
        '"symmetry" REAL, "synkinesis" REAL, '
        'FOREIGN KEY ("session_id") REFERENCES "session" ("id") ON DELETE CASCADE)',
        'CREATE INDEX "reprecord_session_id" ON "rep" ("session_id")',
        'CREATE TABLE "score_sample" ("id" INTEGER NOT NULL PRIMARY KEY, "session_id" INTEGER NOT NULL, '
        '"t_s" REAL NOT NULL, "exercise" TEXT, "score" REAL, "right_score" REAL, "left_score" REAL, '
        'FOREIGN KEY ("session_id") REFERENCES "session" ("id") ON DELETE CASCADE)',
        'CREATE INDEX "scoresample_session_id" ON "score_sample" ("session_id")',
    ),
    # 2: where the frames came from (only the patient's own camera counts as
    # their practice), how each exercise ended (skipped, timed out), each
    # exercise's movement per side, and the session's eFACE-style grading.
    (
        """ALTER TABLE "session" ADD COLUMN "source" TEXT NOT NULL DEFAULT 'camera'""",
        'ALTER TABLE "session" ADD COLUMN "grading" TEXT',
        'CREATE INDEX "practicerecord_source" ON "session" ("source")',
        """ALTER TABLE "exercise_result" ADD COLUMN "outcome" TEXT NOT NULL DEFAULT 'completed'""",
        'ALTER TABLE "exercise_result" ADD COLUMN "right_movement" REAL',
        'ALTER TABLE "exercise_result" ADD COLUMN "left_movement" REAL',
    ),
    # 3: a therapist's dated notes per patient (shown on the trends page and the report).
    (
        'CREATE TABLE "note" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, '
        '"created" DATETIME NOT NULL, "text" TEXT NOT NULL, '
        'FOREIGN KEY ("patient_id") REFERENCES "patient" ("id") ON DELETE CASCADE)',
        'CREATE INDEX "noterecord_patient_id" ON "note" ("patient_id")',
    ),
    # 4: whether a session's resting face was accepted on a fallback (the
    # stillest of refused tries, for a face that could not relax further).
    ('ALTER TABLE "calibration" ADD COLUMN "fallback" INTEGER NOT NULL DEFAULT 0',),
    # 5: what each closed session adds to its week, per exercise and region,
    # kept by triggers and back-filled here; an index of each patient's
    # sessions by time (migration_week_rows.py).
    WEEK_ROWS,
    # 6: the ward link (device/ward_link.py). The store's own random id makes
    # each session's global id (store id and local id) unique across devices;
    # a trigger queues a session in the outbox in the transaction that closes
    # it (completed, stopped, failed, save_failed, interrupted) and again when
    # a closed session changes (a late grading); the history closed before
    # this version is queued once here.
    (
        'CREATE TABLE "store_identity" ("id" INTEGER NOT NULL PRIMARY KEY, "store" TEXT NOT NULL)',
        'INSERT INTO "store_identity" ("store") VALUES (lower(hex(randomblob(16))))',
        'CREATE TABLE "outbox" ("id" INTEGER NOT NULL PRIMARY KEY, "session_id" INTEGER NOT NULL, '
        '"queued" DATETIME NOT NULL, "delivered" DATETIME, "attempts" INTEGER NOT NULL, "last_error" TEXT, '
        '"refused" INTEGER NOT NULL, FOREIGN KEY ("session_id") REFERENCES "session" ("id") ON DELETE CASCADE)',
        'CREATE INDEX "outboxrecord_session_id" ON "outbox" ("session_id")',
        'CREATE INDEX "outboxrecord_delivered_id" ON "outbox" ("delivered", "id")',
        'CREATE TRIGGER "session_outbox" AFTER UPDATE OF "status", "ended", "score", "grading" ON "session" '
        "WHEN NEW.status != 'running' AND (OLD.status IS NOT NEW.status OR OLD.ended IS NOT NEW.ended "
        "OR OLD.score IS NOT NEW.score OR OLD.grading IS NOT NEW.grading) "
        'BEGIN INSERT INTO "outbox" ("session_id", "queued", "attempts", "refused") '
        "VALUES (NEW.id, datetime('now', 'localtime'), 0, 0); END",
        'INSERT INTO "outbox" ("session_id", "queued", "attempts", "refused") '
        "SELECT \"id\", datetime('now', 'localtime'), 0, 0 FROM \"session\" WHERE \"status\" != 'running' "
        'ORDER BY "id"',
    ),
    # 7: one row per day a patient practised, with the first day of its run of
    # consecutive days, kept by triggers and back-filled here, so the practice
    # streak is one look-up (migration_practice_days.py).
    PRACTICE_DAYS,
    # 8: each patient's region weeks by region, so the trends page finds each
    # region's earliest and latest week before its window by seeking
    # (queries._region_ends), not by reading every week before it.
    ('CREATE INDEX "regionweek_patient_id_region_monday" ON "region_week" ("patient_id", "region", "monday")',),
    # 9: plans flow both ways with the ward (device/ward_plans.py). Who made a
    # plan (a therapist on the ward; NULL: this device's dashboard), the ward's
    # id of a plan made there (unique: a plan picked up twice is stored once),
    # and when a plan made here reached the ward (NULL: not yet).
    (
        'ALTER TABLE "plan" ADD COLUMN "author" TEXT',
        'ALTER TABLE "plan" ADD COLUMN "ward_id" INTEGER',
        'ALTER TABLE "plan" ADD COLUMN "sent" DATETIME',
        'CREATE UNIQUE INDEX "planrecord_ward_id" ON "plan" ("ward_id")',
    ),
    # 10: a patient's ward identity, the hospital's patient number (set on
    # the dashboard's patients page), which the ward joins one patient's
    # beds by. Set or changed, the patient's newest closed session is queued
    # again, so the ward learns it without waiting for the next session.
    (
        'ALTER TABLE "patient" ADD COLUMN "ward_identity" TEXT',
        'CREATE TRIGGER "patient_ward_identity_outbox" AFTER UPDATE OF "ward_identity" ON "patient" '
        "WHEN NEW.ward_identity IS NOT NULL AND OLD.ward_identity IS NOT NEW.ward_identity "
        'BEGIN INSERT INTO "outbox" ("session_id", "queued", "attempts", "refused") '
        "SELECT \"id\", datetime('now', 'localtime'), 0, 0 FROM \"session\" "
        'WHERE "patient_id" = NEW.id AND "status" != \'running\' ORDER BY "started" DESC, "id" DESC LIMIT 1; END',
    ),
    # 11: why the ward refused a plan made here (its answer, "403 ..."; NULL:
    # taken, or not sent yet), kept so doctor shows where the ward and this
    # device disagree about a patient's plan; "sent" says when it answered.
    ('ALTER TABLE "plan" ADD COLUMN "refused" TEXT',),
)

SCHEMA_VERSION = len(MIGRATIONS)

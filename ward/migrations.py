"""The ward's numbered schema migrations, for PostgreSQL (the supported
engine) and SQLite (a small trial), each frozen as the SQL it ran.

Migration N takes the schema from version N-1 to N, kept in the one-row
table `ward_schema`. Append only, and never edit a migration that has
shipped. The SQL is written once with a few placeholders for the column
types the two engines spell differently; tests/test_ward_store.py checks
that the migrations and ward/models.py describe the same tables.
"""

from __future__ import annotations

TYPES: dict[str, dict[str, str]] = {
    "postgresql": {
        "id": "SERIAL PRIMARY KEY",
        "ts": "TIMESTAMP",
        "real": "DOUBLE PRECISION",
        "bool": "BOOLEAN",
        # A session's calendar day and its week's Monday, as the device recorded its start (s: the session).
        "day_of": 'CAST(s."started" AS DATE)',
        "monday_of": "CAST(date_trunc('week', s.\"started\") AS DATE)",
    },
    "sqlite": {
        "id": "INTEGER NOT NULL PRIMARY KEY",
        "ts": "DATETIME",
        "real": "REAL",
        "bool": "INTEGER",
        "day_of": 'DATE(s."started")',
        "monday_of": "DATE(s.\"started\", '-6 days', 'weekday 1')",
    },
}

# Migration 3's back-fill, also run by benchmarks/ward.py after loading a history in bulk.
BACKFILL_3 = (
    'INSERT INTO "patient_day" ("patient_id", "day", "sessions", "completed", "cut_off", "score_sum", "score_count") '
    'SELECT s."patient_id", {day_of}, COUNT(*), '
    "SUM(CASE WHEN s.\"status\" = 'completed' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN s.\"status\" IN ('interrupted', 'failed', 'save_failed') THEN 1 ELSE 0 END), "
    'COALESCE(SUM(CASE WHEN s."status" = \'completed\' THEN s."score" END), 0), '
    'COUNT(CASE WHEN s."status" = \'completed\' THEN s."score" END) '
    'FROM "session" s WHERE s."source" = \'camera\' GROUP BY s."patient_id", {day_of}',
    'INSERT INTO "patient_exercise_week" ("patient_id", "exercise", "monday", "sessions", "score_sum", '
    '"score_count", "symmetry_sum", "symmetry_count", "reps_done", "reps_planned") '
    'SELECT s."patient_id", e."exercise", {monday_of}, COUNT(DISTINCT s."id"), SUM(e."score"), COUNT(e."score"), '
    'COALESCE(SUM(e."symmetry"), 0), COUNT(e."symmetry"), SUM(e."reps_done"), SUM(e."reps_planned") '
    'FROM "exercise" e JOIN "session" s ON s."id" = e."session_id" '
    "WHERE s.\"source\" = 'camera' AND s.\"status\" = 'completed' "
    'GROUP BY s."patient_id", e."exercise", {monday_of}',
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: enrolled devices and the stores they send from, patients as each
    # device knows them, sessions with their exercises and reps, therapists
    # and their logins.
    (
        'CREATE TABLE "device" ("id" {id}, "name" TEXT NOT NULL, "token_hash" TEXT NOT NULL, '
        '"enrolled" {ts} NOT NULL, "revoked" {ts}, "last_contact" {ts})',
        'CREATE UNIQUE INDEX "device_name" ON "device" ("name")',
        'CREATE UNIQUE INDEX "device_token_hash" ON "device" ("token_hash")',
        'CREATE TABLE "device_store" ("id" {id}, "store" TEXT NOT NULL, "device_id" INTEGER NOT NULL, '
        'FOREIGN KEY ("device_id") REFERENCES "device" ("id") ON DELETE CASCADE)',
        'CREATE UNIQUE INDEX "devicestore_store" ON "device_store" ("store")',
        'CREATE INDEX "devicestore_device_id" ON "device_store" ("device_id")',
        'CREATE TABLE "patient" ("id" {id}, "device_id" INTEGER NOT NULL, "local_id" INTEGER NOT NULL, '
        '"store" TEXT NOT NULL, "name" TEXT NOT NULL, '
        'FOREIGN KEY ("device_id") REFERENCES "device" ("id") ON DELETE CASCADE)',
        'CREATE INDEX "wardpatient_device_id" ON "patient" ("device_id")',
        'CREATE UNIQUE INDEX "wardpatient_store_local_id" ON "patient" ("store", "local_id")',
        'CREATE TABLE "session" ("id" {id}, "global_id" TEXT NOT NULL, "device_id" INTEGER NOT NULL, '
        '"patient_id" INTEGER NOT NULL, "local_id" INTEGER NOT NULL, "started" {ts} NOT NULL, "ended" {ts}, '
        '"status" TEXT NOT NULL, "source" TEXT NOT NULL, "score" {real}, "grading" TEXT, "plan" TEXT NOT NULL, '
        '"digest" TEXT NOT NULL, "received" {ts} NOT NULL, "updated" {ts} NOT NULL, '
        'FOREIGN KEY ("device_id") REFERENCES "device" ("id") ON DELETE CASCADE, '
        'FOREIGN KEY ("patient_id") REFERENCES "patient" ("id") ON DELETE CASCADE)',
        'CREATE UNIQUE INDEX "wardsession_global_id" ON "session" ("global_id")',
        'CREATE INDEX "wardsession_device_id" ON "session" ("device_id")',
        'CREATE INDEX "wardsession_patient_id" ON "session" ("patient_id")',
        'CREATE INDEX "wardsession_patient_id_started" ON "session" ("patient_id", "started")',
        'CREATE TABLE "exercise" ("id" {id}, "session_id" INTEGER NOT NULL, "exercise" TEXT NOT NULL, '
        '"position" INTEGER NOT NULL, "reps_planned" INTEGER NOT NULL, "reps_done" INTEGER NOT NULL, '
        '"score" {real} NOT NULL, "symmetry" {real}, "synkinesis" {real}, "outcome" TEXT NOT NULL, '
        '"right_movement" {real}, "left_movement" {real}, '
        'FOREIGN KEY ("session_id") REFERENCES "session" ("id") ON DELETE CASCADE)',
        'CREATE INDEX "wardexercise_session_id" ON "exercise" ("session_id")',
        'CREATE TABLE "rep" ("id" {id}, "session_id" INTEGER NOT NULL, "exercise" TEXT NOT NULL, '
        '"number" INTEGER NOT NULL, "started_s" {real} NOT NULL, "ended_s" {real} NOT NULL, '
        '"peak_score" {real} NOT NULL, "mean_score" {real} NOT NULL, "right_movement" {real}, '
        '"left_movement" {real}, "symmetry" {real}, "synkinesis" {real}, '
        'FOREIGN KEY ("session_id") REFERENCES "session" ("id") ON DELETE CASCADE)',
        'CREATE INDEX "wardrep_session_id" ON "rep" ("session_id")',
        'CREATE TABLE "therapist" ("id" {id}, "name" TEXT NOT NULL, "password_hash" TEXT NOT NULL, '
        '"created" {ts} NOT NULL, "disabled" {bool} NOT NULL)',
        'CREATE UNIQUE INDEX "therapist_name" ON "therapist" ("name")',
        'CREATE TABLE "login_event" ("id" {id}, "therapist_id" INTEGER NOT NULL, "at" {ts} NOT NULL, '
        'FOREIGN KEY ("therapist_id") REFERENCES "therapist" ("id") ON DELETE CASCADE)',
        'CREATE INDEX "loginevent_therapist_id" ON "login_event" ("therapist_id")',
    ),
    # 2: what each device says of itself on every contact: its clock's
    # distance from the ward's, its outbox backlog and its software.
    (
        'ALTER TABLE "device" ADD COLUMN "clock_skew_s" {real}',
        'ALTER TABLE "device" ADD COLUMN "backlog" INTEGER',
        'ALTER TABLE "device" ADD COLUMN "software" TEXT',
    ),
    # 3: what the overview reads, kept per patient as sessions arrive
    # (ward/day_rows.py) and back-filled here from the sessions stored: each
    # patient's days (sessions, counted ones, cut-off ones, the counted
    # scores' sum) and each exercise's weeks of counted sessions. The
    # device's rules, frozen: practice is the camera's sessions, a mean
    # counts "completed" ones, a week starts on Monday.
    (
        'CREATE TABLE "patient_day" ("id" {id}, "patient_id" INTEGER NOT NULL, "day" DATE NOT NULL, '
        '"sessions" INTEGER NOT NULL, "completed" INTEGER NOT NULL, "cut_off" INTEGER NOT NULL, '
        '"score_sum" {real} NOT NULL, "score_count" INTEGER NOT NULL, '
        'FOREIGN KEY ("patient_id") REFERENCES "patient" ("id") ON DELETE CASCADE)',
        'CREATE INDEX "patientday_patient_id" ON "patient_day" ("patient_id")',
        'CREATE UNIQUE INDEX "patientday_patient_id_day" ON "patient_day" ("patient_id", "day")',
        'CREATE TABLE "patient_exercise_week" ("id" {id}, "patient_id" INTEGER NOT NULL, "exercise" TEXT NOT NULL, '
        '"monday" DATE NOT NULL, "sessions" INTEGER NOT NULL, "score_sum" {real} NOT NULL, '
        '"score_count" INTEGER NOT NULL, "symmetry_sum" {real} NOT NULL, "symmetry_count" INTEGER NOT NULL, '
        '"reps_done" INTEGER NOT NULL, "reps_planned" INTEGER NOT NULL, '
        'FOREIGN KEY ("patient_id") REFERENCES "patient" ("id") ON DELETE CASCADE)',
        'CREATE INDEX "patientexerciseweek_patient_id" ON "patient_exercise_week" ("patient_id")',
        'CREATE UNIQUE INDEX "patientexerciseweek_patient_id_monday_exercise" '
        'ON "patient_exercise_week" ("patient_id", "monday", "exercise")',
        *BACKFILL_3,
    ),
    # 4: patients' plans, both ways (ward/plans.py): made on the ward by a
    # named therapist (picked up by the device on its next contact) or made
    # on the device and sent here (its local id: stored once). `created` is
    # when it was made, by the clock of the side that made it.
    (
        'CREATE TABLE "plan" ("id" {id}, "patient_id" INTEGER NOT NULL, "items" TEXT NOT NULL, '
        '"effort" TEXT NOT NULL, "affected_side" TEXT, "created" {ts} NOT NULL, "author" TEXT, '
        '"therapist_id" INTEGER, "device_plan_id" INTEGER, "received" {ts} NOT NULL, "picked_up" {ts}, '
        'FOREIGN KEY ("patient_id") REFERENCES "patient" ("id") ON DELETE CASCADE, '
        'FOREIGN KEY ("therapist_id") REFERENCES "therapist" ("id") ON DELETE SET NULL)',
        'CREATE INDEX "wardplan_patient_id" ON "plan" ("patient_id")',
        'CREATE INDEX "wardplan_therapist_id" ON "plan" ("therapist_id")',
        'CREATE UNIQUE INDEX "wardplan_patient_id_device_plan_id" ON "plan" ("patient_id", "device_plan_id")',
    ),
    # 5: one patient across beds (ward/identity.py): a ward identity such as
    # the hospital number joins the patients that share it into one history.
    (
        'ALTER TABLE "patient" ADD COLUMN "identity" TEXT',
        'CREATE INDEX "wardpatient_identity" ON "patient" ("identity")',
    ),
    # 6: who gave the ward identity and when (ward/identity.py): the therapist's
    # name when given on the ward, none when the device sent it; `identity_set`
    # by the ward's clock. Numbers given before this migration say neither.
    (
        'ALTER TABLE "patient" ADD COLUMN "identity_by" TEXT',
        'ALTER TABLE "patient" ADD COLUMN "identity_set" {ts}',
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)


def statements(number: int, engine: str) -> list[str]:
    """Migration `number`'s SQL for `engine` ("postgresql" or "sqlite")."""
    return [statement.format(**TYPES[engine]) for statement in MIGRATIONS[number - 1]]

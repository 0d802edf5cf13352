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
    "postgresql": {"id": "SERIAL PRIMARY KEY", "ts": "TIMESTAMP", "real": "DOUBLE PRECISION", "bool": "BOOLEAN"},
    "sqlite": {"id": "INTEGER NOT NULL PRIMARY KEY", "ts": "DATETIME", "real": "REAL", "bool": "INTEGER"},
}

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
)

SCHEMA_VERSION = len(MIGRATIONS)


def statements(number: int, engine: str) -> list[str]:
    """Migration `number`'s SQL for `engine` ("postgresql" or "sqlite")."""
    return [statement.format(**TYPES[engine]) for statement in MIGRATIONS[number - 1]]

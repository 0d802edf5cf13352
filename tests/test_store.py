"""The store on a real SQLite file: sessions, reps, the 1 Hz timeline, daily
aggregates, migrations with a backup first, recovery after a kill, backups,
and the ways a database file fails."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from peewee import SqliteDatabase

from device.practice.plan import default_plan, make_plan
from device.practice.session import ExerciseResult, LiveState, SessionResult
from device.store import db as store_db
from device.store.db import DB_NAME, SCHEMA_VERSION, StoreError, backup_to, open_database
from device.store.models import (
    TABLES,
    ExerciseRecord,
    PracticeRecord,
    RepRecord,
    ScoreSample,
    SessionSource,
    SessionStatus,
)
from device.store.queries import daily_summaries, period_summary, sessions_on
from device.store.records import SessionRecorder, add_patient, current_plan, find_patient, save_plan
from device.store.synthetic import a_rep
from device.store.writer import writer
from tests.helpers import ROOT, live_state, run_device


def live(t: float, score: float | None) -> LiveState:
    return live_state(score=score, right_score=score, left_score=score)


def a_result(reps: int = 3) -> SessionResult:
    """A session of one exercise: its score is 75 x reps / 3."""
    exercise = ExerciseResult("closed_smile", 3, tuple(a_rep(number=i + 1) for i in range(reps)), 30, 2)
    assert exercise.score == pytest.approx(75.0 * reps / 3)
    return SessionResult((exercise,), None, {})


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / DB_NAME
    open_database(path)
    return path


def test_a_session_is_stored_with_reps_timeline_and_result(db_path: Path) -> None:
    patient = add_patient("Kim")
    recorder = SessionRecorder(db_path, patient, default_plan())
    for i in range(25):  # 10 frames a second for 2.5 s -> 3 samples at 1 Hz
        recorder.sample(i / 10, live(i / 10, 50.0 + i))
    recorder.rep("closed_smile", a_rep(number=1))
    recorder.finish(a_result(reps=1), "completed")
    assert recorder.flush(timeout=10)
    assert recorder.saving
    session = PracticeRecord.get_by_id(recorder.session_id)
    assert session.status == SessionStatus.COMPLETED
    assert session.score == pytest.approx(25.0)
    assert [s.t_s for s in ScoreSample.select().order_by(ScoreSample.t_s)] == [0.0, 1.0, 2.0]
    [rep] = RepRecord.select()
    assert rep.symmetry == 0.5
    assert rep.right_movement == pytest.approx(0.08)


def test_several_sessions_a_day_are_kept_and_aggregated(db_path: Path) -> None:
    patient = add_patient("Lee")
    day = date(2026, 11, 20)
    for hour, reps in ((9, 3), (14, 3), (19, 1)):
        recorder = SessionRecorder(db_path, patient, default_plan(), started=datetime(2026, 11, 20, hour))
        recorder.finish(a_result(reps), "stopped" if reps < 3 else "completed")
    later = SessionRecorder(db_path, patient, default_plan(), started=datetime(2026, 11, 21, 10))
    later.finish(a_result(1), "completed")
    assert later.flush(timeout=10)
    assert len(sessions_on(patient, day)) == 3
    [first, second] = daily_summaries(patient, day, day + timedelta(days=1))
    assert first.day == day
    assert first.sessions == 3
    assert first.completed == 2
    assert first.mean_score == pytest.approx(75.0)  # the stopped session's 25 is not the day's level
    assert second.sessions == 1
    week = period_summary(patient, date(2026, 11, 16), date(2026, 11, 22))
    assert (week.days_practised, week.sessions, week.completed, week.stopped) == (2, 4, 3, 1)
    assert week.mean_score == pytest.approx((75.0 + 75.0 + 25.0) / 3)  # the completed ones


def test_plans_round_trip_and_bad_names_are_explained(db_path: Path) -> None:
    patient = add_patient("Park")
    assert current_plan(patient) == default_plan()
    plan = make_plan([("brow_raise", 4), ("lip_pucker", 2)], effort="moderate", affected_side="right")
    save_plan(patient, plan)
    assert current_plan(patient) == plan
    with pytest.raises(StoreError, match=r"no patient named 'Choi' \(patients: Park\)"):
        find_patient("Choi")
    with pytest.raises(StoreError, match="already a patient"):
        add_patient("Park")


def test_migration_takes_a_backup_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / DB_NAME
    open_database(path)
    add_patient("Han")

    add_note_column = ("ALTER TABLE patient ADD COLUMN note TEXT",)
    monkeypatch.setattr(store_db, "MIGRATIONS", (*store_db.MIGRATIONS, add_note_column))
    monkeypatch.setattr(store_db, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    open_database(path)
    backup = tmp_path / f"kiosk.before-v{SCHEMA_VERSION + 1}.sqlite"
    assert backup.exists()
    with sqlite3.connect(backup) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert old.execute("SELECT name FROM patient").fetchall() == [("Han",)]
    with sqlite3.connect(path) as new:
        assert new.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert "note" in [row[1] for row in new.execute("PRAGMA table_info(patient)")]


def _schema(connection: sqlite3.Connection) -> dict[str, object]:
    """Each table's columns (name, type, not null, primary key) and indexes.
    Defaults are left out: peewee applies them in Python, a migration in SQL."""
    tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    schema: dict[str, object] = {}
    for table in tables:
        columns = sorted((r[1], r[2], r[3], r[5]) for r in connection.execute(f'PRAGMA table_info("{table}")'))
        indexes = sorted(
            (r[1], r[2], tuple(c[2] for c in connection.execute(f'PRAGMA index_info("{r[1]}")')))
            for r in connection.execute(f'PRAGMA index_list("{table}")')
        )
        schema[table] = (columns, indexes)
    return schema


def test_migrations_build_the_schema_the_models_describe(tmp_path: Path) -> None:
    open_database(tmp_path / "migrated.sqlite")
    store_db.database.close()
    modelled = SqliteDatabase(str(tmp_path / "modelled.sqlite"))
    with modelled.bind_ctx(TABLES):
        modelled.create_tables(TABLES)
    modelled.close()
    with (
        sqlite3.connect(tmp_path / "migrated.sqlite") as migrated,
        sqlite3.connect(tmp_path / "modelled.sqlite") as models,
    ):
        assert _schema(migrated) == _schema(models)


def test_a_version_1_database_with_data_is_upgraded(tmp_path: Path) -> None:
    """A device installed with schema 1 keeps its patients, sessions and reps."""
    path = tmp_path / DB_NAME
    with sqlite3.connect(path) as raw:
        for statement in store_db.MIGRATIONS[0]:
            raw.execute(statement)
        raw.execute("PRAGMA user_version = 1")
        raw.execute("INSERT INTO patient VALUES (1, 'Kim', '2026-01-02 10:00:00', 0)")
        raw.execute(
            "INSERT INTO session VALUES (1, 1, '[]', '2026-01-02 10:00:00', '2026-01-02 10:05:00', 'completed', 80.0)"
        )
        raw.execute("INSERT INTO exercise_result VALUES (1, 1, 'closed_smile', 0, 3, 3, 80.0, 0.9, 0.1)")
        raw.execute("INSERT INTO rep VALUES (1, 1, 'closed_smile', 1, 3.0, 6.0, 90.0, 80.0, 0.05, 0.045, 0.9, 0.1)")
    open_database(path)
    [session] = PracticeRecord.select()
    assert (session.patient.name, session.status, session.score) == ("Kim", "completed", 80.0)
    assert session.source == SessionSource.CAMERA  # everything before version 2 came from the camera
    [exercise] = ExerciseRecord.select()
    assert (exercise.exercise, exercise.outcome, exercise.symmetry) == ("closed_smile", "completed", 0.9)
    assert RepRecord.select().count() == 1
    assert (tmp_path / f"kiosk.before-v{SCHEMA_VERSION}.sqlite").exists()
    with sqlite3.connect(path) as upgraded:
        assert upgraded.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(StoreError, match="newer than this software"):
        open_database(path)


def test_corrupt_database_is_explained(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    path.write_bytes(b"this is not sqlite" * 200)
    with pytest.raises(StoreError, match="damaged"):
        open_database(path)


@pytest.mark.parametrize(
    ("sqlite_message", "explained"),
    [
        ("attempt to write a readonly database", "is read-only"),
        ("database is locked", "is locked by another program"),
        ("database or disk is full", "the disk is full"),
        ("database disk image is malformed", "is damaged"),
    ],
)
def test_sqlite_failures_are_explained(sqlite_message: str, explained: str) -> None:
    error = store_db.explain(sqlite3.OperationalError(sqlite_message), Path("/data/kiosk.sqlite"))
    assert str(error).startswith("database /data/kiosk.sqlite ")
    assert explained in str(error)


def test_recorder_keeps_going_when_the_database_fails(db_path: Path) -> None:
    patient = add_patient("Jung")
    recorder = SessionRecorder(db_path, patient, default_plan())
    recorder.sample(0.0, live(0.0, 10.0))
    # Every write on the writer's connection now fails, as on a read-only file.
    writer().call(lambda: store_db.database.execute_sql("PRAGMA query_only = 1"))
    recorder.sample(1.0, live(1.0, 20.0))
    recorder.finish(a_result(), "completed")
    assert recorder.flush(timeout=10)
    assert not recorder.saving
    assert recorder.error is not None
    assert "read-only" in str(recorder.error)
    writer().call(lambda: store_db.database.execute_sql("PRAGMA query_only = 0"))
    assert ScoreSample.select().count() == 1  # what was saved before is intact


def test_backup_is_a_consistent_copy(db_path: Path, tmp_path: Path) -> None:
    add_patient("Yoon")
    copy = tmp_path / "copy.sqlite"
    backup_to(store_db.database.obj, copy)
    with sqlite3.connect(copy) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert raw.execute("SELECT name FROM patient").fetchall() == [("Yoon",)]


@pytest.mark.slow
def test_backup_command(tmp_path: Path) -> None:
    env = {"KIOSK_DATA_DIR": str(tmp_path / "data")}
    assert "nothing to back up" in run_device("backup", str(tmp_path / "b.sqlite"), env=env).stderr
    open_database(tmp_path / "data" / DB_NAME)
    add_patient("Seo")
    result = run_device("backup", str(tmp_path / "b.sqlite"), env=env)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "b.sqlite") as raw:
        assert raw.execute("SELECT name FROM patient").fetchall() == [("Seo",)]


@pytest.mark.slow
def test_killed_session_keeps_its_data_and_is_closed_as_interrupted(tmp_path: Path) -> None:
    """SIGKILL a real practice process mid-session; at the next start the
    session is there, with its timeline up to the last second, marked interrupted."""
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env |= {"KIOSK_DATA_DIR": str(data), "KIOSK_CONFIG": str(ROOT / "tests" / "fixtures" / "empty-config.toml")}
    process = subprocess.Popen(
        [sys.executable, "-m", "device", "practice", "--exercise", "brow_raise", "--camera", "demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    seen = 0
    while time.monotonic() < deadline:  # wait for six status lines: about five seconds of practice
        line = process.stdout.readline()
        if " s  " in line:
            seen += 1
        if seen >= 6:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert seen >= 6

    open_database(data / DB_NAME)  # the next start
    [session] = PracticeRecord.select()
    assert session.status == SessionStatus.INTERRUPTED
    samples = list(ScoreSample.select().where(ScoreSample.session == session).order_by(ScoreSample.t_s))
    assert len(samples) >= 4
    assert samples[-1].t_s >= 4.0
    assert session.ended == session.started + timedelta(seconds=samples[-1].t_s)
    assert session.score is None  # not counted as complete

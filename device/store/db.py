"""Opening the database: pragmas, numbered migrations (with a backup copy
taken first), recovery of sessions cut off by a power loss, and errors that
say what is wrong with the file or the disk.

Durability: WAL journal with synchronous=FULL, so each committed write (a
score sample a second, each rep) survives a power cut; SD cards see one
small append per second.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from peewee import DatabaseError, SqliteDatabase

from device.errors import KioskError
from device.store.migrations import MIGRATIONS, SCHEMA_VERSION
from device.store.models import PracticeRecord, ScoreSample, SessionStatus, database
from device.store.writer import start_writer, stop_writer

DB_NAME = "kiosk.sqlite"


class StoreError(KioskError):
    """The database cannot be used; the message says why and what to do."""


class UnknownPatientError(StoreError):
    """A name that is not a patient's: the caller's mistake, not the database's."""


def explain(exc: Exception, path: Path) -> StoreError:
    """One clear message for the ways a SQLite file fails."""
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text or isinstance(exc, PermissionError):
        reason = "is read-only: check the file's owner and permissions"
    elif "locked" in text or "busy" in text:
        reason = "is locked by another program: stop it, or wait and retry"
    elif "full" in text:
        reason = "cannot grow: the disk is full; free some space"
    elif "not a database" in text or "malformed" in text or "corrupt" in text:
        reason = "is damaged: restore it from a backup (python -m device backup makes them)"
    elif "unable to open" in text:
        reason = "cannot be opened: check that its folder exists and is writable"
    elif isinstance(exc, OSError):
        reason = f"cannot be opened: {exc.strerror} ({exc.filename}); check device.data_dir"
    else:
        reason = f"failed ({exc})"
    return StoreError(f"database {path} {reason}")


@contextmanager
def translated_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except (DatabaseError, sqlite3.Error, OSError) as exc:
        raise explain(exc, path) from exc


BACKUP_FOLDER = "backups"  # in the data folder: the nightly copies (python -m device backup)


def backup_to(source: SqliteDatabase, target: Path) -> None:
    """A consistent copy of a live database (SQLite's online backup API)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    destination = sqlite3.connect(str(target))
    try:
        source.connection().backup(destination)
    finally:
        destination.close()


def open_database(path: Path, *, recover: bool = True) -> SqliteDatabase:
    """Open (creating or migrating) the store at `path` and bind the models.

    `recover` closes sessions left running by a crash or power cut: only the
    kiosk and practice do that at start-up. The dashboard reads the same file
    while a session may be running, so it passes False."""
    stop_writer()  # the writes queued for the database open before go there first
    existed = path.exists()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise explain(exc, path) from exc
    db = SqliteDatabase(
        str(path),
        pragmas={
            "journal_mode": "wal",
            "synchronous": "full",
            "foreign_keys": 1,
            "busy_timeout": 5000,
        },
    )
    with translated_errors(path):
        db.connect()
        if existed:
            check = db.execute_sql("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                db.close()
                raise StoreError(f"database {path} is damaged ({check}): restore it from a backup")
        database.initialize(db)
        _migrate(db, path, existed)
        if recover:
            close_interrupted_sessions()
    start_writer(path)
    return db


def _migrate(db: SqliteDatabase, path: Path, existed: bool) -> None:
    version = db.execute_sql("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"database {path} has schema version {version}, newer than this software's "
            f"{SCHEMA_VERSION}: update the software"
        )
    if version == SCHEMA_VERSION:
        return
    if existed and version > 0:
        backup_to(db, path.with_name(f"{path.stem}.before-v{SCHEMA_VERSION}{path.suffix}"))
    for number in range(version + 1, SCHEMA_VERSION + 1):
        with db.atomic():
            for statement in MIGRATIONS[number - 1]:
                db.execute_sql(statement)
            db.execute_sql(f"PRAGMA user_version = {number}")


def close_interrupted_sessions() -> int:
    """Sessions still 'running' at start-up were cut off (power cut, crash):
    mark them interrupted, ending at their last recorded second."""
    count = 0
    for session in PracticeRecord.select().where(PracticeRecord.status == SessionStatus.RUNNING):
        last = ScoreSample.select().where(ScoreSample.session == session).order_by(ScoreSample.t_s.desc()).first()
        session.status = SessionStatus.INTERRUPTED
        session.ended = session.started + timedelta(seconds=last.t_s if last else 0.0)
        session.save()
        count += 1
    return count

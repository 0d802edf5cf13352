"""A patient's history on the ward, as the device itself keeps it: a SQLite
database of the device's own schema (device/store/migrations.py, its week
rows and practice days kept by the device's own triggers), loaded from the
ward's rows, so the patient page reads it with the device dashboard's read
side (device/store/queries.py, device/web/reports.py) and one day gives one
number on the bedside dashboard and on the ward.

It is a cache: one file under the ward's cache folder holds every history
asked for, each checked against the ward's database on every page (the
number of its sessions and the newest `updated`) and brought up to date
then: the sessions that arrived or changed since are replaced, the device's
triggers redo their weeks. Deleted, it is rebuilt on the next page.

The device's models are bound, through their proxy, to this database: a
ward process reads no device store (a device process never imports this)."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from peewee import SqliteDatabase, fn

from device.store.migrations import MIGRATIONS
from device.store.migrations import SCHEMA_VERSION as DEVICE_SCHEMA_VERSION
from device.store.models import Patient
from device.store.models import database as device_database
from device.store.version import StoreVersion
from ward.models import WardExercise, WardRep, WardSession

FILE_NAME = "patient-histories.sqlite"

# Which ward patients each history holds and what of theirs it was loaded from.
_BOOKKEEPING = (
    'CREATE TABLE IF NOT EXISTS "ward_history" ("key" TEXT NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, '
    '"members" TEXT NOT NULL, "sessions" INTEGER NOT NULL, "updated" TEXT)'
)


@dataclass(frozen=True)
class Stamp:
    """What a history was loaded from: its ward patients, their number of sessions, the newest change."""

    members: str  # ",3,17," : the ward patient ids, sorted
    sessions: int
    updated: str | None


def _members(ids: Iterable[int]) -> str:
    return "," + ",".join(str(i) for i in sorted(ids)) + ","


def _text(moment: datetime | None) -> str | None:
    # As the device's DateTimeField writes it ("2026-11-18 09:00:00"), so date() and comparisons read it the same.
    return None if moment is None else str(moment)


class PatientHistories:
    """The cache of device-schema histories in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME
        folder.mkdir(parents=True, exist_ok=True)
        self.db = SqliteDatabase(
            str(self.path), pragmas={"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10000}
        )
        self._lock = threading.Lock()
        self._ready = False
        self._version: StoreVersion | None = None
        self.keep_alive: object = None

    def _prepare(self) -> None:
        """Make (or remake, if another software version wrote it) the cache's schema."""
        version = self.db.execute_sql("PRAGMA user_version").fetchone()[0]
        if version not in (0, DEVICE_SCHEMA_VERSION):
            self.db.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self.db.connect()
            version = 0
        if version == 0:
            with self.db.atomic():
                for statements in MIGRATIONS:
                    for statement in statements:
                        self.db.execute_sql(statement)
                # The histories are read here, never sent anywhere: no outbox.
                self.db.execute_sql('DROP TRIGGER IF EXISTS "session_outbox"')
                self.db.execute_sql(_BOOKKEEPING)
                self.db.execute_sql(f"PRAGMA user_version = {DEVICE_SCHEMA_VERSION}")
        self._ready = True

    def version(self) -> int:
        """A number that changes whenever a history is brought up to date
        (SQLite's data_version, device/store/version.py): the patient pages
        are kept until it does. Asked after history(), which makes the file."""
        if self._version is None:
            self._version = StoreVersion(self.path)
        return self._version.current()

    def close(self) -> None:
        """This thread's connection, at the end of a request."""
        if not self.db.is_closed():
            self.db.close()

    def history(self, key: str, members: Sequence[int]) -> Patient:
        """The device-schema patient holding the sessions of the ward
        patients `members` (one patient, or all who share a ward identity),
        up to date with the ward's database. `key` names the history."""
        with self._lock:
            # The device's read side reads through its models' proxy: here, always this cache.
            if device_database.obj is not self.db:
                device_database.initialize(self.db)
            self.db.connect(reuse_if_open=True)
            if not self._ready:
                self._prepare()
            return Patient.get_by_id(self._refresh(key, list(members)))

    def _stamp(self, members: list[int]) -> Stamp:
        row = (
            WardSession.select(fn.COUNT(WardSession.id), fn.MAX(WardSession.updated))
            .where(WardSession.patient.in_(members))
            .tuples()
            .get()
        )
        count, newest = cast(tuple[int, Any], row)
        if newest is not None and not isinstance(newest, datetime):
            newest = datetime.fromisoformat(str(newest))  # SQLite (a trial ward) hands MAX() back as text
        return Stamp(_members(members), int(count), _text(newest))

    def _refresh(self, key: str, members: list[int]) -> int:
        now = self._stamp(members)
        row = self.db.execute_sql(
            'SELECT "patient_id", "members", "sessions", "updated" FROM "ward_history" WHERE "key" = ?', (key,)
        ).fetchone()
        if row is not None and Stamp(row[1], row[2], row[3]) == now:
            return int(row[0])
        with self.db.atomic():
            if row is not None and row[1] == now.members and row[3] is not None:
                patient_id = int(row[0])
                # What arrived or changed since (the ward's `updated` is its own clock at ingest).
                changed = WardSession.patient.in_(members) & (WardSession.updated > datetime.fromisoformat(row[3]))
                self._load(patient_id, changed)
                if self._count(patient_id) == now.sessions:
                    self._remember(key, patient_id, now)
                    return patient_id
            patient_id = self._rebuild(key, members)
            self._load(patient_id, WardSession.patient.in_(members))
            self._remember(key, patient_id, now)
        return patient_id

    def _count(self, patient_id: int) -> int:
        row = self.db.execute_sql('SELECT COUNT(*) FROM "session" WHERE "patient_id" = ?', (patient_id,)).fetchone()
        return int(row[0])

    def _remember(self, key: str, patient_id: int, stamp: Stamp) -> None:
        self.db.execute_sql(
            'INSERT OR REPLACE INTO "ward_history" ("key", "patient_id", "members", "sessions", "updated") '
            "VALUES (?, ?, ?, ?, ?)",
            (key, patient_id, stamp.members, stamp.sessions, stamp.updated),
        )

    def _rebuild(self, key: str, members: list[int]) -> int:
        """An empty history for `key`, after dropping every history that held
        one of `members` (a patient given a ward identity joins another's)."""
        stale = [key]
        for other, held in self.db.execute_sql('SELECT "key", "members" FROM "ward_history"').fetchall():
            if any(f",{member}," in held for member in members):
                stale.append(other)
        for name in stale:
            # Cascades to its sessions, exercises, reps, week rows and practice days.
            self.db.execute_sql('DELETE FROM "patient" WHERE "name" = ?', (name,))
            self.db.execute_sql('DELETE FROM "ward_history" WHERE "key" = ?', (name,))
        cursor = self.db.execute_sql(
            'INSERT INTO "patient" ("name", "created", "archived") VALUES (?, ?, 0)', (key, _text(datetime.now()))
        )
        return int(cursor.lastrowid)

    def _load(self, patient_id: int, which: Any) -> None:
        """The ward's sessions matching `which`, into history `patient_id`,
        with their exercises and reps: the device's triggers keep their weeks and days."""
        sessions = _rows(
            WardSession.select(
                WardSession.id,
                WardSession.plan,
                WardSession.started,
                WardSession.ended,
                WardSession.status,
                WardSession.score,
                WardSession.source,
                WardSession.grading,
            )
            .where(which)
            .order_by(WardSession.started, WardSession.id)
        )
        if not sessions:
            return
        ids = [s[0] for s in sessions]
        of_sessions = WardSession.select(WardSession.id).where(which)
        exercises = _rows(
            WardExercise.select(
                WardExercise.session,
                WardExercise.exercise,
                WardExercise.position,
                WardExercise.reps_planned,
                WardExercise.reps_done,
                WardExercise.score,
                WardExercise.symmetry,
                WardExercise.synkinesis,
                WardExercise.outcome,
                WardExercise.right_movement,
                WardExercise.left_movement,
            ).where(WardExercise.session.in_(of_sessions))
        )
        reps = _rows(
            WardRep.select(
                WardRep.session,
                WardRep.exercise,
                WardRep.number,
                WardRep.started_s,
                WardRep.ended_s,
                WardRep.peak_score,
                WardRep.mean_score,
                WardRep.right_movement,
                WardRep.left_movement,
                WardRep.symmetry,
                WardRep.synkinesis,
            )
            .where(WardRep.session.in_(of_sessions))
            .order_by(WardRep.id)
        )
        connection = self.db.connection()
        # A changed session is replaced whole: the device's delete triggers take it out of its week first.
        connection.executemany('DELETE FROM "session" WHERE "id" = ?', [(i,) for i in ids])
        # Its exercises and reps first (their session's foreign key checked at the commit), then the session
        # closed as it ended: the device's insert triggers count it in its week and its day once, with its
        # exercises. (Opened running and closed, as the kiosk records it, each session's week was counted twice:
        # the two-year build took twice as long.)
        connection.execute("PRAGMA defer_foreign_keys = ON")
        connection.executemany(
            'INSERT INTO "exercise_result" ("session_id", "exercise", "position", "reps_planned", "reps_done", '
            '"score", "symmetry", "synkinesis", "outcome", "right_movement", "left_movement") '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            exercises,
        )
        connection.executemany(
            'INSERT INTO "rep" ("session_id", "exercise", "number", "started_s", "ended_s", "peak_score", '
            '"mean_score", "right_movement", "left_movement", "symmetry", "synkinesis") '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            reps,
        )
        connection.executemany(
            'INSERT INTO "session" ("id", "patient_id", "plan", "started", "ended", "status", "score", "source", '
            '"grading") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
            [(s[0], patient_id, s[1], _text(s[2]), _text(s[3]), s[4], s[5], s[6], s[7]) for s in sessions],
        )


def _rows(query: Any) -> list[tuple[Any, ...]]:
    """The query's rows as the database driver gives them: peewee's conversion
    of each value took half of a two-year history's build (26,000 reps)."""
    return list(WardSession._meta.database.execute_sql(*query.sql()).fetchall())


def open_histories(cache_dir: str) -> PatientHistories:
    """The cache in the configured folder, or in a temporary one removed when the process ends."""
    if cache_dir:
        return PatientHistories(Path(cache_dir))
    folder = tempfile.TemporaryDirectory(prefix="ward-histories-")
    histories = PatientHistories(Path(folder.name))
    histories.keep_alive = folder  # removed with the histories, or at exit
    return histories

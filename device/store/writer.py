"""The process's one database writer: a thread that runs write jobs in the
order they were handed over, so the kiosk's drawing thread never waits for
an fsync (an SD card can take tens of milliseconds, a worn one seconds).

Callers hand over a job and go on; a job's outcome comes back as a Future.
The queue is bounded: a caller waits only when the writer is QUEUE_LIMIT
jobs behind, and no job is ever dropped. Each thread has its own SQLite
connection (peewee keeps them per thread), so the writer's commits never
block the readers' snapshots in WAL mode.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from device.store.models import database

log = logging.getLogger(__name__)

T = TypeVar("T")
QUEUE_LIMIT = 512  # about eight minutes of a session's writes at one a second


class StoreWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = database.obj  # the database open now: the proxy may move on to another later
        self._jobs: queue.Queue[tuple[Callable[[], Any], Future[Any]] | None] = queue.Queue(maxsize=QUEUE_LIMIT)
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], T]) -> Future[T]:
        """Run `job` on the writer thread, after every job handed over before it."""
        future: Future[T] = Future()
        if not self._thread.is_alive():
            future.set_exception(RuntimeError(f"the writer of {self.path} has stopped"))
            return future
        self._jobs.put((job, future))
        return future

    def call(self, job: Callable[[], T], timeout: float | None = None) -> T:
        """Run `job` on the writer thread and wait for its result (or its exception)."""
        return self.submit(job).result(timeout)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every job handed over so far has run; False on timeout."""
        try:
            self.submit(lambda: None).result(timeout)
        except TimeoutError:
            return False
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Run what is queued, then stop the thread."""
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            while (item := self._jobs.get()) is not None:
                job, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(job())
                except BaseException as exc:  # the caller decides; the writer goes on
                    future.set_exception(exc)
        finally:
            if self._db is not None and not self._db.is_closed():
                self._db.close()  # this thread's connection


class _Current:
    """The process's writer (one database is open at a time)."""

    writer: StoreWriter | None = None
    lock = threading.Lock()


def stop_writer() -> None:
    """Write what is queued and stop the writer (before another database is opened)."""
    with _Current.lock:
        if _Current.writer is not None:
            _Current.writer.close()
        _Current.writer = None


def start_writer(path: Path) -> StoreWriter:
    """The writer of the database just opened at `path` (db.open_database calls this)."""
    stop_writer()
    with _Current.lock:
        _Current.writer = StoreWriter(path)
        return _Current.writer


def writer() -> StoreWriter:
    """The writer of the open database."""
    current = _Current.writer
    if current is None:
        raise RuntimeError("no database is open: call open_database first")
    return current

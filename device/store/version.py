"""Whether anything was committed to the store since the last look.

SQLite's `PRAGMA data_version` on a connection changes whenever another
connection commits to the same file, in this process or another (the kiosk
recording a session, the dashboard saving a note). The connection here only
ever asks that question, so it never writes and holds no lock between
questions. The dashboard keeps its pages until the number changes
(device/web/page_cache.py).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class StoreVersion:
    """A number that changes when anybody commits to the store at `path`."""

    def __init__(self, path: Path) -> None:
        # One connection shared by the server's threads, each question under the lock.
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()

    def current(self) -> int:
        with self._lock:
            row = self._connection.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._connection.close()

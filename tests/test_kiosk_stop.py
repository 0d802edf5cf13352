"""A clean stop: SIGTERM (systemctl stop, an update, a shutdown) sent to a
real kiosk process mid-session ends its loop, closes the session with what
was done before the process exits, and tells systemd it is stopping."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from device.store.db import DB_NAME
from device.store.models import SessionStatus
from tests.helpers import ROOT


def rows(database: Path, query: str) -> list[tuple[Any, ...]]:
    """Read the database as it is on disk: plain sqlite3, read-only, so no
    start-up recovery closes a running session for the kiosk."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return connection.execute(query).fetchall()


def scored_samples(database: Path) -> int:
    try:
        return int(rows(database, "SELECT count(*) FROM score_sample WHERE score IS NOT NULL")[0][0])
    except sqlite3.OperationalError:  # not created yet, or not its tables yet
        return 0


def test_sigterm_mid_session_closes_the_session_and_says_stopping(tmp_path: Path, right_smile_clip: Path) -> None:
    data = tmp_path / "data"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[device]\ndata_dir = "{data}"\n[camera]\nsource = "replay:{right_smile_clip}"\n[kiosk]\nlanguage = "en"\n'
    )
    notify_path = tmp_path / "notify"
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(notify_path))
    notify.settimeout(0.1)
    env = {
        "PATH": os.environ["PATH"],
        "KIOSK_CONFIG": str(config),
        "NOTIFY_SOCKET": str(notify_path),
        "PYGAME_HIDE_SUPPORT_PROMPT": "1",
    }
    log = tmp_path / "kiosk.log"  # a file, not a pipe nobody reads: a full pipe would stall the kiosk
    kiosk = subprocess.Popen(
        [sys.executable, "-m", "tests.kiosk_until_stopped", "closed_smile"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    database = data / DB_NAME
    try:
        # Mid-session: calibrated, the exercise under way, its score sampled each second.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if scored_samples(database) >= 2:
                break
            assert kiosk.poll() is None, "the kiosk exited by itself"
            time.sleep(0.2)
        else:
            raise AssertionError("no exercise under way within 120 s:\n" + log.read_text())
        [(session_id, status)] = rows(database, "SELECT id, status FROM session")
        assert status == SessionStatus.RUNNING
        samples_before = rows(database, "SELECT count(*) FROM score_sample")[0][0]

        started = time.monotonic()
        kiosk.send_signal(signal.SIGTERM)
        kiosk.wait(timeout=30)
        stop_s = time.monotonic() - started
    finally:
        kiosk.kill()
    output = log.read_text()
    assert "practising" in output
    assert kiosk.returncode == 0, output
    assert stop_s < 15, f"stopping took {stop_s:.1f} s"
    assert "SIGTERM: closing the kiosk" in output
    assert "Traceback" not in output

    # Closed by the kiosk as it stopped, not left running for the next start to call interrupted.
    [(status, ended)] = rows(database, f"SELECT status, ended FROM session WHERE id = {session_id}")
    assert status == SessionStatus.STOPPED  # a stop asked for: not "interrupted", which a power cut leaves
    assert ended is not None
    # What was done is kept: the samples, the calibration, and the exercise as far as it went.
    assert rows(database, "SELECT count(*) FROM score_sample")[0][0] >= samples_before
    assert rows(database, "SELECT count(*) FROM calibration")[0][0] == 1
    assert rows(database, "SELECT exercise, outcome FROM exercise_result") == [("closed_smile", "stopped")]
    assert rows(database, "PRAGMA integrity_check") == [("ok",)]

    messages = []
    while True:
        try:
            messages.append(notify.recv(4096).decode())
        except TimeoutError:
            break
    notify.close()
    assert any(m.startswith("READY=1") for m in messages)
    assert "STOPPING=1" in messages

"""The inventory line a technician collects says when the patient last practised."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from device.inventory import last_session
from device.store.db import open_database
from device.store.models import Patient, PracticeRecord, SessionSource, SessionStatus
from device.store.writer import stop_writer


def test_last_session_is_the_patients_own_practice_not_the_demo(tmp_path: Path) -> None:
    open_database(tmp_path / "kiosk.sqlite")
    who = Patient.create(name="Ana")
    assert last_session(tmp_path) is None
    PracticeRecord.create(patient=who, plan="[]", started=datetime(2026, 11, 24, 17, 2),
                          status=SessionStatus.COMPLETED, source=SessionSource.CAMERA)  # fmt: skip
    PracticeRecord.create(patient=who, plan="[]", started=datetime(2026, 11, 25, 9, 0),
                          status=SessionStatus.COMPLETED, source=SessionSource.DEMO)  # fmt: skip  # a demo, later
    stop_writer()
    found = last_session(tmp_path)
    assert found is not None
    assert found.startswith("2026-11-24 17:02")

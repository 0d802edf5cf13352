"""The dashboard's kept pages (device/web/page_cache.py) on a real SQLite
file: kept while nothing changes, rebuilt after any commit (a session the
kiosk's recorder writes from its own connection, a note saved on the
dashboard, a row written by another process), after midnight by the app's
clock, per language and per login, and never shown to anybody logged out."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from device.clock import FixedClock
from device.config import Config
from device.practice.plan import default_plan
from device.practice.session import ExerciseResult, SessionResult
from device.store.db import DB_NAME, open_database
from device.store.models import Patient
from device.store.records import SessionRecorder, add_patient
from device.store.synthetic import a_rep
from device.store.version import StoreVersion
from device.web import create_app, pages
from device.web.security import set_password

PASSWORD = "blue heron 42"
DAY = date(2026, 11, 18)  # a Wednesday
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def record(path: Path, patient: Patient, started: datetime, reps: int) -> None:
    """A completed session of one exercise scoring 75 x reps / 3, through the kiosk's recorder and writer."""
    recorder = SessionRecorder(path, patient, default_plan(), started=started)
    done = tuple(a_rep(number=i + 1) for i in range(reps))
    recorder.finish(SessionResult((ExerciseResult("closed_smile", 3, done, 30, 2),), None, {}), "completed")
    assert recorder.flush(timeout=10)


def app_on(config: Config, tmp_path: Path, clock: FixedClock, megabytes: int = 16, csrf: bool = False) -> Flask:
    store = open_database(tmp_path / DB_NAME)
    set_password(tmp_path, PASSWORD)
    return create_app(
        config.with_overrides({"kiosk.language": "en", "web.page_cache_mb": megabytes}),
        store,
        clock=clock,
        overrides={"TESTING": True, "WTF_CSRF_ENABLED": csrf, "RATELIMIT_ENABLED": False},
    )


def login(app: Flask) -> FlaskClient:
    client = app.test_client()
    if app.config["WTF_CSRF_ENABLED"]:
        token = CSRF.search(client.get("/login").data.decode())
        assert token is not None
        assert client.post("/login", data={"password": PASSWORD, "csrf_token": token[1]}).status_code == 302
    else:
        assert client.post("/login", data={"password": PASSWORD}).status_code == 302
    return client


def month_mean(client: FlaskClient, patient: Patient) -> float | None:
    month = client.get(f"/api/patients/{patient.id}/month/2026-11").json
    assert month is not None
    return month["mean_score"]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the trends page built its view."""
    calls: list[int] = []
    build: Callable[..., Any] = pages.trends_view

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return build(*args, **kwargs)

    monkeypatch.setattr(pages, "trends_view", counting)
    return calls


def test_a_page_is_built_once_until_the_kiosk_records_a_session(
    config: Config, tmp_path: Path, counted: list[int]
) -> None:
    app = app_on(config, tmp_path, FixedClock.on(DAY))
    ana = add_patient("Ana")
    record(tmp_path / DB_NAME, ana, datetime.combine(DAY, datetime.min.time()) + timedelta(hours=9), 3)
    client = login(app)

    first = client.get(f"/patients/{ana.id}/trends")
    again = client.get(f"/patients/{ana.id}/trends")
    assert first.status_code == again.status_code == 200
    assert first.data == again.data
    assert len(counted) == 1  # the second answer came from memory
    assert month_mean(client, ana) == 75.0

    # The kiosk's recorder writes through its own connection, as the kiosk's process does.
    record(tmp_path / DB_NAME, ana, datetime.combine(DAY, datetime.min.time()) + timedelta(hours=11), 1)
    assert month_mean(client, ana) == 50.0
    client.get(f"/patients/{ana.id}/trends")
    assert len(counted) == 2


def test_a_write_by_another_process_is_seen_at_once(config: Config, tmp_path: Path) -> None:
    app = app_on(config, tmp_path, FixedClock.on(DAY))
    ana = add_patient("Ana")
    record(tmp_path / DB_NAME, ana, datetime.combine(DAY, datetime.min.time()) + timedelta(hours=9), 3)
    client = login(app)
    assert "Ana" in client.get("/api/patients").get_data(as_text=True)

    rename = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "c.execute(\"UPDATE patient SET name='Bora'\"); c.commit()"
    )
    subprocess.run([sys.executable, "-c", rename, str(tmp_path / DB_NAME)], check=True, timeout=30)
    names = client.get("/api/patients").json
    assert names == [{"id": ana.id, "name": "Bora"}]


def test_a_note_saved_on_the_dashboard_shows_on_the_next_page(config: Config, tmp_path: Path) -> None:
    app = app_on(config, tmp_path, FixedClock.on(DAY))
    ana = add_patient("Ana")
    client = login(app)
    assert "Smiles wider this week" not in client.get(f"/patients/{ana.id}/trends").get_data(as_text=True)
    saved = client.post(f"/patients/{ana.id}/notes", data={"text": "Smiles wider this week"})
    assert saved.status_code == 302
    assert "Smiles wider this week" in client.get(f"/patients/{ana.id}/trends").get_data(as_text=True)


def test_pages_move_with_the_apps_clock_and_follow_the_language(
    config: Config, tmp_path: Path, counted: list[int]
) -> None:
    clock = FixedClock.on(DAY)
    app = app_on(config, tmp_path, clock)
    ana = add_patient("Ana")
    client = login(app)

    english = client.get(f"/patients/{ana.id}/trends").get_data(as_text=True)
    korean = client.get(f"/patients/{ana.id}/trends", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert 'lang="en"' in english
    assert 'lang="ko"' in korean
    assert len(counted) == 2

    clock.at += timedelta(days=1)
    client.get(f"/patients/{ana.id}/trends")
    assert len(counted) == 3  # a new day is a new page: its window and alerts end today


def test_a_kept_page_is_never_shown_to_somebody_logged_out(config: Config, tmp_path: Path) -> None:
    app = app_on(config, tmp_path, FixedClock.on(DAY))
    ana = add_patient("Ana")
    login(app).get(f"/patients/{ana.id}/trends")
    stranger = app.test_client().get(f"/patients/{ana.id}/trends")
    assert stranger.status_code == 302
    assert "/login" in stranger.headers["Location"]
    assert b"Ana" not in stranger.data


def test_each_login_gets_its_own_form_token(config: Config, tmp_path: Path, counted: list[int]) -> None:
    """One page built for two phones, each answer with the phone's own form
    token, or its logout would be refused."""
    app = app_on(config, tmp_path, FixedClock.on(DAY), csrf=True)
    ana = add_patient("Ana")
    phones = [login(app), login(app)]
    tokens = []
    for phone in phones:
        found = CSRF.search(phone.get(f"/patients/{ana.id}/trends").get_data(as_text=True))
        assert found is not None
        tokens.append(found[1])
    assert len(counted) == 1  # built for the first phone, kept for the second
    assert tokens[0] != tokens[1]
    for phone, token in zip(phones, tokens, strict=True):
        assert phone.post("/logout", data={"csrf_token": token}).status_code == 302
        assert phone.get(f"/patients/{ana.id}/trends").status_code == 302  # logged out: to the login page


def test_zero_megabytes_builds_every_page(config: Config, tmp_path: Path, counted: list[int]) -> None:
    app = app_on(config, tmp_path, FixedClock.on(DAY), megabytes=0)
    ana = add_patient("Ana")
    client = login(app)
    for _ in range(3):
        assert client.get(f"/patients/{ana.id}/trends").status_code == 200
    assert len(counted) == 3


def test_the_store_version_changes_with_every_commit_by_anyone(tmp_path: Path) -> None:
    path = tmp_path / "any.sqlite"
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (x)")
    writer.commit()
    version = StoreVersion(path)
    seen = {version.current()}
    assert version.current() in seen  # nothing committed: the same number
    for value in range(3):
        writer.execute("INSERT INTO t VALUES (?)", (value,))
        writer.commit()
        now = version.current()
        assert now not in seen
        seen.add(now)
    version.close()

"""The ward server on a real PostgreSQL (tests/ward_postgres.py): its schema
and CLI, and two real device stores whose sessions, recorded through the real
recorder, reach the real ward (waitress on a loopback port) exactly once:
with the ward down and back (the sender's back-off on a clock the test
moves), replayed, re-graded, and against bad tokens and bad bodies."""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import requests
from flask.testing import FlaskClient
from peewee import Database, fn
from waitress.server import create_server

from device.clock import FixedClock
from device.practice.plan import default_plan
from device.practice.session import ExerciseResult, SessionResult
from device.provisioning import ProvisioningError, parse
from device.store.db import DB_NAME, open_database
from device.store.models import OutboxRecord, Patient, PracticeRecord
from device.store.queries import monday_of, period_summary, sessions_between
from device.store.records import SessionRecorder, add_patient
from device.store.synthetic import a_rep, seed_history
from device.store.writer import writer
from device.ward_address import WardLinkError, check_url
from device.ward_link import (
    FIRST_DELAY_S,
    MAX_DELAY_S,
    WardLink,
    backlog,
    store_id,
    summary,
)
from device.web.alerts import CUT_OFF, alert_window, declines, missed_days
from device.web.reports import trends_view
from tests.ward_postgres import PostgresServer, postgres  # noqa: F401  (the session's cluster)
from ward.__main__ import main as ward_main
from ward.api import UNKNOWN_TOKEN
from ward.app import create_app
from ward.config import WardConfig
from ward.db import connect_url, migrate
from ward.devices import enrol, revoke
from ward.identity import assign
from ward.migrations import BACKFILL_3, SCHEMA_VERSION, TYPES
from ward.models import (
    TABLES,
    Device,
    LoginEvent,
    PatientDay,
    PatientExerciseWeek,
    Therapist,
    WardExercise,
    WardRep,
    WardSession,
)
from ward.overview import overview
from ward.therapists import add_therapist

DAY = date(2026, 11, 18)
NOW = datetime(2026, 11, 19, 9)
_names = itertools.count()


@pytest.fixture
def ward_url(postgres: PostgresServer) -> str:  # noqa: F811
    """A fresh, migrated ward database on the session's cluster."""
    name = f"ward_{next(_names)}"
    postgres.sql(f"CREATE DATABASE {name}")
    db = connect_url(postgres.url(name))
    migrate(db)
    db.close()
    return postgres.url(name)


class Ward:
    """The real ward app under waitress on a loopback port, stoppable and restartable on the same port."""

    def __init__(self, db: Database, clock: FixedClock) -> None:
        self.app = create_app(WardConfig(language="en", secret_key="test"), db, clock)
        self.port = 0
        self._server: object = None
        self.start()

    def start(self) -> None:
        server = create_server(self.app, host="127.0.0.1", port=self.port, threads=4)
        self.port = server.effective_port
        threading.Thread(target=server.run, daemon=True).start()
        self._server = server

    def stop(self) -> None:
        self._server.close()  # type: ignore[attr-defined]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def ward(ward_url: str) -> Iterator[Ward]:
    db = connect_url(ward_url)
    served = Ward(db, FixedClock(NOW))
    yield served
    served.stop()
    db.close()


def result(reps: int) -> SessionResult:
    done = tuple(a_rep(number=i + 1) for i in range(reps))
    return SessionResult(
        (ExerciseResult("closed_smile", 3, done, 30, 2, right_movement=0.08, left_movement=0.04),), None, {}
    )


def record(path: Path, patient: Patient, started: datetime, reps: int, status: str | None) -> int:
    """A session through the real recorder and writer; `status` None leaves it cut off."""
    recorder = SessionRecorder(path, patient, default_plan(), started=started)
    for number in range(1, reps + 1):
        recorder.rep("closed_smile", a_rep(number=number))  # as the kiosk records each rep when it ends
    if status is not None:
        recorder.finish(result(reps), status)
    assert recorder.flush(timeout=10)
    assert recorder.session_id is not None
    return recorder.session_id


def a_day_of_practice(path: Path, name: str) -> None:
    """A store with one patient's day: completed, stopped, and one cut off (closed as interrupted at the next start)."""
    open_database(path)
    patient = add_patient(name)
    at = datetime.combine(DAY, datetime.min.time())
    record(path, patient, at + timedelta(hours=9), 3, "completed")
    record(path, patient, at + timedelta(hours=11), 1, "stopped")
    record(path, patient, at + timedelta(hours=15), 2, None)
    open_database(path)  # the next start closes the cut-off one
    assert PracticeRecord.select().where(PracticeRecord.status == "interrupted").count() == 1


class Clock:
    """The sender's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def ward_sessions() -> list[tuple[str, str, float | None]]:
    """What the ward stored (its models are bound to the ward's database)."""
    return [(s.global_id, s.status, s.score) for s in WardSession.select().order_by(WardSession.global_id)]


def test_the_migrations_build_the_schema_the_models_describe(postgres: PostgresServer, ward_url: str) -> None:  # noqa: F811
    postgres.sql("CREATE DATABASE ward_modelled")
    modelled = connect_url(postgres.url("ward_modelled"))
    modelled.create_tables(TABLES)
    modelled.close()

    def schema(url: str) -> dict[str, object]:
        db = connect_url(url)
        columns = db.execute_sql(
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name != 'ward_schema' ORDER BY 1, 2"
        ).fetchall()
        indexes = db.execute_sql(
            "SELECT tablename, indexname, regexp_replace(indexdef, ' ON [^ ]+', '') FROM pg_indexes "
            "WHERE schemaname = 'public' AND tablename != 'ward_schema' ORDER BY 1, 2"
        ).fetchall()
        db.close()
        return {"columns": columns, "indexes": indexes}

    assert schema(ward_url) == schema(postgres.url("ward_modelled"))
    db = connect_url(ward_url)
    assert migrate(db) == (SCHEMA_VERSION, SCHEMA_VERSION)  # run again: nothing to do
    db.close()


def test_enrol_prints_a_token_once_and_keeps_only_its_hash(
    ward_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WARD_DATABASE", ward_url)
    assert ward_main(["migrate"]) == 0
    assert ward_main(["enrol", "kiosk-bed-12"]) == 0
    token = re.search(r"WARD_TOKEN=(\S+)", capsys.readouterr().out).group(1)  # type: ignore[union-attr]
    db = connect_url(ward_url)
    [device] = Device.select()
    assert device.name == "kiosk-bed-12"
    assert token not in device.token_hash
    assert len(token) >= 40
    db.close()
    assert ward_main(["enrol", "kiosk-bed-12", "--revoke"]) == 0
    assert ward_main(["enrol", "kiosk-bed-12", "--revoke"]) == 1
    assert "already revoked" in capsys.readouterr().err
    assert ward_main(["enrol", "Bed 12!"]) == 1
    assert "is not a device name" in capsys.readouterr().err


def test_user_add_takes_a_password_from_stdin_and_says_so_in_one_line_without_one(ward_url: str) -> None:
    """As docs/ward.md has the admin run it: typed twice at a terminal, or piped in; no terminal and
    nothing to read (Ctrl-D) is one line on stderr, no traceback, no account."""
    import os
    import subprocess
    import sys

    from tests.helpers import ROOT
    from ward.therapists import log_in

    def add(name: str, *flags: str, stdin: str | None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ward", "user", "add", name, *flags],
            input=stdin, stdin=subprocess.DEVNULL if stdin is None else None, capture_output=True, text=True,
            check=False, cwd=ROOT, env={**os.environ, "WARD_DATABASE": ward_url}, start_new_session=True, timeout=60,
        )  # fmt: skip

    piped = add("박지우", "--password-stdin", stdin="ward rounds 8\n")
    assert (piped.returncode, piped.stdout.strip()) == (0, "account '박지우' added"), piped.stderr
    nothing = add("Park Jiwoo", stdin=None)  # a new session: no controlling terminal, and stdin at its end
    assert nothing.returncode == 1
    assert (
        nothing.stderr.strip()
        .splitlines()[-1]
        .endswith(  # after getpass's prompt
            "ward: no password given: type it twice, or pipe it in with --password-stdin"
        )
    )
    assert "Traceback" not in nothing.stderr
    db = connect_url(ward_url)
    assert log_in("박지우", "ward rounds 8", NOW) is not None
    assert [t.name for t in Therapist.select()] == ["박지우"]
    db.close()


def test_plain_http_only_to_this_machine() -> None:
    assert check_url("http://127.0.0.1:8470/") == "http://127.0.0.1:8470"
    assert check_url("https://ward.hospital.lan") == "https://ward.hospital.lan"
    with pytest.raises(WardLinkError, match="plain http to another machine"):
        check_url("http://10.0.0.5:8470")
    with pytest.raises(WardLinkError, match="not an http"):
        check_url("ward.hospital.lan")


def test_provisioning_takes_the_ward_address_and_token_together() -> None:
    both = parse("DEVICE_NAME=kiosk-bed-3\nWARD_URL=https://ward.lan:8470\nWARD_TOKEN=abc_DEF-123\n")
    assert (both.get("WARD_URL"), both.get("WARD_TOKEN")) == ("https://ward.lan:8470", "abc_DEF-123")
    with pytest.raises(ProvisioningError, match="WARD_TOKEN needs the ward's address"):
        parse("WARD_TOKEN=abc\n")
    assert parse("WARD_URL=https://ward.lan\n").get("WARD_URL")  # its token installed, then removed from the file
    with pytest.raises(ProvisioningError, match="plain http to another machine"):
        parse("WARD_URL=http://ward.lan\nWARD_TOKEN=abc\n")


@pytest.mark.slow
def test_two_devices_deliver_every_session_exactly_once_through_a_ward_outage(ward: Ward, tmp_path: Path) -> None:
    tokens = {name: enrol(name, NOW) for name in ("kiosk-bed-1", "kiosk-bed-2")}
    stores = {name: tmp_path / name / DB_NAME for name in tokens}
    clock = Clock()
    a_day_of_practice(stores["kiosk-bed-1"], "Ana")
    link = WardLink(ward.url, tokens["kiosk-bed-1"], monotonic=clock)
    ward.stop()  # the ward is down for the day
    assert link.deliver_due() == 0
    assert backlog() == 3
    assert link.delay_s == FIRST_DELAY_S
    assert link.last_error
    assert link.last_error.startswith("0 ")
    assert link.deliver_due() == 0  # not due yet: nothing is tried
    for _ in range(12):
        clock.t += link.delay_s
        assert link.deliver_due() == 0
    assert link.delay_s == MAX_DELAY_S  # doubled up to its ceiling, never past it
    ward.start()
    assert link.deliver_due() == 0  # still backing off
    clock.t += MAX_DELAY_S
    assert link.deliver_due() == 3
    assert backlog() == 0
    assert link.delay_s == 0
    assert OutboxRecord.select().where(OutboxRecord.delivered.is_null()).count() == 0
    assert link.deliver_due() == 0  # nothing left: nothing sent twice

    # A late grading re-queues the session; the ward updates it, still once.
    [first] = PracticeRecord.select().where(PracticeRecord.status == "completed")
    writer().call(lambda: PracticeRecord.update(score=12.5).where(PracticeRecord.id == first.id).execute())
    assert backlog() == 1
    assert link.deliver_due() == 1
    link_store = store_id()
    store_one = summary(first.id, link_store)

    a_day_of_practice(stores["kiosk-bed-2"], "Ben")
    link_two = WardLink(ward.url, tokens["kiosk-bed-2"], monotonic=clock)
    assert link_two.deliver_due() == 3
    assert backlog() == 0

    arrived = ward_sessions()
    assert len(arrived) == 6
    assert len({gid for gid, _, _ in arrived}) == 6
    assert sorted(status for _, status, _ in arrived) == sorted(["completed", "stopped", "interrupted"] * 2)
    assert (f"{link_store}-{first.id}", "completed", 12.5) in arrived
    assert WardExercise.select().count() == 4  # the interrupted sessions closed before their exercises
    assert WardRep.select().count() == 2 * (3 + 1 + 2)

    api = f"{ward.url}/api/v1/sessions"
    body = json.dumps(store_one)

    def post(token: str, data: str | bytes, kind: str = "application/json") -> requests.Response:
        return requests.post(api, data=data, headers={"Authorization": f"Bearer {token}", "Content-Type": kind})

    replay = post(tokens["kiosk-bed-1"], body)
    assert (replay.status_code, replay.json()["result"]) == (200, "unchanged")
    stolen = post(tokens["kiosk-bed-2"], json.dumps(store_one | {"session": store_one["session"] | {"score": 99.0}}))
    assert stolen.status_code == 403
    assert "another device" in stolen.json()["error"]
    unknown = post("not-a-token", body)
    assert (unknown.status_code, unknown.json()["error"]) == (401, UNKNOWN_TOKEN)
    as_text = post(tokens["kiosk-bed-1"], body, kind="text/plain")
    assert as_text.status_code == 415
    assert as_text.json()["error"] == "the body must be JSON (Content-Type: application/json)"
    assert requests.post(api, data=body, headers={"Content-Type": "application/json"}).status_code == 401
    huge = post(tokens["kiosk-bed-1"], b"{" + b" " * (10 * 1024 * 1024) + b"}")
    assert huge.status_code == 413
    assert "larger than 256 KB" in huge.json()["error"]
    broken = post(tokens["kiosk-bed-1"], body[:-5])
    assert broken.status_code == 400
    assert "not valid JSON" in broken.json()["error"]
    wrong = post(tokens["kiosk-bed-1"], json.dumps(store_one | {"reps": [{"exercise": "x"}]}))
    assert wrong.status_code == 422
    assert "reps/0" in wrong.json()["error"]
    bad_day = post(
        tokens["kiosk-bed-1"],
        json.dumps(store_one | {"session": store_one["session"] | {"started": "2026-13-45T10:00:00"}}),
    )
    assert bad_day.status_code == 422
    assert "not a date" in bad_day.json()["error"]
    revoke("kiosk-bed-1", NOW)
    assert post(tokens["kiosk-bed-1"], body).status_code == 401
    assert ward_sessions() == arrived  # none of those stored anything


def _login(client: FlaskClient, name: str, password: str, lang: str) -> int:
    page = client.get(f"/login?lang={lang}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return client.post("/login", data={"csrf_token": token, "name": name, "password": password}).status_code


def test_the_overview_lists_every_patient_behind_a_named_login(ward: Ward, tmp_path: Path) -> None:
    token = enrol("kiosk-bed-7", NOW)
    add_therapist("Park Jiwoo", "ward rounds 7", NOW)
    a_day_of_practice(tmp_path / DB_NAME, "Ana")
    assert WardLink(ward.url, token, monotonic=Clock()).deliver_due() == 3
    client = ward.app.test_client()
    assert client.get("/").status_code == 302  # no login, no patients
    assert _login(client, "Park Jiwoo", "wrong password", "en") == 200
    assert client.get("/").status_code == 302
    assert _login(client, "Park Jiwoo", "ward rounds 7", "en") == 302
    assert LoginEvent.select().join(Therapist).where(Therapist.name == "Park Jiwoo").count() == 1
    english = re.sub(r"\s+", " ", client.get("/?lang=en").get_data(as_text=True))
    # The 18th is a day practised (its interrupted session counts as a day of practice, not as a mean).
    assert ">Ana</a></td> <td>kiosk-bed-7</td> <td>18 Nov</td> <td>1 of 14 days</td>" in english
    korean = re.sub(r"\s+", " ", client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9"}).get_data(as_text=True))
    assert '<html lang="ko">' in korean
    assert "<td>11월 18일</td> <td>14일 중 1일</td>" in korean
    assert "최근 14일 중 연습한 날" in korean

    # A session that arrives after the page was read shows on the next read (the rows are computed once per change).
    record(tmp_path / DB_NAME, Patient.get(Patient.name == "Ana"), NOW, 3, "completed")
    assert WardLink(ward.url, token, monotonic=Clock()).deliver_due() == 1
    again = re.sub(r"\s+", " ", client.get("/?lang=en").get_data(as_text=True))
    assert ">Ana</a></td> <td>kiosk-bed-7</td> <td>19 Nov</td> <td>2 of 14 days</td>" in again


def declining_practice(path: Path, name: str, today: date) -> None:
    """Seven weeks of a patient's practice on Mondays and Wednesdays: balanced
    (symmetry 0.9) for four weeks, then 0.5 for the last three (a decline by
    the trend rule); this week also one stopped session, one cut off (closed
    as interrupted at the next start) and one replay, which is never theirs."""
    open_database(path)
    patient = add_patient(name)
    this_monday = today - timedelta(days=today.weekday())
    for week in range(7):
        monday = datetime.combine(this_monday - timedelta(weeks=6 - week), datetime.min.time())
        balance = 0.9 if week < 4 else 0.5
        for day, score in ((0, 60.0 + week), (2, 70.0 + 2 * week)):
            recorder = SessionRecorder(path, patient, default_plan(), started=monday + timedelta(days=day, hours=10))
            reps = tuple(a_rep(number=n, mean_score=score) for n in (1, 2, 3))
            recorder.finish(
                SessionResult(
                    (
                        ExerciseResult(
                            "closed_smile", 3, reps, 30, 2, right_movement=0.08, left_movement=0.08 * balance
                        ),
                    ),
                    None,
                    {},
                ),
                "completed",
            )
            assert recorder.flush(timeout=10)
    started = datetime.combine(this_monday, datetime.min.time())
    record(path, patient, started + timedelta(hours=15), 1, "stopped")
    replay = SessionRecorder(path, patient, default_plan(), started=started + timedelta(hours=16), source="replay")
    replay.finish(result(3), "completed")
    assert replay.flush(timeout=10)
    record(path, patient, started + timedelta(days=1, hours=9), 2, None)
    open_database(path)  # the next start closes the cut-off one


def device_figures(path: Path, name: str, today: date) -> dict[str, object]:
    """What the device's own dashboard reads for the patient (its read side and its alert rules)."""
    open_database(path)
    patient = Patient.get(Patient.name == name)
    monday = monday_of(today)
    window, _ = alert_window(today)
    practice = sessions_between(patient, date(2000, 1, 1), today)
    return {
        "last_practice": max(s.started for s in practice).date(),
        "days_practised": period_summary(patient, today - timedelta(days=13), today).days_practised,
        "week_mean": period_summary(patient, monday, today).mean_score,
        "last_week_mean": period_summary(patient, monday - timedelta(weeks=1), monday - timedelta(days=1)).mean_score,
        "missed": missed_days(patient, window, today - timedelta(days=1)),
        "declining": [e.exercise for e in trends_view(patient, today).exercises if declines(e.weeks)],
        "cut_off": sum(s.status in CUT_OFF for s in sessions_between(patient, window, today)),
    }


@pytest.mark.slow
def test_the_overview_gives_the_device_dashboards_figures_and_alerts(ward: Ward, tmp_path: Path) -> None:
    """Two real devices send their history; each patient's row on the ward
    overview has the figures and alerts the device's own dashboard reads."""
    today = NOW.date()
    stores = {"kiosk-bed-1": tmp_path / "one" / DB_NAME, "kiosk-bed-2": tmp_path / "two" / DB_NAME}
    declining_practice(stores["kiosk-bed-1"], "Ana", today)
    link = WardLink(ward.url, enrol("kiosk-bed-1", NOW), monotonic=Clock())
    assert link.deliver_due() == 17
    # A late grading of last week's session: resent, and its week's rows follow it.
    [late] = PracticeRecord.select().where(PracticeRecord.started == datetime(2026, 11, 11, 10))
    writer().call(lambda: PracticeRecord.update(score=20.0).where(PracticeRecord.id == late.id).execute())
    assert link.deliver_due() == 1
    open_database(stores["kiosk-bed-2"])
    seed_history("Ben", today - timedelta(days=40), today, sessions_per_day=(0, 2), seed=5)
    sent = WardLink(ward.url, enrol("kiosk-bed-2", NOW), monotonic=Clock()).deliver_due()
    assert sent == PracticeRecord.select().count() > 30

    rows = {row.name: row for row in overview(today)}
    for device, name in (("kiosk-bed-1", "Ana"), ("kiosk-bed-2", "Ben")):
        row = rows[name]
        on_device = device_figures(stores[device], name, today)
        on_ward = {key: getattr(row, key) for key in on_device}
        assert row.device == device
        for mean in ("week_mean", "last_week_mean"):
            assert on_ward.pop(mean) == pytest.approx(on_device.pop(mean)), (name, mean)
        assert on_ward == on_device, name
    ana = rows["Ana"]
    assert ana.declining == ["closed_smile"]
    assert ana.week_mean == pytest.approx((66 + 82) / 2)  # Monday and Wednesday; not the stopped, cut-off or replay
    assert ana.last_week_mean == pytest.approx((65 + 20.0) / 2)  # with the late grading
    assert ana.missed[-3:] == [date(2026, 11, 14), date(2026, 11, 15), date(2026, 11, 17)]
    assert (ana.cut_off, ana.last_cut_off) == (1, date(2026, 11, 17))

    # The rows kept at ingest are what migration 3 back-fills from the stored sessions.
    def kept() -> list[tuple[object, ...]]:
        days = PatientDay.select(PatientDay.patient, PatientDay.day, PatientDay.sessions, PatientDay.completed,
                                 PatientDay.cut_off, fn.ROUND(PatientDay.score_sum.cast("numeric"), 6),
                                 PatientDay.score_count)  # fmt: skip
        weeks = PatientExerciseWeek.select(
            PatientExerciseWeek.patient, PatientExerciseWeek.exercise, PatientExerciseWeek.monday,
            PatientExerciseWeek.sessions, fn.ROUND(PatientExerciseWeek.score_sum.cast("numeric"), 6),
            PatientExerciseWeek.score_count, fn.ROUND(PatientExerciseWeek.symmetry_sum.cast("numeric"), 6),
            PatientExerciseWeek.symmetry_count, PatientExerciseWeek.reps_done, PatientExerciseWeek.reps_planned,
        )  # fmt: skip
        return sorted(cast(list[tuple[Any, ...]], list(days.tuples()))) + sorted(
            cast(list[tuple[Any, ...]], list(weeks.tuples()))
        )

    at_ingest = kept()
    assert len(at_ingest) > 40
    PatientDay.delete().execute()
    PatientExerciseWeek.delete().execute()
    for statement in BACKFILL_3:
        PatientDay._meta.database.execute_sql(statement.format(**TYPES["postgresql"]))
    assert kept() == at_ingest

    client = ward.app.test_client()
    add_therapist("Park Jiwoo", "ward rounds 7", NOW)
    assert _login(client, "Park Jiwoo", "ward rounds 7", "en") == 302
    english = re.sub(r"\s+", " ", client.get("/?lang=en").get_data(as_text=True))
    assert ">Ana</a></td> <td>kiosk-bed-1</td> <td>18 Nov</td> <td>5 of 14 days</td>" in english
    assert '<td class="week-mean">74 (last week 42)</td>' in english
    assert "Declining: Closed smile" in english
    assert f"{len(ana.missed)} plan days without a finished session, last 17 Nov" in english
    assert "1 session cut off, last 17 Nov" in english
    korean = re.sub(r"\s+", " ", client.get("/?lang=ko").get_data(as_text=True))
    assert '<td class="week-mean">74 (지난주 42)</td>' in korean
    assert "떨어지는 중: 입 다물고 웃기" in korean
    assert "중간에 멈춘 연습 1번, 마지막 11월 17일" in korean
    assert f"끝까지 한 연습이 없는 연습일 {len(ana.missed)}일, 마지막 11월 17일" in korean

    # One patient who changed beds (a ward identity on both): one row, their days and sessions added up.
    ben = rows["Ben"]
    assign(ana.id, "H-1")
    assign(ben.id, "H-1")
    [both] = overview(today)
    assert both.device == "kiosk-bed-1, kiosk-bed-2"
    assert both.last_practice == max(ana.last_practice, ben.last_practice)  # type: ignore[type-var]
    assert both.cut_off == ana.cut_off + ben.cut_off
    assert both.missed == sorted(set(ana.missed) & set(ben.missed))  # a day is missed only if missed in both beds
    assert both.days_practised >= max(ana.days_practised, ben.days_practised)
    joined = re.sub(r"\s+", " ", client.get("/?lang=en").get_data(as_text=True))
    assert "</a></td> <td>kiosk-bed-1, kiosk-bed-2</td>" in joined
    assert ">Ana</a></td>" not in joined  # the page read after the identity was given shows one row

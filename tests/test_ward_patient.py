"""A patient's page on the ward (ward/patient_page.py): the calendar, trends
and report computed by the device dashboard's own read side over the
patient's history in the device's schema (ward/patient_history.py), so one
day gives one number at the bedside and on the ward; one patient across two
beds by a ward identity; and bad ids and dates answered without a 5xx.

Real parts: sessions recorded through the real recorder on real device
stores, sent by the real sender to the real ward on the throwaway
PostgreSQL (tests/test_ward.py's fixtures), the device's real dashboard."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path

from flask.testing import FlaskClient

from device.clock import FixedClock
from device.config import Config
from device.store.db import DB_NAME, open_database
from device.store.models import Patient, PracticeRecord
from device.store.records import add_patient
from device.store.writer import writer
from device.ward_link import WardLink, backlog
from device.web import create_app as device_app
from device.web.security import set_password
from tests.test_ward import DAY, NOW, Clock, Ward, _login, record, ward, ward_url  # noqa: F401  (fixtures)
from tests.ward_postgres import postgres  # noqa: F401  (the session's cluster)
from ward.devices import enrol
from ward.export import COLUMNS, WORDS
from ward.identity import assign
from ward.models import WardPatient
from ward.therapists import add_therapist

PASSWORD = "blue heron 42"
THERAPIST = ("Park Jiwoo", "ward rounds 7")


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def day_cell(html: str, day: str) -> str:
    """What a calendar's cell for `day` says: its date, mean score and number of sessions."""
    found = re.search(rf'data-day="{day}"[^>]*>(.*?)</a>', html, re.S)
    assert found is not None, day
    return text(found.group(1))


def month_facts(html: str) -> str:
    found = re.search(r'id="month-facts">(.*?)</p>', html, re.S)
    assert found is not None
    return text(found.group(1))


def report_facts(html: str) -> str:
    found = re.search(r'id="report-facts">(.*?)</p>', html, re.S)
    assert found is not None
    return text(found.group(1))


SCORES = (80.0, 60.0, 20.0, 70.0, 90.0)  # the first day: 70 over its finished sessions, 53 with the stopped one


def a_practice_week(path: Path, name: str, first: datetime, scores: tuple[float, ...] = SCORES) -> Patient:
    """Three days: a day of two finished sessions and a stopped one (its
    partial score is no mean), then one finished a day; graded `scores`."""
    open_database(path)
    patient = add_patient(name)
    ids = [
        record(path, patient, first + timedelta(hours=9), 3, "completed"),
        record(path, patient, first + timedelta(hours=11), 1, "completed"),
        record(path, patient, first + timedelta(hours=15), 2, "stopped"),
        record(path, patient, first + timedelta(days=1, hours=9), 2, "completed"),
        record(path, patient, first + timedelta(days=2, hours=9), 3, "completed"),
    ]
    for session, score in zip(ids, scores, strict=True):  # as a late grading would set them
        query = PracticeRecord.update(score=score).where(PracticeRecord.id == session)
        writer().call(query.execute)
    return patient


def ward_client(served: Ward) -> FlaskClient:
    add_therapist(*THERAPIST, NOW)
    client = served.app.test_client()
    assert _login(client, *THERAPIST, "en") == 302
    return client


def signed_in_dashboard(config: Config, store: Path) -> FlaskClient:
    """The device's own dashboard on `store` (its password file beside it), at NOW, signed in."""
    set_password(store.parent, PASSWORD)
    dashboard = device_app(
        config,
        open_database(store, recover=False),
        clock=FixedClock(NOW),
        overrides={"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False},
    ).test_client()
    assert dashboard.post("/login", data={"password": PASSWORD}).status_code == 302
    return dashboard


def test_one_day_gives_one_number_on_the_device_and_on_the_ward(ward: Ward, tmp_path: Path, config: Config) -> None:  # noqa: F811
    token = enrol("kiosk-bed-1", NOW)
    store = tmp_path / DB_NAME
    first = datetime.combine(DAY - timedelta(days=2), datetime.min.time())
    patient = a_practice_week(store, "김민아", first)
    day = DAY - timedelta(days=2)
    assert WardLink(ward.url, token, monotonic=Clock()).deliver_due() == 5

    # The device's own dashboard first (the ward's page binds the device's models to its cache).
    dashboard = signed_in_dashboard(config, store)
    device_pages = {}
    for lang in ("en", "ko"):
        headers = {"Accept-Language": lang}
        month = dashboard.get(f"/patients/{patient.id}/month/2026-11", headers=headers).get_data(as_text=True)
        report = dashboard.get(f"/patients/{patient.id}/report?from={day}&to={day}", headers=headers).get_data(
            as_text=True
        )
        device_pages[lang] = (month, report)

    client = ward_client(ward)
    ward_id = WardPatient.get(WardPatient.name == "김민아").id
    for lang in ("en", "ko"):
        device_month, device_report = device_pages[lang]
        answer = client.get(f"/patients/{ward_id}?month=2026-11&lang={lang}")
        assert answer.status_code == 200
        page = answer.get_data(as_text=True)
        assert f'<html lang="{lang}">' in page
        for each in (day, day + timedelta(days=1), day + timedelta(days=2)):
            assert day_cell(page, each.isoformat()) == day_cell(device_month, each.isoformat())
        assert month_facts(page) == month_facts(device_month)
        report = client.get(f"/patients/{ward_id}/report?from={day}&to={day}&lang={lang}").get_data(as_text=True)
        assert report_facts(report) == report_facts(device_report)
        assert "kiosk-bed-1" in text(page)

    # The number means something: the two finished sessions' mean (70), not the stopped one's partial score too (53).
    english = client.get(f"/patients/{ward_id}?month=2026-11&lang=en").get_data(as_text=True)
    assert day_cell(english, day.isoformat()) == f"{day.day} 70 3×"
    korean = client.get(f"/patients/{ward_id}?month=2026-11&lang=ko").get_data(as_text=True)
    assert "2026년 11월" in korean
    assert "연습한 기기: kiosk-bed-1" in text(korean)


def csrf(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_a_hospital_number_joins_one_patient_across_two_beds(ward: Ward, tmp_path: Path) -> None:  # noqa: F811
    tokens = {name: enrol(name, NOW) for name in ("kiosk-bed-1", "kiosk-bed-2")}
    first = datetime.combine(DAY - timedelta(days=6), datetime.min.time())
    # Bed 1 for three days, then bed 2 for three days (the first of them also on bed 1's last day).
    a_practice_week(tmp_path / "bed-1" / DB_NAME, "김민아", first)
    assert WardLink(ward.url, tokens["kiosk-bed-1"], monotonic=Clock()).deliver_due() == 5
    a_practice_week(
        tmp_path / "bed-2" / DB_NAME, "김민아 (2)", first + timedelta(days=2), (50.0, 30.0, 10.0, 60.0, 40.0)
    )
    assert WardLink(ward.url, tokens["kiosk-bed-2"], monotonic=Clock()).deliver_due() == 5
    client = ward_client(ward)
    bed_1, bed_2 = (p.id for p in WardPatient.select().order_by(WardPatient.id))

    alone = text(client.get(f"/patients/{bed_1}?month=2026-11&lang=en").get_data(as_text=True))
    assert "Practised on: kiosk-bed-1 · no hospital number" in alone
    assert "김민아: practised on 3 days, 5 sessions" in alone
    first_day = (DAY - timedelta(days=6)).isoformat()

    url = f"/patients/{bed_1}?lang=en"
    for patient in (bed_1, bed_2):
        answer = client.post(
            f"/patients/{patient}/identity?lang=en",
            data={"csrf_token": csrf(client, url), "identity": " HN-2026/0042 "},
        )
        assert answer.status_code == 302
    assert [p.identity for p in WardPatient.select()] == ["HN-2026/0042"] * 2
    for patient in (bed_1, bed_2):
        page = client.get(f"/patients/{patient}?month=2026-11&lang=en").get_data(as_text=True)
        words = text(page)
        assert "Practised on: kiosk-bed-1, kiosk-bed-2 · hospital number HN-2026/0042" in words
        assert "김민아 (2): practised on 5 days, 10 sessions" in words  # named as the newest device names them
        # Bed 1's last day is bed 2's first: one day, both beds' finished sessions (90 on bed 1; 50 and 30 on bed 2).
        shared = (DAY - timedelta(days=4)).isoformat()
        assert day_cell(page, shared) == f"{DAY.day - 4} 57 4×"
        assert day_cell(page, first_day) == f"{DAY.day - 6} 70 3×"
        # The plan is edited for the patient as the newest bed knows them, whichever bed's page it is opened from.
        plan_link = re.search(r'id="patient-plan" href="([^"]+)"', page)
        assert plan_link is not None
        assert plan_link[1].startswith(f"/patients/{bed_2}/plan")
        assert client.get(plan_link[1].replace("&amp;", "&")).status_code == 200

    # A session arriving afterwards is on the page at once (the history brought up to date, the kept page not stale).
    before = client.get(f"/patients/{bed_2}?month=2026-11&lang=ko").get_data(as_text=True)
    assert client.get(f"/patients/{bed_2}?month=2026-11&lang=ko").get_data(as_text=True) == before
    assert day_cell(before, DAY.isoformat()) != f"{DAY.day} 44 1회"
    store_1 = tmp_path / "bed-1" / DB_NAME
    open_database(store_1)
    [patient_1] = Patient.select()
    later = record(store_1, patient_1, datetime.combine(DAY, datetime.min.time()) + timedelta(hours=10), 3, "completed")
    writer().call(PracticeRecord.update(score=44.0).where(PracticeRecord.id == later).execute)
    assert WardLink(ward.url, tokens["kiosk-bed-1"], monotonic=Clock()).deliver_due() == 1
    page = client.get(f"/patients/{bed_2}?month=2026-11&lang=ko").get_data(as_text=True)
    assert day_cell(page, DAY.isoformat()) == f"{DAY.day} 44 1회"
    assert "연습한 기기: kiosk-bed-1, kiosk-bed-2" in text(page)

    # Taken away again: each bed's own history, labelled with its device.
    bad = client.post(f"/patients/{bed_2}/identity?lang=en", data={"csrf_token": csrf(client, url), "identity": "a b"})
    assert bad.status_code == 302
    assert "hospital number is up to 40" in text(client.get(bad.headers["Location"]).get_data(as_text=True))
    assert WardPatient.get_by_id(bed_2).identity == "HN-2026/0042"  # nothing changed
    client.post(f"/patients/{bed_2}/identity", data={"csrf_token": csrf(client, url), "identity": ""})
    words = text(client.get(f"/patients/{bed_2}?month=2026-11&lang=en").get_data(as_text=True))
    assert "Practised on: kiosk-bed-2 · no hospital number" in words
    assert "김민아 (2): practised on 3 days, 5 sessions" in words


def test_bad_ids_and_dates_are_refused_without_a_server_error(ward: Ward, tmp_path: Path) -> None:  # noqa: F811
    token = enrol("kiosk-bed-1", NOW)
    a_practice_week(tmp_path / DB_NAME, "Ana", datetime.combine(DAY, datetime.min.time()))
    assert WardLink(ward.url, token, monotonic=Clock()).deliver_due() == 5
    ward_id = WardPatient.get().id
    anonymous = ward.app.test_client()
    for url in (f"/patients/{ward_id}", f"/patients/{ward_id}/report"):
        answer = anonymous.get(url)
        assert (answer.status_code, answer.headers["Location"].split("?")[0]) == (302, "/login")
    assert anonymous.post(f"/patients/{ward_id}/identity", data={"identity": "x"}).status_code == 400  # no CSRF token
    client = ward_client(ward)
    refused = {
        "/patients/0": 404,
        f"/patients/{ward_id + 1}": 404,
        "/patients/99999999999999999999999": 404,
        f"/patients/{2**31}": 404,
        "/patients/٣": 404,
        "/patients/-1": 404,
        "/patients/1e3": 404,
        f"/patients/{ward_id}?month=2026-13": 404,
        f"/patients/{ward_id}?month=": 404,
        f"/patients/{ward_id}?month=1999-12": 404,
        f"/patients/{ward_id}?month=２０２６-１１": 404,
        f"/patients/{ward_id}/report?from=2026-02-30": 400,
        f"/patients/{ward_id}/report?to=yesterday": 400,
        f"/patients/{ward_id}/report?from=2026-11-20&to=2026-11-01": 400,
        f"/patients/{ward_id}/report?from=2024-01-01&to=2026-11-01": 400,
        "/patients/0/report": 404,
    }
    for url, status in refused.items():
        assert client.get(url + ("&" if "?" in url else "?") + "lang=en").status_code == status, url
    assert client.get("/patients/0?lang=ko").get_data(as_text=True).count("그런 환자가 없어요.") == 1
    fine = client.get(f"/patients/{ward_id}/report?from=2026-11-01&to=2026-11-30&lang=en")
    assert fine.status_code == 200
    assert "Practised on 3 of 30 days, 5 sessions" in text(fine.get_data(as_text=True))


def test_the_ward_csv_has_one_row_per_session_in_the_readers_words(ward: Ward, tmp_path: Path) -> None:  # noqa: F811
    tokens = {name: enrol(name, NOW) for name in ("kiosk-bed-1", "kiosk-bed-2")}
    first = datetime.combine(DAY - timedelta(days=6), datetime.min.time())
    a_practice_week(tmp_path / "bed-1" / DB_NAME, "김민아", first)
    assert WardLink(ward.url, tokens["kiosk-bed-1"], monotonic=Clock()).deliver_due() == 5
    a_practice_week(tmp_path / "bed-2" / DB_NAME, '=HYPERLINK("http://x")', first + timedelta(days=3))
    assert WardLink(ward.url, tokens["kiosk-bed-2"], monotonic=Clock()).deliver_due() == 5
    mina = WardPatient.get(WardPatient.name == "김민아")
    assign(mina.id, "HN-7")
    week = f"from={DAY - timedelta(days=6)}&to={DAY}"
    url = "/export/sessions.csv?"
    assert ward.app.test_client().get(url + week).status_code == 302  # behind the named login
    client = ward_client(ward)

    def table(query: str) -> list[list[str]]:
        answer = client.get(url + query)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
        return list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))

    by_id = table(week + "&header=id")
    assert by_id[0] == [*COLUMNS, *WORDS]
    rows = by_id[1:]
    assert len(rows) == 10
    assert [r[6] for r in rows[:3]] == ["completed", "completed", "stopped"]
    first_row = dict(zip(by_id[0], rows[0], strict=True))
    assert first_row | {"session": ""} == {
        "session": "",
        "patient": "김민아",
        "hospital_number": "HN-7",
        "device": "kiosk-bed-1",
        "started": f"{DAY - timedelta(days=6)}T09:00:00",
        "ended": first_row["ended"],
        "status": "completed",
        "session_score": "80.0",
        "exercises": "1",
        "reps_done": "3",
        "reps_planned": "3",
        "status_text": "finished",
    }
    assert first_row["session"].endswith("-1")  # the global id: the store's id and the local one
    guarded = [r for r in rows if r[3] == "kiosk-bed-2"]
    assert len(guarded) == 5
    assert {r[1] for r in guarded} == {'\'=HYPERLINK("http://x")'}  # a spreadsheet shows it, never runs it
    assert {r[2] for r in guarded} == {""}
    assert 'href="/export/sessions.csv?lang=en" download>Sessions CSV (30 days)' in client.get("/?lang=en").get_data(
        as_text=True
    )
    korean = table(week + "&lang=ko")
    assert korean[0][:4] == ["연습 번호", "환자", "병원 등록번호", "기기"]
    assert korean[1][-1] == "완료"
    assert len(table(f"from={DAY - timedelta(days=2)}&to={DAY}")) == 1 + 2  # bed 2's last two days, one session each
    for bad in ("from=2026-02-30", "to=tomorrow", f"from={DAY}&to={DAY - timedelta(days=1)}", "from=2024-01-01"):
        assert client.get(url + bad).status_code == 400, bad


def test_a_hospital_number_set_on_each_device_reaches_the_ward(ward: Ward, tmp_path: Path, config: Config) -> None:  # noqa: F811
    tokens = {name: enrol(name, NOW) for name in ("kiosk-bed-1", "kiosk-bed-2")}
    first = datetime.combine(DAY - timedelta(days=6), datetime.min.time())
    for bed, start in (("kiosk-bed-1", first), ("kiosk-bed-2", first + timedelta(days=3))):
        store = tmp_path / bed / DB_NAME
        a_practice_week(store, "김민아", start)
        assert WardLink(ward.url, tokens[bed], monotonic=Clock()).deliver_due() == 5
        # The caregiver types the number on the device's own patients page.
        dashboard = signed_in_dashboard(config, store)
        [patient] = Patient.select()
        wrong = dashboard.post(f"/patients/{patient.id}/ward-identity", data={"ward_identity": "HN 9; DROP"})
        assert wrong.status_code == 400
        assert "40자 이내의 글자와 숫자" in wrong.get_data(as_text=True)  # the device speaks Korean by default
        assert backlog() == 0  # nothing changed, nothing to send
        saved = dashboard.post(f"/patients/{patient.id}/ward-identity", data={"ward_identity": "  HN-9 "})
        assert saved.status_code == 302
        assert Patient.get_by_id(patient.id).ward_identity == "HN-9"
        assert 'value="HN-9"' in dashboard.get("/patients").get_data(as_text=True)
        assert backlog() == 1  # the newest session goes again, carrying the number
        assert WardLink(ward.url, tokens[bed], monotonic=Clock()).deliver_due() == 1
    assert [p.identity for p in WardPatient.select()] == ["HN-9", "HN-9"]
    client = ward_client(ward)
    words = text(client.get(f"/patients/{WardPatient.get().id}?month=2026-11&lang=en").get_data(as_text=True))
    assert "Practised on: kiosk-bed-1, kiosk-bed-2 · hospital number HN-9" in words
    assert "김민아: practised on 6 days, 10 sessions" in words

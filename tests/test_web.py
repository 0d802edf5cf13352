"""The caregiver dashboard through Flask's test client: numbers against the
data, the login and CSRF rules, and bad input. (The real server in a real
browser: test_web_browser.py.)"""

from __future__ import annotations

import base64
import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from device.clock import FixedClock
from device.config import Config
from device.passwords import PasswordError
from device.practice.catalogue import catalogue
from device.store.db import DB_NAME, open_database
from device.store.models import ExerciseRecord, Patient, PracticeRecord, SessionStatus
from device.store.queries import session_exercises
from device.store.synthetic import seed_history
from device.web import create_app
from device.web.export import neutralize
from device.web.language import COOKIE as LANGUAGE_COOKIE
from device.web.security import PASSWORD_FILE, SECRET_FILE, set_password

PASSWORD = "blue heron 42"
FIRST, LAST = date(2026, 3, 1), date(2026, 6, 30)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Several patients, months of days, several sessions some days, interrupted ones."""
    folder = tmp_path_factory.mktemp("dashboard")
    open_database(folder / DB_NAME)
    seed_history("Mina", FIRST, LAST, sessions_per_day=(0, 3), seed=1)
    seed_history("Jun", date(2026, 5, 1), LAST, sessions_per_day=(1, 2), seed=2)
    seed_history('=HYPERLINK("http://x")<script>', date(2026, 6, 1), date(2026, 6, 3), seed=3)
    set_password(folder, PASSWORD)
    return folder


# The day the dashboard believes it is, unless a test sets another: never the
# machine's date, so the suite reads the same on any day.
TODAY = date(2026, 12, 6)


def make_app(
    config: Config,
    data_dir: Path,
    *,
    csrf: bool = False,
    rate_limit: bool = False,
    language: str = "en",
    today: date = TODAY,
) -> Flask:
    """The app as a browser with no language preference sees it on a device set to `language`, on `today`."""
    overrides = {"TESTING": True, "WTF_CSRF_ENABLED": csrf, "RATELIMIT_ENABLED": rate_limit}
    return create_app(
        config.with_overrides({"kiosk.language": language}),
        open_database(data_dir / DB_NAME, recover=False),
        clock=FixedClock.on(today),
        overrides=overrides,
    )


@pytest.fixture
def app(config: Config, data_dir: Path) -> Flask:
    return make_app(config, data_dir)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as c:
        response = c.post("/login", data={"password": PASSWORD})
        assert response.status_code == 302
        yield c


def patient(name: str) -> Patient:
    return Patient.get(Patient.name == name)


def text(html: bytes) -> str:
    """What a reader sees of a page: the words, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html.decode())))


# -- login -----------------------------------------------------------------


def test_every_page_and_api_call_needs_login(app: Flask) -> None:
    c = app.test_client()
    mina = patient("Mina").id
    for url in ["/", f"/patients/{mina}/month/2026-05", f"/patients/{mina}/day/2026-05-04",
                f"/patients/{mina}/trends", f"/patients/{mina}/export/sessions.csv"]:  # fmt: skip
        response = c.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login")
    api = c.get(f"/api/patients/{mina}/month/2026-05")
    assert api.status_code == 401
    assert api.json == {"error": "login required"}
    health = c.get("/health")
    assert health.status_code == 200
    assert health.json == {"status": "ok"}  # and nothing else


def test_wrong_password_is_refused_and_right_one_returns_to_the_page(app: Flask) -> None:
    c = app.test_client()
    assert c.post("/login", data={"password": "guess"}).status_code == 401
    response = c.post("/login?next=/patients/1/trends", data={"password": PASSWORD})
    assert response.headers["Location"] == "/patients/1/trends"
    assert c.get("/patients/1/trends").status_code == 200
    assert c.post("/logout").status_code == 302
    assert c.get("/patients/1/trends").status_code == 302


def test_login_never_redirects_to_another_site(app: Flask) -> None:
    c = app.test_client()
    response = c.post("/login?next=//evil.example/x", data={"password": PASSWORD})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "/%09/evil.com",
        "/\\evil.com",
        "/%0a/evil.com",
        "https://evil.com",
        "/ok%0d%0aSet-Cookie:x=1",
    ],
)
def test_next_is_only_ever_a_path_on_this_site(app: Flask, target: str) -> None:
    c = app.test_client()
    response = c.post(f"/login?next={target}", data={"password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_logout_ends_every_session_on_the_server(app: Flask, data_dir: Path) -> None:
    """A cookie copied before logout (another phone, or a stolen one) no longer opens anything."""
    phone, copied = app.test_client(), app.test_client()
    phone.post("/login", data={"password": PASSWORD})
    cookie = phone.get_cookie("session")
    assert cookie is not None
    copied.set_cookie("session", cookie.value)
    assert copied.get("/api/patients").status_code == 200
    phone.post("/logout")
    assert copied.get("/api/patients").status_code == 401


def test_a_new_password_ends_every_session(config: Config, tmp_path: Path) -> None:
    open_database(tmp_path / DB_NAME)
    set_password(tmp_path, PASSWORD)
    c = make_app(config, tmp_path).test_client()
    c.post("/login", data={"password": PASSWORD})
    assert c.get("/api/patients").status_code == 200
    set_password(tmp_path, "a different one")
    assert c.get("/api/patients").status_code == 401


@pytest.mark.parametrize("weak", ["        ", " \t  \n    ", "   short   ", "a      b"])
def test_a_password_of_spaces_is_refused(tmp_path: Path, weak: str) -> None:
    with pytest.raises(PasswordError, match="at least 8 characters"):
        set_password(tmp_path, weak)


def test_each_failed_login_is_logged_without_the_password(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="device.web.auth"):
        app.test_client().post("/login", data={"password": "not-it-123"})
    [record] = [r for r in caplog.records if "failed dashboard login" in r.getMessage()]
    assert "127.0.0.1" in record.getMessage()
    assert "not-it-123" not in caplog.text


NASTY_IDS = ["0", "99999999999999999999999", "9223372036854775808"]
NASTY_DATES = ["10000-01", "0001-01", "0001-01-01", "9999-12-31", "10000-01-01", "２０２６-０５",
               "2026-0５-04", "2026-02-30", "2026-13", "%00", "%0a", "²"]  # fmt: skip
NASTY_TEXT = ["", "²", "\x00", "\n", "𝟙𝟚", "0001-01-01", "10000-01-01", "-1", "9" * 30, "x" * 5000]


@pytest.mark.slow
def test_every_route_answers_bad_input_with_4xx_never_5xx(config: Config, tmp_path: Path) -> None:
    """Every rule of the app, with each path value replaced by boundary dates,
    huge ids, other scripts' digits and control characters, and every query
    and form field the app reads given the same (on its own data: the posts
    add patients and notes)."""
    open_database(tmp_path / DB_NAME)
    seed_history("Mina", date(2026, 5, 1), date(2026, 5, 10), sessions_per_day=(1, 2), seed=4)
    set_password(tmp_path, PASSWORD)
    app = make_app(config, tmp_path)
    client = app.test_client()
    client.post("/login", data={"password": PASSWORD})
    mina = str(patient("Mina").id)
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "logout" in rule.rule:
            continue
        variants = [{"patient_id": mina, "month": "2026-05", "day": "2026-05-04", "code": "ko"}]
        variants += [{"patient_id": v, "month": "2026-05", "day": "2026-05-04", "code": "en"} for v in NASTY_IDS]
        variants += [{"patient_id": mina, "month": v, "day": v, "code": v} for v in NASTY_DATES]
        for values in variants:
            url = rule.rule
            for name in rule.arguments:
                url = url.replace(f"<int:{name}>", values[name]).replace(f"<{name}>", values[name])
            for bad in NASTY_TEXT:
                query = {"from": bad, "to": bad, "next": bad, "saved": bad}
                form = {"name": bad, "archived": bad, "effort": bad, "affected_side": bad, "use_brow_raise": "on",
                        "reps_brow_raise": bad, "password": bad, "text": bad, "next": bad}  # fmt: skip
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                    response = client.open(url, method=method, query_string=query, data=form)
                    assert response.status_code < 500, f"{method} {url} {bad!r}: {response.status_code}"
                    checked += 1
    assert checked > 1000


def test_no_password_set_means_no_login_and_says_how_to_set_one(config: Config, tmp_path: Path) -> None:
    open_database(tmp_path / DB_NAME)
    c = make_app(config, tmp_path).test_client()
    page = c.get("/login")
    assert page.status_code == 503
    assert "python -m device web --set-password" in text(page.data)
    assert c.post("/login", data={"password": ""}).status_code == 503


def test_secrets_are_private_files_and_the_password_is_hashed(data_dir: Path) -> None:
    for name in (SECRET_FILE, PASSWORD_FILE):
        assert (data_dir / name).stat().st_mode & 0o077 == 0
    stored = json.loads((data_dir / PASSWORD_FILE).read_text())["hash"]
    assert PASSWORD not in stored
    assert stored.startswith("scrypt:")


def test_login_attempts_are_rate_limited(config: Config, data_dir: Path) -> None:
    c = make_app(config, data_dir, rate_limit=True).test_client()
    codes = [c.post("/login", data={"password": "wrong"}).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    assert "Too many tries" in text(c.post("/login", data={"password": PASSWORD}).data)


def test_the_limiter_is_really_off_when_a_test_says_so(config: Config, data_dir: Path) -> None:
    c = make_app(config, data_dir, rate_limit=False).test_client()
    assert [c.post("/login", data={"password": "wrong"}).status_code for _ in range(8)] == [401] * 8


def test_forms_need_a_csrf_token(config: Config, data_dir: Path) -> None:
    c = make_app(config, data_dir, csrf=True).test_client()
    refused = c.post("/login", data={"password": PASSWORD})
    assert refused.status_code == 400
    assert "The form expired" in text(refused.data)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").data.decode())
    assert token is not None
    assert c.post("/login", data={"password": PASSWORD, "csrf_token": token.group(1)}).status_code == 302
    assert c.post("/logout").status_code == 400  # logging out is a form too


def test_cookies_and_security_headers(app: Flask) -> None:
    c = app.test_client()
    response = c.post("/login", data={"password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    page = c.get("/health")
    assert "script-src 'self';" in page.headers["Content-Security-Policy"]  # files of its own only: no inline script
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"


# -- the numbers -------------------------------------------------------------


def sessions_between(who: Patient, first: date, last: date) -> list[PracticeRecord]:
    return list(
        PracticeRecord.select().where(
            (PracticeRecord.patient == who)
            & (PracticeRecord.started >= datetime.combine(first, datetime.min.time()))
            & (PracticeRecord.started < datetime.combine(last + timedelta(days=1), datetime.min.time()))
        )
    )


def test_month_page_and_api_match_the_data(client: FlaskClient) -> None:
    mina = patient("Mina")
    records = sessions_between(mina, date(2026, 5, 1), date(2026, 5, 31))
    # The mean is over completed sessions: a stopped one's partial score is not the day's level.
    scored = [r.score for r in records if r.score is not None and r.status == SessionStatus.COMPLETED]
    days = {r.started.date() for r in records}
    page = text(client.get(f"/patients/{mina.id}/month/2026-05").data)
    expected = (
        f"Mina: practised on {len(days)} days, {len(records)} sessions · "
        f"mean score {round(sum(scored) / len(scored))} (finished sessions)"
    )
    assert expected in page
    api = client.get(f"/api/patients/{mina.id}/month/2026-05").json
    assert api is not None
    assert api["sessions"] == len(records)
    assert api["days_practised"] == len(days)
    one_day = max(days, key=lambda d: sum(r.started.date() == d for r in records))
    row = next(d for d in api["days"] if d["day"] == one_day.isoformat())
    assert row["sessions"] == sum(r.started.date() == one_day for r in records) >= 2


def test_month_marks_today_and_links_the_neighbouring_months(client: FlaskClient) -> None:
    mina = patient("Mina").id
    today = TODAY
    html = client.get(f"/patients/{mina}/month/{today:%Y-%m}").data.decode()
    assert re.search(rf'class="[^"]*today[^"]*">\s*<a class="day [^"]*" data-day="{today.isoformat()}"', html)
    may = client.get(f"/patients/{mina}/month/2026-05").data.decode()
    assert f'href="/patients/{mina}/month/2026-04"' in may
    assert f'href="/patients/{mina}/month/2026-06"' in may


def test_day_page_lists_every_session_with_its_exercises_and_chart(client: FlaskClient) -> None:
    mina = patient("Mina")
    records = PracticeRecord.select().where(PracticeRecord.patient == mina)
    interrupted = next(r for r in records if r.status == SessionStatus.INTERRUPTED)
    day = interrupted.started.date()
    same_day = sessions_between(mina, day, day)
    html = client.get(f"/patients/{mina.id}/day/{day.isoformat()}").data
    page = text(html)
    assert page.count("session") >= 1
    for record in same_day:  # twelve-hour, as people say it: "9:50 am"
        hour = record.started.hour % 12 or 12
        assert f"{hour}:{record.started.minute:02d} {'am' if record.started.hour < 12 else 'pm'}" in page
    assert html.decode().count('class="card session"') == len(same_day)
    assert "was cut off" in page
    assert html.decode().count('src="data:image/svg+xml;base64,') == len(same_day)  # one timeline each
    completed = next((r for r in same_day if r.status == SessionStatus.COMPLETED), None)
    if completed is not None:
        first = ExerciseRecord.get((ExerciseRecord.session == completed) & (ExerciseRecord.position == 0))
        assert f"{first.reps_done}/{first.reps_planned}" in page


def test_day_compares_with_the_week_before(client: FlaskClient) -> None:
    mina = patient("Mina")
    day = date(2026, 6, 15)
    api = client.get(f"/api/patients/{mina.id}/day/{day.isoformat()}").json
    assert api is not None
    records = sessions_between(mina, day - timedelta(days=7), day - timedelta(days=1))
    scores = [float(r.score) for r in records if r.score is not None and r.status == SessionStatus.COMPLETED]
    assert api["previous_week_mean"] == pytest.approx(sum(scores) / len(scores))


# A Monday and a Sunday, the last and first days of a month and of a year.
SOME_DAYS = [date(2026, 11, 30), date(2026, 12, 6), date(2026, 12, 31), date(2027, 1, 1), date(2027, 2, 28)]


@pytest.mark.parametrize("today", SOME_DAYS, ids=str)
def test_trends_say_in_words_how_symmetry_moved(config: Config, tmp_path: Path, today: date) -> None:
    open_database(tmp_path / DB_NAME)
    set_password(tmp_path, PASSWORD)
    who = Patient.create(name="Ana")
    monday = today - timedelta(days=today.weekday())
    for weeks_ago, symmetry in ((4, 0.58), (3, 0.62), (2, 0.66), (0, 0.71)):
        day = today if weeks_ago == 0 else monday - timedelta(weeks=weeks_ago)
        started = datetime.combine(day, datetime.min.time()) + timedelta(hours=10)
        record = PracticeRecord.create(patient=who, plan="[]", started=started, status="completed", score=50.0)
        ExerciseRecord.create(session=record, exercise="closed_smile", position=0, reps_planned=5, reps_done=4,
                              score=50.0, symmetry=symmetry)  # fmt: skip
    c = make_app(config, tmp_path, today=today).test_client()
    c.post("/login", data={"password": PASSWORD})
    page = text(c.get(f"/patients/{who.id}/trends").data)
    assert "balance up from about 58 to 66 over 5 weeks." in page  # the last three weeks' median
    assert "current streak 1 day" in page  # only today's session counts towards it
    assert "4/5" in page  # reps done versus planned, this week


# -- export ------------------------------------------------------------------


def test_csv_export_covers_the_range_and_neutralizes_formulas(client: FlaskClient) -> None:
    mina = patient("Mina")
    response = client.get(f"/patients/{mina.id}/export/sessions.csv?from=2026-05-01&to=2026-05-31&header=id")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once
    assert response.data.startswith("\ufeff".encode())  # utf-8-sig: Excel reads Korean names right
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    sessions = sessions_between(mina, date(2026, 5, 1), date(2026, 5, 31))
    # One row per exercise of each session; a session with none (interrupted early) keeps one row.
    assert len(rows) == sum(max(1, len(session_exercises(s))) for s in sessions)
    assert {r["session"] for r in rows} == {str(s.id) for s in sessions}
    assert all(r["started"].startswith("2026-05") for r in rows)
    completed = next(r for r in rows if r["status"] == "completed" and r["exercise"] == "closed_smile")
    assert float(completed["symmetry"]) > 0
    assert int(completed["reps_planned"]) == 5
    odd = patient('=HYPERLINK("http://x")<script>')
    odd_rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(
                    f"/patients/{odd.id}/export/sessions.csv?from=2026-06-01&to=2026-06-03&header=id"
                ).data.decode("utf-8-sig")
            )
        )
    )
    assert odd_rows
    assert all(r["patient"].startswith("'=HYPERLINK") for r in odd_rows)
    reps = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/patients/{mina.id}/export/reps.csv?from=2026-05-01&to=2026-05-07&header=id").data.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert reps
    assert {r["exercise"] for r in reps} <= set(catalogue())


def test_csv_speaks_the_readers_language_after_its_stable_machine_columns(config: Config, data_dir: Path) -> None:
    from device.web.export import REP_COLUMNS, SESSION_COLUMNS

    c = make_app(config, data_dir, language="ko").test_client()
    c.post("/login", data={"password": PASSWORD})
    mina = patient("Mina").id
    response = c.get(f"/patients/{mina}/export/sessions.csv?from=2026-05-01&to=2026-05-31")
    assert response.headers["Content-Disposition"] == "attachment; filename=sessions-Mina-2026-05-01-2026-05-31.csv"
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[0][:3] == ["연습 번호", "환자", "시작"]
    assert table[0][-3:] == ["상태 (말로)", "운동 이름", "끝난 방식 (말로)"]
    machine = list(csv.reader(io.StringIO(
        c.get(f"/patients/{mina}/export/sessions.csv?from=2026-05-01&to=2026-05-31&header=id").data.decode("utf-8-sig")
    )))  # fmt: skip
    assert machine[0][: len(SESSION_COLUMNS)] == SESSION_COLUMNS  # the machine names, in the documented order
    assert machine[1:] == table[1:]  # the same rows either way
    statuses = {row[4]: row[len(SESSION_COLUMNS)] for row in table[1:]}
    assert statuses["completed"] == "완료"
    names = {row[6]: row[len(SESSION_COLUMNS) + 1] for row in table[1:] if row[6]}
    assert names["brow_raise"] == "눈썹 올리기"
    reps_csv = c.get(f"/patients/{mina}/export/reps.csv?from=2026-05-01&to=2026-05-07&header=id")
    reps = list(csv.reader(io.StringIO(reps_csv.data.decode("utf-8-sig"))))
    assert reps[0] == [*REP_COLUMNS, "exercise_name"]
    assert c.get(f"/patients/{mina}/export/sessions.csv?from=2000-01-01&to=2999-12-31").status_code == 400
    assert "최대 366일" in text(c.get(f"/patients/{mina}/export/reps.csv?from=2025-01-01&to=2026-05-07").data)


@pytest.mark.parametrize(
    "cell",
    ["=1+1", "+1", "-1+1", "@SUM(A1)", 'a;=HYPERLINK("http://x")', "a,=1", "a\t=1", "a|=1", "a; =1", "x\n=1"],
)
def test_any_cell_a_spreadsheet_would_run_under_any_delimiter_is_neutralized(cell: str) -> None:
    assert neutralize(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["김민아", "closed_smile", "2026-05-04T09:00:00", "a-b", "x=1"])
def test_plain_text_and_numbers_are_left_alone(cell: str) -> None:
    assert neutralize(cell) == cell
    assert neutralize(-1.5) == -1.5


# -- bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("/patients/999/month/2026-05", 404),
        ("/patients/1/month/2026-13", 404),
        ("/patients/1/month/26-05", 404),
        ("/patients/1/day/2026-02-30", 404),
        ("/patients/1/day/yesterday", 404),
        ("/patients/abc/trends", 404),
        ("/patients/%D9%A1/trends", 404),  # "١": other scripts' digits are not an id
        ("/patients/%EF%BC%91/month/2026-05", 404),  # full-width "１"
        ("/api/patients/%D9%A1/trends", 404),
        ("/patients/1/export/sessions.csv?from=05/01/2026", 400),
        ("/api/patients/999/trends", 404),
        ("/api/patients/1/day/2026-99-01", 404),
        ("/nowhere", 404),
    ],
)
def test_malformed_or_unknown_input_is_a_clear_4xx(client: FlaskClient, url: str, code: int) -> None:
    response = client.get(url)
    assert response.status_code == code
    body = response.data.decode()
    assert "Traceback" not in body
    if url.startswith("/api/"):
        assert response.json is not None
        assert "error" in response.json


def test_oversized_form_is_refused(app: Flask) -> None:
    response = app.test_client().post("/login", data={"password": "x" * 100_000})
    assert response.status_code == 413


def test_names_from_users_are_escaped(client: FlaskClient) -> None:
    odd = patient('=HYPERLINK("http://x")<script>')
    html = client.get(f"/patients/{odd.id}/month/2026-06").data.decode()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_the_dashboard_leaves_a_running_session_alone(config: Config, tmp_path: Path) -> None:
    open_database(tmp_path / DB_NAME)
    who = Patient.create(name="Ana")
    started = datetime.combine(TODAY, datetime.min.time()).replace(hour=10)
    running = PracticeRecord.create(patient=who, plan="[]", started=started, status=SessionStatus.RUNNING)
    make_app(config, tmp_path)
    assert PracticeRecord.get_by_id(running.id).status == SessionStatus.RUNNING


# -- patients, plans, device, report ------------------------------------------


def test_patients_can_be_added_renamed_and_archived(client: FlaskClient) -> None:
    response = client.post("/patients", data={"name": "  Hana  "})
    hana = patient("Hana")
    assert response.headers["Location"] == f"/patients/{hana.id}/plan"
    assert client.post("/patients", data={"name": "Hana"}).status_code == 400  # taken
    assert client.post("/patients", data={"name": " "}).status_code == 400
    assert client.post("/patients", data={"name": "x" * 81}).status_code == 400
    assert client.post(f"/patients/{hana.id}/rename", data={"name": "Mina"}).status_code == 400
    assert client.post(f"/patients/{hana.id}/rename", data={"name": "Hana K"}).status_code == 302
    assert Patient.get_by_id(hana.id).name == "Hana K"
    client.post(f"/patients/{hana.id}/archive", data={"archived": "1"})
    assert Patient.get_by_id(hana.id).archived
    assert all(p["name"] != "Hana K" for p in client.get("/api/patients").json or [])
    client.post(f"/patients/{hana.id}/archive", data={"archived": "0"})
    assert not Patient.get_by_id(hana.id).archived
    assert client.post("/patients/999/rename", data={"name": "Zed"}).status_code == 404


def test_refusals_are_in_the_readers_language(config: Config, data_dir: Path) -> None:
    """Names, notes and plans refused by the store's and the plan's rules, and
    the framework's own 404, 405 and 413: each in Korean on a Korean dashboard."""
    c = make_app(config, data_dir, language="ko").test_client()
    c.post("/login", data={"password": PASSWORD})
    mina = patient("Mina").id
    refusals = {
        ("/patients", "name", "a\x00b"): "제어 문자나 방향 표시는 안 돼요",
        ("/patients", "name", "\u202eanA"): "제어 문자나 방향 표시는 안 돼요",
        ("/patients", "name", "\u0301"): "글자나 숫자가 하나 이상",
        ("/patients", "name", "Mina"): "'Mina' 이름의 환자가 이미 있어요",
        (f"/patients/{mina}/rename", "name", "Jun"): "'Jun' 이름의 환자가 이미 있어요",
        (f"/patients/{mina}/notes", "text", "x" * 2001): "메모는 1자에서 2000자까지",
        (f"/patients/{mina}/notes", "text", "a\x01b"): "메모에는 제어 문자를 쓸 수 없어요",
    }
    for (url, field, value), korean in refusals.items():
        response = c.post(url, data={field: value})
        assert response.status_code == 400, (url, value)
        assert korean in text(response.data), (url, value)
    plan = {"use_brow_raise": "on", "reps_brow_raise": "4", "effort": "gentle"}
    for form, korean in [
        (plan | {"reps_brow_raise": "31"}, "1에서 30 사이의 정수"),
        (plan | {"effort": "extreme"}, "운동 세기를 골라 주세요"),
        ({"effort": "gentle"}, "운동을 하나 이상 골라 주세요"),
    ]:
        response = c.post(f"/patients/{mina}/plan", data=form)
        assert response.status_code == 400
        assert korean in text(response.data)
    assert "이 대시보드에 그런 페이지는 없어요" in text(c.get("/nowhere").data)
    assert "그렇게 쓸 수 없어요" in text(c.put(f"/patients/{mina}/trends").data)
    assert "너무 많아요" in text(c.post(f"/patients/{mina}/notes", data={"text": "x" * 70_000}).data)


# What may stay Latin on a Korean page: the command a technician types, the
# language switch's own name, units and the device's identifiers.
LATIN_ALLOWED = {"python", "device", "web", "set", "password", "English", "MB", "GB", "CSV"}


def latin_only_sentences(html: str, allowed: set[str]) -> list[str]:
    """Pieces of what a reader sees (text, alt, aria-label, title) with Latin words and no Hangul."""
    shown = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    attributes = re.findall(r'(?:alt|aria-label|title)="([^"]*)"', shown)
    visible = [text(shown.encode()), *map(unescape, attributes)]
    pieces = [p for v in visible for p in re.split(r"[·:|()\n]| - |[.!?](?:\s|$)", v)]
    found = []
    for piece in pieces:
        latin = [w for w in re.findall(r"[A-Za-z]{2,}", piece) if w not in allowed]
        if latin and not re.search(r"[\uac00-\ud7a3]", piece):
            found.append(piece.strip())
    return found


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ko", ["2026년 6월 13일 (토)", "오전 9:05", "오후 12:30", "오전 12:00", "2분", "1분 30초", "45초", "1회"]),
        ("en", ["Sat 13 June 2026", "9:05 am", "12:30 pm", "12:00 am", "2 min", "1 min 30 s", "45 s", "1×"]),
    ],
)
def test_dates_times_durations_and_counts_in_each_languages_order(language: str, expected: list[str]) -> None:
    from device.web.language import WebWords

    w = WebWords(language)
    found = [
        w.dated(date(2026, 6, 13)),
        w.time_of_day(datetime(2026, 6, 13, 9, 5)),
        w.time_of_day(datetime(2026, 6, 13, 12, 30)),
        w.time_of_day(datetime(2026, 6, 13, 0, 0)),
        w.duration(120.2),
        w.duration(90),
        w.duration(45),
        w.plural("count.times", 1),
    ]
    assert found == expected


def test_every_page_and_error_reads_in_korean(config: Config, tmp_path: Path) -> None:
    """Every template and error path on a Korean dashboard: no sentence in Latin letters only."""
    open_database(tmp_path / DB_NAME)
    empty = tmp_path / "empty"
    open_database(empty / DB_NAME)
    set_password(empty, PASSWORD)
    c = make_app(config, empty, language="ko").test_client()
    c.post("/login", data={"password": PASSWORD})
    pages = {"no patients": c.get("/").data.decode()}
    no_password = make_app(config, tmp_path / "unset", language="ko").test_client()
    pages["login, no password"] = no_password.get("/login").data.decode()

    open_database(tmp_path / DB_NAME)
    seed_history("김민아", date(2026, 9, 1), TODAY, sessions_per_day=(0, 3), seed=6)
    seed_history("박준", date(2026, 11, 1), TODAY, sessions_per_day=(1, 2), seed=7)
    set_password(tmp_path, PASSWORD)
    app = make_app(config, tmp_path, language="ko", csrf=True, rate_limit=True)
    c = app.test_client()
    pages["login"] = c.get("/login").data.decode()
    pages["login failed"] = c.post("/login", data={"password": "wrong", "csrf_token": "x"}).data.decode()  # CSRF 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', pages["login"])
    assert token is not None
    pages["login wrong"] = c.post("/login", data={"password": "wrong one", "csrf_token": token.group(1)}).data.decode()
    c.post("/login", data={"password": PASSWORD, "csrf_token": token.group(1)})
    mina = patient("김민아").id
    day = next(r.started.date() for r in sessions_between(patient("김민아"), date(2026, 11, 1), TODAY))
    for name, url in {
        "month": f"/patients/{mina}/month/2026-12",
        "day": f"/patients/{mina}/day/{day}",
        "empty day": f"/patients/{mina}/day/2026-08-01",
        "trends": f"/patients/{mina}/trends",
        "report": f"/patients/{mina}/report?from=2026-10-01&to=2026-11-30",
        "plan": f"/patients/{mina}/plan",
        "patients": "/patients",
        "device": "/device",
        "404 patient": "/patients/999/month/2026-12",
        "404 path": "/nowhere",
        "404 month": f"/patients/{mina}/month/2026-13",
        "400 date": f"/patients/{mina}/report?from=someday",
        "400 range": f"/patients/{mina}/report?from=2026-12-01&to=2026-11-01",
    }.items():
        pages[name] = c.get(url).data.decode()
    pages["405"] = c.put(f"/patients/{mina}/trends").data.decode()
    pages["400 expired form"] = c.post(f"/patients/{mina}/notes", data={"text": "메모"}).data.decode()
    pages["413"] = c.post(f"/patients/{mina}/notes", data={"text": "x" * 70_000}).data.decode()
    pages["400 bad host"] = c.get("/login", headers={"Host": "a..b"}).data.decode()
    stranger = app.test_client()
    form = re.search(r'name="csrf_token" value="([^"]+)"', stranger.get("/login").data.decode())
    assert form is not None
    for _ in range(config.web.login_attempts_per_minute + 1):
        last = stranger.post("/login", data={"password": "wrong", "csrf_token": form.group(1)})
    assert last.status_code == 429
    pages["429"] = last.data.decode()
    from device.inventory import model_version, software_version

    # The device page's identifiers are names, not sentences: "f7d0eb0-dirty", the model's file.
    identifiers = {w for v in (software_version(), model_version()) for w in re.findall(r"[A-Za-z]{2,}", v)}
    allowed = LATIN_ALLOWED | identifiers | {config.camera.source}
    problems = {name: found for name, page in pages.items() if (found := latin_only_sentences(page, allowed))}
    assert problems == {}


def test_a_plan_is_edited_and_checked_by_the_device_rules(client: FlaskClient) -> None:
    from device.store.records import current_plan

    jun = patient("Jun")
    form = {"use_closed_smile": "on", "reps_closed_smile": "7", "use_brow_raise": "on", "reps_brow_raise": "4",
            "reps_happy": "3", "effort": "moderate", "affected_side": "left"}  # fmt: skip
    response = client.post(f"/patients/{jun.id}/plan", data=form)
    assert response.status_code == 302
    plan = current_plan(jun)
    assert {(i.exercise.id, i.reps) for i in plan.items} == {("closed_smile", 7), ("brow_raise", 4)}
    assert (plan.effort.value, plan.affected_side.value if plan.affected_side else None) == ("moderate", "left")
    page = client.get(f"/patients/{jun.id}/plan?saved=1").data.decode()
    assert 'name="reps_closed_smile" min="1" max="30" value="7"' in page
    assert "Saved." in page
    history = text(re.search(r'id="plan-history">(.*?)</section>', page, re.S).group(1).encode())  # type: ignore[union-attr]
    assert "Plan changes" in history
    assert "Closed smile ×7" in history  # the first plan, or what this save added
    too_many = client.post(f"/patients/{jun.id}/plan", data=form | {"reps_closed_smile": "31"})
    assert too_many.status_code == 400
    assert "must be a whole number from 1 to 30" in text(too_many.data)
    assert client.post(f"/patients/{jun.id}/plan", data=form | {"reps_brow_raise": "many"}).status_code == 400
    assert client.post(f"/patients/{jun.id}/plan", data=form | {"effort": "extreme"}).status_code == 400
    assert client.post(f"/patients/{jun.id}/plan", data={"effort": "gentle"}).status_code == 400  # no exercise
    assert current_plan(jun) == plan  # nothing bad was saved


def test_device_page_shows_disk_database_and_backup(client: FlaskClient, data_dir: Path) -> None:
    page = text(client.get("/device").data)
    assert "GB free of" in page
    assert "last backup none yet" in page
    backups = data_dir / "backups"
    backups.mkdir(exist_ok=True)
    (backups / "kiosk-2026-06-30.sqlite").write_bytes(b"")
    assert "last backup none yet" not in text(client.get("/device").data)


def test_report_covers_a_range_and_prints(client: FlaskClient) -> None:
    mina = patient("Mina")
    records = sessions_between(mina, date(2026, 4, 1), date(2026, 4, 30))
    html = client.get(f"/patients/{mina.id}/report?from=2026-04-01&to=2026-04-30").data.decode()
    page = text(html.encode())
    days = len({r.started.date() for r in records})
    # The charts start with the week that holds the range's first day (Wednesday 1 April: Monday 30 March).
    charts = [base64.b64decode(uri).decode() for uri in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]
    assert charts
    assert all("30 Mar" in chart for chart in charts)
    assert "Per exercise" in page
    assert "Closed smile" in page
    completed = sum(r.status == SessionStatus.COMPLETED for r in records)
    stopped = sum(r.status == SessionStatus.STOPPED for r in records)
    interrupted = len(records) - completed - stopped
    assert (
        f"Practised on {days} of 30 days, {len(records)} sessions: {completed} finished, "
        f"{stopped} stopped early, {interrupted} interrupted." in page
    )
    assert "balance (100 = alike)" in page  # the one balance scale, not the 0-1 index
    assert client.get(f"/patients/{mina.id}/report?from=2026-05-01&to=2026-04-01").status_code == 400
    assert client.get(f"/patients/{mina.id}/report?from=2020-01-01&to=2026-04-01").status_code == 400


def test_every_page_names_its_patient_and_the_picker_holds_many_by_recent_practice(
    config: Config, tmp_path: Path
) -> None:
    open_database(tmp_path / DB_NAME)
    set_password(tmp_path, PASSWORD)
    names = [f"환자 {n:02d}" for n in range(12)]
    for n, name in enumerate(names):
        who = Patient.create(name=name)
        if n % 3:  # two in three have practised, the later-numbered more recently
            started = datetime.combine(TODAY - timedelta(days=20 - n), datetime.min.time()) + timedelta(hours=9)
            PracticeRecord.create(patient=who, plan="[]", started=started, status="completed", score=50.0)
    c = make_app(config, tmp_path, language="ko").test_client()
    c.post("/login", data={"password": PASSWORD})
    practised = [name for n, name in enumerate(names) if n % 3]
    never = [name for n, name in enumerate(names) if not n % 3]
    expected = practised[::-1] + never  # the most recent first, then the others by name
    nine = patient("환자 09").id
    month = c.get(f"/patients/{nine}/month/2026-12").data.decode()
    picker = re.search(r'<select id="patient-picker" name="id">(.*?)</select>', month, re.S)
    assert picker is not None  # twelve do not fit as buttons on a phone: a list that holds them all
    assert re.findall(r">([^<]+)</option>", picker.group(1)) == expected
    assert re.search(rf'<option value="{nine}" selected>', picker.group(1))
    assert (
        c.get(f"/patients/go?id={patient('환자 11').id}").headers["Location"] == f"/patients/{patient('환자 11').id}/"
    )
    assert c.get("/patients/go?id=%D9%A3").status_code == 404  # "٣": ASCII digits only
    for url in [f"/patients/{nine}/month/2026-12", f"/patients/{nine}/day/2026-12-01", f"/patients/{nine}/trends",
                f"/patients/{nine}/report", f"/patients/{nine}/plan"]:  # fmt: skip
        page = c.get(url).data.decode()
        assert '<div class="who" id="patient-name">환자: 환자 09</div>' in page, url
    assert c.get("/").headers["Location"].startswith(f"/patients/{patient('환자 11').id}/")  # the latest practised


def test_the_overview_shows_missed_days_a_decline_and_a_cut_off_session_first(config: Config, tmp_path: Path) -> None:
    """Weekly practice on Wednesdays with a relapse in the last three weeks,
    and a session cut off yesterday morning: each alert dated, with its link;
    the calendar marks missed plan days apart from future ones."""
    open_database(tmp_path / DB_NAME)
    set_password(tmp_path, PASSWORD)
    who = Patient.create(name="김민아")
    relapse = [0.72, 0.75, 0.70, 0.78, 0.74, 0.76, 0.73, 0.77, 0.75, 0.40, 0.38, 0.35]
    wednesday = TODAY - timedelta(days=TODAY.weekday()) + timedelta(days=2)  # 2 December, this week's
    for weeks_ago, symmetry in zip(range(11, -1, -1), relapse, strict=True):
        started = datetime.combine(wednesday - timedelta(weeks=weeks_ago), datetime.min.time()) + timedelta(hours=10)
        record = PracticeRecord.create(patient=who, plan="[]", started=started, status="completed", score=60.0)
        ExerciseRecord.create(session=record, exercise="closed_smile", position=0, reps_planned=5, reps_done=5,
                              score=60.0, symmetry=symmetry)  # fmt: skip
    cut = datetime(2026, 12, 5, 9, 5)
    PracticeRecord.create(patient=who, plan="[]", started=cut, status=SessionStatus.INTERRUPTED, score=None)
    c = make_app(config, tmp_path, language="ko").test_client()
    c.post("/login", data={"password": PASSWORD})
    html = c.get(f"/patients/{who.id}/month/2026-12").data.decode()
    section = re.search(r'<section class="card alerts" id="alerts">(.*?)</section>', html, re.S)
    assert section is not None
    assert html.index('id="alerts"') < html.index('class="calendar"')  # seen first
    items = re.findall(r'<li class="alert-(\w+)"><a href="([^"]+)">([^<]+)</a></li>', section.group(1))
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for kind, link, words_ in items:
        by_kind.setdefault(kind, []).append((link, unescape(words_)))
    assert (
        f"/patients/{who.id}/day/2026-12-05",
        "2026년 12월 5일 (토) 오전 9:05: 연습이 끝나기 전에 멈췄어요 (끊김).",
    ) in by_kind["cut_off"]
    [(link, decline)] = by_kind["decline"]
    assert link == f"/patients/{who.id}/trends"
    assert "최근 3주 동안 약 76에서 38까지 내려갔어요" in decline
    missed = [w for _, w in by_kind["missed"]]
    days = [(5, "토"), (4, "금"), (3, "목"), (1, "화")]
    expected = [f"2026년 12월 {d}일 ({wd}): 연습하는 날인데 끝까지 한 연습이 없어요." for d, wd in days]
    assert missed[:5] == [*expected, "2026년 11월 30일 (월): 연습하는 날인데 끝까지 한 연습이 없어요."]
    assert "최근 14일 중 끝까지 한 연습이 없는 날이 7일 더 있어요." in missed
    cells = re.findall(r'<td class="([^"]*)">\s*<a class="day[^"]*" data-day="([^"]+)"', html)
    by_day = {day: classes for classes, day in cells}
    assert "missed" in by_day["2026-12-05"]
    assert "missed" not in by_day["2026-12-02"]  # practised
    assert "missed" not in by_day["2026-12-06"]  # today is not missed yet
    assert "today" in by_day["2026-12-06"]
    assert "future" in by_day["2026-12-07"]
    assert "missed" not in by_day["2026-12-07"]


def test_a_report_holds_exactly_its_range(config: Config, tmp_path: Path) -> None:
    """Sessions, sentences, charts, regions, notes and plan changes from the
    range only: a month with no practice says so and shows nothing from the
    months around it; a plan changed within it is told with what changed."""
    from device.practice.plan import make_plan
    from device.store.models import NoteRecord, PlanRecord
    from device.store.records import save_plan

    open_database(tmp_path / DB_NAME)
    set_password(tmp_path, PASSWORD)
    seed_history("Ana", date(2026, 9, 1), date(2026, 10, 31), sessions_per_day=(1, 2), seed=4)
    seed_history("Ana", date(2026, 12, 1), date(2026, 12, 6), sessions_per_day=(1, 2), seed=5)
    ana = patient("Ana")
    for day, text_ in ((date(2026, 10, 20), "before the range"), (date(2026, 11, 12), "inside the range")):
        NoteRecord.create(patient=ana, text=text_, created=datetime.combine(day, datetime.min.time()))
    plans = [
        (date(2026, 9, 1), make_plan([("brow_raise", 5), ("closed_smile", 5)], "gentle", None)),
        (date(2026, 11, 10), make_plan([("brow_raise", 8), ("lip_pucker", 4)], "moderate", "left")),
        (date(2026, 12, 2), make_plan([("brow_raise", 8)], "moderate", "left")),
    ]
    for day, plan in plans:
        record = save_plan(ana, plan)
        PlanRecord.update(created=datetime.combine(day, datetime.min.time())).where(
            PlanRecord.id == record.id
        ).execute()
    c = make_app(config, tmp_path).test_client()
    c.post("/login", data={"password": PASSWORD})
    html = c.get(f"/patients/{ana.id}/report?from=2026-11-01&to=2026-11-30").data.decode()
    page = text(html.encode())
    assert "Practised on 0 of 30 days, 0 sessions" in page
    assert 'class="summaries"' not in html  # no trend sentence from the months around it
    assert "data:image/svg" not in html  # nor a chart
    assert 'id="regions"' not in html
    assert "inside the range" in page
    assert "before the range" not in page
    history = text(re.search(r'id="plan-history">(.*?)</section>', html, re.S).group(1).encode())  # type: ignore[union-attr]
    assert history.strip() == (
        "Plan history Tue 10 November 2026 added Lip pucker ×4 · removed Closed smile · Brow raise: reps 5 → 8 · "
        "effort gentle → moderate · affected side: not known / both → the patient's left"
    )
    assert "2 December" not in history  # after the range
    assert "Plan in force on 30 November 2026: Brow raise ×8, Lip pucker ×4" in page
    assert 'id="print"' in html  # and a print button, wired by a script file of the dashboard's own
    assert "print.js" in html


def test_a_streak_longer_than_the_trend_window_is_counted_whole(config: Config, tmp_path: Path) -> None:
    open_database(tmp_path / DB_NAME)
    set_password(tmp_path, PASSWORD)
    who = Patient.create(name="Daily")
    today = TODAY
    for days_ago in range(120):  # the trends page shows 12 weeks (84 days)
        started = datetime.combine(today - timedelta(days=days_ago), datetime.min.time()) + timedelta(hours=9)
        PracticeRecord.create(patient=who, plan="[]", started=started, status="completed", score=60.0)
    PracticeRecord.create(
        patient=who, plan="[]", started=datetime.combine(today - timedelta(days=121), datetime.min.time()),
        status="completed", score=60.0,
    )  # fmt: skip  # a day's gap before the streak: it does not count
    c = make_app(config, tmp_path).test_client()
    c.post("/login", data={"password": PASSWORD})
    assert "current streak 120 days" in text(c.get(f"/patients/{who.id}/trends").data)
    api = c.get(f"/api/patients/{who.id}/trends").json
    assert api is not None
    assert api["streak_days"] == 120


def test_regions_show_the_first_visit_against_now_and_week_by_week(client: FlaskClient) -> None:
    """The eFACE-style subscores stored with each session: the first graded
    session against the latest, and a weekly chart per region."""
    mina = patient("Mina")
    html = client.get(f"/patients/{mina.id}/report?from=2026-05-01&to=2026-06-30").data.decode()
    regions = re.search(r'<section class="card" id="regions">(.*?)</section>', html, re.S)
    assert regions is not None
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(\d+) <small>\(([+-]\d+)\)</small>", regions.group(1))
    assert {name for name, *_ in rows} == {"Brow raise", "Gentle eye closure", "Smile (mouth corner)"}
    for _, first, latest, change in rows:
        assert int(latest) - int(first) == int(change)
        assert int(change) > 0  # the seeded history improves
    [chart] = re.findall(r'<img class="chart" src="data:image/svg\+xml;base64,([^"]+)" alt="Movement against', html)
    assert "Smile (mouth corner)" in base64.b64decode(chart).decode()


def test_pages_and_their_errors_follow_the_browsers_language(app: Flask) -> None:
    """Accept-Language picks Korean; the switch's cookie wins over it; errors are in the same language."""
    c = app.test_client()
    c.post("/login", data={"password": PASSWORD}, headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"})
    korean = c.get("/patients/999999/month/2026-05", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert korean.status_code == 404
    page = korean.data.decode()
    assert '<html lang="ko">' in page
    assert "그런 환자가 없어요." in page
    mina = patient("Mina").id
    month = c.get(f"/patients/{mina}/month/2026-05", headers={"Accept-Language": "ko"}).data.decode()
    assert "2026년 5월" in month
    assert '월</th><th scope="col">화' in month
    c.post("/language/en", data={"next": f"/patients/{mina}/month/2026-05"})
    english = c.get(f"/patients/{mina}/month/2026-05", headers={"Accept-Language": "ko"}).data.decode()
    assert '<html lang="en">' in english
    assert "May 2026" in english
    # A code the dashboard has no words for is refused in the reader's language and changes nothing.
    refused = c.post("/language/fr", data={"next": f"/patients/{mina}/month/2026-05"})
    assert refused.status_code == 400
    assert not [v for v in refused.headers.getlist("Set-Cookie") if v.startswith(f"{LANGUAGE_COOKIE}=")]
    assert '<html lang="en">' in refused.data.decode()
    still = c.get(f"/patients/{mina}/month/2026-05", headers={"Accept-Language": "ko"}).data.decode()
    assert "May 2026" in still
    # A link's ?lang= speaks for a reader who has not chosen, never over the switch.
    assert "May 2026" in c.get(f"/patients/{mina}/month/2026-05?lang=ko").data.decode()

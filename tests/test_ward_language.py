"""The ward keeps the language a therapist picks with the switch on the page,
as the device dashboard does and with its mechanism (device/web/language.py:
a cookie): over the browser's Accept-Language and over a link's ?lang=,
through logging in and out, on every page the links lead to.

Real parts: the real ward app on the throwaway PostgreSQL (tests/test_ward.py's
fixtures), a session recorded on a real device store and delivered by the
real sender, Flask's test client as the therapist's browser."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from flask.testing import FlaskClient

from device.store.db import DB_NAME, open_database
from device.store.records import add_patient
from device.ward_link import WardLink
from tests.test_ward import DAY, NOW, Clock, Ward, record, ward, ward_url  # noqa: F401  (fixtures)
from tests.ward_postgres import postgres  # noqa: F401  (the session's cluster)
from ward.devices import enrol
from ward.therapists import add_therapist

THERAPIST = ("Park Jiwoo", "ward rounds 7")
ENGLISH_BROWSER = {"Accept-Language": "en-GB,en;q=0.9"}

# Each page's heading in each language: the page is in that language, not only its <html lang>.
HEADINGS = {
    "ko": {"login": "<h1>치료사 로그인</h1>", "overview": "<h1>모든 환자</h1>", "devices": "<h1>기기</h1>"},
    "en": {"login": "<h1>Therapist login</h1>", "overview": "<h1>All patients</h1>", "devices": "<h1>Devices</h1>"},
}
MONTH = {"ko": "2026년 11월", "en": "November 2026"}  # the patient page's calendar heading


def page(client: FlaskClient, path: str) -> str:
    answer = client.get(path, headers=ENGLISH_BROWSER)
    assert answer.status_code == 200, path
    return answer.get_data(as_text=True)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def switch(client: FlaskClient, on: str, to: str) -> str:
    """Press the page's language button for `to` on the page at `on`; the page it leads back to."""
    html = page(client, on)
    form = re.search(rf'<form method="post" action="/language/{to}" lang="{to}">(.*?)</form>', html, re.S)
    assert form is not None, f"no switch to {to} on {on}"
    back = re.search(r'name="next" value="([^"]+)"', form.group(1))
    assert back is not None
    answer = client.post(f"/language/{to}", data={"csrf_token": csrf(html), "next": back.group(1)})
    assert answer.status_code == 302
    assert answer.headers["Location"] == on
    return page(client, answer.headers["Location"])


def log_in(client: FlaskClient) -> str:
    """Log in from the login page; the page the login leads to."""
    login = page(client, "/login")
    answer = client.post("/login", data={"csrf_token": csrf(login), "name": THERAPIST[0], "password": THERAPIST[1]})
    assert answer.status_code == 302
    return page(client, answer.headers["Location"])


def log_out(client: FlaskClient) -> str:
    overview = page(client, "/")
    answer = client.post("/logout", data={"csrf_token": csrf(overview)})
    assert answer.status_code == 302
    return page(client, answer.headers["Location"])


def href(html: str, pattern: str) -> str:
    found = re.search(rf'href="({pattern})"', html)
    assert found is not None, pattern
    return found.group(1)


def assert_in(lang: str, html: str, heading: str) -> None:
    assert f'<html lang="{lang}">' in html
    assert heading in html, heading


def walk_the_ward(client: FlaskClient, lang: str, overview: str) -> None:
    """From the overview, by its links: a patient's page, then the devices page; all in `lang`."""
    assert_in(lang, overview, HEADINGS[lang]["overview"])
    patient = page(client, href(overview, r"/patients/\d+"))
    assert_in(lang, patient, MONTH[lang])
    devices = page(client, href(patient, "/devices"))
    assert_in(lang, devices, HEADINGS[lang]["devices"])
    assert "kiosk-bed-3" in devices


def test_the_switch_holds_over_the_browser_through_login_links_and_logout(ward: Ward, tmp_path: Path) -> None:  # noqa: F811
    token = enrol("kiosk-bed-3", NOW)
    store = tmp_path / DB_NAME
    open_database(store)
    first = datetime.combine(DAY, datetime.min.time()) + timedelta(hours=9)
    record(store, add_patient("Ana"), first, 3, "completed")
    assert WardLink(ward.url, token, monotonic=Clock()).deliver_due() == 1
    add_therapist(*THERAPIST, NOW)
    client = ward.app.test_client()

    # A browser that asks for English gets English, until the therapist picks Korean on the login page.
    assert_in("en", page(client, "/login"), HEADINGS["en"]["login"])
    assert_in("ko", switch(client, "/login", "ko"), HEADINGS["ko"]["login"])
    walk_the_ward(client, "ko", log_in(client))
    # A link that still says ?lang=en (an old bookmark) does not undo the choice.
    assert_in("ko", page(client, "/devices?lang=en"), HEADINGS["ko"]["devices"])
    assert_in("ko", log_out(client), HEADINGS["ko"]["login"])
    walk_the_ward(client, "ko", log_in(client))

    # Back to English, from a page inside; it holds the same way.
    assert_in("en", switch(client, "/devices", "en"), HEADINGS["en"]["devices"])
    walk_the_ward(client, "en", page(client, "/"))
    assert_in("en", log_out(client), HEADINGS["en"]["login"])
    walk_the_ward(client, "en", log_in(client))


def test_without_a_choice_a_link_then_the_browser_then_the_wards_default(ward: Ward) -> None:  # noqa: F811
    client = ward.app.test_client()
    assert_in("ko", page(client, "/login?lang=ko"), HEADINGS["ko"]["login"])  # the links the ward wrote before
    korean = client.get("/login", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert_in("ko", korean, HEADINGS["ko"]["login"])
    # The ward under test is configured for English: a browser that asks for neither language gets it.
    assert_in("en", client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True), "Therapist login")


def test_an_unknown_language_is_refused_and_changes_nothing(ward: Ward) -> None:  # noqa: F811
    client = ward.app.test_client()
    switch(client, "/login", "ko")
    login = page(client, "/login")
    for code in ("fr", "xx", "ko-KR"):
        answer = client.post(f"/language/{code}", data={"csrf_token": csrf(login), "next": "/login"})
        assert answer.status_code == 400, code
        refusal = answer.get_data(as_text=True)
        assert_in("ko", refusal, "<p>그런 언어는 없어요. 한국어(ko)나 English(en)를 골라 주세요.</p>")
        assert "Set-Cookie" not in answer.headers
    assert_in("ko", page(client, "/login"), HEADINGS["ko"]["login"])
    # The ward's other refusals are pages in the chosen language as well.
    unknown = client.get("/no-such-page", headers=ENGLISH_BROWSER)
    assert unknown.status_code == 404
    assert_in("ko", unknown.get_data(as_text=True), "<h1>찾을 수 없어요</h1>")
    # Without the form's token the switch is refused too (CSRF), and the choice stays.
    assert client.post("/language/en", data={"next": "/login"}).status_code == 400
    assert_in("ko", page(client, "/login"), HEADINGS["ko"]["login"])

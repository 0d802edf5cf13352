"""The ward's pages as a therapist reads them: Debian's headless chromium
logs in with a named account and reads the overview, a patient's page
(calendar, trends, report), the devices page and a plan page, in Korean and
English, at a phone's width and a desktop's.

Real parts: two device stores whose sessions are recorded through the real
recorder and sent by the real sender to the real ward under waitress on a
loopback port, on the throwaway PostgreSQL (tests/ward_postgres.py); one
device's clock is a day ahead. What the pages say is checked against what
the device's own read side gives. Screenshots (Korean, phone width) go to
build/screenshots/ward-*.png; the ones in docs/screenshots/ are copies."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from waitress.server import create_server

from device.clock import FixedClock
from device.store.db import DB_NAME
from device.store.models import Patient
from device.store.queries import period_summary
from device.ward_link import WardLink
from tests.browser import chromium, click_for_next_page
from tests.browser import shoot as browser_shot
from tests.test_ward import NOW, Clock, declining_practice, device_figures
from tests.test_ward_patient import a_practice_week
from tests.ward_postgres import PostgresServer, postgres  # noqa: F401  (the session's cluster)
from ward.app import create_app
from ward.config import WardConfig
from ward.db import connect_url, migrate
from ward.devices import enrol
from ward.models import WardPatient
from ward.therapists import add_therapist

pytestmark = pytest.mark.slow  # a real browser on the real ward: see the README's fast loop

THERAPIST = ("박지우", "ward rounds 7")  # a named account, typed in Korean
TODAY = NOW.date()  # the ward's clock (a Thursday): never the machine's date
DECLINING, STEADY = "김민아", "이준호"
BEDS = ("kiosk-bed-1", "kiosk-bed-2")
HANGUL = re.compile(r"[가-힣]")
LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class WardUnderTest:
    url: str
    figures: dict[str, dict[str, object]]  # per patient, what the device's own read side gives
    day_means: dict[str, int | None]  # STEADY's days on their device: the day's mean, as the device rounds it
    ids: dict[str, int]  # the ward's patient ids


@pytest.fixture(scope="module")
def served(postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WardUnderTest]:  # noqa: F811
    postgres.sql("CREATE DATABASE ward_browser")
    db = connect_url(postgres.url("ward_browser"))
    migrate(db)
    ward = create_app(WardConfig(language="ko", secret_key="test"), db, FixedClock(NOW))
    db.connect(reuse_if_open=True)
    add_therapist(*THERAPIST, NOW)
    tokens = {bed: enrol(bed, NOW) for bed in BEDS}
    db.close()
    server = create_server(ward, host="127.0.0.1", port=0, threads=4)
    url = f"http://127.0.0.1:{server.effective_port}"
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    folder = tmp_path_factory.mktemp("ward-browser")
    stores = {bed: folder / bed / DB_NAME for bed in BEDS}
    try:
        # Bed 1: seven weeks with a decline, missed plan days, a session cut off; sent.
        declining_practice(stores[BEDS[0]], DECLINING, TODAY)
        figures = {DECLINING: device_figures(stores[BEDS[0]], DECLINING, TODAY)}  # what its own dashboard reads
        on_time = WardLink(url, tokens[BEDS[0]], monotonic=Clock(), now=lambda: NOW)  # its clock agrees with the ward's
        assert on_time.deliver_due() == 17
        # Bed 2: three days; its clock is a day ahead of the ward's when it sends them.
        first = datetime.combine(TODAY - timedelta(days=3), datetime.min.time())
        a_practice_week(stores[BEDS[1]], STEADY, first)
        figures[STEADY] = device_figures(stores[BEDS[1]], STEADY, TODAY)
        steady = Patient.get(Patient.name == STEADY)
        day_means = {}
        for offset in range(3):
            day = first.date() + timedelta(days=offset)
            mean = period_summary(steady, day, day).mean_score
            day_means[day.isoformat()] = None if mean is None else round(mean)
        a_day_ahead = NOW + timedelta(days=1)
        assert WardLink(url, tokens[BEDS[1]], monotonic=Clock(), now=lambda: a_day_ahead).deliver_due() == 5
        db.connect(reuse_if_open=True)
        ids = {p.name: p.id for p in WardPatient.select()}
        db.close()
        yield WardUnderTest(url, figures, day_means, ids)
    finally:
        server.close()
        thread.join(timeout=10)
        db.close()


@pytest.fixture(scope="module", params=["ko", "en"])
def browser(request: pytest.FixtureRequest) -> Iterator[tuple[webdriver.Chrome, str]]:
    """Chromium whose user asks for `language` first, as a therapist's own phone or PC does."""
    language = request.param
    chrome = chromium(f"{language},en" if language != "en" else "en")
    try:
        yield chrome, language
    finally:
        chrome.quit()


def shoot(browser: webdriver.Chrome, name: str, width: int) -> Path:
    """A full-page screenshot, build/screenshots/ward-<name>-<width>.png; the window is left a phone's height."""
    return browser_shot(browser, f"ward-{name}", width, then_height=844)


def read_page(browser: webdriver.Chrome, language: str, names: tuple[str, ...]) -> str:
    """The page's words, after checking what every page must: its language,
    nothing wider than the window, and in Korean no heading, column, label,
    button or link left in English only (names of devices and people aside)."""
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
    wide = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], (browser.current_url, wide)
    if language == "ko":
        latin_only = []
        for element in browser.find_elements(By.CSS_SELECTOR, "h1, h2, th, label, button, a, p, li, option"):
            words = element.text.strip()
            if element.get_attribute("lang") == "en" or not words:
                continue
            rest = words
            for name in names:
                rest = rest.replace(name, "")
            if LATIN.search(rest) and not HANGUL.search(rest):
                latin_only.append(words)
        assert not latin_only, (browser.current_url, latin_only)
    return re.sub(r"\s+", " ", browser.find_element(By.TAG_NAME, "body").text)


def browser_click(browser: webdriver.Chrome, element: WebElement) -> None:
    browser.execute_script("arguments[0].scrollIntoView()", element)
    element.click()


def tap(browser: webdriver.Chrome, link: str, url_part: str) -> None:
    """Tap the link that reads `link` and wait for the page it leads to."""
    browser_click(browser, browser.find_element(By.LINK_TEXT, link))
    WebDriverWait(browser, 10).until(expected_conditions.url_contains(url_part))


WORDS = {
    "ko": {
        "days": "14일 중 {n}일",
        "week": "{now} (지난주 {before})",
        "declining": "떨어지는 중: 입 다물고 웃기",
        "cut_off": "중간에 멈춘 연습 1번, 마지막 11월 17일",
        "report": "보고서",
        "devices": "기기",
        "patients": "환자",
        "clock": "시계 확인 필요: 병동보다 24.0시간 빠름",
        "logout": "로그아웃",
        "none": "없음",
        "given": "{name} 님이 병동에서 입력",
        "when": "2026년 11월 19일 (목) 오전 9:00",
    },
    "en": {
        "days": "{n} of 14 days",
        "week": "{now} (last week {before})",
        "declining": "Declining: Closed smile",
        "cut_off": "1 session cut off, last 17 Nov",
        "report": "Report",
        "devices": "Devices",
        "patients": "Patients",
        "clock": "Check its clock: 24.0 h ahead of the ward",
        "logout": "Log out",
        "none": "none",
        "given": "given by {name} on the ward",
        "when": "9:00",
    },
}


@pytest.mark.parametrize("width", [390, 1280])  # a phone, a desktop
def test_a_therapist_reads_the_ward_in_the_browser(
    served: WardUnderTest, browser: tuple[webdriver.Chrome, str], width: int
) -> None:
    chrome, language = browser
    w = WORDS[language]
    names = (*BEDS, DECLINING, STEADY, THERAPIST[0], "English")
    phone = width == 390
    chrome.delete_all_cookies()
    chrome.set_window_size(width, 844)

    # Behind a named login.
    chrome.get(served.url + "/")
    WebDriverWait(chrome, 10).until(expected_conditions.url_contains("/login"))
    read_page(chrome, language, names)
    if phone and language == "ko":
        shoot(chrome, "login-ko", width)
    chrome.find_element(By.ID, "name").send_keys(THERAPIST[0])
    chrome.find_element(By.ID, "password").send_keys(THERAPIST[1])
    chrome.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(chrome, 10).until(expected_conditions.presence_of_element_located((By.ID, "ward-patients")))

    # The overview: each patient's row gives the device dashboard's figures.
    overview = read_page(chrome, language, names)
    assert THERAPIST[0] in overview
    rows = {
        row.find_element(By.CSS_SELECTOR, "td a").text: [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in chrome.find_elements(By.CSS_SELECTOR, "#ward-patients tbody tr")
    }
    assert set(rows) == {DECLINING, STEADY}
    # A Korean name is one word: never broken across lines, however narrow its cell.
    for link in chrome.find_elements(By.CSS_SELECTOR, "#ward-patients tbody td a"):
        assert chrome.execute_script("return arguments[0].getClientRects().length", link) == 1, link.text
    for bed, name in zip(BEDS, (DECLINING, STEADY), strict=True):
        device = served.figures[name]
        cells = rows[name]
        assert cells[1] == bed
        assert cells[3] == w["days"].format(n=device["days_practised"])
        means = [w["none"] if device[key] is None else f"{device[key]:.0f}" for key in ("week_mean", "last_week_mean")]
        assert cells[4] == w["week"].format(now=means[0], before=means[1])
    assert served.figures[DECLINING]["days_practised"] == 5
    assert rows[DECLINING][4].startswith("74 ")  # Monday's 66 and Wednesday's 82: not the stopped or cut-off ones
    assert w["declining"] in rows[DECLINING][5]
    assert w["cut_off"] in rows[DECLINING][5]
    if phone and language == "ko":
        shoot(chrome, "overview-ko", width)

    # A patient's page, by tapping the name: the calendar's days as the device gives them, the trends.
    tap(chrome, STEADY, f"/patients/{served.ids[STEADY]}")
    patient = read_page(chrome, language, names)
    assert BEDS[1] in chrome.find_element(By.ID, "patient-devices").text
    for day, day_mean in served.day_means.items():
        cell = chrome.find_element(By.CSS_SELECTOR, f'a.day[data-day="{day}"] .score').text
        assert cell == str(day_mean), day
    assert chrome.find_element(By.ID, "trends").is_displayed()
    # The therapist gives the hospital number: the page says who gave it and when (the ward's clock).
    field = chrome.find_element(By.CSS_SELECTOR, 'input[name="identity"]')
    field.clear()
    field.send_keys(f"HN-{width}")
    click_for_next_page(chrome, field.find_element(By.XPATH, "./ancestor::form//button[@type='submit']"))
    given = chrome.find_element(By.ID, "identity-given").text
    assert w["given"].format(name=THERAPIST[0]) in given, given
    assert w["when"] in given, given
    assert f"HN-{width}" in chrome.find_element(By.ID, "patient-devices").text
    assert patient
    if phone and language == "ko":
        shoot(chrome, "patient-ko", width)

    # Its report, by the link on the page.
    tap(chrome, w["report"], "/report")
    report = read_page(chrome, language, names)
    assert chrome.find_element(By.ID, "report-facts").text
    assert BEDS[1] in chrome.find_element(By.ID, "report-range").text
    assert report
    if phone and language == "ko":
        shoot(chrome, "report-ko", width)

    # The devices page, from the navigation: bed 2's clock is flagged.
    tap(chrome, w["devices"], "/devices")
    devices = read_page(chrome, language, names)
    flagged = {
        row.find_element(By.TAG_NAME, "td").text: row.find_element(By.CSS_SELECTOR, "strong.clock-off").text
        for row in chrome.find_elements(By.CSS_SELECTOR, "#ward-devices tbody tr")
        if row.find_elements(By.CSS_SELECTOR, "strong.clock-off")
    }
    assert flagged == {BEDS[1]: w["clock"]}
    assert devices.count("kiosk-bed-") == 2
    if phone and language == "ko":
        shoot(chrome, "devices-ko", width)

    # The declining patient's plan, from their row: the therapist changes it; the page says who, and that it waits.
    browser_click(chrome, chrome.find_element(By.LINK_TEXT, w["patients"]))
    WebDriverWait(chrome, 10).until(expected_conditions.presence_of_element_located((By.ID, "ward-patients")))
    tap(chrome, DECLINING, f"/patients/{served.ids[DECLINING]}")
    plan_link = chrome.find_element(By.ID, "patient-plan")
    browser_click(chrome, plan_link)
    WebDriverWait(chrome, 10).until(expected_conditions.url_contains("/plan"))
    read_page(chrome, language, names)
    assert DECLINING in chrome.find_element(By.TAG_NAME, "h1").text
    reps = chrome.find_element(By.CSS_SELECTOR, 'input[name="reps_closed_smile"]')
    reps.clear()
    reps.send_keys("5" if phone else "6")
    browser_click(chrome, chrome.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    WebDriverWait(chrome, 10).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "p.done")))
    plan = read_page(chrome, language, names)
    assert THERAPIST[0] in chrome.find_element(By.ID, "plan-in-force").text
    assert chrome.find_element(By.ID, "plan-waiting").is_displayed()  # the device has not picked it up yet
    assert THERAPIST[0] in chrome.find_element(By.ID, "plan-history").text
    assert plan
    if phone and language == "ko":
        shoot(chrome, "plan-ko", width)

    chrome.find_element(By.XPATH, f"//button[normalize-space()='{w['logout']}']").click()
    WebDriverWait(chrome, 10).until(expected_conditions.url_contains("/login"))
    logs = chrome.get_log("browser")
    assert not [entry for entry in logs if entry["level"] == "SEVERE"], logs

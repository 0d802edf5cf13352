"""The real dashboard app on waitress, on a fixed day, opened in Debian's
headless chromium (the production command itself: test_web_server.py). Logs in, opens the calendar, taps a day,
sees that day's sessions and charts; saves screenshots at phone and desktop
widths (build/screenshots/, looked at by eye; some are in the README)."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

import pytest
import waitress
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from device.clock import FixedClock
from device.config import load_config
from device.store.db import DB_NAME, open_database
from device.store.models import Patient, PracticeRecord
from device.store.synthetic import seed_history
from device.web import create_app
from device.web.security import set_password
from tests.browser import SCREENSHOTS, chromium, click_for_next_page, shoot
from tests.helpers import FIXTURES

# The day the dashboard believes it is: never the machine's date.
TODAY = date(2026, 12, 6)

pytestmark = pytest.mark.slow  # a real browser on the real server: see the README's fast loop

PASSWORD = "blue heron 42"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on waitress, on a fixed day: never the machine's date."""
    data_dir = tmp_path_factory.mktemp("web")
    store = open_database(data_dir / DB_NAME)
    seed_history("Mina", TODAY - timedelta(days=75), TODAY, sessions_per_day=(0, 3), seed=1)
    set_password(data_dir, PASSWORD)
    config = load_config(FIXTURES / "empty-config.toml", env={})
    app = create_app(config, store, clock=FixedClock.on(TODAY, hour=20))
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    chrome = chromium()
    try:
        yield chrome
    finally:
        chrome.quit()


@pytest.mark.parametrize("width", [390, 1280])  # a phone, a desktop
def test_caregiver_logs_in_and_reads_a_day(server: str, browser: webdriver.Chrome, width: int) -> None:
    browser.delete_all_cookies()
    browser.set_window_size(width, 900)
    browser.get(server + "/")
    assert "/login" in browser.current_url
    shoot(browser, "login", width)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()

    # The calendar of this month, today marked.
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/month/"))
    assert browser.find_element(By.ID, "month-facts").text.startswith("Mina: practised on")
    today = browser.find_element(By.CSS_SELECTOR, "td.today a.day")
    assert today.get_attribute("data-day") == TODAY.isoformat()
    shoot(browser, "month", width)

    # Tap the most recent day with sessions.
    practised = browser.find_elements(By.CSS_SELECTOR, "a.day:not(.band-none)")
    assert practised
    target = practised[-1]
    day = target.get_attribute("data-day")
    assert day is not None
    browser.execute_script("arguments[0].scrollIntoView()", target)
    target.click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains(f"/day/{day}"))
    sessions = browser.find_elements(By.CSS_SELECTOR, "section.session")
    expected = PracticeRecord.select().where(PracticeRecord.started.startswith(day)).count()
    assert len(sessions) == expected > 0
    charts = browser.find_elements(By.CSS_SELECTOR, "section.session img.chart")
    assert len(charts) == expected
    for chart in charts:  # the SVG decoded and was laid out: a real picture, not a broken image
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", chart) > 0
        assert chart.size["width"] > min(width * 0.6, 600)  # fills a phone, capped on a desktop
    shoot(browser, "day", width)

    browser.find_element(By.LINK_TEXT, "Trends").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/trends"))
    assert "balance" in browser.find_element(By.CSS_SELECTOR, "ul.summaries").text  # the 0-100 scale
    shoot(browser, "trends", width)
    logs = browser.get_log("browser")
    assert not [entry for entry in logs if entry["level"] == "SEVERE"], logs


def test_the_dashboard_speaks_korean_and_remembers_the_choice(server: str, browser: webdriver.Chrome) -> None:
    """The browser asks for English; the switch on the page turns every page
    Korean, with <html lang="ko">, Korean dates and exercise names, and the
    choice is kept (a cookie) from page to page."""
    browser.delete_all_cookies()
    browser.set_window_size(390, 900)
    browser.get(server + "/login")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    click_for_next_page(browser, browser.find_element(By.ID, "language-ko"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
    assert browser.find_element(By.TAG_NAME, "h1").text == "로그인"
    shoot(browser, "login-ko", 390)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/month/"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
    today = TODAY
    assert browser.find_element(By.TAG_NAME, "h1").text == f"{today.year}년 {today.month}월"
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "table.calendar th")]
    assert headers == list("월화수목금토일")
    assert "연습" in browser.find_element(By.ID, "month-facts").text
    shoot(browser, "month-ko", 390)
    browser.find_element(By.LINK_TEXT, "추이").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/trends"))
    summaries = browser.find_element(By.CSS_SELECTOR, "ul.summaries").text
    assert "입 다물고 웃기" in summaries or "눈썹 올리기" in summaries  # exercise names from the catalogue
    shoot(browser, "trends-ko", 390)


def test_the_report_prints_to_pdf_with_its_range_and_tables_and_no_controls(
    server: str, browser: webdriver.Chrome
) -> None:
    """chromium's own print-to-PDF (the page's print CSS): the report's date
    range, per-exercise table and sentences are there; the navigation, the
    range form and the language switch are not."""
    import base64
    import io

    from pypdf import PdfReader
    from selenium.webdriver.common.print_page_options import PrintOptions

    browser.delete_all_cookies()
    browser.get(server + "/login")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/month/"))
    last = TODAY
    first = last - timedelta(days=27)
    browser.get(f"{server}/patients/1/report?from={first.isoformat()}&to={last.isoformat()}")
    options = PrintOptions()
    options.background = False
    pdf = PdfReader(io.BytesIO(base64.b64decode(browser.print_page(options))))
    text = " ".join(page.extract_text() for page in pdf.pages)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "report.pdf").write_bytes(base64.b64decode(browser.print_page(options)))
    assert 1 <= len(pdf.pages) <= 6
    assert "Practice report: Mina" in text
    assert f"{first.day} {first.strftime('%B')} {first.year}" in text  # the range, first day included
    assert f"{last.day} {last.strftime('%B')} {last.year}" in text
    assert "Per exercise" in text
    assert "Closed smile" in text
    for control in ("Log out", "Show", "한국어", "Calendar"):
        assert control not in text, control


# -- trends a therapist acts on, on a fixed day ----------------------------------

# The day the dashboard believes it is for the constructed histories (a Sunday):
# never the machine's date.
HISTORY_DAY = TODAY
# Weekly symmetry of closed_smile over the twelve weeks the trends page shows (see test_trend_rule.py).
HISTORIES = {
    "김민아": [0.72, 0.75, 0.70, 0.78, 0.74, 0.76, 0.73, 0.77, 0.75, 0.40, 0.38, 0.35],  # a relapse
    "박준": [0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.72, 0.68, 0.65, 0.62, 0.59, 0.56],  # up, then down
    "이서연": [0.68, 0.70, 0.72, 0.74, 0.75, 0.77, 0.79, 0.81, 0.83, 0.85, 0.87, 0.30],  # one bad week
}
READS = {
    "en": {
        "김민아": "balance down from about 76 to 38 in the last 3 weeks.",
        "박준": "balance down from about 72 to 59 in the last 4 weeks.",
        "이서연": "The latest week alone was lower (30): one week is not yet a trend.",
    },
    "ko": {
        "김민아": "좌우 균형이 최근 3주 동안 약 76에서 38까지 내려갔어요.",
        "박준": "좌우 균형이 최근 4주 동안 약 72에서 59까지 내려갔어요.",
        "이서연": "마지막 한 주만 낮았어요 (30). 한 주만으로는 아직 추세라고 할 수 없어요.",
    },
}


def seed_weekly(name: str, symmetries: list[float], today: date) -> int:
    """One finished session on the Wednesday of each of the weeks ending with today's."""
    from device.store.models import ExerciseRecord, Patient, PracticeRecord

    who = Patient.create(name=name)
    monday = today - timedelta(days=today.weekday())
    for weeks_ago, symmetry in zip(range(len(symmetries) - 1, -1, -1), symmetries, strict=True):
        started = datetime.combine(monday - timedelta(weeks=weeks_ago, days=-2), time(10, 0))
        record = PracticeRecord.create(patient=who, plan="[]", started=started, ended=started + timedelta(minutes=5),
                                       status="completed", score=round(100 * symmetry))  # fmt: skip
        ExerciseRecord.create(session=record, exercise="closed_smile", position=0, reps_planned=5, reps_done=5,
                              score=round(100 * symmetry), symmetry=symmetry)  # fmt: skip
    return int(who.id)


REPORT_PATIENT = "최수아"


def seed_two_months(name: str, today: date) -> None:
    """Two months of ordinary practice up to `today`, with notes and plan changes: what a therapist prints."""
    from device.practice.plan import make_plan
    from device.store.models import NoteRecord, Patient, PlanRecord
    from device.store.records import save_plan

    first = today - timedelta(days=60)
    who = seed_history(name, first, today, sessions_per_day=(0, 3), seed=8)
    plans = [
        (first, make_plan([("brow_raise", 5), ("closed_smile", 5), ("lip_pucker", 5)], "gentle", "left")),
        (first + timedelta(days=21), make_plan([("brow_raise", 8), ("closed_smile", 6)], "moderate", "left")),
        (
            first + timedelta(days=45),
            make_plan([("brow_raise", 8), ("closed_smile", 8), ("happy", 4)], "moderate", "left"),
        ),
    ]
    for day, plan in plans:
        record = save_plan(who, plan)
        saved_on = datetime.combine(day, time(9, 0))
        PlanRecord.update(created=saved_on).where(PlanRecord.id == record.id).execute()
    for days_ago, note in (
        (50, "눈 감기가 아직 약함. 거울 보며 연습 권함."),
        (20, "입꼬리 움직임 좋아짐."),
        (3, "다음 방문 때 계획 다시 보기."),
    ):
        NoteRecord.create(
            patient=who, text=note, created=datetime.combine(today - timedelta(days=days_ago), time(15, 0))
        )
    assert Patient.get(Patient.name == name).id == who.id


@pytest.fixture(scope="module")
def histories(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int]]]:
    """The real app on waitress, in this process so it can be given a fixed clock."""
    import threading

    import waitress

    from device.clock import FixedClock
    from device.config import load_config
    from device.web import create_app
    from device.web.security import set_password

    data_dir = tmp_path_factory.mktemp("histories")
    store = open_database(data_dir / DB_NAME)
    ids = {name: seed_weekly(name, values, HISTORY_DAY) for name, values in HISTORIES.items()}
    cut_off = datetime.combine(HISTORY_DAY - timedelta(days=1), time(9, 5))  # yesterday morning, a power cut
    PracticeRecord.create(patient=ids["김민아"], plan="[]", started=cut_off, status="interrupted")
    seed_two_months(REPORT_PATIENT, HISTORY_DAY)
    set_password(data_dir, PASSWORD)
    config = load_config(FIXTURES / "empty-config.toml", env={})
    app = create_app(config, store, clock=FixedClock.on(HISTORY_DAY))
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", ids
    finally:
        server.close()
        thread.join(timeout=10)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_relapse_up_then_down_and_one_bad_week_read_right_in_the_browser(
    histories: tuple[str, dict[str, int]], browser: webdriver.Chrome, language: str
) -> None:
    url, ids = histories
    browser.delete_all_cookies()
    browser.set_window_size(390, 844)
    browser.get(url + "/login")
    if browser.find_element(By.TAG_NAME, "html").get_attribute("lang") != language:
        click_for_next_page(browser, browser.find_element(By.ID, f"language-{language}"))
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/month/"))
    for name, patient_id in ids.items():
        browser.get(f"{url}/patients/{patient_id}/trends")
        summary = browser.find_element(By.CSS_SELECTOR, "ul.summaries").text
        assert READS[language][name] in summary, summary
    if language == "ko":
        browser.get(f"{url}/patients/{ids['김민아']}/trends")
        shoot(browser, "trends-relapse-ko", 390)
    # The overview: the alerts come first, each a link.
    browser.set_window_size(390, 844)
    browser.get(f"{url}/patients/{ids['김민아']}/")
    alerts = browser.find_elements(By.CSS_SELECTOR, "#alerts li a")
    kinds = {a.find_element(By.XPATH, "..").get_attribute("class") for a in alerts}
    assert kinds == {"alert-missed", "alert-decline", "alert-cut_off"}
    assert alerts[0].location["y"] < browser.find_element(By.CSS_SELECTOR, "table.calendar").location["y"]
    if language == "ko":
        shoot(browser, "overview-alerts-ko", 390)


def log_in(browser: webdriver.Chrome, url: str, language: str) -> None:
    browser.delete_all_cookies()
    browser.get(url + "/login")
    if browser.find_element(By.TAG_NAME, "html").get_attribute("lang") != language:
        click_for_next_page(browser, browser.find_element(By.ID, f"language-{language}"))
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/month/"))


@pytest.mark.parametrize("language", ["ko", "en"])
def test_two_months_print_on_two_a4_pages(
    histories: tuple[str, dict[str, int]], browser: webdriver.Chrome, language: str
) -> None:
    """chromium's own print-to-PDF on A4, read back: two months of one patient
    fit two pages with the range, the table, the notes and the plan changes."""
    import base64
    import io

    from pypdf import PdfReader
    from selenium.webdriver.common.print_page_options import PrintOptions

    url, _ = histories
    who = Patient.get(Patient.name == REPORT_PATIENT).id
    log_in(browser, url, language)
    first = HISTORY_DAY - timedelta(days=60)
    browser.set_window_size(390, 844)
    browser.get(f"{url}/patients/{who}/report?from={first.isoformat()}&to={HISTORY_DAY.isoformat()}")
    assert browser.find_element(By.ID, "print").is_displayed()
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7  # A4, in centimetres
    options.background = False
    data = base64.b64decode(browser.print_page(options))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"report-{language}.pdf").write_bytes(data)
    pdf = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert len(pdf.pages) <= 2, len(pdf.pages)
    expected = {
        "ko": [
            f"{REPORT_PATIENT}",
            "2026년 10월 7일",
            "2026년 12월 6일",
            "입꼬리 움직임 좋아짐",
            "운동 세기 살살 → 보통",
        ],
        "en": [
            f"Practice report: {REPORT_PATIENT}",
            "7 October 2026",
            "6 December 2026",
            "Per exercise",
            "effort gentle → moderate",
        ],
    }[language]
    # pypdf spaces Korean glyphs apart ("2026 년  10 월") and keeps ligatures ("ﬀ"): compared without spaces, NFKC.
    squeezed = "".join(unicodedata.normalize("NFKC", text).split())
    for words in expected:
        assert "".join(words.split()) in squeezed, words
    for control in ("로그아웃", "Logout", "인쇄", "Print"):
        assert control not in squeezed, control
    if language == "ko":  # the printed page as a picture, for docs/caregiver.md
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        try:
            shoot(browser, "report-print-ko", 794)  # A4's width at 96 dpi
        finally:
            browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

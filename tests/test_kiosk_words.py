"""The kiosk's words and how they look (issue 38): every catalogue key used
is defined in both languages and every key defined is used; no sentence a
patient reads is written in Python; Korean particles; the left/right
sentence in words; spoken prompts short enough for the holds and rests they
fall in; and each screen drawn headless in Korean and English at 800x480 and
1280x720, its smallest text and the contrast of each text on what it is
drawn on measured (screenshots in the test's folder and build/screenshots/)."""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"  # before pygame opens a display
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame
import pytest
import soundfile

from device.i18n import OUTCOME_WORDS
from device.korean import with_particle
from device.practice.catalogue import catalogue
from device.practice.feedback import AMOUNTS, amount_key
from device.practice.gating import Prompt
from device.practice.plan import Effort
from device.practice.session import Stage
from device.store.models import SessionStatus
from tests.helpers import ROOT
from tests.test_kiosk import SCREENSHOTS, Driver, kiosk_config
from ui import theme
from ui.i18n import LANGUAGES, KioskWords, keys
from ui.navigation import OpenMessage, OpenProgress, OpenSettings
from ui.screens.practice import STOP_GAP, PracticeScreen
from ui.theme import DrawnText
from ui.voice import MAX_COUNT, VOICE_DIR

SOURCES = [*sorted((ROOT / "ui").rglob("*.py")), *sorted((ROOT / "device").rglob("*.py"))]
TEMPLATES = sorted((ROOT / "device" / "web" / "templates").glob("*.html"))
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def kiosk_keys() -> set[str]:
    """Every key of the kiosk's catalogues (device/strings and ui/strings), both languages."""
    return keys("ko") | keys("en")


def used_keys() -> set[str]:
    """The keys the code and the dashboard's templates name, literally or by
    their families (an enum's values after a prefix)."""
    known = kiosk_keys()
    text = "\n".join(p.read_text(encoding="utf-8") for p in [*SOURCES, *TEMPLATES])
    literal = set(re.findall(r"""["']([a-z_]+\.[a-z0-9_]+)["']""", text))
    used = {k for k in known if k in literal}
    # w.plural("home.today_done", ...) uses the key's _one and _other forms.
    used |= {k for k in known if k.rsplit("_", 1)[0] in literal and k.endswith(("_one", "_other"))}
    used |= {f"intro.effort_{e.value}" for e in Effort}
    used |= {f"status.{v}" for k, v in vars(SessionStatus).items() if k.isupper()}
    used |= set(OUTCOME_WORDS.values())
    used |= {f"prompt.{p.value}" for p in Prompt}
    used |= {f"settings.language_{language}" for language in LANGUAGES}
    used |= {key for _, key in AMOUNTS}
    # Spoken prompts are named by their file key: say("hold") speaks voice.hold.
    calls = re.findall(r"""\bsay\(([^()]*)\)""", text)
    said = {word for call in calls for word in re.findall(r"""["']([a-z_]+)["']""", call)}
    used |= {f"voice.{k}" for k in said} | {f"voice.count_{n}" for n in range(1, MAX_COUNT + 1)}
    return used


def test_every_catalogue_key_is_defined_in_both_languages_and_used() -> None:
    english_only = {k for k in keys("en") if k.endswith("_one")}  # Korean has no singular form
    assert keys("ko") == keys("en") - english_only
    used = used_keys()
    assert kiosk_keys() - used == set(), "keys defined but never used"
    text = "\n".join(p.read_text(encoding="utf-8") for p in SOURCES if "web" not in p.parts)
    for key in set(re.findall(r"""\bw\(\s*["']([a-z_]+\.[a-z0-9_]+)["']""", text)):
        assert key in keys("ko"), f"{key} is used by the kiosk but not in the Korean catalogue"
        assert key in keys("en") or f"{key}_other" in keys("en"), f"{key} is not in the English catalogue"


def _string_constants(path: Path) -> Iterator[tuple[int, str]]:
    """The string constants of a module, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_sentence_a_patient_reads_or_hears_is_written_in_python() -> None:
    """Korean in a Python string is a sentence that bypassed the catalogue.
    The exceptions: device/korean.py's particles (grammar, not words) and
    device/settings.py's default names (a name, and its help text)."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in SOURCES
        if path.name not in {"korean.py", "settings.py"} and "web" not in path.parts
        for line, text in _string_constants(path)
        if HANGUL.search(text)
    ]
    assert found == []


def test_particles_follow_the_word_before_them() -> None:
    assert with_particle("왼쪽", "은") == "왼쪽은"
    assert with_particle("김영희", "은") == "김영희는"
    assert with_particle("서울", "으로") == "서울로"  # ㄹ takes 로
    assert with_particle("오른쪽", "로") == "오른쪽으로"  # either form names the pair
    assert with_particle("3", "이") == "3이"  # 삼
    assert with_particle("4", "을") == "4를"  # 사
    assert with_particle("10", "과") == "10과"  # 십
    assert with_particle("7", "으로") == "7로"  # 칠
    assert KioskWords("ko")("balance.hardly", weak="왼쪽") == "얼굴 왼쪽은 거의 움직이지 않았어요."


@pytest.mark.parametrize(
    ("ratio", "ko", "en"),
    [(0.5, "절반쯤", "about half"), (0.65, "3분의 2쯤", "about two thirds"), (0.25, "4분의 1쯤", "about a quarter")],
)
def test_the_left_right_sentence_says_the_amount_in_words(ratio: float, ko: str, en: str) -> None:
    key = amount_key(ratio)
    korean = KioskWords("ko")("balance.moved", weak="왼쪽", strong="오른쪽", amount=KioskWords("ko")(key))
    assert korean == f"얼굴 왼쪽은 오른쪽의 {ko} 움직였어요."
    assert "%" not in korean
    english = KioskWords("en")("balance.moved", weak="left", strong="right", amount=KioskWords("en")(key))
    assert english == f"Your left side moved {en} as much as your right side."


def _seconds(language: str, key: str) -> float:
    return float(soundfile.info(str(VOICE_DIR / language / f"{key}.ogg")).duration)


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_is_said_in_a_hold_or_a_rest_fits_in_it(language: str) -> None:
    """ "Hold" is heard within the shortest hold, with half a second to spare;
    "relax" and the count within the shortest rest, with "once more" after."""
    hold = _seconds(language, "hold")
    rest = _seconds(language, "relax") + max(_seconds(language, f"count_{n}") for n in range(1, MAX_COUNT + 1))
    for exercise in catalogue().values():
        assert hold <= exercise.hold_s - 0.5, f"{language}: hold takes {hold:.1f} s in {exercise.id}'s hold"
        assert rest <= exercise.rest_s, f"{language}: relax and count take {rest:.1f} s in {exercise.id}'s rest"
    assert _seconds(language, "again") <= 2.0  # said as the next movement starts: short


# -- each screen, drawn and measured ----------------------------------------------

SIZES = [(800, 480), (1280, 720)]


def measure(driver: Driver, name: str, out: Path) -> list[DrawnText]:
    """Draw the current screen once, auditing its text; save it in `out` and build/screenshots."""
    t = driver.kiosk.theme
    t.audit = []
    driver.kiosk.step()
    drawn, t.audit = t.audit, None
    size = f"{driver.size[0]}x{driver.size[1]}"
    for folder in (out, SCREENSHOTS):
        folder.mkdir(parents=True, exist_ok=True)
        pygame.image.save(driver.surface, str(folder / f"kiosk-{name}-{size}.png"))
    return drawn


def check(drawn: list[DrawnText], screen: str, scale: float) -> float:
    """Every line at least MIN_TEXT (scaled) and 4.5:1 on its background; the smallest height."""
    assert drawn, f"{screen}: no text drawn"
    smallest = min(d.pixels for d in drawn)
    assert smallest >= round(theme.MIN_TEXT * scale), f"{screen}: text of {smallest} px"
    for d in drawn:
        ratio = theme.contrast(d.colour, d.background)
        assert ratio >= 4.5, f"{screen}: {d.text!r} {d.colour} on {d.background} is {ratio:.2f}:1"
    return smallest


def test_the_theme_colours_meet_wcag_contrast() -> None:
    """Text colours 4.5:1 on each surface they are drawn on; edges 3:1 on the background."""
    for text in (theme.TEXT, theme.MUTED, theme.GOOD, theme.WARN, theme.CALM, theme.ACCENT_TEXT):
        for surface in (theme.BACKGROUND, theme.PANEL):
            assert theme.contrast(text, surface) >= 4.5, (text, surface)
    for fill in (theme.BUTTON, theme.ACCENT):
        assert theme.contrast(theme.BUTTON_TEXT, fill) >= 4.5, fill
    assert theme.contrast(theme.BACKGROUND, theme.WARN) >= 4.5  # the prompt banner
    assert theme.contrast(theme.EDGE, theme.BACKGROUND) >= 3.0
    assert theme.contrast(theme.EDGE, theme.PANEL) >= 3.0
    assert theme.contrast(theme.TEXT, theme.BUTTON) >= 3.0  # a chosen button's outline


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_screen_is_legible(tmp_path: Path, language: str, size: tuple[int, int]) -> None:
    config = kiosk_config(tmp_path / "data", "demo", **{"kiosk.language": language, "camera.replay_loop": True})
    driver = Driver(config, size)
    out = tmp_path / "screenshots"
    scale = size[1] / theme.BASE_HEIGHT
    smallest: dict[str, float] = {}
    try:
        kiosk = driver.kiosk
        smallest["home"] = check(measure(driver, f"home-{language}", out), "home", scale)
        driver.tap("choose")
        smallest["choose"] = check(measure(driver, f"choose-{language}", out), "choose", scale)
        driver.tap("exercise:brow_raise")
        smallest["intro"] = check(measure(driver, f"intro-{language}", out), "intro", scale)
        driver.tap("start")
        practice = kiosk.screen
        assert isinstance(practice, PracticeScreen)
        driver.run_until(lambda: practice.state is not None)
        smallest["calibration"] = check(measure(driver, f"calibration-{language}", out), "calibration", scale)
        driver.run_until(lambda: practice.state is not None and practice.state.stage is Stage.EXERCISING)
        smallest["practice"] = check(measure(driver, f"practice-{language}", out), "practice", scale)
        stop, others = driver.button("stop"), [driver.button(n) for n in ("skip", "begin")]
        gaps = [max(o.left - stop.right, stop.left - o.right, o.top - stop.bottom, stop.top - o.bottom) for o in others]
        gap = min(gaps)
        assert gap >= round(STOP_GAP * scale)  # 10 mm on the 7" display
        driver.tap("stop")
        smallest["question"] = check(measure(driver, f"stop-question-{language}", out), "question", scale)
        driver.tap("stop_yes")
        assert kiosk.screen.name == "summary"
        smallest["summary"] = check(measure(driver, f"summary-{language}", out), "summary", scale)
        kiosk.go(OpenProgress())
        smallest["progress"] = check(measure(driver, f"progress-{language}", out), "progress", scale)
        kiosk.go(OpenSettings())
        smallest["settings"] = check(measure(driver, f"settings-{language}", out), "settings", scale)
        kiosk.go(OpenMessage("practice.no_face", "practice.no_face_help"))
        smallest["message"] = check(measure(driver, f"no-face-{language}", out), "message", scale)
    finally:
        driver.close()
    print(language, size, smallest)

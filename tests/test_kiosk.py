"""The kiosk headless (SDL_VIDEODRIVER=dummy): a whole practice session on the
replay camera driven by touch events, what was stored, the bad inputs, and
screenshots of every screen at 800x480 and 1920x1080 (build/screenshots/,
looked at by eye; some are in the README)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"  # before pygame opens a display
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame
import pytest

from device.config import Config, load_config
from device.store.db import DB_NAME
from device.store.models import Patient, PracticeRecord, RepRecord, SessionStatus
from tests.conftest import ROOT
from ui import theme
from ui.app import Kiosk
from ui.display import choose_driver
from ui.i18n import LANGUAGES, Words, keys
from ui.screens.practice import PracticeScreen
from ui.screens.summary import encouragement_key
from ui.theme import Theme

SCREENSHOTS = ROOT / "build" / "screenshots"
SIZES = [(800, 480), (1920, 1080)]


def kiosk_config(data_dir: Path, camera: str, **extra: object) -> Config:
    overrides: dict[str, object] = {
        "device.data_dir": str(data_dir),
        "camera.source": camera,
        "camera.replay_realtime": False,  # as fast as vision goes: the test does not wait for the clock
        "camera.replay_loop": False,
        "camera.replay_fps": 5,
        "kiosk.language": "en",
    }
    return load_config(path=None, env={}, overrides=overrides | extra)


class Driver:
    """Touches the kiosk like a finger would and steps its loop."""

    def __init__(self, config: Config, size: tuple[int, int]) -> None:
        pygame.display.init()
        pygame.font.init()
        self.surface = pygame.display.set_mode(size)
        self.size = size
        self.kiosk = Kiosk(config, self.surface)
        self.kiosk.step()

    def button(self, name: str) -> pygame.Rect:
        found = [b for b in self.kiosk.screen.buttons if b.name == name]
        assert found, f"no button {name} on {self.kiosk.screen.name}: {[b.name for b in self.kiosk.screen.buttons]}"
        return found[0].rect

    def touch(self, position: tuple[int, int], hold_s: float = 0.0) -> None:
        x, y = position[0] / self.size[0], position[1] / self.size[1]
        common = {"x": x, "y": y, "dx": 0.0, "dy": 0.0, "touch_id": 0, "finger_id": 0, "pressure": 1.0}
        pygame.event.post(pygame.event.Event(pygame.FINGERDOWN, common))
        self.kiosk.step()
        if hold_s:
            end = time.monotonic() + hold_s
            while time.monotonic() < end:
                self.kiosk.step()
                time.sleep(0.02)
        pygame.event.post(pygame.event.Event(pygame.FINGERUP, common))
        self.kiosk.step()

    def tap(self, name: str) -> None:
        self.touch(self.button(name).center)

    def start_exercise(self, exercise_id: str) -> None:
        """Home -> choose -> the exercise's intro -> start."""
        for name in ("choose", f"exercise:{exercise_id}", "start"):
            self.tap(name)

    def run_until(self, done: Callable[[], bool], timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < end, f"timed out on {self.kiosk.screen.name}"
            self.kiosk.step()
            time.sleep(0.005)

    def shot(self, name: str) -> Path:
        self.kiosk.step()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"kiosk-{name}-{self.size[0]}x{self.size[1]}.png"
        pygame.image.save(self.surface, str(path))
        return path

    def close(self) -> None:
        self.kiosk.close()
        pygame.display.quit()


@pytest.fixture
def driver_factory() -> Iterator[Callable[..., Driver]]:
    made: list[Driver] = []

    def make(config: Config, size: tuple[int, int] = (800, 480)) -> Driver:
        made.append(Driver(config, size))
        return made[-1]

    yield make
    for driver in made:
        driver.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_patient_practises_alone_from_home_to_summary(
    driver_factory: Callable[..., Driver], right_smile_clip: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    driver = driver_factory(kiosk_config(tmp_path, f"replay:{right_smile_clip}"), size)
    kiosk = driver.kiosk
    assert kiosk.screen.name == "home"
    driver.shot("home")
    driver.tap("choose")
    assert kiosk.screen.name == "choose"
    driver.shot("choose")
    driver.tap("exercise:closed_smile")
    assert kiosk.screen.name == "intro"
    driver.shot("intro")
    driver.tap("start")
    assert isinstance(kiosk.screen, PracticeScreen)
    practice = kiosk.screen
    driver.run_until(lambda: practice.state is not None)
    driver.shot("calibration")
    driver.run_until(lambda: practice.state is not None and practice.state.reps_done >= 1)
    driver.shot("practice")
    driver.run_until(lambda: kiosk.screen.name == "summary")
    driver.shot("summary")
    assert practice.score_updates > 10  # the live score moved with the face

    [record] = PracticeRecord.select()
    assert record.status == SessionStatus.COMPLETED
    assert record.patient.name == "patient"
    assert RepRecord.select().where(RepRecord.session == record).count() == 5
    assert record.score is not None
    assert record.score > 0

    driver.tap("done")
    assert kiosk.screen.name == "home"
    driver.tap("progress")
    driver.touch(next(rect.center for rect, day in kiosk.screen.cells if day == date.today()))  # type: ignore[attr-defined]
    assert kiosk.screen.chosen_sessions == [record]  # type: ignore[attr-defined]
    driver.shot("progress")


def test_leaving_half_way_is_stored_as_stopped(
    driver_factory: Callable[..., Driver], right_smile_clip: Path, tmp_path: Path
) -> None:
    driver = driver_factory(kiosk_config(tmp_path, f"replay:{right_smile_clip}"))
    driver.start_exercise("closed_smile")
    practice = driver.kiosk.screen
    assert isinstance(practice, PracticeScreen)
    driver.run_until(lambda: practice.state is not None and practice.state.reps_done >= 1)
    driver.tap("stop")
    assert driver.kiosk.screen.name == "summary"
    [record] = PracticeRecord.select()
    assert record.status == SessionStatus.STOPPED
    assert practice.pipeline is None  # the camera was released


def test_idle_kiosk_returns_home(driver_factory: Callable[..., Driver], tmp_path: Path) -> None:
    driver = driver_factory(kiosk_config(tmp_path, "demo", **{"kiosk.idle_timeout_s": 10}))
    driver.tap("progress")
    assert driver.kiosk.screen.name == "progress"
    driver.kiosk.last_input -= 11
    driver.kiosk.step()
    assert driver.kiosk.screen.name == "home"


def test_no_camera_says_so_and_recovers_when_it_returns(
    driver_factory: Callable[..., Driver], right_smile_clip: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "unplugged"
    driver = driver_factory(kiosk_config(tmp_path, f"replay:{missing}"))
    driver.start_exercise("closed_smile")
    assert driver.kiosk.screen.name == "message"
    driver.shot("no-camera")
    missing.symlink_to(right_smile_clip)  # the cable is plugged back in
    driver.kiosk.screen._since -= 5  # type: ignore[attr-defined]  # the automatic retry is due
    driver.kiosk.step()
    assert driver.kiosk.screen.name == "practice"


def test_unwritable_database_still_practises_and_says_it_is_not_saved(
    driver_factory: Callable[..., Driver], right_smile_clip: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_bytes(b"this is not a database" * 100)
    driver = driver_factory(kiosk_config(data, f"replay:{right_smile_clip}"))
    assert driver.kiosk.store_error is not None
    driver.start_exercise("closed_smile")
    driver.run_until(lambda: driver.kiosk.screen.name == "summary")
    assert not driver.kiosk.screen.saved  # type: ignore[attr-defined]
    driver.shot("not-saved")


def test_a_screen_error_shows_a_friendly_message_not_a_traceback(
    driver_factory: Callable[..., Driver], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    driver = driver_factory(kiosk_config(tmp_path, "demo"))

    def broken(surface: pygame.Surface) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(driver.kiosk.screen, "draw", broken)
    driver.kiosk.step()
    assert driver.kiosk.screen.name == "message"
    driver.tap("retry")
    assert driver.kiosk.screen.name == "home"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_settings_open_on_a_long_press_and_switch_language(
    driver_factory: Callable[..., Driver], tmp_path: Path, size: tuple[int, int]
) -> None:
    driver = driver_factory(kiosk_config(tmp_path, "demo"), size)
    driver.touch((size[0] - 10, 10))  # a short tap on the corner does nothing
    assert driver.kiosk.screen.name == "home"
    driver.touch((size[0] - 10, 10), hold_s=1.6)
    assert driver.kiosk.screen.name == "settings"
    driver.tap("language:ko")
    assert driver.kiosk.words.language == "ko"
    driver.tap("camera_check")
    driver.run_until(lambda: driver.kiosk.screen.picture is not None, timeout=20)  # type: ignore[attr-defined]
    driver.shot("settings")
    driver.tap("back")
    driver.shot("home-ko")


def test_several_patients_choose_who_practises(driver_factory: Callable[..., Driver], tmp_path: Path) -> None:
    driver = driver_factory(kiosk_config(tmp_path, "demo"))
    Patient.create(name="Mina")
    driver.kiosk.screen.layout()
    driver.tap("patient:Mina")
    assert driver.kiosk.patient is not None
    assert driver.kiosk.patient.name == "Mina"
    driver.shot("home-patients")


# -- words ---------------------------------------------------------------------


def test_both_languages_have_every_string() -> None:
    assert keys("ko") == keys("en")
    for language in LANGUAGES:
        words = Words(language)
        assert words("practice.reps", done=2, planned=5)
    assert "2" in Words("ko")("practice.reps", done=2, planned=5)


def test_encouragement_compares_with_earlier_sessions() -> None:
    assert encouragement_key(60, []) == "summary.first"
    assert encouragement_key(80, [60, 62]) == "summary.better"
    assert encouragement_key(62, [60, 62]) == "summary.same"
    assert encouragement_key(40, [60, 62]) == "summary.worse"


def test_display_driver_is_kmsdrm_on_a_console_and_the_desktop_elsewhere() -> None:
    assert choose_driver({}) == "kmsdrm"
    assert choose_driver({"DISPLAY": ":0"}) is None
    assert choose_driver({"WAYLAND_DISPLAY": "wayland-0"}) is None
    assert choose_driver({"SDL_VIDEODRIVER": "dummy", "DISPLAY": ":0"}) == "dummy"


def test_an_interrupted_session_from_a_power_cut_is_closed_at_start(
    driver_factory: Callable[..., Driver], tmp_path: Path
) -> None:
    from device.store.db import open_database

    open_database(tmp_path / DB_NAME)
    patient = Patient.create(name="patient")
    PracticeRecord.create(patient=patient, plan="[]", started=datetime.now() - timedelta(minutes=5))
    driver_factory(kiosk_config(tmp_path, "demo"))
    [record] = PracticeRecord.select()
    assert record.status == SessionStatus.INTERRUPTED


def test_a_camera_lost_mid_session_is_said_stored_as_stopped_and_recovered(
    driver_factory: Callable[..., Driver], right_smile_clip: Path, tmp_path: Path
) -> None:
    import shutil

    clip = tmp_path / "clip"
    shutil.copytree(right_smile_clip, clip)
    driver = driver_factory(kiosk_config(tmp_path, f"replay:{clip}", **{"camera.replay_loop": True}))
    driver.start_exercise("closed_smile")
    practice = driver.kiosk.screen
    assert isinstance(practice, PracticeScreen)
    driver.run_until(lambda: practice.state is not None and practice.state.reps_done >= 1)
    hidden = tmp_path / "unplugged"
    clip.rename(hidden)  # the cable is pulled
    driver.run_until(lambda: driver.kiosk.screen.name == "message", timeout=30)
    assert driver.kiosk.screen.title_key == "message.camera_lost"  # type: ignore[attr-defined]
    [record] = PracticeRecord.select()
    assert record.status == SessionStatus.STOPPED
    hidden.rename(clip)  # and plugged back in
    driver.kiosk.screen._since -= 5  # type: ignore[attr-defined]  # the automatic retry is due
    driver.kiosk.step()
    assert driver.kiosk.screen.name == "practice"


def test_labels_are_rendered_once_shrunk_to_fit_and_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    pygame.font.init()
    t = Theme((800, 480))
    wide = t.fitted_text("Raise both eyebrows", 40, theme.TEXT, 600, 80)
    assert t.fitted_text("Raise both eyebrows", 40, theme.TEXT, 600, 80) is wide  # the next frame reuses it
    narrow = t.fitted_text("Raise both eyebrows", 40, theme.TEXT, 150, 80)
    assert narrow.get_width() <= 150 < wide.get_width()
    monkeypatch.setattr("ui.theme.TEXT_CACHE_SIZE", 3)
    for score in range(10):
        t.fitted_text(f"{score}%", 40, theme.TEXT, 200, 80)
    assert t.fitted_text("9%", 40, theme.TEXT, 200, 80) is t.fitted_text("9%", 40, theme.TEXT, 200, 80)
    assert len(t._texts) == 3

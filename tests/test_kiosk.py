"""The kiosk headless (SDL_VIDEODRIVER=dummy): a whole practice session on the
replay camera driven by touch events, what was stored, the bad inputs, and
screenshots of every screen at 800x480 and 1920x1080 (build/screenshots/,
looked at by eye; some are in the README)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import get_args

os.environ["SDL_VIDEODRIVER"] = "dummy"  # before pygame opens a display
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame
import pytest

from device.clock import SYSTEM_CLOCK, Clock, FixedClock
from device.config import Config, load_config
from device.practice.feedback import asymmetry_sentence
from device.practice.plan import Side
from device.practice.session import Stage
from device.progress import encouragement_key
from device.store.db import DB_NAME
from device.store.models import ExerciseRecord, Patient, PracticeRecord, RepRecord, SessionSource, SessionStatus
from device.store.writer import writer
from tests.helpers import ROOT
from ui import theme
from ui.app import Kiosk
from ui.display import choose_driver
from ui.i18n import LANGUAGES, KioskWords, keys
from ui.navigation import OpenPractice, OpenSummary
from ui.preferences import FILE_NAME
from ui.screens.practice import PracticeScreen
from ui.sound import Cue
from ui.theme import Theme
from ui.voice import phrases, voice_file

SCREENSHOTS = ROOT / "build" / "screenshots"
SIZES = [(800, 480), (1920, 1080)]
# The date of the tests that seed a day: never the machine's (the last day of a year, on purpose).
DAY = date(2026, 12, 31)


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

    def __init__(
        self,
        config: Config,
        size: tuple[int, int],
        clock: Callable[[], float] = time.monotonic,
        calendar: Clock = SYSTEM_CLOCK,
    ) -> None:
        pygame.display.init()
        pygame.font.init()
        self.surface = pygame.display.set_mode(size)
        self.size = size
        self.kiosk = Kiosk(config, self.surface, clock, calendar)
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

    def practise(self, exercise_id: str) -> PracticeScreen:
        """Start the exercise from the home screen; its practice screen."""
        self.start_exercise(exercise_id)
        practice = self.kiosk.screen
        assert isinstance(practice, PracticeScreen)
        return practice

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

    def make(
        config: Config,
        size: tuple[int, int] = (800, 480),
        clock: Callable[[], float] = time.monotonic,
        calendar: Clock = SYSTEM_CLOCK,
    ) -> Driver:
        made.append(Driver(config, size, clock, calendar))
        return made[-1]

    yield make
    for driver in made:
        driver.close()


def test_every_intent_opens_its_screen_with_its_arguments(
    driver_factory: Callable[..., Driver], tmp_path: Path
) -> None:
    """The one table (screen_for) answers every intent of ui/navigation.py,
    each with the screen it names and the arguments it carries."""
    from device.practice.plan import single_exercise_plan
    from device.practice.session import SessionResult
    from ui.app import screen_for
    from ui.navigation import (
        Intent,
        OpenChoose,
        OpenHome,
        OpenIntro,
        OpenMessage,
        OpenProgress,
        OpenSettings,
    )
    from ui.screens.intro import IntroScreen
    from ui.screens.message import MessageScreen
    from ui.screens.progress import ProgressScreen
    from ui.screens.summary import SummaryScreen

    kiosk = driver_factory(kiosk_config(tmp_path, "demo"), calendar=FixedClock.on(DAY)).kiosk
    plan = single_exercise_plan("brow_raise")
    result = SessionResult((), None, {})
    intents: list[tuple[Intent, str]] = [
        (OpenHome(), "home"),
        (OpenChoose(), "choose"),
        (OpenIntro(plan), "intro"),
        (OpenPractice(plan, first_intro=False), "practice"),
        (OpenSummary(result, [(0.0, 50.0)], saved=lambda: True, session_id=None, counted=False), "summary"),
        (OpenProgress(date(2026, 3, 14)), "progress"),
        (OpenSettings(), "settings"),
        (OpenMessage("practice.no_face", "practice.no_face_help", retry=OpenHome(), auto_retry=True), "message"),
    ]
    assert {type(intent) for intent, _ in intents} == set(get_args(Intent))  # none left out of this test
    screens = {name: screen_for(kiosk, intent) for intent, name in intents}
    assert {name: screen.name for name, screen in screens.items()} == {name: name for _, name in intents}
    intro, practice, summary = screens["intro"], screens["practice"], screens["summary"]
    progress, message = screens["progress"], screens["message"]
    assert isinstance(intro, IntroScreen)
    assert isinstance(practice, PracticeScreen)
    assert isinstance(summary, SummaryScreen)
    assert isinstance(progress, ProgressScreen)
    assert isinstance(message, MessageScreen)
    assert (intro.plan, practice.plan, practice.first_intro) == (plan, plan, False)
    assert (summary.result, summary.timeline, summary.counted) == (result, [(0.0, 50.0)], False)
    assert progress.month == date(2026, 3, 1)
    assert (message.retry, message.keeps_awake) == (OpenHome(), True)
    this_month = screen_for(kiosk, OpenProgress())
    assert isinstance(this_month, ProgressScreen)
    assert this_month.month == DAY.replace(day=1)  # the kiosk's calendar


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.slow
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

    [record] = stored_sessions()
    assert record.status == SessionStatus.COMPLETED
    assert record.patient.name == "환자"  # the default name is Korean, as the kiosk is
    assert RepRecord.select().where(RepRecord.session == record).count() == 5
    assert record.score is not None
    assert record.score > 0

    assert record.source == SessionSource.DEMO  # a replay, not the patient's camera
    driver.tap("done")
    assert kiosk.screen.name == "home"
    driver.tap("progress")
    driver.touch(next(rect.center for rect, day in kiosk.screen.cells if day == kiosk.calendar.today()))  # type: ignore[attr-defined]
    assert kiosk.screen.chosen_sessions == []  # type: ignore[attr-defined]  # never counted as practice


@pytest.mark.slow
def test_leaving_half_way_is_stored_as_stopped(
    driver_factory: Callable[..., Driver], right_smile_clip: Path, tmp_path: Path
) -> None:
    driver = driver_factory(kiosk_config(tmp_path, f"replay:{right_smile_clip}"))
    practice = driver.practise("closed_smile")
    driver.run_until(lambda: practice.state is not None and practice.state.reps_done >= 1)
    driver.tap("stop")  # End asks once: the session goes on until the answer
    assert driver.kiosk.screen is practice
    assert {b.name for b in practice.shown_buttons()} == {"stop_yes", "stop_no"}
    driver.shot("stop-question")
    driver.tap("stop_no")
    assert driver.kiosk.screen is practice
    assert not practice.asking
    driver.tap("stop")
    driver.tap("stop_yes")
    assert driver.kiosk.screen.name == "summary"
    [record] = stored_sessions()
    assert record.status == SessionStatus.STOPPED
    assert practice.pipeline is None  # the camera was released


@pytest.mark.slow
def test_the_drawing_thread_never_writes_the_database_even_a_slow_one(
    driver_factory: Callable[..., Driver], right_smile_clip: Path, tmp_path: Path
) -> None:
    """Every write of a whole session goes through the store's writer thread,
    and with each write 50 ms slow the session is still stored whole."""
    import threading

    from device.store.models import database

    driver = driver_factory(kiosk_config(tmp_path, f"replay:{right_smile_clip}"))
    writers: list[str] = []
    execute = database.obj.execute_sql

    def slow_execute(sql: str, *args: object, **kwargs: object) -> object:
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writers.append(threading.current_thread().name)
            time.sleep(0.05)
        return execute(sql, *args, **kwargs)

    database.obj.execute_sql = slow_execute
    driver.start_exercise("closed_smile")
    driver.run_until(lambda: driver.kiosk.screen.name == "summary")
    driver.close()  # waits for the writer
    assert writers
    assert set(writers) == {"store-writer"}
    [record] = stored_sessions()
    assert record.status == SessionStatus.COMPLETED
    assert RepRecord.select().where(RepRecord.session == record).count() == 5


class StepClock:
    """The kiosk's clock, moved on by the test: a second a frame, so a whole
    plan lasts many idle timeouts on it while the replay runs at full speed."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def stored_sessions() -> list[PracticeRecord]:
    """The sessions in the store once its writer has caught up. The kiosk
    never waits for a write (a screen can change before its session is
    stored), so a test reads what was stored only after the writer's queue."""
    assert writer().flush(10), "the store's writer did not catch up in 10 s"
    return list(PracticeRecord.select())


def worker_threads() -> list[str]:
    """The live pipeline's threads still running (the store's writer outlives sessions)."""
    import threading

    return [t.name for t in threading.enumerate() if t.name in {"capture", "vision", "classifier"} and t.is_alive()]


@pytest.mark.slow
def test_the_default_plan_untouched_ends_on_its_summary_which_waits_its_own_idle_time(
    driver_factory: Callable[..., Driver], tmp_path: Path
) -> None:
    """Nobody touches the screen from Start to the end of the six exercises
    (minutes on the kiosk's clock, past the idle timeout many times over):
    the summary is shown, and goes home only once it has itself waited the
    idle time without a touch."""
    clock = StepClock()
    config = kiosk_config(
        tmp_path,
        "demo",
        **{"kiosk.language": "ko", "practice.intro_s": 1.0, "practice.exercise_limit_s": 15.0,
           "camera.replay_loop": True, "kiosk.idle_timeout_s": 30},
    )  # fmt: skip
    driver = driver_factory(config, clock=clock)
    kiosk = driver.kiosk
    driver.tap("start_plan")
    practice = kiosk.screen
    assert isinstance(practice, PracticeScreen)
    frames = 0

    def a_second_a_frame() -> bool:
        nonlocal frames
        clock.t += 1.0
        frames += 1
        return kiosk.screen is not practice

    driver.run_until(a_second_a_frame, timeout=400)
    assert frames > 3 * config.kiosk.idle_timeout_s  # the practice outlasted the idle timeout
    assert kiosk.screen.name == "summary"
    driver.shot("plan-summary-ko")
    [record] = stored_sessions()
    assert record.status == SessionStatus.COMPLETED
    assert worker_threads() == []
    for _ in range(29):
        clock.t += 1.0
        kiosk.step()
    assert kiosk.screen.name == "summary"  # 29 s untouched: still there
    clock.t += 2.0
    kiosk.step()
    assert kiosk.screen.name == "home"


def fail_after(calls: int, error: Exception) -> Callable[..., object]:
    """Wraps a stage's real work: it runs `calls` times, then raises `error` (an injected fault)."""
    count = 0

    def wrap(original: Callable[..., object]) -> Callable[..., object]:
        def run(*args: object, **kwargs: object) -> object:
            nonlocal count
            count += 1
            if count > calls:
                raise error
            return original(*args, **kwargs)

        return run

    return wrap


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["camera", "vision", "feed", "classifier", "closing"])
def test_every_way_out_of_a_session_stores_it_and_stops_its_threads(
    driver_factory: Callable[..., Driver],
    right_smile_clip: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stage: str,
) -> None:
    """An error in each stage of the live session, and the kiosk closing:
    the session is stored with a status that says what happened and the
    reps done so far, the patient sees a message (never a traceback), and
    no camera or worker thread is left running."""
    from device.camera.replay import ReplayCamera
    from device.practice.live import LiveSession
    from device.vision.analysis import FrameAnalyser

    config = kiosk_config(tmp_path, f"replay:{right_smile_clip}", **{"camera.replay_loop": True})
    driver = driver_factory(config)
    kiosk = driver.kiosk
    if stage == "classifier":
        # It first runs in the expression exercise (the replay's calibration does not ask it).
        assert kiosk.classifier is not None
        monkeypatch.setattr(kiosk.classifier, "predict_input", fail_after(0, RuntimeError("tensor arena"))(
            kiosk.classifier.predict_input))  # fmt: skip
    practice = driver.practise("happy" if stage == "classifier" else "closed_smile")
    if stage != "classifier":
        driver.run_until(lambda: practice.state is not None and practice.state.reps_done >= 1)
        broken = fail_after(0, RuntimeError(f"injected into {stage}"))
        if stage == "camera":
            monkeypatch.setattr(ReplayCamera, "read", broken(ReplayCamera.read))
        elif stage == "vision":
            monkeypatch.setattr(FrameAnalyser, "analyse", broken(FrameAnalyser.analyse))
        elif stage == "feed":
            monkeypatch.setattr(LiveSession, "feed", broken(LiveSession.feed))
    if stage == "closing":
        kiosk.close()  # the service is stopped, or the window closed
    else:
        driver.run_until(lambda: kiosk.screen.name == "message", timeout=30)
        assert kiosk.screen.title_key == "message.error"  # type: ignore[attr-defined]
    assert worker_threads() == []
    assert practice.pipeline is None
    [record] = stored_sessions()
    expected = SessionStatus.INTERRUPTED if stage == "closing" else SessionStatus.FAILED
    assert record.status == expected
    assert record.ended is not None
    [done] = ExerciseRecord.select().where(ExerciseRecord.session == record)
    assert done.outcome == "stopped"
    if stage != "classifier":
        assert done.reps_done >= 1  # what was done is kept
        assert RepRecord.select().where(RepRecord.session == record).count() == done.reps_done


@pytest.mark.slow
def test_a_database_failing_mid_session_closes_it_as_not_fully_saved(
    driver_factory: Callable[..., Driver], right_smile_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The recorder's stage: a write fails on the store's thread; the
    practice goes on to its summary, which says it was not saved, and the
    session is closed as save_failed, never left running."""
    import sqlite3

    driver = driver_factory(kiosk_config(tmp_path, f"replay:{right_smile_clip}"))
    monkeypatch.setattr(RepRecord, "create", fail_after(1, sqlite3.OperationalError("disk I/O error"))(
        RepRecord.create))  # fmt: skip
    driver.start_exercise("closed_smile")
    driver.run_until(lambda: driver.kiosk.screen.name == "summary")
    assert writer().flush(10)
    assert not driver.kiosk.screen.saved()  # type: ignore[attr-defined]
    assert worker_threads() == []
    [record] = stored_sessions()
    assert record.status == SessionStatus.SAVE_FAILED
    assert RepRecord.select().where(RepRecord.session == record).count() == 1  # the write before the failure


@pytest.mark.slow
def test_a_drooping_face_calibrates_on_the_patients_camera_and_a_still_exercise_times_out(
    driver_factory: Callable[..., Driver],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    landmarker: object,
    demo_rest_frame: object,
) -> None:
    """A face whose left mouth corner droops at rest, as on the patient's own
    camera (so the expression model runs during calibration, as it does
    there): calibration ends and is stored, and an exercise the face never
    does times out, is said on the summary and stored as such (Korean, 800x480)."""
    import cv2
    import numpy as np

    from device.store.models import CalibrationRecord
    from device.vision.landmarks import FaceLandmarker
    from model_export.face_warp import one_sided_smile, warp_face
    from tests.helpers import CLIP_FPS, write_clip

    assert isinstance(landmarker, FaceLandmarker)
    assert isinstance(demo_rest_frame, np.ndarray)
    points = landmarker.analyse(cv2.cvtColor(demo_rest_frame, cv2.COLOR_BGR2GRAY)).points
    assert points is not None
    droop = warp_face(demo_rest_frame, points, one_sided_smile("left", -0.8))
    clip = write_clip(tmp_path / "droop", [(droop, 18.0)], CLIP_FPS, ".jpg")
    monkeypatch.setattr("ui.screens.practice.is_live", lambda camera: True)  # the replay stands in for the camera
    config = kiosk_config(
        tmp_path / "data", f"replay:{clip}", **{"kiosk.language": "ko", "practice.exercise_limit_s": 10.0}
    )
    driver = driver_factory(config)
    practice = driver.practise("closed_smile")
    driver.run_until(lambda: practice.state is not None and practice.state.calibration_progress > 0.3)
    driver.shot("calibration-droop-ko")
    driver.run_until(lambda: practice.state is not None and practice.state.stage is Stage.EXERCISING)
    driver.run_until(lambda: practice.state is not None and (practice.state.time_left or 0) < 1.5)
    driver.shot("time-running-out-ko")
    driver.run_until(lambda: driver.kiosk.screen.name == "summary")
    driver.shot("timed-out-summary-ko")
    driver.close()  # waits for the writer
    [record] = stored_sessions()
    assert record.source == SessionSource.CAMERA
    assert record.status == SessionStatus.COMPLETED  # the plan ran to its end
    [calibration] = CalibrationRecord.select().where(CalibrationRecord.session == record)
    assert calibration.frames >= 2 * CLIP_FPS
    # The demo's face smiles slightly even drooped, and the model reads it so:
    # refused twice, the stillest rest is taken, said on screen and stored.
    assert practice.live is not None
    assert practice.live.session.calibration is not None
    assert calibration.fallback == practice.live.session.calibration.fallback
    [done] = ExerciseRecord.select().where(ExerciseRecord.session == record)
    assert done.outcome == "timed_out"
    assert done.reps_done == 0


def test_an_exercise_chosen_from_the_list_is_told_like_a_plan_step(
    driver_factory: Callable[..., Driver], tmp_path: Path
) -> None:
    driver = driver_factory(kiosk_config(tmp_path, "demo"))
    driver.tap("choose")
    driver.tap("exercise:gentle_eye_closure")
    assert driver.kiosk.screen.name == "intro"
    assert driver.kiosk.cues.spoken["exercise_gentle_eye_closure"] == 1
    driver.kiosk.step()
    assert driver.kiosk.cues.spoken["exercise_gentle_eye_closure"] == 1  # once, not every frame


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


@pytest.mark.slow
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
    assert not driver.kiosk.screen.saved()  # type: ignore[attr-defined]
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
@pytest.mark.slow  # runs the camera check's live pipeline
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


def test_every_one_of_twelve_patients_can_be_chosen_at_the_bedside(
    driver_factory: Callable[..., Driver], tmp_path: Path
) -> None:
    """More patients than fit in a row: pages of them, the last button turning
    the page, so the dashboard never adds a patient the kiosk cannot reach."""
    driver = driver_factory(kiosk_config(tmp_path, "demo"))
    names = [f"환자 {n:02d}" for n in range(11)]  # and the kiosk's own default patient: twelve
    for name in names:
        Patient.create(name=name)
    home = driver.kiosk.screen
    home.layout()
    everyone = {p.name for p in driver.kiosk.patients()}
    assert len(everyone) == 12
    seen: set[str] = set()
    for _ in range(len(everyone)):
        shown = {b.name.removeprefix("patient:") for b in home.buttons if b.name.startswith("patient:")}
        seen |= shown
        if seen == everyone:
            break
        driver.tap("patients:more")
    assert seen == everyone
    driver.tap("patient:환자 10")
    assert driver.kiosk.patient is not None
    assert driver.kiosk.patient.name == "환자 10"
    driver.shot("home-twelve-patients")


@pytest.mark.slow
def test_the_default_plan_runs_whole_by_touch_and_every_step_is_heard(
    driver_factory: Callable[..., Driver], tmp_path: Path
) -> None:
    """The home screen's biggest button, as a patient meets it: six exercises,
    each introduced and told; one started early by touch, one the patient
    cannot do skipped by touch; the tones and spoken prompts counted."""
    config = kiosk_config(tmp_path, "demo", **{"practice.intro_s": 1.0, "camera.replay_loop": True})
    driver = driver_factory(config)
    kiosk = driver.kiosk
    driver.tap("start_plan")
    practice = kiosk.screen
    assert isinstance(practice, PracticeScreen)
    steps_seen: list[str] = []
    started, skipped = False, False

    def step() -> bool:
        nonlocal started, skipped
        state = practice.state
        if kiosk.screen is not practice:
            return True
        if state is None or state.stage is not Stage.INTRO or state.exercise_id is None:
            return False
        if not steps_seen or steps_seen[-1] != state.exercise_id:
            steps_seen.append(state.exercise_id)
            if len(steps_seen) == 2:
                driver.shot("plan-intro")
        if state.exercise_id == "brow_raise" and not started:
            started = True
            driver.tap("begin")
        if state.exercise_id == "lip_pucker" and not skipped:
            skipped = True
            driver.tap("skip")
        return False

    driver.run_until(step, timeout=240)
    assert kiosk.screen.name == "summary"
    driver.shot("plan-summary")
    assert steps_seen == ["brow_raise", "gentle_eye_closure", "closed_smile", "lip_pucker", "nose_wrinkle", "happy"]
    [record] = stored_sessions()
    assert record.status == SessionStatus.COMPLETED
    outcomes = {
        e.exercise: e.outcome
        for e in ExerciseRecord.select().where(ExerciseRecord.session == record).order_by(ExerciseRecord.position)
    }
    assert outcomes["lip_pucker"] == "skipped"
    assert outcomes["brow_raise"] == outcomes["happy"] == "completed"
    reps = RepRecord.select().where(RepRecord.session == record).count()
    assert reps >= 12
    cues, spoken = kiosk.cues.played, kiosk.cues.spoken
    assert cues[Cue.RELAX] == reps  # one falling chime per completed hold
    assert cues[Cue.HOLD] >= reps
    assert cues[Cue.GO] >= 5  # each exercise that was started
    assert spoken["calibrate"] == 1
    for exercise_id in steps_seen:
        assert spoken[f"exercise_{exercise_id}"] == 1  # each intro told once
    assert spoken["count_1"] >= 4
    assert spoken["hold"] == cues[Cue.HOLD]
    assert spoken["skipped"] == 1
    assert spoken["done"] == 1


@pytest.mark.slow
def test_a_face_whose_left_side_moves_half_as_much_is_shown_stored_and_told(
    driver_factory: Callable[..., Driver], weak_left_smile_clip: Path, tmp_path: Path
) -> None:
    driver = driver_factory(kiosk_config(tmp_path, f"replay:{weak_left_smile_clip}"))
    practice = driver.practise("closed_smile")
    marked: list[Side] = []

    def watch() -> bool:
        state = practice.state
        if state is not None and state.weaker is not None and state.right_score and state.left_score:
            marked.append(state.weaker)
            if len(marked) == 5:
                driver.shot("weak-left")
        return driver.kiosk.screen.name == "summary"

    driver.run_until(watch)
    assert marked
    assert marked.count(Side.LEFT) > 0.9 * len(marked)  # the screen marks the left side as the weaker
    [record] = stored_sessions()
    reps = list(RepRecord.select().where(RepRecord.session == record))
    assert len(reps) >= 3
    for rep in reps:
        assert rep.left_movement is not None
        assert rep.right_movement is not None
        assert 0.3 <= rep.left_movement / rep.right_movement <= 0.75
    summary = driver.kiosk.screen
    sentence = asymmetry_sentence(summary.result, "en")  # type: ignore[attr-defined]
    assert sentence is not None
    assert sentence.startswith("Your left side moved about")
    driver.shot("weak-left-summary")


def seed_camera_day(patient: Patient, day: date) -> list[PracticeRecord]:
    """Two sessions on the patient's own camera: one finished, one stopped."""
    morning = PracticeRecord.create(
        patient=patient, plan="[]", started=datetime.combine(day, datetime.min.time()).replace(hour=9, minute=5),
        ended=datetime.combine(day, datetime.min.time()).replace(hour=9, minute=12),
        status=SessionStatus.COMPLETED, score=81.0, source=SessionSource.CAMERA,
    )  # fmt: skip
    ExerciseRecord.create(session=morning, exercise="brow_raise", position=0, reps_planned=5, reps_done=5,
                          score=88.0, symmetry=0.52, outcome="completed")  # fmt: skip
    ExerciseRecord.create(session=morning, exercise="lip_pucker", position=1, reps_planned=5, reps_done=0,
                          score=0.0, symmetry=None, outcome="timed_out")  # fmt: skip
    evening = PracticeRecord.create(
        patient=patient, plan="[]", started=datetime.combine(day, datetime.min.time()).replace(hour=18, minute=30),
        ended=datetime.combine(day, datetime.min.time()).replace(hour=18, minute=32),
        status=SessionStatus.STOPPED, score=20.0, source=SessionSource.CAMERA,
    )  # fmt: skip
    ExerciseRecord.create(session=evening, exercise="closed_smile", position=0, reps_planned=5, reps_done=1,
                          score=20.0, symmetry=0.9, outcome="stopped")  # fmt: skip
    return [morning, evening]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_calendar_is_in_the_patients_language_and_a_day_lists_each_session(
    driver_factory: Callable[..., Driver], tmp_path: Path, size: tuple[int, int], language: str
) -> None:
    day = DAY  # the kiosk's calendar is set: the test reads the same on any date
    driver = driver_factory(kiosk_config(tmp_path, "demo", **{"kiosk.language": language}), size,
                            calendar=FixedClock.on(day, hour=20))  # fmt: skip
    kiosk = driver.kiosk
    assert kiosk.patient is not None
    sessions = seed_camera_day(kiosk.patient, day)
    evening = datetime.combine(day, datetime.min.time()).replace(hour=19)
    PracticeRecord.create(patient=kiosk.patient, plan="[]", started=evening, status=SessionStatus.COMPLETED,
                          score=99.0, source=SessionSource.DEMO)  # fmt: skip  # the demo: never listed
    driver.tap("progress")
    progress = kiosk.screen
    driver.touch(next(rect.center for rect, d in progress.cells if d == day))  # type: ignore[attr-defined]
    assert progress.chosen_sessions == sessions[::-1]  # type: ignore[attr-defined]  # newest first
    lines = [progress._exercise_line(e) for r in sessions for e in progress.chosen_exercises[r.id]]  # type: ignore[attr-defined]
    words = KioskWords(language)
    assert words.pick({"en": "Brow", "ko": "눈썹"}) in lines[0]
    assert words("balance.value", value="52") in lines[0]  # the one balance scale, 0-100
    assert words("outcome.timed_out") in lines[1]
    assert words("outcome.stopped") in lines[2]
    # The day's mean counts the finished session only: a stopped one is not the day's level.
    assert progress.days[day].mean_score == pytest.approx(81.0)  # type: ignore[attr-defined]
    driver.shot(f"progress-{language}")


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_day_lists_every_session_newest_first_page_by_page(
    driver_factory: Callable[..., Driver], tmp_path: Path, language: str
) -> None:
    """Three sessions on one day at 800x480: the newest is on the first
    page, and Earlier pages through every one of them (none dropped)."""
    day = DAY
    driver = driver_factory(kiosk_config(tmp_path, "demo", **{"kiosk.language": language}),
                            calendar=FixedClock.on(day, hour=22))  # fmt: skip
    kiosk = driver.kiosk
    assert kiosk.patient is not None
    sessions = seed_camera_day(kiosk.patient, day)
    late = PracticeRecord.create(
        patient=kiosk.patient, plan="[]", started=datetime.combine(day, datetime.min.time()).replace(hour=21),
        status=SessionStatus.COMPLETED, score=64.0, source=SessionSource.CAMERA,
    )  # fmt: skip
    ExerciseRecord.create(session=late, exercise="brow_raise", position=0, reps_planned=3, reps_done=3,
                          score=64.0, symmetry=0.7, outcome="completed")  # fmt: skip
    newest_first = [late, *sessions[::-1]]
    driver.tap("progress")
    progress = kiosk.screen
    driver.touch(next(rect.center for rect, d in progress.cells if d == day))  # type: ignore[attr-defined]
    driver.shot(f"day-page-1-{language}")
    seen = list(progress.day_shown)  # type: ignore[attr-defined]
    assert seen[0] == late
    firsts = [progress.day_first]  # type: ignore[attr-defined]
    while "day_older" in {b.name for b in progress.shown_buttons()}:
        driver.tap("day_older")
        kiosk.step()
        seen += progress.day_shown  # type: ignore[attr-defined]
        firsts.append(progress.day_first)  # type: ignore[attr-defined]
        assert len(firsts) <= 3
    assert seen == newest_first
    assert len(firsts) > 1  # 800x480 cannot hold all three: the pager says there are more
    driver.shot(f"day-page-last-{language}")
    driver.tap("day_newer")
    kiosk.step()
    assert progress.day_first == firsts[-2]  # type: ignore[attr-defined]  # back one page


def test_dates_are_written_in_each_language() -> None:
    assert KioskWords("ko").month_title(date(2026, 11, 1)) == "2026년 11월"
    assert KioskWords("en").month_title(date(2026, 11, 1)) == "November 2026"
    assert KioskWords("ko").day_title(date(2026, 11, 30)) == "11월 30일 월요일"
    assert KioskWords("en").day_title(date(2026, 11, 30)) == "Monday 30 November"
    assert [KioskWords("ko").weekday_short(i) for i in range(7)] == list("월화수목금토일")


@pytest.mark.slow  # starts the kiosk three times
def test_language_volume_and_mute_are_kept_across_restarts(
    driver_factory: Callable[..., Driver], tmp_path: Path
) -> None:
    # The language as an installed device has it: from its configuration
    # (here the environment), not from the command line, which would win.
    overrides = {"device.data_dir": str(tmp_path), "camera.source": "demo"}
    config = load_config(path=None, env={"KIOSK_LANGUAGE": "en"}, overrides=overrides)
    driver = driver_factory(config)
    driver.touch((790, 10), hold_s=1.6)
    assert driver.kiosk.screen.name == "settings"
    driver.tap("language:ko")
    driver.tap("volume_down")
    driver.tap("volume_down")
    driver.tap("mute")
    driver.shot("settings-sound")
    assert driver.kiosk.cues.muted
    driver.close()
    restarted = driver_factory(config)
    assert restarted.kiosk.words.language == "ko"
    assert restarted.kiosk.preferences.volume == 50
    assert restarted.kiosk.cues.muted
    assert restarted.kiosk.cues.volume == pytest.approx(0.5)
    (tmp_path / FILE_NAME).write_text("{broken", encoding="utf-8")  # a damaged file: the defaults, and it starts
    damaged = driver_factory(config)
    assert damaged.kiosk.words.language == "en"
    assert not damaged.kiosk.cues.muted


def test_every_spoken_prompt_is_shipped_and_says_the_current_words() -> None:
    """A sentence changed without rendering its file again fails here
    (python tools/render_voice.py renders them)."""
    import json

    manifest = json.loads((voice_file("ko", "x").parents[1] / "manifest.json").read_text(encoding="utf-8"))
    for language in LANGUAGES:
        for key, text in phrases(language).items():
            assert voice_file(language, key).is_file(), f"{language}/{key}.ogg is missing"
            assert manifest[language][key] == text, f"{language}/{key}.ogg says an older sentence"
        pygame.mixer.init()
        assert pygame.mixer.Sound(str(voice_file(language, "hold"))).get_length() > 0.2


# -- words ---------------------------------------------------------------------


def test_both_languages_have_every_string() -> None:
    # English alone has `_one` forms (1 session); Korean needs only `_other`.
    assert keys("ko") == {k for k in keys("en") if not k.endswith("_one")}
    for language in LANGUAGES:
        words = KioskWords(language)
        assert words("practice.reps", number=2, planned=5)
    assert "2" in KioskWords("ko")("practice.reps", number=2, planned=5)


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
    PracticeRecord.create(
        patient=patient, plan="[]", started=datetime.combine(DAY, datetime.min.time()).replace(hour=9)
    )
    driver_factory(kiosk_config(tmp_path, "demo"))
    [record] = stored_sessions()
    assert record.status == SessionStatus.INTERRUPTED


@pytest.mark.slow
def test_a_camera_lost_mid_session_is_said_stored_as_stopped_and_recovered(
    driver_factory: Callable[..., Driver], right_smile_clip: Path, tmp_path: Path
) -> None:
    import shutil

    clip = tmp_path / "clip"
    shutil.copytree(right_smile_clip, clip)
    driver = driver_factory(kiosk_config(tmp_path, f"replay:{clip}", **{"camera.replay_loop": True}))
    practice = driver.practise("closed_smile")
    driver.run_until(lambda: practice.state is not None and practice.state.reps_done >= 1)
    hidden = tmp_path / "unplugged"
    clip.rename(hidden)  # the cable is pulled
    driver.run_until(lambda: driver.kiosk.screen.name == "message", timeout=30)
    assert driver.kiosk.screen.title_key == "message.camera_lost"  # type: ignore[attr-defined]
    [record] = stored_sessions()
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
    narrow = t.fitted_text("Raise both eyebrows", 40, theme.TEXT, 300, 80)
    assert narrow.get_width() <= 300 < wide.get_width()
    floor = t.fitted_text("Raise both eyebrows", 40, theme.TEXT, 60, 80)  # no room: still readable, never tiny
    assert floor.get_height() >= t.font(theme.MIN_TEXT).get_linesize()
    monkeypatch.setattr("ui.theme.TEXT_CACHE_SIZE", 3)
    for score in range(10):
        t.fitted_text(f"{score}%", 40, theme.TEXT, 200, 80)
    assert t.fitted_text("9%", 40, theme.TEXT, 200, 80) is t.fitted_text("9%", 40, theme.TEXT, 200, 80)
    assert len(t._texts) == 3


# -- time, and the small things of issue 34 (Korean, 800x480) ---------------------


def audited(driver: Driver) -> list[str]:
    """The lines the current screen draws on its next frame."""
    t = driver.kiosk.theme
    t.audit = []
    driver.kiosk.step()
    drawn, t.audit = t.audit, None
    return [d.text for d in drawn]


@pytest.mark.slow
def test_time_runs_out_visibly_and_audibly_on_a_still_photo(
    driver_factory: Callable[..., Driver], tmp_path: Path, demo_rest_frame: object
) -> None:
    """A still photo (a single image, replayed) in a two-exercise plan: the
    face never moves, so the live score is never coloured as a grade; the
    time-left ring counts down; each exercise runs out of time, which is said
    ("time's up, let's move on") and written on the next intro; the summary
    of a plan with no rep does not praise."""
    import cv2
    import numpy as np

    from device.practice.plan import make_plan

    assert isinstance(demo_rest_frame, np.ndarray)
    photo = tmp_path / "face.jpg"
    cv2.imwrite(str(photo), demo_rest_frame)  # one still image: it replays (it used to fail after one frame)
    config = kiosk_config(
        tmp_path, f"replay:{photo}",
        **{"kiosk.language": "ko", "camera.replay_loop": True, "practice.exercise_limit_s": 10.0,
           "practice.intro_s": 1.0},
    )  # fmt: skip
    driver = driver_factory(config)
    kiosk, words = driver.kiosk, KioskWords("ko")
    kiosk.go(OpenPractice(make_plan([("brow_raise", 3), ("closed_smile", 3)])))
    practice = kiosk.screen
    assert isinstance(practice, PracticeScreen)
    driver.run_until(lambda: practice.state is not None and (practice.state.time_left or 99) < 8)
    kiosk.theme.audit = []
    kiosk.step()
    drawn, kiosk.theme.audit = kiosk.theme.audit, None
    assert any(d.text.endswith("초") and d.colour == theme.WARN for d in drawn)  # the ring's seconds, amber
    scores = [d for d in drawn if d.text.isdigit() and d.pixels > 60]
    assert scores
    assert all(d.colour == theme.MUTED for d in scores)  # a face at rest is not graded
    driver.shot("time-ring-ko")
    driver.run_until(lambda: practice.state is not None and practice.state.item_index == 1)
    assert practice.state is not None
    assert practice.state.stage is Stage.INTRO
    assert kiosk.cues.spoken["time_up"] == 1
    assert words("practice.time_up") in audited(driver)
    path = driver.shot("time-up-ko")
    pygame.image.save(driver.surface, str(tmp_path / path.name))
    driver.run_until(lambda: kiosk.screen.name == "summary")
    assert kiosk.cues.spoken["time_up_last"] == 1
    assert kiosk.cues.spoken["ended"] == 1
    assert kiosk.cues.spoken["done"] == 0  # nothing was done: no "well done"
    lines = audited(driver)
    assert words("summary.title_ended") in lines
    assert words("summary.title") not in lines
    assert lines.count(words("outcome.timed_out")) == 2
    driver.shot("only-timed-out-summary-ko")
    driver.close()
    [record] = stored_sessions()
    assert record.status == SessionStatus.COMPLETED
    outcomes = [e.outcome for e in ExerciseRecord.select().where(ExerciseRecord.session == record)]
    assert outcomes == ["timed_out", "timed_out"]


def summary_of(driver: Driver, ids: list[str], end: str, reps: dict[int, int] | None = None) -> object:
    """The summary of a made-up result: exercise i has reps[i] reps done of 3 (else none, timed out)."""
    from device.practice.reps import Rep
    from device.practice.session import ExerciseOutcome, ExerciseResult, SessionResult

    reps = reps or {}
    exercises = []
    for i, exercise_id in enumerate(ids):
        done = tuple(Rep(n, n, n + 1, 70.0, 60.0, 1.0, 0.8, 0.8, None) for n in range(1, reps.get(i, 0) + 1))
        ended = ExerciseOutcome
        outcome = ended.COMPLETED if len(done) == 3 else ended.STOPPED if done else ended.TIMED_OUT
        exercises.append(ExerciseResult(exercise_id, 3, done, 10, 0, outcome, 1.0, 0.8))
    result = SessionResult(tuple(exercises), None, {})
    driver.kiosk.go(OpenSummary(result, [], saved=lambda: True, session_id=None, end=end))
    return driver.kiosk.screen


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_summary_table_fits_its_cells_and_pages_a_long_plan(
    driver_factory: Callable[..., Driver], tmp_path: Path, language: str
) -> None:
    """At 800x480 every exercise name and every outcome fits its cell in
    both languages (none runs into the next: "시간 초과91"); 1 of 3 reps
    reads "1/3", not "not done"; the default plan's six fit on one page;
    a longer plan pages through every exercise."""
    from device.practice.catalogue import catalogue
    from device.practice.recording import SessionEnd
    from ui.screens.summary import SummaryScreen

    driver = driver_factory(kiosk_config(tmp_path, "demo", **{"kiosk.language": language}))
    words, t = KioskWords(language), driver.kiosk.theme
    six = ["brow_raise", "gentle_eye_closure", "closed_smile", "lip_pucker", "nose_wrinkle", "happy"]
    summary = summary_of(driver, six, SessionEnd.STOPPED, {0: 3, 2: 1})
    assert isinstance(summary, SummaryScreen)
    driver.kiosk.step()
    assert summary.rows_shown == list(summary.result.exercises)  # all six on one page
    assert summary.done_text(summary.result.exercises[2]) == words("summary.reps", done=1, planned=3)
    assert summary.done_text(summary.result.exercises[1]) == words("outcome.timed_out")
    name, done, balance = summary._cells(pygame.Rect(summary._table_area().left, 0, summary._table_area().width, 36))
    font = t.font(theme.MIN_TEXT)
    for exercise in catalogue().values():
        assert font.size(words.exercise(exercise.id))[0] <= name.width, exercise.id
    for outcome in ("timed_out", "stopped", "skipped"):
        assert font.size(words(f"outcome.{outcome}"))[0] <= done.width, outcome
    assert font.size(words("summary.column_balance"))[0] <= balance.width
    driver.shot(f"summary-table-{language}")
    # A stopped session's score is coloured as the calendar colours its day (no counted score).
    t.audit = []
    driver.kiosk.step()
    drawn, t.audit = t.audit, None
    [score] = [d for d in drawn if d.text == f"{summary.result.score:.0f}" and d.pixels > 60]
    assert score.colour == theme.MUTED
    long_plan = list(catalogue())[:10]
    summary = summary_of(driver, long_plan, SessionEnd.COMPLETED, {i: 3 for i in range(10)})
    assert isinstance(summary, SummaryScreen)
    driver.kiosk.step()
    seen = list(summary.rows_shown)
    assert 0 < len(seen) < 10
    while "rows_later" in {b.name for b in summary.shown_buttons()}:
        driver.tap("rows_later")
        driver.kiosk.step()
        seen += summary.rows_shown
    assert [e.exercise_id for e in seen] == long_plan  # none dropped, none twice
    driver.shot(f"summary-long-last-page-{language}")
    last_page = summary.first_row
    driver.tap("rows_earlier")
    assert summary.first_row < last_page


def test_a_stopped_session_is_the_same_colour_on_the_calendar_and_its_summary(
    driver_factory: Callable[..., Driver], tmp_path: Path
) -> None:
    from device.practice.recording import SessionEnd

    day = DAY
    driver = driver_factory(kiosk_config(tmp_path, "demo", **{"kiosk.language": "ko"}),
                            calendar=FixedClock.on(day, hour=20))  # fmt: skip
    kiosk = driver.kiosk
    assert kiosk.patient is not None
    PracticeRecord.create(patient=kiosk.patient, plan="[]", started=datetime.combine(day, datetime.min.time()).replace(
        hour=18), status=SessionStatus.STOPPED, score=20.0, source=SessionSource.CAMERA)  # fmt: skip
    driver.tap("progress")
    progress = kiosk.screen
    kiosk.step()
    cell = next(rect for rect, d in progress.cells if d == day)  # type: ignore[attr-defined]
    calendar_colour = tuple(driver.surface.get_at((cell.right - 3, cell.centery)))[:3]
    summary_of(driver, ["closed_smile"], SessionEnd.STOPPED, {0: 1})
    kiosk.theme.audit = []
    kiosk.step()
    drawn, kiosk.theme.audit = kiosk.theme.audit, None
    [score] = [d for d in drawn if d.pixels > 60 and d.text.isdigit()]
    assert calendar_colour == score.colour == theme.MUTED


@pytest.mark.parametrize("language", ["ko", "en"])
def test_skip_leaves_the_camera_the_prompt_and_every_instruction_clear(
    driver_factory: Callable[..., Driver], tmp_path: Path, language: str
) -> None:
    """At 800x480, for every exercise, with the per-side bars and a
    camera-position prompt shown: Skip is apart from the camera panel (and
    so from the prompt on it), and nothing of the panel is drawn where Skip
    sits (an instruction's third line used to run under it)."""
    from device.practice.catalogue import catalogue
    from device.practice.gating import Prompt
    from device.practice.plan import single_exercise_plan
    from device.practice.reps import Phase
    from device.practice.session import LiveState

    driver = driver_factory(kiosk_config(tmp_path, "demo", **{"kiosk.language": language}))
    kiosk = driver.kiosk
    for exercise_id in catalogue():
        screen = PracticeScreen(kiosk, single_exercise_plan(exercise_id))
        screen.layout()
        screen.state = LiveState(Stage.EXERCISING, exercise_id, 0, 42.0, 80.0, 40.0, Prompt.FACE_THE_SCREEN,
                                 Phase.READY, 1, 3, 0.0, 0.0, 1.0, time_left=30.0)  # fmt: skip
        skip = next(b.rect for b in screen.buttons if b.name == "skip")
        camera_right = kiosk.theme.px(12) + round(kiosk.theme.width * 0.6)
        assert skip.left > camera_right + kiosk.theme.px(8)
        driver.surface.fill(theme.BACKGROUND)
        screen.shown_buttons = lambda: []  # type: ignore[method-assign]  # the panel alone
        screen.draw(driver.surface)
        under = pygame.surfarray.array3d(driver.surface.subsurface(skip))
        assert (under == theme.BACKGROUND).all(), f"{exercise_id}: drawn under Skip"
    del screen.shown_buttons
    screen.draw(driver.surface)
    pygame.image.save(driver.surface, str(tmp_path / f"practice-panel-{language}.png"))


def test_camera_position_prompts_are_spoken_in_either_language_at_most_every_few_seconds(
    driver_factory: Callable[..., Driver], tmp_path: Path
) -> None:
    from device.practice.gating import Prompt
    from device.practice.plan import single_exercise_plan
    from device.practice.session import LiveState
    from ui.screens.practice import PROMPT_EVERY_S
    from ui.voice import prompt_key

    clock = StepClock()
    driver = driver_factory(kiosk_config(tmp_path, "demo", **{"kiosk.language": "ko"}), clock=clock)
    screen = PracticeScreen(driver.kiosk, single_exercise_plan("brow_raise"))
    # _cue reads only the session's last rep: a session that has none stands in.
    screen.live = type("Live", (), {"session": type("S", (), {"last_rep": None})()})()
    state = LiveState(Stage.CALIBRATING, None, 0, None, None, None, Prompt.COME_CLOSER, None, 0, 3, 0.0, 0.0, 0.2)
    for _ in range(int(3 * PROMPT_EVERY_S * 10)):  # 18 s of frames at 10 a second, the prompt on all of them
        screen._cue(state, state)
        clock.t += 0.1
    said = driver.kiosk.cues.spoken[prompt_key(Prompt.COME_CLOSER.value)]
    assert said == 3  # once every PROMPT_EVERY_S, not every frame
    for language in LANGUAGES:
        assert voice_file(language, prompt_key(Prompt.COME_CLOSER.value)).is_file()

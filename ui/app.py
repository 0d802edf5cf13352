"""The kiosk: one loop at a fixed frame rate running one screen at a time.

The loop never waits on the camera, the classifier or the database: the live
pipeline runs on its own threads and the practice screen takes whatever
results have arrived. Any error in a screen is logged and replaced by a
friendly message screen with a retry; the patient never sees a traceback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import assert_never

import pygame

from device.camera import open_camera
from device.clock import SYSTEM_CLOCK, Clock
from device.config import Config
from device.expression.classifier import ExpressionClassifier, classifier_from_config
from device.heartbeat import Heartbeat
from device.pipeline import Pipeline
from device.practice.catalogue import Exercise, catalogue
from device.practice.model_fit import describe, unscorable
from device.practice.plan import Plan
from device.practice.recording import SessionEnd
from device.store.db import DB_NAME, StoreError, UnknownPatientError, open_database
from device.store.models import Patient
from device.store.records import add_patient, find_patient
from device.store.writer import writer
from device.vision.analysis import FrameAnalyser, load_landmarker
from device.vision.landmarks import FaceLandmarker
from device.vision.model_files import ModelError
from ui import theme
from ui.i18n import KioskWords
from ui.navigation import (
    Host,
    Intent,
    OpenChoose,
    OpenHome,
    OpenIntro,
    OpenMessage,
    OpenPractice,
    OpenProgress,
    OpenSettings,
    OpenSummary,
)
from ui.preferences import Preferences
from ui.rotation import Panel
from ui.screens.base import Screen
from ui.screens.choose import ChooseScreen
from ui.screens.home import HomeScreen
from ui.screens.intro import IntroScreen
from ui.screens.message import MessageScreen
from ui.screens.practice import PracticeScreen
from ui.screens.progress import ProgressScreen
from ui.screens.settings import SettingsScreen
from ui.screens.summary import SummaryScreen
from ui.sound import Cues
from ui.theme import Theme

log = logging.getLogger(__name__)


def screen_for(host: Host, intent: Intent) -> Screen:
    """The one table of the kiosk's screens: the screen each intent opens.
    Screens say where to go with an intent (ui/navigation.py) and never
    build one another; mypy checks each line and that no intent is missing."""
    match intent:
        case OpenHome():
            return HomeScreen(host)
        case OpenChoose():
            return ChooseScreen(host)
        case OpenIntro():
            return IntroScreen(host, intent.plan)
        case OpenPractice():
            return PracticeScreen(host, intent.plan, first_intro=intent.first_intro)
        case OpenSummary():
            return SummaryScreen(
                host,
                intent.result,
                intent.timeline,
                saved=intent.saved,
                session_id=intent.session_id,
                end=intent.end,
                counted=intent.counted,
            )
        case OpenProgress():
            return ProgressScreen(host, intent.month)
        case OpenSettings():
            return SettingsScreen(host)
        case OpenMessage():
            return MessageScreen(host, intent.title_key, intent.help_key, intent.retry, auto_retry=intent.auto_retry)
    assert_never(intent)


class Kiosk:
    def __init__(
        self,
        config: Config,
        surface: pygame.Surface | Panel,
        clock: Callable[[], float] = time.monotonic,
        calendar: Clock = SYSTEM_CLOCK,
    ) -> None:
        """`clock` times the screens (seconds, monotonic); `calendar` says
        what day it is (today's count, the calendar), so tests set the date."""
        self.config = config
        self.calendar = calendar
        # How a session under way is stored when the loop ends (serve's SIGTERM sets stopped).
        self.closing_as: str = SessionEnd.INTERRUPTED
        # The screen, or a Panel that turns what is drawn onto a screen mounted turned (ui/rotation.py).
        self.panel = surface if isinstance(surface, Panel) else Panel(surface)
        self.surface = self.panel.surface
        self.theme = Theme(self.surface.get_size())
        self.preferences = Preferences.load(config)
        self.words = KioskWords(self.preferences.language)
        self.now = clock
        self.idle_timeout = config.kiosk.idle_timeout_s
        self.db_path: Path = config.data_dir / DB_NAME
        self.store_error: StoreError | None = None
        self.patient: Patient | None = None
        self._open_store()
        self.landmarker: FaceLandmarker = load_landmarker(config)  # ModelError: nothing can work without it
        self.classifier: ExpressionClassifier | None = None
        try:
            self.classifier = classifier_from_config(config)
        except ModelError as exc:
            log.warning("%s: the expression exercises are hidden", exc)
        # An exercise whose class the model lacks would score 0 throughout: hidden, and said so in the log.
        self.unscorable = frozenset(
            e.id for e in unscorable(self.classifier.classes if self.classifier else (), catalogue().values())
        )
        if self.classifier is not None and self.unscorable:
            missing = [catalogue()[i] for i in sorted(self.unscorable)]
            log.warning("%s: those exercises are hidden", describe(missing, self.classifier.classes))
        self.cues = Cues(
            self.preferences.volume / 100, self.preferences.muted, self.preferences.language, config.kiosk.sound_device
        )
        self.cues.recorded = config.data_dir / "voice"  # a clinic's recordings of the prompts, if any
        self.last_input = self.now()
        self.running = True
        self.frames_drawn = 0
        self.screen: Screen = HomeScreen(self)
        self.screen.enter()

    # -- the store ---------------------------------------------------------------

    def _open_store(self) -> None:
        try:
            open_database(self.db_path)  # closes sessions a power cut left running
            name = self.config.practice.default_patient
            try:
                self.patient = find_patient(name)
            except UnknownPatientError:
                self.patient = add_patient(name)
            self.store_error = None
        except StoreError as exc:
            log.error("%s: practice goes on without saving", exc)
            self.store_error = exc

    def patients(self) -> list[Patient]:
        if self.store_error is not None:
            return []
        try:
            return list(Patient.select().where(~Patient.archived).order_by(Patient.name))
        except Exception as exc:  # a broken store must not stop the kiosk
            log.error("cannot list patients: %s", exc)
            return [] if self.patient is None else [self.patient]

    # -- the camera --------------------------------------------------------------

    def open_pipeline(self, with_classifier: bool = True) -> Pipeline:
        """Start the live pipeline; CameraError if there is no camera."""
        camera = open_camera(self.config)
        analyser = FrameAnalyser(self.landmarker, self.config)
        classifier = self.classifier if with_classifier else None
        # The heartbeat lets doctor see the camera working without opening it (it serves one process).
        return Pipeline(camera, analyser, classifier, heartbeat=Heartbeat(self.config.data_dir)).start()

    # -- screens -----------------------------------------------------------------

    def set_language(self, language: str) -> None:
        self.words = KioskWords(language)
        self.cues.language = language
        self.choose(replace(self.preferences, language=language))
        self.screen.layout()

    def choose(self, preferences: Preferences) -> None:
        """Apply and keep a choice made on the settings screen."""
        self.preferences = preferences
        self.cues.volume, self.cues.muted = preferences.volume / 100, preferences.muted
        preferences.save(self.config.data_dir)

    def can_play(self, exercise: Exercise) -> bool:
        """False for an expression exercise the expression model cannot score (or with no model)."""
        return exercise.id not in self.unscorable

    def playable(self, plan: Plan) -> Plan:
        """The plan without the expression exercises the expression model cannot score."""
        items = tuple(i for i in plan.items if self.can_play(i.exercise))
        return replace(plan, items=items) if items else plan

    def go(self, intent: Intent) -> None:
        """Leave this screen for the one `intent` names (screen_for)."""
        self.open(screen_for(self, intent))

    def open(self, screen: Screen) -> None:
        """Leave this screen for `screen`, already built (tests, the kiosk benchmark)."""
        try:
            self.screen.exit()
        except Exception:
            log.exception("leaving %s failed", self.screen.name)
        self._show(screen)
        try:
            screen.enter()
        except Exception:
            log.exception("opening %s failed", screen.name)
            self._fallback()

    def _show(self, screen: Screen) -> None:
        # Idle time is the time a screen has waited for a touch: it starts
        # when the screen appears, so a long practice never counts against
        # the summary that follows it.
        self.screen = screen
        self.last_input = self.now()

    def _leave(self, end: str) -> None:
        """Leave the current screen because of an error or the kiosk closing
        (a SessionEnd): a session under way is stored as such and its
        camera and worker threads stopped, as the patient's own way out does."""
        try:
            self.screen.leave(end)
        except Exception:
            log.exception("closing %s after %s failed", self.screen.name, end)

    def _fallback(self) -> None:
        self._leave(SessionEnd.FAILED)
        self._show(MessageScreen(self, "message.error", "message.error_help", retry=OpenHome()))
        self.screen.enter()

    # -- the loop ----------------------------------------------------------------

    def step(self) -> None:
        """One frame: input, update, draw."""
        now = self.now()
        try:
            for event in pygame.event.get():
                self._handle(event, now)
            if self.screen.keeps_awake:
                self.last_input = now  # the screen is busy (practice, a retrying camera): it is not waiting
            elif now - self.last_input > self.idle_timeout and self.screen.name != "home":
                self.go(OpenHome())
            self.screen.update(now)
            self.surface.fill(theme.BACKGROUND)
            self.screen.draw(self.surface)
        except Exception:
            log.exception("screen %s failed", self.screen.name)
            self._fallback()
            self.surface.fill(theme.BACKGROUND)
            self.screen.draw(self.surface)
        self._note_no_sound()
        self.panel.show()
        self.frames_drawn += 1

    def _note_no_sound(self) -> None:
        """A small line along the bottom on every screen when sound could not
        start (unless the patient turned it off): the cues of the eye
        exercises are missing and the patient should know."""
        if self.cues.error is None or self.preferences.muted:
            return
        t = self.theme
        image = t.fitted_text(self.words("message.no_sound"), 16, theme.WARN, t.width // 2, t.px(22))
        self.surface.blit(image, ((t.width - image.get_width()) // 2, t.height - image.get_height() - t.px(2)))

    def _handle(self, event: pygame.event.Event, now: float) -> None:
        size = self.surface.get_size()
        if event.type == pygame.QUIT:
            self.running = False
        elif event.type in {pygame.FINGERDOWN, pygame.FINGERUP}:
            x, y = self.panel.point(event.x, event.y)  # the screen's fractions -> the drawing's
            position = (round(x * size[0]), round(y * size[1]))
            self._pointer(event.type == pygame.FINGERDOWN, position, now)
        elif event.type in {pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP} and event.button == 1:
            if getattr(event, "touch", False):
                return  # SDL's mouse copy of a touch already handled as FINGER*
            self._pointer(event.type == pygame.MOUSEBUTTONDOWN, self.panel.pixel(event.pos), now)
        elif event.type == pygame.KEYDOWN:
            self.last_input = now
            self.screen.on_key(event.key)

    def _pointer(self, down: bool, position: tuple[int, int], now: float) -> None:
        self.last_input = now
        if down:
            self.screen.press(position, now)
        else:
            self.screen.release(position, now)

    def close(self, end: str = SessionEnd.INTERRUPTED) -> None:
        """Leave the kiosk: a session under way is stored as `end`
        (interrupted when the window closes; stopped when the service is
        told to stop, as the patient's own Stop would) and the writer flushed."""
        self._leave(end)
        if self.store_error is None and not writer().flush(timeout=10):
            log.warning("the database writer did not finish within 10 s")


def run(kiosk: Kiosk, fps: int, on_frame: Callable[[], None] | None = None) -> None:
    clock = pygame.time.Clock()
    try:
        while kiosk.running:
            kiosk.step()
            if on_frame is not None:
                on_frame()
            clock.tick(fps)
    finally:
        kiosk.close(kiosk.closing_as)

"""How a screen says where to go next, and what a screen may ask of the kiosk.

A screen never builds another screen: it hands the kiosk an intent, a small
frozen dataclass naming the destination with that screen's arguments as typed
fields (`host.go(OpenPractice(plan))`). The kiosk's one table
(`ui/app.py`, `screen_for`) turns each intent into its screen. So mypy checks
every transition: a missing field, a wrong type or an intent no screen
answers is a type error, not a crash on the bedside.

Screens see the kiosk only through `Host`, so no screen imports the app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from device.clock import Clock
from device.config import Config
from device.pipeline import Pipeline
from device.practice.catalogue import Exercise
from device.practice.plan import Plan
from device.practice.recording import SessionEnd
from device.practice.session import SessionResult
from device.store.db import StoreError
from device.store.models import Patient
from ui.i18n import KioskWords
from ui.preferences import Preferences
from ui.sound import Cues
from ui.theme import Theme

# -- intents: one per destination ---------------------------------------------


@dataclass(frozen=True)
class OpenHome:
    """The home screen: who practises, today's plan, the list, progress."""


@dataclass(frozen=True)
class OpenChoose:
    """The list of exercises to pick one from."""


@dataclass(frozen=True)
class OpenIntro:
    """One chosen exercise, shown and told before it starts."""

    plan: Plan


@dataclass(frozen=True)
class OpenPractice:
    """Calibration, then the plan's exercises. `first_intro` False: the first
    exercise was already introduced (by the intro screen)."""

    plan: Plan
    first_intro: bool = True


@dataclass(frozen=True)
class OpenSummary:
    """How the session just ended went. `saved` is asked at each draw (the
    writer thread may still be writing); `counted` False: a demo or replay,
    kept apart from the patient's progress."""

    result: SessionResult
    timeline: list[tuple[float, float]]
    saved: Callable[[], bool]
    session_id: int | None
    end: str = SessionEnd.COMPLETED
    counted: bool = True


@dataclass(frozen=True)
class OpenProgress:
    """The month calendar of scores; None: this month (the kiosk's calendar)."""

    month: date | None = None


@dataclass(frozen=True)
class OpenSettings:
    """Language, sound, camera check, the dashboard's address."""


@dataclass(frozen=True)
class OpenMessage:
    """A message in the patient's language (catalogue keys); `retry` is where
    its Retry button goes (none: Home only), tried by itself every few
    seconds when `auto_retry`."""

    title_key: str
    help_key: str
    retry: Intent | None = None
    auto_retry: bool = False


# Every destination. ui/app.py's screen_for answers each (mypy checks it is exhaustive).
Intent = OpenHome | OpenChoose | OpenIntro | OpenPractice | OpenSummary | OpenProgress | OpenSettings | OpenMessage


# -- what a screen may use of the kiosk ---------------------------------------


class Host(Protocol):
    """The kiosk as its screens see it (ui/app.py's Kiosk is the one host)."""

    patient: Patient | None  # who is practising; the home screen changes it
    running: bool  # False closes the kiosk

    @property
    def config(self) -> Config: ...

    @property
    def theme(self) -> Theme: ...

    @property
    def words(self) -> KioskWords: ...

    @property
    def cues(self) -> Cues: ...

    @property
    def preferences(self) -> Preferences: ...

    @property
    def calendar(self) -> Clock:
        """What day it is (today's count, the calendar)."""

    @property
    def now(self) -> Callable[[], float]:
        """The screens' clock: seconds, monotonic."""

    @property
    def idle_timeout(self) -> float: ...

    @property
    def store_error(self) -> StoreError | None:
        """Why practice is not being saved, or None when it is."""

    @property
    def db_path(self) -> Path:
        """The database a session recorder writes to."""

    def go(self, intent: Intent) -> None:
        """Leave this screen for the one `intent` names."""

    def patients(self) -> list[Patient]: ...

    def open_pipeline(self, with_classifier: bool = True) -> Pipeline: ...

    def can_play(self, exercise: Exercise) -> bool: ...

    def playable(self, plan: Plan) -> Plan: ...

    def choose(self, preferences: Preferences) -> None: ...

    def set_language(self, language: str) -> None: ...

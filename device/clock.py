"""The one clock of the product: what "now" and "today" mean.

Every place that asks what day it is (the dashboard's calendar, streaks and
default ranges, the kiosk's "practised today") takes a `Clock` instead of
calling `date.today()`, so a test can set the date and the same code runs on
any day of the year, month ends and year ends included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


class SystemClock:
    """The machine's local time: what a device runs on."""

    def now(self) -> datetime:
        return datetime.now()

    def today(self) -> date:
        return date.today()


@dataclass
class FixedClock:
    """A clock that stays where it is set (tests, screenshots, replays)."""

    at: datetime

    @classmethod
    def on(cls, day: date, hour: int = 12) -> FixedClock:
        return cls(datetime(day.year, day.month, day.day, hour))

    def now(self) -> datetime:
        return self.at

    def today(self) -> date:
        return self.at.date()


SYSTEM_CLOCK = SystemClock()

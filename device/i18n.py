"""Words in Korean and English, from TOML catalogues: one mechanism for the
kiosk and the dashboard.

A catalogue is a set of folders, each holding ko.toml and en.toml with
[section] tables of key = "text" ({name} placeholders, str.format). The
shared folder (device/strings) holds what both show: dates, session
statuses, how an exercise ended. The kiosk adds ui/strings, the dashboard
device/web/strings. Exercise names and instructions come from the exercise
catalogue, so each text has one home.

Plurals: a key may have `_one` and `_other` forms (English "1 session",
"2 sessions"); Korean needs only `_other`.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from pathlib import Path
from typing import ClassVar

from device.korean import FORMATTER
from device.practice.catalogue import catalogue
from device.practice.grading import subscore

LANGUAGES = ("ko", "en")
SHARED = Path(__file__).resolve().parent / "strings"

# How an exercise of a plan that did not end with all its reps is named
# (device.practice.session.ExerciseOutcome's values; "completed" needs no word).
OUTCOME_WORDS = {
    "skipped": "outcome.skipped",
    "timed_out": "outcome.timed_out",
    "stopped": "outcome.stopped",
    "not_reached": "outcome.not_reached",
}


@cache
def load(folders: tuple[Path, ...], language: str) -> dict[str, str]:
    """Every `section.key` of the folders' catalogues for `language`; a later folder wins."""
    strings: dict[str, str] = {}
    for folder in folders:
        with (folder / f"{language}.toml").open("rb") as handle:
            document = tomllib.load(handle)
        strings |= {f"{section}.{key}": str(text) for section, table in document.items() for key, text in table.items()}
    return strings


class Words:
    """The words of one language, from the catalogue folders of `FOLDERS`."""

    FOLDERS: ClassVar[tuple[Path, ...]] = (SHARED,)

    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got '{language}'")
        self.language = language
        self._strings = load(self.FOLDERS, language)

    @classmethod
    def keys(cls, language: str) -> set[str]:
        return set(load(cls.FOLDERS, language))

    def __call__(self, key: str, **values: object) -> str:
        # A missing word shows in English, then as its key: never a crash.
        text = self._strings.get(key) or load(self.FOLDERS, "en").get(key, key)
        # FORMATTER is str.format that also attaches Korean particles: "{name:은}" (device.korean).
        return FORMATTER.format(text, **values) if values else text

    def plural(self, key: str, count: int, **values: object) -> str:
        """`key_one` for a count of 1 where the language has it, else `key_other`."""
        one = f"{key}_one"
        form = one if count == 1 and one in self._strings else f"{key}_other"
        return self(form, count=count, **values)

    def pick(self, texts: dict[str, str]) -> str:
        """This language's entry of a {language: text} table (catalogue, prompts)."""
        return texts.get(self.language) or texts.get("en") or next(iter(texts.values()), "")

    def exercise(self, exercise_id: str) -> str:
        """An exercise's name from the catalogue (the id itself if it is no longer there)."""
        known = catalogue().get(exercise_id)
        return self.pick(known.name) if known is not None else exercise_id.replace("_", " ")

    def outcome(self, outcome: str) -> str:
        """How an exercise that did not finish ended ("" for a completed one)."""
        return self(OUTCOME_WORDS[outcome]) if outcome in OUTCOME_WORDS else ""

    def balance(self, symmetry: float) -> str:
        """Left/right balance on the one scale patients and caregivers read:
        "좌우 균형 89", 0-100 with 100 for both sides alike (the eFACE-style
        subscore of a 0-1 symmetry index, which therapists keep in exports)."""
        return self("balance.value", value=f"{subscore(symmetry):.0f}")

    # -- dates ------------------------------------------------------------------

    def _list(self, key: str) -> list[str]:
        return self(key).split(",")

    def weekday_short(self, index: int) -> str:
        """Monday is 0, as date.weekday()."""
        return self._list("dates.weekdays_short")[index]

    def month_name(self, month: int) -> str:
        return self._list("dates.months")[month - 1]

    def month_title(self, day: date) -> str:
        """ "November 2026" / "2026년 11월"."""
        return self("dates.month_year", month=self.month_name(day.month), year=day.year)

    def day_title(self, day: date) -> str:
        """ "Monday 30 November" / "11월 30일 월요일"."""
        return self("dates.day", weekday=self._list("dates.weekdays")[day.weekday()], day=day.day,
                    month=self.month_name(day.month))  # fmt: skip

    def full_date(self, day: date) -> str:
        """ "30 November 2026" / "2026년 11월 30일"."""
        return self("dates.full", day=day.day, month=self.month_name(day.month), year=day.year)

    def short_date(self, day: date) -> str:
        """ "30 Nov" / "11월 30일"."""
        return self("dates.short", day=day.day, month=self._list("dates.months_short")[day.month - 1])

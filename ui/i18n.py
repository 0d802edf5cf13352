"""The kiosk's words in Korean and English, from catalogue files (strings/*.toml).

Exercise names and instructions come from the exercise catalogue and the
quality-gating prompts from device/practice/gating.py: each text has one home.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from pathlib import Path

# How an exercise of a plan that did not end with all its reps is named
# (device.practice.session.Outcome's values; "completed" needs no word).
OUTCOME_WORDS = {
    "skipped": "summary.skipped",
    "timed_out": "summary.timed_out",
    "stopped": "summary.not_achieved",
    "not_reached": "summary.not_achieved",
}

STRINGS = Path(__file__).resolve().parent / "strings"
LANGUAGES = ("ko", "en")


@cache
def _load(language: str) -> dict[str, str]:
    with (STRINGS / f"{language}.toml").open("rb") as handle:
        document = tomllib.load(handle)
    return {f"{section}.{key}": str(text) for section, table in document.items() for key, text in table.items()}


def keys(language: str) -> set[str]:
    return set(_load(language))


class Words:
    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got '{language}'")
        self.language = language
        self._strings = _load(language)

    def __call__(self, key: str, **values: object) -> str:
        text = self._strings.get(key) or _load("en").get(key, key)  # a missing word shows in English, never crashes
        return text.format(**values) if values else text

    def _list(self, key: str) -> list[str]:
        return self(key).split(",")

    def weekday_short(self, index: int) -> str:
        """Monday is 0, as date.weekday()."""
        return self._list("dates.weekdays_short")[index]

    def month_title(self, day: date) -> str:
        """ "November 2026" / "2026년 11월"."""
        return self("dates.month_year", month=self._list("dates.months")[day.month - 1], year=day.year)

    def day_title(self, day: date) -> str:
        """ "Monday 30 November" / "11월 30일 월요일"."""
        return self(
            "dates.day",
            weekday=self._list("dates.weekdays")[day.weekday()],
            day=day.day,
            month=self._list("dates.months")[day.month - 1],
        )

    def pick(self, texts: dict[str, str]) -> str:
        """This language's entry of a {language: text} table (catalogue, prompts)."""
        return texts.get(self.language) or texts.get("en") or next(iter(texts.values()), "")

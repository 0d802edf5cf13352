"""The kiosk's words in Korean and English, from catalogue files (strings/*.toml).

Exercise names and instructions come from the exercise catalogue and the
quality-gating prompts from device/practice/gating.py: each text has one home.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

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

    def pick(self, texts: dict[str, str]) -> str:
        """This language's entry of a {language: text} table (catalogue, prompts)."""
        return texts.get(self.language) or texts.get("en") or next(iter(texts.values()), "")

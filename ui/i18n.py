"""The kiosk's words: the shared catalogue (device/strings) plus the kiosk's
own (ui/strings), through device.i18n's one mechanism."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from device.i18n import LANGUAGES, SHARED, Words

__all__ = ["LANGUAGES", "KioskWords", "keys"]

STRINGS = Path(__file__).resolve().parent / "strings"


class KioskWords(Words):
    FOLDERS: ClassVar[tuple[Path, ...]] = (SHARED, STRINGS)


def keys(language: str) -> set[str]:
    return KioskWords.keys(language)

"""The kiosk's words: the shared catalogue (device/strings) plus the kiosk's
own (ui/strings), through device.i18n's one mechanism."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from device.i18n import LANGUAGES, SHARED
from device.i18n import Words as SharedWords

__all__ = ["LANGUAGES", "Words", "keys"]

STRINGS = Path(__file__).resolve().parent / "strings"


class Words(SharedWords):
    FOLDERS: ClassVar[tuple[Path, ...]] = (SHARED, STRINGS)


def keys(language: str) -> set[str]:
    return Words.keys(language)

"""The ward's words: the device's shared catalogue (dates, statuses) and the ward's own (ward/strings)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from device.i18n import LANGUAGES, SHARED, Words

WARD_STRINGS = Path(__file__).resolve().parent / "strings"


class WardWords(Words):
    FOLDERS: ClassVar[tuple[Path, ...]] = (SHARED, WARD_STRINGS)


def language_of(requested: str | None, accept: str | None, default: str) -> str:
    """?lang= first, then the browser's first language we have, then the ward's default."""
    if requested in LANGUAGES:
        return requested
    for part in (accept or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default

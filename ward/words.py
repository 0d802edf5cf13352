"""The ward's words: the device's shared catalogue (dates, statuses), the
device dashboard's (plan history, effort, sides: one wording on both) and the
ward's own (ward/strings)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from device.i18n import SHARED
from device.web.language import STRINGS as DASHBOARD_STRINGS
from device.web.language import WebWords

WARD_STRINGS = Path(__file__).resolve().parent / "strings"


class WardWords(WebWords):
    FOLDERS: ClassVar[tuple[Path, ...]] = (SHARED, DASHBOARD_STRINGS, WARD_STRINGS)

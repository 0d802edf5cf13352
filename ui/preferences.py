"""What the patient or caregiver chooses on the kiosk's settings screen
(language, volume, mute), kept across restarts in the data folder.

A choice made on the device wins over the configuration file's default, since
it is the more recent decision of the person at the bedside; `python -m ui
--language` still wins for that run. A missing or damaged file means the
configuration's defaults, never a kiosk that does not start.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from device.config import Config

log = logging.getLogger(__name__)

FILE_NAME = "kiosk-preferences.json"
LANGUAGES = ("ko", "en")


@dataclass(frozen=True)
class Preferences:
    language: str
    volume: int  # 0-100
    muted: bool = False

    @staticmethod
    def defaults(config: Config) -> Preferences:
        return Preferences(config.kiosk.language, min(100, config.kiosk.volume))

    @staticmethod
    def load(config: Config) -> Preferences:
        """The saved choices over the configuration's defaults."""
        chosen = Preferences.defaults(config)
        path = config.data_dir / FILE_NAME
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return chosen
        except (OSError, ValueError) as exc:
            log.warning("%s cannot be read (%s): using the configured language and volume", path, exc)
            return chosen
        if not isinstance(saved, dict):
            return chosen
        if saved.get("language") in LANGUAGES and config.sources.get("kiosk.language") != "command line":
            chosen = replace(chosen, language=saved["language"])
        volume = saved.get("volume")
        if isinstance(volume, int) and not isinstance(volume, bool) and 0 <= volume <= 100:
            chosen = replace(chosen, volume=volume)
        if isinstance(saved.get("muted"), bool):
            chosen = replace(chosen, muted=saved["muted"])
        return chosen

    def save(self, data_dir: Path) -> bool:
        """Write atomically (a power cut leaves the old file or the new one);
        False, logged, when the data folder cannot be written."""
        path = data_dir / FILE_NAME
        temporary = path.with_suffix(".tmp")
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(asdict(self)) + "\n", encoding="utf-8")
            os.replace(temporary, path)
        except OSError as exc:
            log.warning("cannot keep the kiosk's settings in %s: %s", path, exc)
            return False
        return True

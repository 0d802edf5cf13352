"""Effective configuration: defaults, then the TOML file, then the environment.

Where the file is found, first match wins:
  1. the path in $KIOSK_CONFIG;
  2. /etc/expression-kiosk/config.toml (installed devices);
  3. config.toml at the top of a development checkout.

A key that the settings table does not know, or a value of the wrong type,
raises ConfigError naming the key; the command line turns it into one line
and a non-zero exit, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import difflib
import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from device.errors import KioskError
from device.settings import BY_KEY, RENAMED, SETTINGS, Setting
from device.settings_typed import TypedSections

log = logging.getLogger(__name__)

SYSTEM_CONFIG = Path("/etc/expression-kiosk/config.toml")
CHECKOUT_ROOT = Path(__file__).resolve().parents[1]
DEV_CONFIG = CHECKOUT_ROOT / "config.toml"

Value = str | int | float | bool


class ConfigError(KioskError):
    """The configuration cannot be used; the message says which key and why."""


@dataclass(frozen=True)
class Config(TypedSections):
    """The effective settings: `config.camera.width` and so on (typed, from
    the generated settings_typed.py), with where each value came from."""

    values: Mapping[str, Value]
    sources: Mapping[str, str]  # key -> "default", "file", "env NAME" or "command line"
    path: Path | None  # the file that was read, if any

    def __getitem__(self, key: str) -> Value:
        return self.values[key]

    def with_overrides(self, overrides: Mapping[str, object]) -> Config:
        """A copy with some values set as if given on the command line."""
        values, sources = dict(self.values), dict(self.sources)
        _apply_overrides(values, sources, overrides)
        return Config(values=values, sources=sources, path=self.path)

    @property
    def installed(self) -> bool:
        """An installed bedside device (its config is the system one, or
        systemd runs it), not a development checkout."""
        return self.path == SYSTEM_CONFIG or "STATE_DIRECTORY" in os.environ

    @property
    def data_dir(self) -> Path:
        configured = self.device.data_dir
        if configured:
            return Path(configured)
        state = os.environ.get("STATE_DIRECTORY")  # set by systemd's StateDirectory=
        if state:
            return Path(state.split(":")[0])
        return CHECKOUT_ROOT / "var"


def find_config_file(env: Mapping[str, str]) -> Path | None:
    if "KIOSK_CONFIG" in env:
        path = Path(env["KIOSK_CONFIG"])
        if not path.is_file():
            raise ConfigError(f"KIOSK_CONFIG names {path}, which is not a readable file")
        return path
    for candidate in (SYSTEM_CONFIG, DEV_CONFIG):
        if candidate.is_file():
            return candidate
    return None


def load_config(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Config:
    """Build the effective configuration. `path` skips the file search."""
    env = os.environ if env is None else env
    values: dict[str, Value] = {s.key: s.default for s in SETTINGS}
    sources = {s.key: "default" for s in SETTINGS}

    path = path if path is not None else find_config_file(env)
    if path is not None:
        for key, raw in _read_toml(path).items():
            values[key] = _coerce(BY_KEY[key], raw, where=str(path), typed=True)
            sources[key] = "file"

    for setting in SETTINGS:
        if setting.env and setting.env in env:
            values[setting.key] = _coerce(setting, env[setting.env], where=f"${setting.env}")
            sources[setting.key] = f"env {setting.env}"

    _apply_overrides(values, sources, overrides or {})
    return Config(values=values, sources=sources, path=path)


def _apply_overrides(values: dict[str, Value], sources: dict[str, str], overrides: Mapping[str, object]) -> None:
    for key, raw in overrides.items():
        if raw is None:
            continue
        if key not in BY_KEY:
            raise ConfigError(f"unknown setting '{key}'")
        values[key] = _coerce(BY_KEY[key], raw, where="command line")
        sources[key] = "command line"


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc

    flat: dict[str, object] = {}
    for section, table in document.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: '{section}' must be a [section] of settings, e.g. [camera] source = \"auto\"")
        for name, raw in table.items():
            key = f"{section}.{name}"
            if key in RENAMED:
                new = RENAMED[key]
                if new in _keys_in(document):
                    raise ConfigError(f"{path}: '{key}' is the old name of '{new}': keep only '{new}'")
                log.warning("%s: setting '%s' is now called '%s'; it is read as that", path, key, new)
                key = new
            if key not in BY_KEY:
                raise ConfigError(f"{path}: unknown setting '{key}'{_suggestion(key)}")
            flat[key] = raw
    return flat


def _keys_in(document: Mapping[str, object]) -> set[str]:
    return {f"{section}.{name}" for section, table in document.items() if isinstance(table, dict) for name in table}


def _suggestion(key: str) -> str:
    close = difflib.get_close_matches(key, BY_KEY.keys(), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


_TYPE_WORDS = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}


def _coerce(setting: Setting, raw: object, where: str, typed: bool = False) -> Value:
    """Check `raw` against the setting's type. Text from the environment or the
    command line is parsed; a TOML file has types (`typed`), so "640" in quotes
    for a number is refused there rather than guessed."""
    wrong = ConfigError(f"{where}: setting '{setting.key}' must be {_TYPE_WORDS[setting.type]}, got {raw!r}")
    value: Value
    if isinstance(raw, str) and setting.type is not str:
        if typed:
            raise wrong
        value = _parse_text(setting.type, raw, wrong)
    elif setting.type is bool:
        if not isinstance(raw, bool):
            raise wrong
        value = raw
    elif setting.type is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise wrong
        value = raw
    elif setting.type is float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise wrong
        value = float(raw)
    else:
        if not isinstance(raw, str):
            raise wrong
        value = raw

    _check_range(setting, value, where)
    return value


def _check_range(setting: Setting, value: Value, where: str) -> None:
    """The setting's choices, bounds and own check."""
    if setting.choices is not None and value not in setting.choices:
        raise ConfigError(
            f"{where}: setting '{setting.key}' must be one of {', '.join(setting.choices)}, got {value!r}"
        )
    if (
        setting.minimum is not None
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and value < setting.minimum
    ):
        raise ConfigError(f"{where}: setting '{setting.key}' must be at least {setting.minimum:g}, got {value!r}")
    if (
        setting.maximum is not None
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and value > setting.maximum
    ):
        raise ConfigError(f"{where}: setting '{setting.key}' must be at most {setting.maximum:g}, got {value!r}")
    problem = setting.check(value) if setting.check is not None else None
    if problem is not None:
        raise ConfigError(f"{where}: setting '{setting.key}' {problem}, got {value!r}")


def _parse_text(kind: type, text: str, wrong: ConfigError) -> Value:
    text = text.strip()
    if kind is bool:
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise wrong
    if not text.isascii():  # int("٨٠٨٠") is 8080 to Python: only ASCII digits are numbers here
        raise wrong
    try:
        return int(text) if kind is int else float(text)
    except ValueError:
        raise wrong from None

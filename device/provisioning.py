"""The provisioning file a technician puts on each device's boot partition
for unattended set-up (systemd/install.sh reads it through this parser):

    DEVICE_NAME=kiosk-bed-12      the device's name and hostname (kiosk-bed-12.local)
    LANGUAGE=ko                   ko or en
    TIMEZONE=Asia/Seoul           an IANA time zone
    DASHBOARD_PASSWORD=...        the caregiver's password (removed from the file once set)
    WARD_URL=https://ward.lan     the ward server it reports to (docs/ward.md); with WARD_TOKEN
    WARD_TOKEN=...                the token `python -m ward enrol DEVICE_NAME` printed for it
                                  (removed from the file once installed, like the password)
    WARD_PIN=AB:CD:...            the ward certificate's fingerprint `enrol` printed (https only)

It is written by hand on any computer, so the parser forgives what editors
do (a byte-order mark, Windows line endings, no newline at the end, spaces
around "=", values in quotes, `export`, comments, also after a value: ` #`
starts one, so a password holding " #" goes in quotes) and refuses, with one
line naming the line, anything it cannot read for sure: a hidden character
(a control, bidi, zero-width or line-separator character, which some editors
and chat apps slip in and nobody sees), a name that is not a host name.
"""

from __future__ import annotations

import os
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from device.errors import KioskError
from device.passwords import password_problem
from device.ward_address import WardLinkError, check_url, normal_pin

KEYS = ("DEVICE_NAME", "LANGUAGE", "TIMEZONE", "DASHBOARD_PASSWORD", "WARD_URL", "WARD_TOKEN", "WARD_PIN")
LANGUAGES = ("ko", "en")
# A host name label (RFC 1123): what DEVICE_NAME becomes, and NAME.local on the network.
_HOSTNAME = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Names every machine already has for itself: the device would not be found by it.
_RESERVED_NAMES = ("localhost",)
# Unicode's control, format (bidi, zero-width), line and paragraph separator categories.
_HIDDEN = ("Cc", "Cf", "Zl", "Zp")


class ProvisioningError(KioskError):
    """The provisioning file cannot be used; the message names the line."""


@dataclass(frozen=True)
class Provisioning:
    values: dict[str, str]  # only the keys the file sets

    def get(self, key: str) -> str | None:
        return self.values.get(key)


def _value(raw: str, where: str) -> str:
    """The value: quoted (then anything after the closing quote must be a
    comment) or bare (then " #" starts a comment)."""
    value = raw.strip()
    if value[:1] in {'"', "'"}:
        closing = value.find(value[0], 1)
        if closing < 0:
            raise ProvisioningError(f"{where}: the quote is not closed")
        rest = value[closing + 1 :].strip()
        if rest and not rest.startswith("#"):
            raise ProvisioningError(f"{where}: '{rest[:20]}' after the closing quote (a comment starts with #)")
        return value[1:closing]
    comment = re.search(r"\s#", value)
    return value[: comment.start()].rstrip() if comment else value


def _hidden_character(line: str) -> str | None:
    """The first character nobody sees, described, or None (a tab is fine)."""
    for column, char in enumerate(line, start=1):
        if char != "\t" and unicodedata.category(char) in _HIDDEN:
            name = unicodedata.name(char, "a control character")
            return f"a hidden character U+{ord(char):04X} ({name.lower()}) at column {column}"
    return None


def lines(text: str) -> list[str]:
    """Lines as editors mean them: only a newline (with its carriage return)
    ends one; form feeds and Unicode's separators are hidden characters."""
    return [line.removesuffix("\r") for line in text.removeprefix("\ufeff").split("\n")]


def parse(text: str, source: str = "provisioning file") -> Provisioning:
    values: dict[str, str] = {}
    for number, raw in enumerate(lines(text), start=1):
        where = f"{source}, line {number}"
        if hidden := _hidden_character(raw):
            raise ProvisioningError(f"{where}: {hidden}; retype the line")
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line.removeprefix("export ").lstrip()
        key, equals, rest = line.partition("=")
        key = key.strip()
        if not equals or not key:
            raise ProvisioningError(f"{where}: expected KEY=VALUE, got '{line[:40]}'")
        if key not in KEYS:
            raise ProvisioningError(f"{where}: unknown key '{key}' (the keys are {', '.join(KEYS)})")
        if key in values:
            raise ProvisioningError(f"{where}: {key} is set twice")
        values[key] = _value(rest, where)
    _check(values, source)
    return Provisioning(values)


def _check(values: dict[str, str], source: str) -> None:
    name = values.get("DEVICE_NAME")
    if name in _RESERVED_NAMES:
        raise ProvisioningError(f"{source}: DEVICE_NAME '{name}' is every machine's name for itself; choose its own")
    if name is not None and not _HOSTNAME.match(name):
        raise ProvisioningError(
            f"{source}: DEVICE_NAME '{name}' must be 1-63 lower-case letters, digits and hyphens "
            "(it becomes the host name, e.g. kiosk-bed-12)"
        )
    language = values.get("LANGUAGE")
    if language is not None and language not in LANGUAGES:
        raise ProvisioningError(f"{source}: LANGUAGE must be ko or en, got '{language}'")
    zone = values.get("TIMEZONE")
    if zone is not None and zone not in zoneinfo.available_timezones():
        raise ProvisioningError(f"{source}: TIMEZONE '{zone}' is not a time zone (e.g. Asia/Seoul)")
    password = values.get("DASHBOARD_PASSWORD")
    if password is not None and (problem := password_problem(password)):
        raise ProvisioningError(f"{source}: DASHBOARD_PASSWORD: {problem}")
    # WARD_URL alone is a device whose token was installed, then removed from this file (install.sh).
    if "WARD_TOKEN" in values and "WARD_URL" not in values:
        raise ProvisioningError(f"{source}: WARD_TOKEN needs the ward's address: set WARD_URL too")
    if "WARD_URL" in values:
        try:
            check_url(values["WARD_URL"])
        except WardLinkError as exc:
            raise ProvisioningError(f"{source}: {exc}") from None
    if "WARD_PIN" in values:
        if not values.get("WARD_URL", "").startswith("https:"):
            raise ProvisioningError(f"{source}: WARD_PIN pins the ward's https certificate: set an https WARD_URL")
        try:
            normal_pin(values["WARD_PIN"])
        except WardLinkError as exc:
            raise ProvisioningError(f"{source}: {exc}") from None


def read(path: Path) -> Provisioning:
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ProvisioningError(f"cannot read the provisioning file {path} ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ProvisioningError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
    return parse(text, str(path))


def forget_password(path: Path) -> bool:
    """Rewrite the file without its DASHBOARD_PASSWORD line (atomically);
    True when there was one. The rest of the file is kept as it was."""
    return forget(path, "DASHBOARD_PASSWORD")


def forget(path: Path, key: str) -> bool:
    """Rewrite the file without its `key` line (a secret, once installed),
    atomically; True when there was one. The rest is kept as it was."""
    text = path.read_bytes().decode("utf-8")
    kept = [
        line
        for line in text.removeprefix("\ufeff").split("\n")
        if line.strip().removeprefix("export ").lstrip().partition("=")[0].strip() != key
    ]
    if "\n".join(kept) == text.removeprefix("\ufeff"):
        return False
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text("\n".join(kept), encoding="utf-8")
    os.replace(temporary, path)
    return True

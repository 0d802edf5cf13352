"""Enrolling devices: a per-device token, shown once, kept only as its hash,
revocable; and finding the device a request's token belongs to."""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ward.models import Device

_NAME = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")  # the device's host name (its provisioning DEVICE_NAME)


class EnrolmentError(Exception):
    """The enrolment cannot be done; the message says why."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def enrol(name: str, now: datetime) -> str:
    """Enrol `name` (or re-enrol it: a new token, the old one stops working).
    Returns the token, which is stored nowhere."""
    if not _NAME.match(name):
        raise EnrolmentError(f"'{name}' is not a device name (lower-case letters, digits and '-', like kiosk-bed-12)")
    token = secrets.token_urlsafe(32)
    device = Device.get_or_none(Device.name == name)
    if device is None:
        Device.create(name=name, token_hash=token_hash(token), enrolled=now)
    else:
        device.token_hash, device.enrolled, device.revoked = token_hash(token), now, None
        device.save()
    return token


def revoke(name: str, now: datetime) -> None:
    updated = Device.update(revoked=now).where((Device.name == name) & Device.revoked.is_null()).execute()
    if not updated:
        known = Device.get_or_none(Device.name == name)
        raise EnrolmentError(f"no device named '{name}'" if known is None else f"'{name}' is already revoked")


def device_of(token: str) -> Device | None:
    """The enrolled, unrevoked device `token` belongs to, or None."""
    if not token:
        return None
    return Device.get_or_none((Device.token_hash == token_hash(token)) & Device.revoked.is_null())


# What a device says of itself on each request (device/ward_link.py sends them).
CLOCK_HEADER = "X-Device-Clock"  # its local time when it sent, as it records sessions
BACKLOG_HEADER = "X-Outbox-Backlog"  # sessions still waiting in its outbox
SOFTWARE_HEADER = "X-Device-Software"
SKEW_FLAG_S = 300.0  # a clock further off than this is flagged on the devices page


def note_contact(device: Device, now: datetime, header: Callable[[str], str | None]) -> None:
    """Record a contact: when, and what the device said of its clock, backlog
    and software (`header` reads the request's headers by name). A header
    that does not parse is left out, never refused: the session it came
    with is what matters."""
    values: dict[Any, Any] = {Device.last_contact: now}
    with contextlib.suppress(ValueError, TypeError):  # absent, garbled, or with a zone
        said = datetime.fromisoformat(header(CLOCK_HEADER) or "")
        values[Device.clock_skew_s] = round((said - now).total_seconds(), 1)
    with contextlib.suppress(ValueError, TypeError):
        values[Device.backlog] = max(0, int(header(BACKLOG_HEADER) or ""))
    if software := (header(SOFTWARE_HEADER) or "")[:100]:
        values[Device.software] = software
    Device.update(values).where(Device.id == device.id).execute()

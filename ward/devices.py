"""Enrolling devices: a per-device token, shown once, kept only as its hash,
revocable; and finding the device a request's token belongs to."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

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

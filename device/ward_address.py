"""The ward's address as a device is given it (provisioning's WARD_URL),
checked with no third-party package: provisioning checks it before pip runs."""

from __future__ import annotations

import contextlib
import ipaddress
from urllib.parse import urlsplit

from device.errors import KioskError


class WardLinkError(KioskError):
    """The ward link cannot be set up; the message says why."""


def check_url(url: str) -> str:
    """The ward's base address: https, or plain http only to this machine
    (a hospital LAN is not trusted with patients' sessions in clear)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WardLinkError(f"WARD_URL '{url}' is not an http(s) address like https://ward.example:8470")
    if parts.scheme == "http":
        host = parts.hostname
        loopback = host == "localhost"
        with contextlib.suppress(ValueError):
            loopback = loopback or ipaddress.ip_address(host).is_loopback
        if not loopback:
            raise WardLinkError(f"WARD_URL '{url}' is plain http to another machine: use https")
    return url.strip().rstrip("/")


def normal_pin(pin: str) -> str:
    """A certificate pin (provisioning's WARD_PIN, `python -m ward enrol` prints
    it) as urllib3 compares it: 64 hex digits, colons and case as typed
    ignored. Empty stays empty (no pin)."""
    digits = pin.strip().replace(":", "").lower()
    if digits and (len(digits) != 64 or any(c not in "0123456789abcdef" for c in digits)):
        raise WardLinkError(
            f"WARD_PIN '{pin.strip()[:100]}' is not a SHA-256 fingerprint (64 hex digits, as `python -m ward enrol` "
            "prints it)"
        )
    return digits

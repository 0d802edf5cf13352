"""The rule a dashboard password must meet, with no web framework loaded.

Provisioning checks a kiosk.env's password with it before minutes of apt and
pip, and the dashboard's `set_password` enforces it: one rule, one home.
"""

from __future__ import annotations

from device.errors import KioskError

MIN_PASSWORD_LENGTH = 8


class PasswordError(KioskError):
    """The password cannot be used; the message says why."""


def password_problem(password: str) -> str | None:
    """What is wrong with a new password, or None. Only characters that show
    count: "a      b" is two characters, not eight."""
    if sum(not c.isspace() for c in password) < MIN_PASSWORD_LENGTH:
        return f"the password needs at least {MIN_PASSWORD_LENGTH} characters other than spaces"
    return None

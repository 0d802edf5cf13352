"""Validation of what a URL carries: a bad value is a 404 or 400, never a 500."""

from __future__ import annotations

import re
from datetime import date

from flask import abort, current_app
from werkzeug.routing import IntegerConverter

from device.clock import Clock
from device.store.models import Patient
from device.web.language import words

# ASCII digits only: \d also matches other scripts' digits, which are not dates.
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The dates this device can hold practice for: outside them, the neighbouring
# months and weeks a page links to would overflow Python's dates.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)
MAX_ID = 2**63 - 1  # SQLite's largest integer


class AsciiInteger(IntegerConverter):
    """Werkzeug's <int:> matches \\d, which takes other scripts' digits
    ("/patients/٣/" was patient 3): in a URL only ASCII digits are a number."""

    regex = r"[0-9]+"


def patient_or_404(patient_id: int) -> Patient:
    if not 0 < patient_id <= MAX_ID:
        abort(404, description=words()("problem.no_patient"))
    patient = Patient.get_or_none(Patient.id == patient_id)
    if patient is None:
        abort(404, description=words()("problem.no_patient"))
    return patient


def _parse_date(text: str | None, pattern: re.Pattern[str], suffix: str = "") -> date | None:
    """`text` as a date if it has exactly the pattern's form and is a real
    date between FIRST_DAY and LAST_DAY, else None."""
    if text is None or not pattern.fullmatch(text):
        return None
    try:
        parsed = date.fromisoformat(text + suffix)
    except ValueError:  # the right form, but no such day (2026-02-30)
        return None
    return parsed if FIRST_DAY <= parsed <= LAST_DAY else None


def parse_day(text: str | None) -> date | None:
    """A YYYY-MM-DD date this device can hold, else None: for a caller with its own answer to bad input (the ward)."""
    return _parse_date(text, _DAY)


def parse_month(text: str | None) -> date | None:
    """The first day of a YYYY-MM month, else None (as parse_day)."""
    return _parse_date(text, _MONTH, "-01")


def month_or_404(text: str) -> date:
    """The first day of a month given as YYYY-MM in the path."""
    parsed = _parse_date(text, _MONTH, "-01")
    if parsed is None:
        abort(404, description=words()("problem.month", text=text))
    return parsed


def day_or_404(text: str) -> date:
    parsed = _parse_date(text, _DAY)
    if parsed is None:
        abort(404, description=words()("problem.day", text=text))
    return parsed


def day_arg(value: str | None, name: str, default: date) -> date:
    """A date from the query string (400 if malformed)."""
    if value is None or value == "":
        return default
    parsed = _parse_date(value, _DAY)
    if parsed is None:
        abort(400, description=words()("problem.date_arg", name=name))
    return parsed


def id_arg(value: str | None) -> int:
    """A patient id from the query string: ASCII digits only ("٣" is 3 to int()), else 404."""
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 19:
        abort(404, description=words()("problem.no_patient"))
    return int(value)


def today() -> date:
    """Today by the clock the app was given (create_app's `clock`)."""
    clock: Clock = current_app.extensions["clock"]
    return clock.today()

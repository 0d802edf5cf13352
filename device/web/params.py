"""Validation of what a URL carries: a bad value is a 404 or 400, never a 500."""

from __future__ import annotations

import re
from datetime import date

from flask import abort

from device.store.models import Patient

_MONTH = re.compile(r"\d{4}-\d{2}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def patient_or_404(patient_id: int) -> Patient:
    patient = Patient.get_or_none(Patient.id == patient_id)
    if patient is None:
        abort(404, description=f"There is no patient number {patient_id}.")
    return patient


def month_or_404(text: str) -> date:
    try:
        if not _MONTH.fullmatch(text):
            raise ValueError
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        abort(404, description=f"'{text}' is not a month (expected YYYY-MM).")


def day_or_404(text: str) -> date:
    try:
        if not _DAY.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        abort(404, description=f"'{text}' is not a date (expected YYYY-MM-DD).")


def day_arg(value: str | None, name: str, default: date) -> date:
    """A date from the query string (400 if malformed)."""
    if value is None or value == "":
        return default
    try:
        if not _DAY.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        abort(400, description=f"'{name}' must be a date as YYYY-MM-DD.")

"""The ward overview's rows: every patient with their device, last practice
and days practised in the last 14. What counts as a patient's practice is
the device's definition (device/store/queries.py: sessions on the patient's
own camera), imported, not restated."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast

from peewee import JOIN, fn

from device.store.models import SessionSource
from ward.models import Device, WardPatient, WardSession

WINDOW_DAYS = 14


@dataclass(frozen=True)
class PatientRow:
    name: str
    device: str
    last_practice: datetime | None
    days_practised: int  # of the last WINDOW_DAYS, today included


def _as_datetime(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))  # SQLite hands MAX() back as text


def overview(today: date) -> list[PatientRow]:
    practice = WardSession.source == SessionSource.CAMERA
    since = datetime.combine(today - timedelta(days=WINDOW_DAYS - 1), time.min)
    until = datetime.combine(today + timedelta(days=1), time.min)
    last: dict[int, object] = dict(
        cast(
            Iterable[tuple[int, object]],
            WardSession.select(WardSession.patient, fn.MAX(WardSession.started))
            .where(practice)
            .group_by(WardSession.patient)
            .tuples(),
        )
    )
    # Days are the device's own calendar days: the session's start as the device recorded it.
    days_expr = fn.COUNT(fn.DISTINCT(fn.DATE(WardSession.started)))
    days: dict[int, int] = dict(
        cast(
            Iterable[tuple[int, int]],
            WardSession.select(WardSession.patient, days_expr)
            .where(practice & (WardSession.started >= since) & (WardSession.started < until))
            .group_by(WardSession.patient)
            .tuples(),
        )
    )
    patients = WardPatient.select(WardPatient, Device).join(Device, JOIN.INNER)
    return [
        PatientRow(p.name, p.device.name, _as_datetime(last.get(p.id)), int(days.get(p.id, 0)))
        for p in patients.order_by(Device.name, WardPatient.name)
    ]

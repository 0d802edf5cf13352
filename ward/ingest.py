"""Storing a session summary a device sent: each session once, by its global
id; a resent, unchanged one stores nothing; a changed one (a late grading)
replaces what was stored, in one transaction."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import Enum
from typing import Any

from device.store.queries import monday_of
from device.store.records import WardIdentityError, valid_ward_identity
from ward.day_rows import refresh_week, stored_day
from ward.models import Device, DeviceStore, WardExercise, WardPatient, WardRep, WardSession, database


class Stored(Enum):
    NEW = "stored"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class Refused(Exception):
    """The summary cannot be stored; `status` is the HTTP status to answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _time(value: str | None, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise Refused(422, f"{where}: '{value}' is not a date and time") from None


def _identity(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return valid_ward_identity(value)
    except WardIdentityError as exc:
        raise Refused(422, f"patient/identity: {exc}") from None


def global_id(store: str, local_id: int) -> str:
    return f"{store}-{local_id}"


def store_session(device: Device, body: dict[str, Any], now: datetime) -> tuple[str, Stored]:
    """Store a schema-valid summary from `device`. Refused (403) when its
    store belongs to another device. Returns the global id and what happened."""
    session = body["session"]
    started = _time(session["started"], "session/started")
    ended = _time(session["ended"], "session/ended")
    gid = global_id(body["store"], session["id"])
    body_digest = digest(body)
    identity = _identity(body["patient"].get("identity"))
    with database.atomic():
        binding = DeviceStore.get_or_none(DeviceStore.store == body["store"])
        if binding is None:
            binding = DeviceStore.create(store=body["store"], device=device)
        elif binding.device.id != device.id:
            raise Refused(403, "this store's sessions belong to another device")
        patient = WardPatient.get_or_none(
            (WardPatient.store == body["store"]) & (WardPatient.local_id == body["patient"]["id"])
        )
        if patient is None:
            patient = WardPatient.create(
                device=device, store=body["store"], local_id=body["patient"]["id"], name=body["patient"]["name"]
            )
        elif patient.name != body["patient"]["name"]:
            patient.name = body["patient"]["name"]  # renamed on the device
            patient.save()
        if identity is not None and patient.identity != identity:
            patient.identity = identity  # set on the device: the newest word on the number wins
            patient.identity_by, patient.identity_set = None, now  # given by no therapist: by the device
            patient.save()
        fields = {
            "device": device,
            "patient": patient,
            "local_id": session["id"],
            "started": started,
            "ended": ended,
            "status": session["status"],
            "source": session["source"],
            "score": session["score"],
            "grading": json.dumps(session["grading"]) if session["grading"] is not None else None,
            "plan": json.dumps(session["plan"]),
            "digest": body_digest,
            "updated": now,
        }
        existing = WardSession.get_or_none(WardSession.global_id == gid)
        if existing is not None and existing.digest == body_digest:
            return gid, Stored.UNCHANGED
        if existing is None:
            record = WardSession.create(global_id=gid, received=now, **fields)
            outcome = Stored.NEW
        else:
            WardSession.update(**fields).where(WardSession.id == existing.id).execute()
            WardExercise.delete().where(WardExercise.session == existing.id).execute()
            WardRep.delete().where(WardRep.session == existing.id).execute()
            record = existing
            outcome = Stored.UPDATED
        if body["exercises"]:
            WardExercise.insert_many([{"session": record.id, **e} for e in body["exercises"]]).execute()
        if body["reps"]:
            WardRep.insert_many([{"session": record.id, **r} for r in body["reps"]]).execute()
        # The overview's rows of the week it falls in, and of the week it left when a resend moved it.
        assert started is not None  # the schema requires it
        refresh_week(patient.id, started.date())
        if existing is not None:
            was = stored_day(existing.started)
            was_patient = int(existing.__data__["patient"])
            if was_patient != patient.id or monday_of(was) != monday_of(started.date()):
                refresh_week(was_patient, was)
        Device.update(last_contact=now).where(Device.id == device.id).execute()
    return gid, outcome

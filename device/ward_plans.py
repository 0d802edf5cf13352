"""Plans between this device and its ward (ward/plans.py, docs/ward.md):
the plans made on this device's dashboard go to the ward, and the plans a
therapist made on the ward come here, on each contact of the sender
(device/ward_link.py). A plan keeps the time it was made, by the clock of the
side that made it, and who made it; the newest is in force
(device/store/records.current_plan), so a caregiver's change made here after
the therapist's stays in force, and both stay in the history."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from peewee import fn

from device.practice.plan import PlanError, make_plan
from device.store.models import Patient, PlanRecord, database
from device.store.writer import writer

log = logging.getLogger(__name__)

SCHEMA = 1


def unsent_plans() -> list[PlanRecord]:
    """Plans made here (not picked up from the ward) that have not reached the ward, oldest first."""
    return list(
        PlanRecord.select(PlanRecord, Patient)
        .join(Patient)
        .where(PlanRecord.ward_id.is_null() & PlanRecord.sent.is_null())
        .order_by(PlanRecord.id)
    )


def plan_body(record: PlanRecord, store: str) -> dict[str, Any]:
    """What the ward gets of a plan made here (ward/plans.py: DEVICE_PLAN_SCHEMA)."""
    return {
        "schema": SCHEMA,
        "store": store,
        "patient": {"id": record.patient.id, "name": record.patient.name},
        "plan": {
            "id": record.id,
            "created": record.created.isoformat(),
            "items": json.loads(record.items),
            "effort": record.effort,
            "affected_side": record.affected_side,
        },
    }


def mark_sent(record_id: int, now: datetime, refused: str | None = None) -> None:
    """The ward answered a plan made here at `now`: took it, or refused it
    with `refused`, its one-line answer ("403 ..."). Either way it is not sent again."""
    one_line = " ".join(refused.split())[:300] if refused is not None else None
    writer().call(lambda: PlanRecord.update(sent=now, refused=one_line).where(PlanRecord.id == record_id).execute())


def refused_plans(patient: Patient | None = None) -> list[PlanRecord]:
    """Per patient (or for `patient` alone), the newest plan made here that
    the ward answered, where the ward refused it: the ward and this device
    disagree about that patient's plan. A later plan the ward takes clears
    it (it is newer). Ordered by patient name; the patient is loaded with each.
    Doctor lists them all; the dashboard's plan page says its patient's."""
    answered = PlanRecord.ward_id.is_null() & PlanRecord.sent.is_null(False)
    if patient is not None:
        answered &= PlanRecord.patient == patient
    newest = PlanRecord.select(fn.MAX(PlanRecord.id)).where(answered).group_by(PlanRecord.patient)
    return list(
        PlanRecord.select(PlanRecord, Patient)
        .join(Patient)
        .where(PlanRecord.id.in_(newest) & PlanRecord.refused.is_null(False))
        .order_by(Patient.name, PlanRecord.id)
    )


def take_ward_plan(entry: dict[str, Any], now: datetime) -> bool:
    """Store a plan made on the ward (GET /api/v1/plans gives it), once by its
    ward id. True when it is here now (stored, or already stored, or its
    patient is gone from this device: nothing to keep it for); False when it
    cannot be used here (this device's software does not know an exercise):
    it is not taken, and the ward keeps offering it."""
    try:
        ward_id, patient_id = int(entry["id"]), int(entry["patient"])
        items = entry["items"]
        make_plan([(str(i["exercise"]), int(i["reps"])) for i in items], entry["effort"], entry["affected_side"])
        created = datetime.fromisoformat(entry["created"])
        author = str(entry.get("author") or "") or None
    except (PlanError, KeyError, TypeError, ValueError) as exc:
        log.warning("the ward's plan %s cannot be used here: %s", entry.get("id"), exc)
        return False

    def store() -> None:
        with database.atomic():
            if PlanRecord.get_or_none(PlanRecord.ward_id == ward_id) is not None:
                return
            if Patient.get_or_none(Patient.id == patient_id) is None:
                log.warning("the ward's plan %s is for patient %s, who is not on this device", ward_id, patient_id)
                return
            PlanRecord.create(
                patient=patient_id,
                items=json.dumps(items),
                effort=entry["effort"],
                affected_side=entry["affected_side"],
                created=created,
                author=author,
                ward_id=ward_id,
                sent=now,
            )

    writer().call(store)
    return True

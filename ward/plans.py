"""Patients' plans on the ward, both ways (docs/ward.md, "Plans").

A therapist edits a patient's plan on the ward (named login); the device
picks it up on its next contact (GET /api/v1/plans, then says which it took).
A caregiver's change on the device's dashboard is sent here the same way the
other way (POST /api/v1/plans). Both are kept, whole, in one history; the
newest by when it was made is in force, on the ward and on the device alike
(device/store/records.current_plan orders the same way). A plan is checked by
the device's own rules (device/practice/plan.make_plan).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from device.practice.plan import Plan, PlanError, make_plan
from device.store.records import plan_to_json
from ward.models import Device, DeviceStore, Therapist, WardPatient, WardPlan, WardSession

_TIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$"}
_ITEM = {
    "type": "object",
    "required": ["exercise", "reps"],
    "properties": {"exercise": {"type": "string", "maxLength": 100}, "reps": {"type": "integer"}},
}
# A plan a device made (device/ward_plans.plan_body builds it).
DEVICE_PLAN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["schema", "store", "patient", "plan"],
    "properties": {
        "schema": {"const": 1},
        "store": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
        "patient": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "name"],
            "properties": {"id": {"type": "integer", "minimum": 1}, "name": {"type": "string", "maxLength": 200}},
        },
        "plan": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "created", "items", "effort", "affected_side"],
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "created": _TIME,
                "items": {"type": "array", "maxItems": 50, "items": _ITEM},
                "effort": {"type": "string", "maxLength": 20},
                "affected_side": {"type": ["string", "null"], "maxLength": 20},
            },
        },
    },
}
PICKED_UP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["ids"],
    "properties": {"ids": {"type": "array", "maxItems": 1000, "items": {"type": "integer", "minimum": 1}}},
}


class PlanRefused(Exception):
    """What a device sent cannot be stored; `status` is the HTTP status to answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def problem_with(body: object, schema: dict[str, Any]) -> str | None:
    """The first thing wrong with `body` against `schema`, in one line naming where, or None."""
    for error in sorted(Draft202012Validator(schema).iter_errors(body), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(part) for part in error.absolute_path) or "the body"
        return f"{where}: {error.message[:200]}"
    return None


def checked_plan(items: list[dict[str, Any]], effort: str, affected_side: str | None) -> Plan:
    """A plan by the device's rules; PlanError names what is wrong."""
    return make_plan([(str(i["exercise"]), int(i["reps"])) for i in items], effort, affected_side)


# -- the therapist's form --------------------------------------------------


def save_ward_plan(patient: WardPatient, plan: Plan, therapist: Therapist, now: datetime) -> WardPlan:
    """A therapist's plan, in force from now; the device picks it up on its next contact."""
    return WardPlan.create(
        patient=patient,
        items=plan_to_json(plan),
        effort=plan.effort.value,
        affected_side=plan.affected_side.value if plan.affected_side else None,
        created=now,
        author=therapist.name,
        therapist=therapist,
        received=now,
    )


# -- the history -------------------------------------------------------------


def plans_of(patient: WardPatient) -> list[WardPlan]:
    """Every plan of the patient, from either side, newest (by when it was made) first."""
    return list(
        WardPlan.select().where(WardPlan.patient == patient).order_by(WardPlan.created.desc(), WardPlan.id.desc())
    )


def in_force(plans: list[WardPlan]) -> WardPlan | None:
    """The plan the device uses: the newest by when it was made (device/store/records.current_plan's rule)."""
    return max(plans, key=lambda p: (p.created, p.id)) if plans else None


def made_on_ward(plan: WardPlan) -> bool:
    return plan.device_plan_id is None


@dataclass(frozen=True)
class PlanStanding:
    """What the plan page says of the plans in force: which one, and why."""

    current: WardPlan | None
    # The newest plan made on the ward, when a newer change on the device overrides it.
    overridden: WardPlan | None
    # The newest plan made on the ward, while the device has not picked it up yet.
    waiting: WardPlan | None


def standing(plans: list[WardPlan]) -> PlanStanding:
    current = in_force(plans)
    ward_made = [p for p in plans if made_on_ward(p)]
    newest_ward = in_force(ward_made)
    overridden = newest_ward if newest_ward is not None and newest_ward is not current else None
    waiting = newest_ward if newest_ward is not None and newest_ward.picked_up is None else None
    return PlanStanding(current, overridden, waiting)


def plan_for_editor(patient: WardPatient, plans: list[WardPlan]) -> Plan | None:
    """What the editor starts from: the plan in force, else the plan of the
    patient's latest session (a device that has sent no plan yet), else None
    (the device's default plan)."""
    current = in_force(plans)
    if current is not None:
        try:
            return checked_plan(json.loads(current.items), current.effort, current.affected_side)
        except (PlanError, ValueError, KeyError, TypeError):
            return None
    latest = WardSession.select(WardSession.plan).where(WardSession.patient == patient)
    latest = latest.order_by(WardSession.started.desc()).first()
    if latest is None:
        return None
    try:
        items = json.loads(latest.plan)
        return make_plan([(str(i["exercise"]), int(i["reps"])) for i in items])
    except (PlanError, ValueError, KeyError, TypeError):
        return None


# -- the devices' side -------------------------------------------------------


def _bound_patient(device: Device, store: str, patient: dict[str, Any]) -> WardPatient:
    """The ward's patient for a device's store and local patient; the store
    belongs to the first device that sent from it (ward/ingest.py's rule)."""
    binding = DeviceStore.get_or_none(DeviceStore.store == store)
    if binding is None:
        DeviceStore.create(store=store, device=device)
    elif binding.device.id != device.id:
        raise PlanRefused(403, "this store's plans belong to another device")
    known = WardPatient.get_or_none((WardPatient.store == store) & (WardPatient.local_id == patient["id"]))
    if known is None:
        known = WardPatient.create(device=device, store=store, local_id=patient["id"], name=patient["name"])
    return known


def store_device_plan(device: Device, body: dict[str, Any], now: datetime) -> tuple[int, bool]:
    """A plan made on the device (schema-valid `body`), stored once by its
    local id. Returns the ward's id and whether it was new."""
    sent = body["plan"]
    try:
        checked_plan(sent["items"], sent["effort"], sent["affected_side"])
        created = datetime.fromisoformat(sent["created"])
    except PlanError as exc:
        raise PlanRefused(422, f"the plan cannot be used: {exc}") from None
    except ValueError:
        raise PlanRefused(422, f"plan/created: '{sent['created']}' is not a date and time") from None
    patient = _bound_patient(device, body["store"], body["patient"])
    known = WardPlan.get_or_none((WardPlan.patient == patient) & (WardPlan.device_plan_id == sent["id"]))
    if known is not None:
        return known.id, False
    record = WardPlan.create(
        patient=patient,
        items=json.dumps(sent["items"]),
        effort=sent["effort"],
        affected_side=sent["affected_side"],
        created=created,
        author=None,
        device_plan_id=sent["id"],
        received=now,
    )
    return record.id, True


def plans_waiting_for(device: Device) -> list[dict[str, Any]]:
    """The plans made on the ward for this device's patients that it has not picked up, oldest first."""
    rows = (
        WardPlan.select(WardPlan, WardPatient.local_id)
        .join(WardPatient)
        .join(DeviceStore, on=(DeviceStore.store == WardPatient.store))
        .where((DeviceStore.device == device) & WardPlan.device_plan_id.is_null() & WardPlan.picked_up.is_null())
        .order_by(WardPlan.id)
    )
    return [
        {
            "id": p.id,
            "patient": p.patient.local_id,
            "created": p.created.isoformat(),
            "author": p.author,
            "items": json.loads(p.items),
            "effort": p.effort,
            "affected_side": p.affected_side,
        }
        for p in rows
    ]


def mark_picked_up(device: Device, ids: list[int], now: datetime) -> int:
    """The device took these plans (only its own patients' count). Returns how many were marked."""
    own = (
        WardPatient.select(WardPatient.id)
        .join(DeviceStore, on=(DeviceStore.store == WardPatient.store))
        .where(DeviceStore.device == device)
    )
    return int(
        WardPlan.update(picked_up=now)
        .where(WardPlan.id.in_(ids) & WardPlan.patient.in_(own) & WardPlan.picked_up.is_null())
        .execute()
    )

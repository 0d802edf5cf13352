"""The devices' plan API (ward/plans.py): a device sends the plans made on
it (POST /api/v1/plans), fetches the plans made for its patients on the ward
(GET /api/v1/plans), and says which it took (POST /api/v1/plans/picked-up).
Every answer is JSON; a refusal says why in one line under "error"."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify, request

from device.clock import Clock
from ward.api import asking_device, json_body, refuse
from ward.devices import note_contact
from ward.models import database
from ward.plans import (
    DEVICE_PLAN_SCHEMA,
    PICKED_UP_SCHEMA,
    PlanRefused,
    mark_picked_up,
    plans_waiting_for,
    problem_with,
    store_device_plan,
)


def register_plan_api(app: Flask, clock: Clock) -> Blueprint:
    """Add the plan API to `app`; returns its blueprint (the caller exempts it from CSRF: devices send tokens)."""
    api = Blueprint("plan_api", __name__, url_prefix="/api/v1")

    @api.post("/plans")
    def device_plan() -> tuple[Response, int]:
        device = asking_device()
        body = json_body(lambda body: problem_with(body, DEVICE_PLAN_SCHEMA), "the plan does not match schema 1")
        try:
            with database.atomic():
                ward_id, new = store_device_plan(device, body, clock.now())
        except PlanRefused as refused:
            return refuse(refused.status, refused.reason)
        note_contact(device, clock.now(), request.headers.get)
        return jsonify({"id": ward_id, "result": "stored" if new else "unchanged"}), 201 if new else 200

    @api.get("/plans")
    def waiting() -> tuple[Response, int]:
        device = asking_device()
        note_contact(device, clock.now(), request.headers.get)
        return jsonify({"plans": plans_waiting_for(device)}), 200

    @api.post("/plans/picked-up")
    def picked_up() -> tuple[Response, int]:
        device = asking_device()
        body = json_body(lambda body: problem_with(body, PICKED_UP_SCHEMA), "expected {'ids': [...]}")
        with database.atomic():
            marked = mark_picked_up(device, body["ids"], clock.now())
        return jsonify({"picked_up": marked}), 200

    app.register_blueprint(api)
    return api

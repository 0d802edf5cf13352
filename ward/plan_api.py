"""The devices' plan API (ward/plans.py): a device sends the plans made on
it (POST /api/v1/plans), fetches the plans made for its patients on the ward
(GET /api/v1/plans), and says which it took (POST /api/v1/plans/picked-up).
Every answer is JSON; a refusal says why in one line under "error"."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify, request

from device.clock import Clock
from ward.api import UNKNOWN_TOKEN, refuse, requesting_device
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

    def body_of() -> tuple[object, tuple[Response, int] | None]:
        if not request.is_json:
            return None, refuse(415, "the body must be JSON (Content-Type: application/json)")
        body = request.get_json(silent=True)
        if body is None:
            return None, refuse(400, "the body is not valid JSON")
        return body, None

    @api.post("/plans")
    def device_plan() -> tuple[Response, int]:
        device = requesting_device()
        if device is None:
            return refuse(401, UNKNOWN_TOKEN)
        body, refusal = body_of()
        if refusal is not None:
            return refusal
        if problem := problem_with(body, DEVICE_PLAN_SCHEMA):
            return refuse(422, f"the plan does not match schema 1: {problem}")
        assert isinstance(body, dict)  # the schema says so
        try:
            with database.atomic():
                ward_id, new = store_device_plan(device, body, clock.now())
        except PlanRefused as refused:
            return refuse(refused.status, refused.reason)
        note_contact(device, clock.now(), request.headers.get)
        return jsonify({"id": ward_id, "result": "stored" if new else "unchanged"}), 201 if new else 200

    @api.get("/plans")
    def waiting() -> tuple[Response, int]:
        device = requesting_device()
        if device is None:
            return refuse(401, UNKNOWN_TOKEN)
        note_contact(device, clock.now(), request.headers.get)
        return jsonify({"plans": plans_waiting_for(device)}), 200

    @api.post("/plans/picked-up")
    def picked_up() -> tuple[Response, int]:
        device = requesting_device()
        if device is None:
            return refuse(401, UNKNOWN_TOKEN)
        body, refusal = body_of()
        if refusal is not None:
            return refusal
        if problem := problem_with(body, PICKED_UP_SCHEMA):
            return refuse(422, f"expected {{'ids': [...]}}: {problem}")
        assert isinstance(body, dict)
        with database.atomic():
            marked = mark_picked_up(device, body["ids"], clock.now())
        return jsonify({"picked_up": marked}), 200

    app.register_blueprint(api)
    return api

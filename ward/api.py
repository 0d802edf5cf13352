"""The devices' API: a device sends its finished sessions (POST
/api/v1/sessions), and asks which device the ward takes its token for
(GET /api/v1/device, doctor's check). Every answer is JSON; a refusal says
why in one line under "error"."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify, request
from peewee import IntegrityError

from device.clock import Clock
from ward.devices import device_of, note_contact
from ward.ingest import Refused, store_session
from ward.models import Device
from ward.schema import schema_problem

UNKNOWN_TOKEN = "unknown or revoked device token: enrol the device again (python -m ward enrol)"


def refuse(status: int, reason: str) -> tuple[Response, int]:
    return jsonify({"error": reason}), status


def requesting_device() -> Device | None:
    """The enrolled device whose token the request bears (Authorization: Bearer TOKEN)."""
    header = request.headers.get("Authorization", "")
    return device_of(header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else "")


def register_api(app: Flask, clock: Clock) -> Blueprint:
    """Add the API to `app`; returns its blueprint (the caller exempts it from CSRF: devices send tokens)."""
    api = Blueprint("api", __name__, url_prefix="/api/v1")

    @api.post("/sessions")
    def ingest() -> tuple[Response, int]:
        device = requesting_device()
        if device is None:
            return refuse(401, UNKNOWN_TOKEN)
        if not request.is_json:
            return refuse(415, "the body must be JSON (Content-Type: application/json)")
        body = request.get_json(silent=True)
        if body is None:
            return refuse(400, "the body is not valid JSON")
        if problem := schema_problem(body):
            return refuse(422, f"the summary does not match schema 1: {problem}")
        try:
            gid, outcome = store_session(device, body, clock.now())
        except Refused as refused:
            return refuse(refused.status, refused.reason)
        except IntegrityError:
            return refuse(409, "the same session arrived twice at once: send it again")
        note_contact(device, clock.now(), request.headers.get)
        return jsonify({"id": gid, "result": outcome.value}), 201 if outcome.value == "stored" else 200

    @api.get("/device")
    def whoami() -> tuple[Response, int]:
        device = requesting_device()
        if device is None:
            return refuse(401, UNKNOWN_TOKEN)
        note_contact(device, clock.now(), request.headers.get)
        return jsonify({"device": device.name}), 200

    app.register_blueprint(api)
    return api

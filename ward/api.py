"""The devices' API: a device sends its finished sessions (POST
/api/v1/sessions), and asks which device the ward takes its token for
(GET /api/v1/device, doctor's check). Every answer is JSON; a refusal says
why in one line under "error"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from flask import Blueprint, Flask, Response, abort, jsonify, make_response, request
from peewee import IntegrityError

from device.clock import Clock
from ward.devices import device_of, note_contact
from ward.ingest import Refused, store_session
from ward.models import Device
from ward.schema import schema_problem

UNKNOWN_TOKEN = "unknown or revoked device token: enrol the device again (python -m ward enrol)"


def refuse(status: int, reason: str) -> tuple[Response, int]:
    return jsonify({"error": reason}), status


def stop(status: int, reason: str) -> NoReturn:
    """End the view with a refusal (Flask's abort with a ready response: no error handler rewrites it)."""
    abort(make_response(*refuse(status, reason)))


def requesting_device() -> Device | None:
    """The enrolled device whose token the request bears (Authorization: Bearer TOKEN)."""
    header = request.headers.get("Authorization", "")
    return device_of(header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else "")


def asking_device() -> Device:
    """The device asking; an unknown or revoked token ends the view with 401."""
    device = requesting_device()
    if device is None:
        stop(401, UNKNOWN_TOKEN)
    return device


def json_body(problem_of: Callable[[object], str | None], mismatch: str) -> Any:
    """The request's JSON body once `problem_of` finds nothing wrong with it; otherwise the view
    ends with 415 (not JSON), 400 (not valid JSON) or 422 ("<mismatch>: <the problem>")."""
    if not request.is_json:
        stop(415, "the body must be JSON (Content-Type: application/json)")
    body = request.get_json(silent=True)
    if body is None:
        stop(400, "the body is not valid JSON")
    if problem := problem_of(body):
        stop(422, f"{mismatch}: {problem}")
    return body


def register_api(app: Flask, clock: Clock) -> Blueprint:
    """Add the API to `app`; returns its blueprint (the caller exempts it from CSRF: devices send tokens)."""
    api = Blueprint("api", __name__, url_prefix="/api/v1")

    @api.post("/sessions")
    def ingest() -> tuple[Response, int]:
        device = asking_device()
        body = json_body(schema_problem, "the summary does not match schema 1")
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
        device = asking_device()
        note_contact(device, clock.now(), request.headers.get)
        return jsonify({"device": device.name}), 200

    app.register_blueprint(api)
    return api

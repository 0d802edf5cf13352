"""The device's side of the fleet view: GET /api/device on the dashboard
answers this device's doctor line (inventory and checks, the shape of
`doctor --json`) to whoever shows the fleet token.

The token is one secret for the whole fleet, not a caregiver's password:
the technician sets it once on the card that is cloned (`python -m device
fleet --new-token`; sealing keeps it) and keeps it on the laptop that runs
`python -m device fleet`. Only its SHA-256 is kept on the device, in the
data folder; with no token set the endpoint answers 404 and shows nothing.

The checks are those the dashboard's process can judge truthfully from
inside its sandbox (no devices, no other processes, no display): the camera
by the kiosk's heartbeat, never by opening it; the models, database, disk,
services, password and clock as doctor judges them; the ward link and the
plans the ward refused, as doctor judges them too (they read the database and
ask the ward over the network, which the dashboard may do), so the fleet view
shows which beds stopped reaching the ward. The landmark model is left to
doctor on the device: loading it costs a Pi a second and 100 MB.

The fleet collector waits `fleet --timeout` (5 s by default) for a device's
whole line, so the ward is given FLEET_WARD_TIMEOUT_S per wait here, not
doctor's 5 s: a silent ward costs the line at most two such waits
(connecting, then its answer) and the device still answers in time, with
"ward link" failing and the reason, instead of "no answer" for the device.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from device import heartbeat
from device.config import Config
from device.doctor import (
    Check,
    Outcome,
    camera_in_use,
    check_clock,
    check_dashboard_password,
    check_database,
    check_disk,
    check_expression_model,
    check_model_exercises,
    check_services,
    check_time_sync,
    check_ward_link,
    check_ward_plans,
    run_checks,
)
from device.inventory import inventory

TOKEN_FILE = "fleet-token.sha256"
TOKEN_BYTES = 32
ENDPOINT = "fleet.device"  # device.web.security lets it past the login: it checks its own token
# Two waits of this (connect, answer) stay well inside the collector's default 5 s per device.
FLEET_WARD_TIMEOUT_S = 1.5


def check_camera_by_heartbeat(config: Config, now: Callable[[], float] = time.time) -> Check:
    """The camera as the kiosk reports it. The dashboard's sandbox hides
    other processes, so a fresh note is enough: only a running holder writes one."""
    held = camera_in_use(config, now())
    if held is not None:
        return held
    beat = heartbeat.read(config.data_dir)
    if beat is not None and beat.age(now()) <= heartbeat.FRESH_S:
        return Check("camera", Outcome.PASS, f"{beat.camera} delivering {beat.width}x{beat.height} frames to the kiosk")
    detail = "the kiosk reports no camera frames" + (f" for {beat.age(now()):.0f} s" if beat else "")
    if not config.installed:
        return Check("camera", Outcome.SKIP, detail + " (a development checkout)")
    return Check("camera", Outcome.FAIL, detail, "run doctor on the device; journalctl -u expression-kiosk -e")


def check_ward_link_for_fleet(config: Config) -> Check:
    """Doctor's ward link check, waiting less on the ward (see the module's docstring)."""
    return check_ward_link(config, timeout_s=FLEET_WARD_TIMEOUT_S)


FLEET_CHECKS: tuple[Callable[[Config], Check], ...] = (
    check_camera_by_heartbeat,
    check_expression_model,
    check_model_exercises,
    check_database,
    check_disk,
    check_services,
    check_dashboard_password,
    check_clock,
    check_time_sync,
    check_ward_link_for_fleet,
    check_ward_plans,
)


def device_report(config: Config) -> dict[str, object]:
    """The same document as `doctor --json`, from the fleet's checks."""
    checks = run_checks(config, FLEET_CHECKS)
    failed = [c for c in checks if c.outcome is Outcome.FAIL]
    return {"ok": not failed, "device": inventory(config).as_dict(), "checks": [asdict(c) for c in checks]}


def _digest(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def set_token(data_dir: Path, token: str) -> None:
    """Keep the token's hash (owner-only, replaced atomically)."""
    if len(token.strip()) < 32:
        raise ValueError("a fleet token is at least 32 characters (python -m device fleet --new-token makes one)")
    data_dir.mkdir(parents=True, exist_ok=True)
    temporary = data_dir / f".{TOKEN_FILE}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(_digest(token) + "\n")
    os.replace(temporary, data_dir / TOKEN_FILE)


def new_token(data_dir: Path) -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    set_token(data_dir, token)
    return token


def token_is_set(data_dir: Path) -> bool:
    return (data_dir / TOKEN_FILE).is_file()


def token_matches(data_dir: Path, presented: str) -> bool:
    try:
        kept = (data_dir / TOKEN_FILE).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return False
    return bool(kept) and bool(presented) and hmac.compare_digest(kept, _digest(presented))


blueprint = Blueprint("fleet", __name__)


@blueprint.route("/api/device")
def device() -> tuple[Response, int] | Response:
    data_dir = current_app.config["DATA_DIR"]
    if not token_is_set(data_dir):
        return jsonify({"error": "no fleet token is set on this device (python -m device fleet --new-token)"}), 404
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token_matches(data_dir, presented):
        return jsonify({"error": "wrong or missing fleet token"}), 401
    response = jsonify(device_report(current_app.extensions["fleet_config"]))
    return response


def install(app: Flask, config: Config) -> None:
    """Add the fleet endpoint to the dashboard of the device `config` describes."""
    app.extensions["fleet_config"] = config
    app.register_blueprint(blueprint)

"""The dashboard's secrets and login: a per-device secret key, the caregiver
password (hashed), the login rule, and the security headers.

Both files live in the data folder (systemd's StateDirectory on a device),
created with owner-only permissions, never in the repository. There is no
default password: until the technician sets one (`python -m device web
--set-password`) nobody can log in, and the login page says how to set it.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask, Response, redirect, request, session, url_for
from flask_wtf.csrf import generate_csrf
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers.response import Response as BaseResponse

from device.passwords import PasswordError, password_problem

SECRET_FILE = "dashboard-secret.key"
PASSWORD_FILE = "dashboard-password.json"
# A login lasts this long from the moment the password was typed, however
# often it is used: the cookie is re-sent on every request, the login time is not.
SESSION_LIFETIME = timedelta(days=7)
# Pages anyone may open: the login page, the health check and the stylesheet;
# and the fleet view's device line, which asks for its own token instead of a login
# (device/commands/fleet_report.py).
PUBLIC_ENDPOINTS = frozenset({"auth.login", "health", "static", "language.switch", "fleet.device"})


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)  # atomic: a power cut leaves the old file or the new one


def secret_key(data_dir: Path) -> bytes:
    """This device's session-signing key, generated on first use."""
    path = data_dir / SECRET_FILE
    if path.exists():
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    key = secrets.token_bytes(32)
    _write_private(path, key)
    return key


def _read_record(data_dir: Path) -> dict[str, object]:
    try:
        record = json.loads((data_dir / PASSWORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _write_record(data_dir: Path, record: dict[str, object]) -> None:
    _write_private(data_dir / PASSWORD_FILE, json.dumps(record).encode("utf-8"))


def set_password(data_dir: Path, password: str) -> None:
    """Set the caregiver password; every session logged in before ends."""
    if problem := password_problem(password):
        raise PasswordError(problem)
    # werkzeug's default scheme: scrypt with a random salt.
    _write_record(data_dir, {"hash": generate_password_hash(password), "generation": new_generation()})


def password_is_set(data_dir: Path) -> bool:
    return (data_dir / PASSWORD_FILE).is_file()


def check_password(data_dir: Path, password: str) -> bool:
    try:
        return check_password_hash(str(_read_record(data_dir)["hash"]), password)
    except (KeyError, TypeError, ValueError):
        return False


def generation(data_dir: Path) -> str:
    """The login generation: a session is valid only while it carries the
    current one. Logging out and setting a password move it on, so a copied
    cookie dies with them on the server's side, not only in the browser.
    It is random, never a count: a password file deleted and set again
    starts a generation no old cookie carries ("" when none: nobody is let in)."""
    value = _read_record(data_dir).get("generation")
    return value if isinstance(value, str) else ""


def new_generation() -> str:
    return secrets.token_hex(16)


def end_all_sessions(data_dir: Path) -> None:
    record = _read_record(data_dir)
    if record:
        record["generation"] = new_generation()
        _write_record(data_dir, record)


def start_session(data_dir: Path, now: datetime) -> None:
    """Log this browser in, from `now` (the app's clock) for SESSION_LIFETIME."""
    session.clear()
    session["logged_in"] = True
    session["generation"] = generation(data_dir)
    session["login_at"] = now.timestamp()
    session.permanent = True
    # The login's form token, made now rather than by the first page that shows a form, so the
    # login's cookie stays the same from here on: kept pages are kept per cookie (page_cache.py).
    generate_csrf()


def session_is_valid(data_dir: Path, now: datetime) -> bool:
    """Logged in, in the current generation, and less than SESSION_LIFETIME since the password was typed."""
    current = generation(data_dir)
    login_at = session.get("login_at")
    if not (session.get("logged_in") and current and session.get("generation") == current):
        return False
    if not isinstance(login_at, int | float) or isinstance(login_at, bool):
        return False  # a cookie from before logins were timed: log in again
    age = now.timestamp() - login_at
    return -60 <= age <= SESSION_LIFETIME.total_seconds()  # a minute's grace for a clock set back


def install(app: Flask) -> None:
    """Require login for every page but the public ones, and add the headers."""

    @app.before_request
    def require_login() -> BaseResponse | None:
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        if session_is_valid(app.config["DATA_DIR"], app.extensions["clock"].now()):
            return None
        session.clear()
        if request.path.startswith("/api/"):
            return Response('{"error": "login required"}', status=401, mimetype="application/json")
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = (
            # Scripts from the dashboard's own files only (the report's print button), never inline.
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"  # patient data is not kept in shared caches
        return response

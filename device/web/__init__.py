"""The caregiver dashboard: a Flask app, served on the LAN by waitress
(`python -m device web`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from device.clock import SYSTEM_CLOCK, Clock
from device.config import Config
from device.store.db import DB_NAME, open_database
from device.web import api, auth, device_page, export, language, manage, pages, security
from device.web.extensions import csrf, limiter

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 64 * 1024  # forms here are a password or a plan: anything larger is refused (413)


def create_app(
    config: Config,
    *,
    data_dir: Path | None = None,
    clock: Clock = SYSTEM_CLOCK,
    overrides: Mapping[str, object] | None = None,
) -> Flask:
    """The dashboard app, telling the date by `clock`. `overrides` (Flask settings such as TESTING,
    WTF_CSRF_ENABLED or RATELIMIT_ENABLED) are applied before the extensions
    read them: set afterwards, Flask-Limiter would never see them."""
    data_dir = data_dir if data_dir is not None else config.data_dir
    # The kiosk may be mid-session: never close "running" sessions from here.
    open_database(data_dir / DB_NAME, recover=False)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=security.secret_key(data_dir),
        DATA_DIR=data_dir,
        DEVICE_NAME=config.device.name,
        DEFAULT_LANGUAGE=config.kiosk.language,
        CAMERA_SOURCE=config.camera.source,
        LOGIN_ATTEMPTS_PER_MINUTE=config.web.login_attempts_per_minute,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(days=7),  # and ended on the server by logout or a new password
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the login
    )
    app.config.update(overrides or {})
    app.extensions["clock"] = clock
    csrf.init_app(app)
    limiter.init_app(app)
    security.install(app)
    language.install(app)
    blueprints = (
        language.blueprint,
        auth.blueprint,
        pages.blueprint,
        manage.blueprint,
        export.blueprint,
        api.blueprint,
        device_page.blueprint,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)

    @app.route("/health")
    def health() -> Response:
        """For monitoring: says the server answers, and nothing else."""
        return jsonify({"status": "ok"})

    @app.context_processor
    def device_name() -> dict[str, str]:
        return {"device_name": app.config["DEVICE_NAME"]}

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[str, int]:
        return render_template("error.html", code=400, message=language.words()("error.expired")), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str | Response, int]:
        code = error.code or 500
        message = error.description or "Something went wrong."
        if _wants_json():
            return jsonify({"error": message}), code
        return render_template("error.html", code=code, message=message), code

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str | Response, int]:
        log.exception("dashboard error")
        message = language.words()("error.server")
        if _wants_json():
            return jsonify({"error": message}), 500
        return render_template("error.html", code=500, message=message), 500

    return app


def _wants_json() -> bool:
    return request.path.startswith("/api/")

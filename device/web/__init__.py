"""The caregiver dashboard: a Flask app, served on the LAN by waitress
(`python -m device web`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from flask import Flask, Response, jsonify, render_template, request
from flask.globals import request_ctx
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from peewee import SqliteDatabase
from werkzeug.exceptions import BadHost, HTTPException

from device.clock import SYSTEM_CLOCK, Clock
from device.config import Config
from device.web import api, auth, device_page, export, language, manage, page_cache, pages, params, security
from device.web.extensions import csrf, limiter

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 64 * 1024  # forms here are a password or a plan: anything larger is refused (413)


def create_app(
    config: Config,
    store: SqliteDatabase,
    *,
    clock: Clock = SYSTEM_CLOCK,
    overrides: Mapping[str, object] | None = None,
) -> Flask:
    """The dashboard app over `store`, a database its caller opened (with its
    writer started: `python -m device web` opens it with recover=False, as
    the kiosk may be mid-session), telling the date by `clock`. The device's
    data folder is the store's. `overrides` (Flask settings such as TESTING,
    WTF_CSRF_ENABLED or RATELIMIT_ENABLED) are applied before the extensions
    read them: set afterwards, Flask-Limiter would never see them."""
    data_dir = Path(store.database).parent
    app = Flask(__name__)
    app.url_map.converters["int"] = params.AsciiInteger  # before any route is added
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
        # The cookie's own limit; the login's absolute one is security.session_is_valid's, which a
        # re-sent cookie does not extend. Logout and a new password end it on the server too.
        PERMANENT_SESSION_LIFETIME=security.SESSION_LIFETIME,
        SESSION_REFRESH_EACH_REQUEST=False,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the login
    )
    app.config.update(overrides or {})
    app.extensions["clock"] = clock

    @app.teardown_appcontext
    def close_connection(error: BaseException | None) -> None:
        """Each of waitress's threads opens its own connection on its first
        query (peewee keeps them per thread); close it when the request ends."""
        if not store.is_closed():
            store.close()

    @app.before_request
    def refuse_bad_host() -> None:
        """A Host header Werkzeug refused (`a..b`, a 64-character label) leaves
        no URL adapter: answer its 400 before any other hook builds a URL."""
        if request_ctx.url_adapter is None and request.routing_exception is not None:
            raise request.routing_exception

    page_cache.install(app, Path(store.database), config.web.page_cache_mb)
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
        message = http_message(error)
        if _wants_json():
            return jsonify({"error": message}), code
        if request_ctx.url_adapter is None:
            # Werkzeug refused the Host header before routing (BadHost): no URL
            # can be built, so the page has no links, and it is a 400, never a 500.
            return render_template("bare_error.html", code=code, message=message), code
        return render_template("error.html", code=code, message=message), code

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str | Response, int]:
        log.exception("dashboard error")
        message = language.words()("error.server")
        if _wants_json():
            return jsonify({"error": message}), 500
        return render_template("error.html", code=500, message=message), 500

    return app


def http_message(error: HTTPException) -> str:
    """What went wrong, in the reader's language. Our own aborts carry a
    catalogue message already; the framework's (404 for an unknown path, 405,
    413, Flask-Limiter's "5 per 1 minute") are English, so they are replaced
    by the catalogue's text for their code."""
    words = language.words()
    if isinstance(error, RateLimitExceeded):
        return words("login.too_many")
    if isinstance(error, BadHost):
        return words("error.bad_host")
    if error.description and error.description != type(error).description:
        return error.description
    key = f"error.http_{error.code}"
    return words(key) if key in words.keys(words.language) else words("error.http_other")


def _wants_json() -> bool:
    return request.path.startswith("/api/")

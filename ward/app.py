"""The ward server's Flask app: the devices' ingest API and the therapists'
pages, given its config, its (migrated) database and its clock."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, Response, redirect, render_template, request, session, url_for
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup
from peewee import Database, DatabaseError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from device.clock import Clock
from device.web import http_message, language
from ward.api import refuse, register_api
from ward.config import WardConfig
from ward.device_list import device_rows
from ward.export import register_export
from ward.models import Therapist
from ward.overview import WINDOW_DAYS, OverviewCache, PatientRow
from ward.patient_history import open_histories
from ward.patient_page import register_patient_pages
from ward.plan_api import register_plan_api
from ward.plan_pages import register_plan_pages
from ward.schema import MAX_BODY_BYTES
from ward.therapists import log_in
from ward.words import WardWords

log = logging.getLogger(__name__)

DEVICE_STATIC = Path(__file__).resolve().parent.parent / "device" / "web" / "static"


def create_app(config: WardConfig, db: Database, clock: Clock) -> Flask:
    """`db` is the ward's database, already migrated (ward.db.open_ward_database)."""
    # The device dashboard's stylesheet and icon, served as they are: one look.
    app = Flask(__name__, static_folder=str(DEVICE_STATIC), static_url_path="/static")
    app.config.update(
        SECRET_KEY=config.secret_key,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        WTF_CSRF_TIME_LIMIT=None,
        DEFAULT_LANGUAGE=config.language,
    )
    csrf = CSRFProtect(app)
    # The device dashboard's language choice and switch (its cookie), not a second scheme.
    app.register_blueprint(language.blueprint)

    @app.before_request
    def connect() -> None:
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def disconnect(_exc: BaseException | None) -> None:
        if not db.is_closed():
            db.close()

    def words() -> WardWords:
        return WardWords(language.choose_language())

    csrf.exempt(register_api(app, clock))
    overview = OverviewCache()

    def signed_in() -> Therapist | None:
        return Therapist.get_or_none((Therapist.id == session.get("therapist", 0)) & ~Therapist.disabled)

    csrf.exempt(register_plan_api(app, clock))
    register_plan_pages(app, clock, signed_in, words)

    @app.get("/login")
    @app.post("/login")
    def login() -> str | BaseResponse:
        failed = False
        if request.method == "POST":
            therapist = log_in(request.form.get("name", ""), request.form.get("password", ""), clock.now())
            if therapist is not None:
                session.clear()
                session["therapist"] = therapist.id
                return redirect(url_for("home"))
            failed = True
        return render_template("ward_login.html", t=words(), failed=failed)

    @app.post("/logout")
    def logout() -> BaseResponse:
        session.clear()
        return redirect(url_for("login"))

    @app.get("/")
    def home() -> str | BaseResponse:
        therapist = signed_in()
        if therapist is None:
            return redirect(url_for("login"))
        w = words()

        def render(rows: list[PatientRow]) -> str:
            return render_template("ward_overview_table.html", t=w, rows=rows, window=WINDOW_DAYS)

        # Our own template's output, escaped as it was rendered.
        table = Markup(overview.table(clock.today(), w.language, render))
        return render_template("ward_overview.html", t=w, table=table, therapist=therapist.name)

    @app.get("/devices")
    def devices() -> str | BaseResponse:
        therapist = signed_in()
        if therapist is None:
            return redirect(url_for("login"))
        return render_template("ward_devices.html", t=words(), rows=device_rows(), therapist=therapist.name)

    register_patient_pages(app, clock, open_histories(config.cache_dir), signed_in, lambda: words().language)
    register_export(app, clock, signed_in, lambda: words().language)

    @app.errorhandler(CSRFError)
    def csrf_error(_exc: CSRFError) -> tuple[str, int]:
        return render_template("ward_login.html", t=words(), failed=False, expired=True), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if request.path.startswith("/api/"):
            reasons = {413: f"the body is larger than {MAX_BODY_BYTES // 1024} KB"}
            return refuse(exc.code or 400, reasons.get(exc.code or 0, exc.description or exc.name))
        if exc.code is None or exc.code < 400 or request_ctx.url_adapter is None:
            # A ready response (a redirect to the login), or a Host refused before routing: no page to build.
            return exc
        # The dashboard's words for the framework's own refusals (404 for an unknown path, 405); ours carry theirs.
        return render_template("ward_error.html", t=words(), code=exc.code, message=http_message(exc)), exc.code

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DatabaseError)
    def database_down(exc: Exception) -> tuple[Response, int]:
        # The database is unreachable or restarting: nothing was stored, the device retries.
        log.warning("ward database error: %s", str(exc).strip().splitlines()[0] if str(exc).strip() else exc)
        response, status = refuse(503, "the ward's database is unavailable: send it again later")
        response.headers["Retry-After"] = "30"
        return response, status

    return app

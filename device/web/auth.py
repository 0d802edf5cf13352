"""Log in and out."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers.response import Response

from device.web.extensions import limiter
from device.web.security import check_password, end_all_sessions, password_is_set, start_session

blueprint = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host.
    Browsers drop tabs and newlines from a Location, so "/\t/evil.com" would
    become "//evil.com": any control character or space is refused too."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(c) < 33 or ord(c) == 127 for c in target)
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("pages.home")


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: f"{current_app.config['LOGIN_ATTEMPTS_PER_MINUTE']} per minute", methods=["POST"])
def login() -> str | Response | tuple[str, int]:
    data_dir = current_app.config["DATA_DIR"]
    if not password_is_set(data_dir):
        return render_template("login.html", no_password=True), 503
    if request.method == "POST":
        password = request.form.get("password", "")
        if check_password(data_dir, password):
            start_session(data_dir, current_app.extensions["clock"].now())
            return redirect(safe_next(request.args.get("next")))
        # Who tried and when (the journal stamps the time); never what was typed.
        log.warning("failed dashboard login from %s", request.remote_addr)
        return render_template("login.html", failed=True), 401
    return render_template("login.html")


@blueprint.route("/logout", methods=["POST"])
def logout() -> Response:
    """Ends every session on the server's side, not only this browser's."""
    end_all_sessions(current_app.config["DATA_DIR"])
    session.clear()
    return redirect(url_for("auth.login"))

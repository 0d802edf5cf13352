"""The dashboard's language: Korean or English, from the shared catalogue
mechanism (device/i18n.py) with the dashboard's own words (strings/).

The choice, in order: the switch on the page (kept in a cookie for a year),
the browser's Accept-Language, then the device's own language (the kiosk's
`kiosk.language`, Korean by default).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from flask import Blueprint, Flask, current_app, g, redirect, request
from werkzeug.wrappers.response import Response

from device.i18n import LANGUAGES, SHARED, Words
from device.web.auth import safe_next

STRINGS = Path(__file__).resolve().parent / "strings"
COOKIE = "lang"
blueprint = Blueprint("language", __name__)


class WebWords(Words):
    FOLDERS: ClassVar[tuple[Path, ...]] = (SHARED, STRINGS)


def choose_language() -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(LANGUAGES)
    return best or str(current_app.config["DEFAULT_LANGUAGE"])


def words() -> WebWords:
    """This request's words."""
    if "words" not in g:
        g.words = WebWords(choose_language())
    return g.words


@blueprint.route("/language/<code>", methods=["POST"])
def switch(code: str) -> Response:
    """Keep the chosen language in a cookie and go back to the page it was chosen on."""
    response = redirect(safe_next(request.form.get("next")))
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Strict", httponly=True)
    return response


def install(app: Flask) -> None:
    @app.context_processor
    def language() -> dict[str, object]:
        w = words()
        return {"t": w, "lang": w.language, "languages": LANGUAGES}

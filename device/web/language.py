"""The dashboard's language: Korean or English, from the shared catalogue
mechanism (device/i18n.py) with the dashboard's own words (strings/).

The choice, in order: the switch on the page (kept in a cookie for a year),
a link's `?lang=`, the browser's Accept-Language, then the app's default
(`DEFAULT_LANGUAGE`: the kiosk's `kiosk.language` on a device, the ward's
`language`; Korean by default). The ward server (ward/app.py) chooses with
this same function and switch, so one person's choice holds on both.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import ClassVar

from flask import Blueprint, Flask, abort, current_app, g, redirect, request
from werkzeug.wrappers.response import Response

from device.i18n import LANGUAGES, SHARED, Words
from device.web.auth import safe_next

STRINGS = Path(__file__).resolve().parent / "strings"
COOKIE = "lang"
blueprint = Blueprint("language", __name__)


class WebWords(Words):
    """The dashboard's words, and how it writes dates, times, durations: in
    Korean order and units ("2026년 6월 13일 (토)", "오전 9:05", "1분 30초")."""

    FOLDERS: ClassVar[tuple[Path, ...]] = (SHARED, STRINGS)

    def dated(self, day: date) -> str:
        """A day with its weekday: "2026년 6월 13일 (토)" / "Sat 13 June 2026"."""
        weekday = self.weekday_short(day.weekday())
        return self("format.dated", year=day.year, month=self.month_name(day.month), day=day.day, weekday=weekday)

    def time_of_day(self, moment: datetime) -> str:
        """ "오전 9:05" / "9:05 am": twelve hours, no leading zero, as people say it."""
        hour = moment.hour % 12 or 12
        return self("format.am" if moment.hour < 12 else "format.pm", hour=hour, minute=f"{moment.minute:02d}")

    def dated_at(self, moment: datetime) -> str:
        """A day and its time: "2026년 6월 13일 (토) 오전 9:05" / "Sat 13 June 2026 9:05 am"."""
        return f"{self.dated(moment.date())} {self.time_of_day(moment)}"

    def duration(self, seconds: float) -> str:
        """ "2분", "1분 30초", "45초" / "2 min", "1 min 30 s", "45 s": whole seconds, never "2.0분"."""
        minutes, rest = divmod(round(seconds), 60)
        if minutes and rest:
            return self("format.min_sec", minutes=minutes, seconds=rest)
        return self("format.minutes", minutes=minutes) if minutes else self("format.seconds", seconds=rest)


def choose_language() -> str:
    """The switch's cookie first: a link's `?lang=` (the ward's links carry the
    page's language) or a browser that asks for English never undoes it."""
    for chosen in (request.cookies.get(COOKIE), request.args.get("lang")):
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
    """Keep the chosen language in a cookie and go back to the page it was
    chosen on. A code we have no words for is refused, and the cookie is left
    as it was."""
    if code not in LANGUAGES:
        abort(400, words()("error.unknown_language"))
    response = redirect(safe_next(request.form.get("next")))
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Strict", httponly=True)
    return response


def install(app: Flask) -> None:
    @app.context_processor
    def language() -> dict[str, object]:
        w = words()
        return {"t": w, "lang": w.language, "languages": LANGUAGES}

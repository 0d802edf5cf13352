"""A patient's page on the ward: the month's calendar, the trends and the
report, from the patient's history in the device's own schema
(ward/patient_history.py) through the device dashboard's read side
(device/web/reports.py) and its charts: the ward restates no rule, so one
day gives one number on the bedside dashboard and on the ward. A patient
with a ward identity is one history across the devices they practised on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import ClassVar, NamedTuple

from flask import Flask, abort, g, redirect, render_template, request, url_for
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.wrappers import Response as BaseResponse

from device.clock import Clock
from device.i18n import SHARED
from device.store.models import Patient
from device.store.queries import exercise_totals, exercise_weeks, period_summary, region_range
from device.web.language import STRINGS as DEVICE_STRINGS
from device.web.language import WebWords
from device.web.page_cache import PageCache
from device.web.pages import MAX_REPORT_DAYS, region_chart, trend_charts
from device.web.params import AsciiInteger, parse_day, parse_month
from device.web.reports import ExerciseTrend, Trends, graded_sessions, month_view, region_progress, trends_view
from ward.identity import History, IdentityError, assign, clean_identity, history_of
from ward.models import Therapist
from ward.patient_history import PatientHistories
from ward.words import WARD_STRINGS

DEVICE_TEMPLATES = DEVICE_STRINGS.parent / "templates"
PAGE_CACHE_MB = 32  # a patient page is about 100 KB: the pages of a ward of 150 patients, each language
MAX_PATIENT_ID = 2**31 - 1  # the ward's ids are PostgreSQL's SERIAL: a larger one is no patient, not an error


class Reader(NamedTuple):
    """The therapist reading a page, and the words they read it in."""

    therapist: Therapist
    words: PatientWords


class PatientWords(WebWords):
    """The device dashboard's words (its calendar, trend sentences, report) and the ward's own."""

    FOLDERS: ClassVar = (SHARED, DEVICE_STRINGS, WARD_STRINGS)


def register_patient_pages(
    app: Flask,
    clock: Clock,
    histories: PatientHistories,
    signed_in: Callable[[], Therapist | None],
    language: Callable[[], str],
) -> None:
    """The patient page, its report and its ward identity, behind the named login."""
    app.url_map.converters["ward_id"] = AsciiInteger  # ASCII digits only, as the device's URLs
    # The device dashboard's partials (the regions table) beside the ward's templates: one look.
    ward_templates = FileSystemLoader(f"{app.root_path}/templates")
    app.jinja_loader = ChoiceLoader([ward_templates, FileSystemLoader(DEVICE_TEMPLATES)])

    # A patient's pages are kept until a history is brought up to date: a
    # session that arrives or changes, or members that change, bump the
    # cache's version (device/web/page_cache.py, as the device's dashboard).
    pages = PageCache(histories.version, PAGE_CACHE_MB)

    @app.teardown_request
    def close_history(_exc: BaseException | None) -> None:
        histories.close()

    def words() -> PatientWords:
        return request_words(language())

    def open_history(patient_id: int) -> tuple[History, Patient]:
        history = history_of(patient_id) if 0 < patient_id <= MAX_PATIENT_ID else None
        if history is None:
            abort(404, description=words()("problem.no_patient"))
        return history, histories.history(history.key, history.ids)

    def reader() -> Reader:
        """The therapist signed in, and their words; otherwise the view ends with a redirect to the login."""
        therapist = signed_in()
        if therapist is None:
            abort(redirect(url_for("login", lang=request.args.get("lang"))))  # a ready response: passed on as it is
        return Reader(therapist, words())

    def history_page(
        template: str,
        patient_id: int,
        who: Reader,
        today: date,
        figures: Callable[[Patient], dict[str, object]],
        **more: object,
    ) -> BaseResponse:
        """A page of the patient's history with `figures` of it, kept until the history changes."""
        therapist, w = who
        history, patient = open_history(patient_id)
        return pages.answer(
            (today, w.language, therapist.name, history.facts),
            lambda: render_template(
                template,
                t=w,
                therapist=therapist.name,
                history=history,
                patient_id=patient_id,
                **more,
                **figures(patient),
            ),
        )

    @app.get("/patients/<ward_id:patient_id>")
    def patient_page(patient_id: int) -> BaseResponse:
        who = reader()
        w = who.words
        today = clock.today()
        month_text = request.args.get("month")
        first = today if month_text is None else parse_month(month_text)
        if first is None:
            abort(404, description=w("problem.month", text=month_text))
        return history_page(
            "ward_patient.html",
            patient_id,
            who,
            today,
            lambda patient: _month_page(patient, first, today),
            identity_problem=request.args.get("identity") == "invalid",
        )

    @app.get("/patients/<ward_id:patient_id>/report")
    def patient_report(patient_id: int) -> BaseResponse:
        who = reader()
        w = who.words
        today = clock.today()
        last = date_arg("to", today, w)
        first = date_arg("from", last - timedelta(days=27), w)
        if first > last or (last - first).days > MAX_REPORT_DAYS:
            abort(400, description=w("problem.range", most=MAX_REPORT_DAYS))
        return history_page("ward_report.html", patient_id, who, today, lambda patient: _report(patient, first, last))

    @app.post("/patients/<ward_id:patient_id>/identity")
    def patient_identity(patient_id: int) -> BaseResponse:
        therapist, w = reader()
        if history_of(patient_id) is None if 0 < patient_id <= MAX_PATIENT_ID else True:
            abort(404, description=w("problem.no_patient"))
        lang = request.args.get("lang")
        try:
            identity = clean_identity(request.form.get("identity", ""))
        except IdentityError:
            return redirect(url_for("patient_page", patient_id=patient_id, lang=lang, identity="invalid"))
        assign(patient_id, identity, by=therapist.name, when=clock.now())  # who gave the number, and when
        return redirect(url_for("patient_page", patient_id=patient_id, lang=lang))


def request_words(language: str) -> PatientWords:
    """This request's words, kept in g: the device's page helpers (trend_charts, the CSV's headers) read them there."""
    if not isinstance(g.get("words"), PatientWords):
        g.words = PatientWords(language)
    return g.words


def date_arg(name: str, default: date, w: PatientWords) -> date:
    """A YYYY-MM-DD query argument, `default` when absent; 400 when it is not a date."""
    text = request.args.get(name)
    if not text:
        return default
    parsed = parse_day(text)
    if parsed is None:
        abort(400, description=w("problem.date_arg", name=name))
    return parsed


def _month_page(patient: Patient, first: date, today: date) -> dict[str, object]:
    """The month's calendar and the trends, as the device dashboard's month and trends pages compute them."""
    trends = trends_view(patient, today)
    score_chart, symmetry_chart = trend_charts(trends)
    graded = graded_sessions(patient, today)
    return {
        "view": month_view(patient, first, today),
        "today": today,
        "trends": trends,
        "score_chart": score_chart,
        "symmetry_chart": symmetry_chart,
        "regions": region_progress(graded),
        "region_chart": region_chart(graded, trends),
    }


def _report(patient: Patient, first: date, last: date) -> dict[str, object]:
    """The figures of first..last, as the device dashboard's report computes them."""
    summary = period_summary(patient, first, last)
    weekly = [ExerciseTrend(e, points) for e, points in exercise_weeks(patient, first, last).items()]
    view = Trends(first, last, weekly, 0, summary.days_practised)
    score_chart, symmetry_chart = trend_charts(view)
    graded = region_range(patient, first, last)
    return {
        "first": first,
        "last": last,
        "summary": summary,
        "totals": exercise_totals(patient, first, last),
        "trends": view,
        "score_chart": score_chart,
        "symmetry_chart": symmetry_chart,
        "regions": region_progress(graded),
        "region_chart": region_chart(graded, view),
    }

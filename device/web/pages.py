"""The caregiver's pages: month calendar, a day, trends."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response

from device.store.models import Patient, SessionStatus
from device.store.queries import daily_summaries
from device.web import charts
from device.web.params import day_arg, day_or_404, month_or_404, patient_or_404
from device.web.reports import Trends, day_view, month_view, sessions_between, trends_view

blueprint = Blueprint("pages", __name__)
MAX_REPORT_DAYS = 366


def active_patients() -> list[Patient]:
    return list(Patient.select().where(~Patient.archived).order_by(Patient.name))


@blueprint.route("/")
def home() -> str | Response:
    patients = active_patients()
    if not patients:
        return render_template("no_patients.html")
    return redirect(url_for("pages.month", patient_id=patients[0].id, month=date.today().strftime("%Y-%m")))


@blueprint.route("/patients/<int:patient_id>/")
def patient_home(patient_id: int) -> Response:
    patient_or_404(patient_id)
    return redirect(url_for("pages.month", patient_id=patient_id, month=date.today().strftime("%Y-%m")))


@blueprint.route("/patients/<int:patient_id>/month/<month>")
def month(patient_id: int, month: str) -> str:
    patient = patient_or_404(patient_id)
    view = month_view(patient, month_or_404(month), date.today())
    return render_template("month.html", patient=patient, patients=active_patients(), view=view)


@blueprint.route("/patients/<int:patient_id>/day/<day>")
def day(patient_id: int, day: str) -> str:
    patient = patient_or_404(patient_id)
    view = day_view(patient, day_or_404(day))
    timelines = {s.id: charts.session_timeline(s.timeline) for s in view.sessions if s.timeline}
    return render_template("day.html", patient=patient, patients=active_patients(), view=view, timelines=timelines)


def trend_charts(view: Trends) -> tuple[str | None, str | None]:
    """The weekly score and symmetry charts of a trends view (None where there is nothing to draw)."""
    weeks = tuple(w.monday for w in view.exercises[0].weeks) if view.exercises else ()
    scores = tuple((t.exercise, tuple(w.score for w in t.weeks)) for t in view.exercises)
    symmetries = ((t.exercise, tuple(w.symmetry for w in t.weeks)) for t in view.exercises)
    symmetry = tuple((name, values) for name, values in symmetries if any(v is not None for v in values))
    score_chart = charts.weekly_lines(weeks, scores, "weekly score", (0, 100)) if scores else None
    symmetry_chart = charts.weekly_lines(weeks, symmetry, "weekly symmetry (1 = even)", (0, 1)) if symmetry else None
    return score_chart, symmetry_chart


@blueprint.route("/patients/<int:patient_id>/trends")
def trends(patient_id: int) -> str:
    patient = patient_or_404(patient_id)
    view = trends_view(patient, date.today())
    score_chart, symmetry_chart = trend_charts(view)
    return render_template(
        "trends.html",
        patient=patient,
        patients=active_patients(),
        view=view,
        score_chart=score_chart,
        symmetry_chart=symmetry_chart,
    )


@blueprint.route("/patients/<int:patient_id>/report")
def report(patient_id: int) -> str:
    """A printable summary of a date range, for a therapist's visit."""
    patient = patient_or_404(patient_id)
    today = date.today()
    last = day_arg(request.args.get("to"), "to", today)
    first = day_arg(request.args.get("from"), "from", last - timedelta(days=27))
    if first > last or (last - first).days > MAX_REPORT_DAYS:
        abort(400, description=f"The range must run forwards and span at most {MAX_REPORT_DAYS} days.")
    view = trends_view(patient, last, weeks=(last - first).days // 7 + 1)
    score_chart, symmetry_chart = trend_charts(view)
    days = daily_summaries(patient, first, last)
    records = sessions_between(patient, first, last)
    scored = [r.score for r in records if r.score is not None]
    return render_template(
        "report.html",
        patient=patient,
        first=first,
        last=last,
        days_practised=len(days),
        sessions=len(records),
        interrupted=sum(r.status == SessionStatus.INTERRUPTED for r in records),
        mean_score=sum(scored) / len(scored) if scored else None,
        trends=view,
        score_chart=score_chart,
        symmetry_chart=symmetry_chart,
    )

"""The caregiver's pages: month calendar, a day, trends."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers.response import Response

from device.store.models import Patient
from device.web import charts
from device.web.params import day_or_404, month_or_404, patient_or_404
from device.web.reports import day_view, month_view, trends_view

blueprint = Blueprint("pages", __name__)


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
    timelines = {s.id: charts.session_timeline((s.id, s.status), s.timeline) for s in view.sessions if s.timeline}
    return render_template("day.html", patient=patient, patients=active_patients(), view=view, timelines=timelines)


@blueprint.route("/patients/<int:patient_id>/trends")
def trends(patient_id: int) -> str:
    patient = patient_or_404(patient_id)
    view = trends_view(patient, date.today())
    weeks = tuple(w.monday for w in view.exercises[0].weeks) if view.exercises else ()
    scores = tuple((t.exercise, tuple(w.score for w in t.weeks)) for t in view.exercises)
    symmetries = ((t.exercise, tuple(w.symmetry for w in t.weeks)) for t in view.exercises)
    symmetry = tuple((name, values) for name, values in symmetries if any(v is not None for v in values))
    score_chart = charts.weekly_lines(weeks, scores, "weekly score", (0, 100)) if scores else None
    symmetry_chart = charts.weekly_lines(weeks, symmetry, "weekly symmetry (1 = even)", (0, 1)) if symmetry else None
    return render_template(
        "trends.html",
        patient=patient,
        patients=active_patients(),
        view=view,
        score_chart=score_chart,
        symmetry_chart=symmetry_chart,
    )

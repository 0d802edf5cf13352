"""What a therapist changes: patients (add, rename, archive) and each
patient's exercise plan. Every form is CSRF-protected (Flask-WTF) and
validated by the same rules the device uses (store/records.py, practice/plan.py)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response

from device.practice.catalogue import catalogue
from device.practice.plan import MAX_REPS, Effort, PlanError, Side, make_plan
from device.store.db import StoreError
from device.store.models import Patient
from device.store.records import add_note as store_note
from device.store.records import add_patient, archive_patient, current_plan, rename_patient, save_plan
from device.web.language import words
from device.web.params import patient_or_404

blueprint = Blueprint("manage", __name__)
MAX_NAME = 80


def _all_patients() -> list[Patient]:
    return list(Patient.select().order_by(Patient.archived, Patient.name))


def _name_field() -> str:
    name = request.form.get("name", "").strip()
    if not name or len(name) > MAX_NAME:
        abort(400, description=words()("problem.name_length", most=MAX_NAME))
    return name


@blueprint.route("/patients", methods=["GET"])
def patients() -> str:
    return render_template("patients.html", all_patients=_all_patients())


@blueprint.route("/patients", methods=["POST"])
def add() -> Response:
    try:
        patient = add_patient(_name_field())
    except StoreError as exc:
        abort(400, description=str(exc))
    return redirect(url_for("manage.plan", patient_id=patient.id))


@blueprint.route("/patients/<int:patient_id>/rename", methods=["POST"])
def rename(patient_id: int) -> Response:
    patient = patient_or_404(patient_id)
    name = _name_field()
    if Patient.get_or_none((Patient.name == name) & (Patient.id != patient.id)) is not None:
        abort(400, description=words()("problem.name_taken", name=name))
    rename_patient(patient, name)
    return redirect(url_for("manage.patients"))


@blueprint.route("/patients/<int:patient_id>/archive", methods=["POST"])
def archive(patient_id: int) -> Response:
    """Archived patients leave the kiosk's list and the calendar tabs; their data stays."""
    patient = patient_or_404(patient_id)
    archive_patient(patient, request.form.get("archived", "1") == "1")
    return redirect(url_for("manage.patients"))


@blueprint.route("/patients/<int:patient_id>/notes", methods=["POST"])
def add_note(patient_id: int) -> Response:
    """A therapist's note, dated now; shown on the trends page and the report."""
    patient = patient_or_404(patient_id)
    try:
        store_note(patient, request.form.get("text", ""))
    except StoreError as exc:
        abort(400, description=str(exc))
    return redirect(url_for("pages.trends", patient_id=patient.id) + "#notes")


@blueprint.route("/patients/<int:patient_id>/plan", methods=["GET", "POST"])
def plan(patient_id: int) -> str | Response | tuple[str, int]:
    patient = patient_or_404(patient_id)
    error = None
    if request.method == "POST":
        entries: list[tuple[str, int | None]] = []
        for exercise_id in catalogue():
            if request.form.get(f"use_{exercise_id}") != "on":
                continue
            text = request.form.get(f"reps_{exercise_id}", "")
            if not (text.isascii() and text.isdigit() and len(text) <= 3):  # "²" is a digit to Python, not a number
                abort(400, description=words()("problem.reps", name=words().exercise(exercise_id), most=MAX_REPS))
            entries.append((exercise_id, int(text)))
        try:
            new = make_plan(entries, request.form.get("effort", ""), request.form.get("affected_side") or None)
        except PlanError as exc:
            error = str(exc)
        else:
            save_plan(patient, new)
            return redirect(url_for("manage.plan", patient_id=patient.id, saved=1))
    current = current_plan(patient)
    chosen = {item.exercise.id: item.reps for item in current.items}
    page = render_template(
        "plan.html",
        patient=patient,
        plan=current,
        chosen=chosen,
        exercises=list(catalogue().values()),
        efforts=list(Effort),
        sides=list(Side),
        max_reps=MAX_REPS,
        error=error,
        saved=request.args.get("saved") == "1",
    )
    return (page, 400) if error else page

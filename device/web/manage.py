"""What a therapist changes: patients (add, rename, archive) and each
patient's exercise plan. Every form is CSRF-protected (Flask-WTF) and
validated by the same rules the device uses (store/records.py, practice/plan.py)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response

from device.names import MAX_NAME, clean_name, name_problem
from device.practice.catalogue import catalogue
from device.practice.plan import MAX_REPS, Effort, PlanError, Side, make_plan
from device.store.db import StoreError
from device.store.models import Patient
from device.store.records import (
    MAX_NOTE,
    DuplicateNameError,
    NoteError,
    PatientNameError,
    WardIdentityError,
    add_patient,
    archive_patient,
    current_plan,
    plan_history,
    rename_patient,
    save_plan,
    set_ward_identity,
)
from device.store.records import add_note as store_note
from device.web.language import words
from device.web.params import patient_or_404
from device.web.plan_changes import describe, plan_changes

blueprint = Blueprint("manage", __name__)


def _all_patients() -> list[Patient]:
    return list(Patient.select().order_by(Patient.archived, Patient.name))


def _name_field() -> str:
    """The form's name, checked by the one rule (device/names.py) and refused in the reader's language."""
    name = clean_name(request.form.get("name", ""))
    if problem := name_problem(name):
        abort(400, description=words()(f"problem.name_{problem.reason}", most=MAX_NAME))
    return name


def _store_problem(exc: StoreError, name: str = "") -> str:
    """A store refusal in the reader's language (the store's own line is English, for the log and the CLI)."""
    w = words()
    if isinstance(exc, DuplicateNameError):
        return w("problem.name_taken", name=name)
    if isinstance(exc, PatientNameError):
        return w(f"problem.name_{exc.problem.reason}", most=MAX_NAME)
    if isinstance(exc, NoteError):
        return w(f"problem.note_{exc.reason}", most=MAX_NOTE)
    return w("problem.store")


@blueprint.route("/patients", methods=["GET"])
def patients() -> str:
    return render_template("patients.html", all_patients=_all_patients())


@blueprint.route("/patients", methods=["POST"])
def add() -> Response:
    name = _name_field()
    try:
        patient = add_patient(name)
    except StoreError as exc:
        abort(400, description=_store_problem(exc, name))
    return redirect(url_for("manage.plan", patient_id=patient.id))


@blueprint.route("/patients/<int:patient_id>/rename", methods=["POST"])
def rename(patient_id: int) -> Response:
    patient = patient_or_404(patient_id)
    name = _name_field()
    try:
        rename_patient(patient, name)
    except StoreError as exc:
        abort(400, description=_store_problem(exc, name))
    return redirect(url_for("manage.patients"))


@blueprint.route("/patients/<int:patient_id>/ward-identity", methods=["POST"])
def ward_identity(patient_id: int) -> Response:
    """The hospital number the ward joins this patient's beds by (empty: none)."""
    patient = patient_or_404(patient_id)
    try:
        set_ward_identity(patient, request.form.get("ward_identity", ""))
    except WardIdentityError:
        abort(400, description=words()("patients.ward_identity_invalid"))
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
        abort(400, description=_store_problem(exc))
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
            # "²" is a digit to Python, not a number: ASCII digits only, as everywhere in URLs and settings.
            if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_REPS):
                abort(400, description=words()("problem.reps", name=words().exercise(exercise_id), most=MAX_REPS))
            entries.append((exercise_id, int(text)))
        effort, side = request.form.get("effort", ""), request.form.get("affected_side") or None
        try:
            new = make_plan(entries, effort, side)
        except PlanError:
            error = _plan_problem(entries, effort, side)
        else:
            save_plan(patient, new, current_app.extensions["clock"].now())
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
        changes=[(c, describe(c, words())) for c in plan_changes(plan_history(patient))],
    )
    return (page, 400) if error else page


def _plan_problem(entries: list[tuple[str, int | None]], effort: str, side: str | None) -> str:
    """Why make_plan refused the form, in the reader's language (its own line is English, for the CLI)."""
    w = words()
    if not entries:
        return w("problem.plan_empty")
    if effort not in set(Effort):
        return w("problem.plan_effort")
    if side is not None and side not in {*Side, "unknown"}:
        return w("problem.plan_side")
    return w("problem.plan")

"""What a therapist changes: patients (add, rename, archive) and each
patient's exercise plan. Every form is CSRF-protected (Flask-WTF) and
validated by the same rules the device uses (store/records.py, practice/plan.py)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response

from device.names import MAX_NAME, clean_name, name_problem
from device.practice.plan import Plan
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
from device.ward_plans import refused_plans
from device.web.language import words
from device.web.params import patient_or_404
from device.web.plan_changes import describe, plan_changes
from device.web.plan_form import editor_fields, plan_from_form

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
        made = plan_from_form(request.form)
        if isinstance(made, Plan):
            save_plan(patient, made, current_app.extensions["clock"].now())
            return redirect(url_for("manage.plan", patient_id=patient.id, saved=1))
        error = made.sentence(words())
    page = render_template(
        "plan.html",
        patient=patient,
        error=error,
        saved=request.args.get("saved") == "1",
        changes=[(c, describe(c, words())) for c in plan_changes(plan_history(patient))],
        refused=next(iter(refused_plans(patient)), None),
        **editor_fields(current_plan(patient)),
    )
    return (page, 400) if error else page

"""A patient's plan on the ward: the device dashboard's editor (the same
fields, the device's rules) behind the named login, and the plan history of
both sides: who changed what, when, and which plan is in force (ward/plans.py)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from device.clock import Clock
from device.practice.plan import Plan, default_plan
from device.web.params import AsciiInteger
from device.web.plan_changes import describe, plan_changes
from device.web.plan_form import editor_fields, plan_from_form
from ward.models import Therapist, WardPatient, database
from ward.plans import plan_for_editor, plans_of, save_ward_plan, standing
from ward.words import WardWords

MAX_PATIENT_ID = 2**31 - 1  # PostgreSQL's SERIAL: a larger id is no patient, not an error


def register_plan_pages(
    app: Flask, clock: Clock, signed_in: Callable[[], Therapist | None], words: Callable[[], WardWords]
) -> None:
    app.url_map.converters.setdefault("ward_id", AsciiInteger)  # ASCII digits only, as the device's URLs

    @app.route("/patients/<ward_id:patient_id>/plan", methods=["GET", "POST"])
    def patient_plan(patient_id: int) -> str | BaseResponse | tuple[str, int]:
        therapist = signed_in()
        if therapist is None:
            return redirect(url_for("login", lang=request.args.get("lang")))
        w = words()
        patient = WardPatient.get_or_none(WardPatient.id == patient_id) if patient_id <= MAX_PATIENT_ID else None
        if patient is None:
            abort(404, description=w("problem.no_patient"))
        error = None
        if request.method == "POST":
            made = plan_from_form(request.form)
            if isinstance(made, Plan):
                with database.atomic():
                    save_ward_plan(patient, made, therapist, clock.now())
                return redirect(url_for("patient_plan", patient_id=patient.id, saved=1, lang=request.args.get("lang")))
            error = made.sentence(w)
        plans = plans_of(patient)
        current = plan_for_editor(patient, plans) or default_plan()
        page = render_template(
            "ward_plan.html",
            t=w,
            therapist=therapist.name,
            patient=patient,
            error=error,
            saved=request.args.get("saved") == "1",
            standing=standing(plans),
            changes=[(c, p, describe(c, w)) for c, p in zip(plan_changes(plans), plans, strict=True)],
            **editor_fields(current),
        )
        return (page, 400) if error else page

"""The plan editor's form (templates/_plan_form.html), on the device
dashboard and on the ward: what it shows and how its answer is read,
checked by the device's rules (practice/plan.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from device.i18n import Words
from device.practice.catalogue import catalogue
from device.practice.plan import MAX_REPS, Effort, Plan, PlanError, Side, make_plan


@dataclass(frozen=True)
class FormProblem:
    """Why the form was refused: a word's key (device/web/strings: problem.*) and its values."""

    key: str
    values: Mapping[str, object]

    def sentence(self, words: Words) -> str:
        """The problem in the reader's language, the exercise by its name."""
        values = dict(self.values)
        if "exercise" in values:
            values["name"] = words.exercise(str(values.pop("exercise")))
        return words(self.key, **values)


def plan_from_form(form: Mapping[str, str]) -> Plan | FormProblem:
    """The editor's answer (use_ID, reps_ID, effort, affected_side) as a plan, or why it is none."""
    entries: list[tuple[str, int | None]] = []
    for exercise_id in catalogue():
        if form.get(f"use_{exercise_id}") != "on":
            continue
        text = form.get(f"reps_{exercise_id}", "")
        # "²" is a digit to Python, not a number: ASCII digits only, as everywhere in URLs and settings.
        if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_REPS):
            return FormProblem("problem.reps", {"exercise": exercise_id, "most": MAX_REPS})
        entries.append((exercise_id, int(text)))
    effort, side = form.get("effort", ""), form.get("affected_side") or None
    try:
        return make_plan(entries, effort, side)
    except PlanError:
        if not entries:
            return FormProblem("problem.plan_empty", {})
        if effort not in set(Effort):
            return FormProblem("problem.plan_effort", {})
        if side is not None and side not in {*Side, "unknown"}:
            return FormProblem("problem.plan_side", {})
        return FormProblem("problem.plan", {})


def editor_fields(plan: Plan) -> dict[str, object]:
    """What _plan_form.html shows, with `plan` filled in."""
    return {
        "plan": plan,
        "chosen": {item.exercise.id: item.reps for item in plan.items},
        "exercises": list(catalogue().values()),
        "efforts": list(Effort),
        "sides": list(Side),
        "max_reps": MAX_REPS,
    }

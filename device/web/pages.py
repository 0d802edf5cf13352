"""The caregiver's pages: month calendar, a day, trends."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response

from device.store.models import Patient
from device.store.queries import exercise_weeks, patients_by_recent_practice, period_summary, region_range
from device.store.records import current_plan, notes_of, plan_history
from device.web import charts
from device.web.alerts import ALERT_DAYS, alerts, missed_days
from device.web.language import words
from device.web.page_cache import kept_until_change
from device.web.params import day_arg, day_or_404, id_arg, month_or_404, patient_or_404, today
from device.web.plan_changes import changes_between, describe, in_force, plan_changes, plan_facts
from device.web.reports import (
    ExerciseTrend,
    Graded,
    Trends,
    day_view,
    exercise_totals,
    graded_sessions,
    month_view,
    region_progress,
    region_weeks,
    trends_view,
)

blueprint = Blueprint("pages", __name__)
MAX_REPORT_DAYS = 366


def active_patients() -> list[Patient]:
    """The patients not archived, the most recently practised first (queries.patients_by_recent_practice)."""
    return patients_by_recent_practice()


@blueprint.route("/patients/go")
def go() -> Response:
    """The patient picker's form (a list, for more patients than fit as buttons): no script needed."""
    return redirect(url_for("pages.patient_home", patient_id=patient_or_404(id_arg(request.args.get("id"))).id))


@blueprint.route("/")
def home() -> str | Response:
    patients = active_patients()
    if not patients:
        return render_template("no_patients.html")
    return redirect(url_for("pages.month", patient_id=patients[0].id, month=today().strftime("%Y-%m")))


@blueprint.route("/patients/<int:patient_id>/")
def patient_home(patient_id: int) -> Response:
    patient_or_404(patient_id)
    return redirect(url_for("pages.month", patient_id=patient_id, month=today().strftime("%Y-%m")))


@blueprint.route("/patients/<int:patient_id>/month/<month>")
@kept_until_change
def month(patient_id: int, month: str) -> str:
    """A patient's overview: what needs attention first, then the month's calendar."""
    patient = patient_or_404(patient_id)
    now_day = today()
    view = month_view(patient, month_or_404(month), now_day)
    w = words()
    missed = set(missed_days(patient, view.first, min(view.last, now_day - timedelta(days=1))))
    return render_template(
        "month.html",
        patient=patient,
        patients=active_patients(),
        view=view,
        alerts=alerts(patient, now_day, trends_view(patient, now_day), w),
        alert_days=ALERT_DAYS,
        missed=missed,
        today=now_day,
    )


@blueprint.route("/patients/<int:patient_id>/day/<day>")
@kept_until_change
def day(patient_id: int, day: str) -> str:
    patient = patient_or_404(patient_id)
    view = day_view(patient, day_or_404(day))
    w = words()
    labels = (w("day.chart_title"), w("day.chart_x"), w("day.score"))
    timelines = {s.id: charts.session_timeline(s.timeline, labels) for s in view.sessions if s.timeline}
    return render_template("day.html", patient=patient, patients=active_patients(), view=view, timelines=timelines)


def trend_charts(view: Trends) -> tuple[str | None, str | None]:
    """The weekly score and symmetry charts of a trends view (None where there
    is nothing to draw), labelled in the reader's language."""
    w = words()
    weeks = tuple(week.monday for week in view.exercises[0].weeks) if view.exercises else ()
    labels = tuple(w.short_date(monday) for monday in weeks)
    scores = tuple((w.exercise(e.exercise), tuple(week.score for week in e.weeks)) for e in view.exercises)
    # Symmetry drawn on the balance scale the pages and the kiosk read: 0-100.
    balances = (
        (w.exercise(e.exercise), tuple(None if week.symmetry is None else 100 * week.symmetry for week in e.weeks))
        for e in view.exercises
    )
    symmetry = tuple((name, values) for name, values in balances if any(v is not None for v in values))
    score_chart = charts.weekly_lines(labels, scores, w("trends.score_chart"), (0, 100)) if scores else None
    symmetry_chart = charts.weekly_lines(labels, symmetry, w("trends.symmetry_chart"), (0, 100)) if symmetry else None
    return score_chart, symmetry_chart


def region_chart(graded: Graded, view: Trends) -> str | None:
    """The eFACE-style subscore of each region, week by week (None when none was graded)."""
    w = words()
    mondays = [week.monday for week in view.exercises[0].weeks] if view.exercises else []
    weekly = region_weeks(graded, mondays)
    if not weekly:
        return None
    series = tuple((w(f"regions.{region}"), tuple(values)) for region, values in weekly.items())
    labels = tuple(w.short_date(monday) for monday in mondays)
    return charts.weekly_lines(labels, series, w("trends.regions_chart"), (0, 100))


@blueprint.route("/patients/<int:patient_id>/trends")
@kept_until_change
def trends(patient_id: int) -> str:
    patient = patient_or_404(patient_id)
    view = trends_view(patient, today())
    score_chart, symmetry_chart = trend_charts(view)
    graded = graded_sessions(patient, today())
    return render_template(
        "trends.html",
        patient=patient,
        patients=active_patients(),
        view=view,
        score_chart=score_chart,
        symmetry_chart=symmetry_chart,
        regions=region_progress(graded),
        region_chart=region_chart(graded, view),
        notes=notes_of(patient),
        note_form=True,
    )


@blueprint.route("/patients/<int:patient_id>/report")
@kept_until_change
def report(patient_id: int) -> str:
    """A printable summary of exactly a date range, for a therapist's visit:
    every figure, sentence, chart, note and plan change comes from first..last."""
    patient = patient_or_404(patient_id)
    now_day = today()
    last = day_arg(request.args.get("to"), "to", now_day)
    first = day_arg(request.args.get("from"), "from", last - timedelta(days=27))
    if first > last or (last - first).days > MAX_REPORT_DAYS:
        abort(400, description=words()("problem.range", most=MAX_REPORT_DAYS))
    summary = period_summary(patient, first, last)
    # The weeks that hold a day of the range, over the range's own days (a first week that starts before `first`
    # counts only from `first`).
    weekly = [ExerciseTrend(exercise, points) for exercise, points in exercise_weeks(patient, first, last).items()]
    view = Trends(first, last, weekly, 0, summary.days_practised)
    score_chart, symmetry_chart = trend_charts(view)
    graded = region_range(patient, first, last)
    plans = plan_history(patient)
    plan_record = in_force(plans, last)
    w = words()
    return render_template(
        "report.html",
        patient=patient,
        first=first,
        last=last,
        days_practised=summary.days_practised,
        sessions=summary.sessions,
        completed=summary.completed,
        stopped=summary.stopped,
        interrupted=summary.cut_off,
        mean_score=summary.mean_score,
        plan=plan_facts(plan_record) if plan_record is not None else plan_facts(current_plan(patient)),
        changes=[(c, describe(c, w)) for c in changes_between(plan_changes(plans), first, last)],
        totals=exercise_totals(patient, first, last),
        regions=region_progress(graded),
        region_chart=region_chart(graded, view),
        notes=[n for n in notes_of(patient) if first <= n.created.date() <= last],
        note_form=False,
        trends=view,
        score_chart=score_chart,
        symmetry_chart=symmetry_chart,
    )

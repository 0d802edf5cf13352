"""The JSON API: the same figures as the pages, behind the same login."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, jsonify

from device.web.language import words
from device.web.page_cache import kept_until_change
from device.web.pages import active_patients
from device.web.params import day_or_404, month_or_404, patient_or_404, today
from device.web.reports import ExerciseTrend, day_view, exercise_trend, month_view, trends_view

blueprint = Blueprint("api", __name__, url_prefix="/api")


def _plain(value: Any) -> Any:
    """Dates as ISO text, recursively (jsonify would write HTTP dates)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


@blueprint.route("/patients")
@kept_until_change
def patients() -> Response:
    return jsonify([{"id": p.id, "name": p.name} for p in active_patients()])


@blueprint.route("/patients/<int:patient_id>/month/<month>")
@kept_until_change
def month(patient_id: int, month: str) -> Response:
    view = month_view(patient_or_404(patient_id), month_or_404(month), today())
    days = [asdict(d.summary) for week in view.weeks for d in week if d.in_month and d.summary]
    return jsonify(
        _plain(
            {
                "month": view.first.strftime("%Y-%m"),
                "days_practised": view.days_practised,
                "sessions": view.sessions,
                "mean_score": view.mean_score,
                "days": days,
            }
        )
    )


@blueprint.route("/patients/<int:patient_id>/day/<day>")
@kept_until_change
def day(patient_id: int, day: str) -> Response:
    view = day_view(patient_or_404(patient_id), day_or_404(day))
    sessions = [asdict(s) | {"duration_s": s.duration_s} for s in view.sessions]
    return jsonify(
        _plain(
            {
                "day": view.day,
                "mean_score": view.mean_score,
                "previous_week_mean": view.previous_week_mean,
                "sessions": sessions,
            }
        )
    )


def trend_json(exercise: ExerciseTrend) -> dict[str, object]:
    measure, found = exercise_trend(exercise.weeks)
    return asdict(exercise) | {
        "summary": exercise.summary(words()),
        "trend": {"measure": measure, **asdict(found)},
    }


@blueprint.route("/patients/<int:patient_id>/trends")
@kept_until_change
def trends(patient_id: int) -> Response:
    view = trends_view(patient_or_404(patient_id), today())
    return jsonify(
        _plain(
            {
                "first": view.first,
                "last": view.last,
                "streak_days": view.streak_days,
                "days_practised": view.days_practised,
                "exercises": [trend_json(t) for t in view.exercises],
            }
        )
    )

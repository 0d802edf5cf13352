"""The ward's CSV for the clinic's own statistics: one row per session of
every patient's own practice (the device's rule: their camera) in a date
range, with the hospital number and the device, written by the device
dashboard's CSV helper (headers in the reader's words or ids, cells
formula-guarded, UTF-8 with a byte-order mark for Excel)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask import Flask, abort, redirect, request, url_for
from peewee import JOIN, fn
from werkzeug.wrappers import Response as BaseResponse

from device.clock import Clock
from device.store.models import SessionSource
from device.web.export import MAX_EXPORT_DAYS, csv_response
from ward.models import Device, Therapist, WardExercise, WardPatient, WardSession
from ward.patient_page import date_arg, request_words

COLUMNS = [
    "session", "patient", "hospital_number", "device", "started", "ended", "status", "session_score",
    "exercises", "reps_done", "reps_planned",
]  # fmt: skip
WORDS = ["status_text"]


def session_rows(first: date, last: date) -> list[list[object]]:
    """Every practice session started first..last, oldest first, with its exercises' totals (two queries)."""
    within = (
        (WardSession.source == SessionSource.CAMERA)
        & (WardSession.started >= first)
        & (WardSession.started < last + timedelta(days=1))
    )
    totals_query = (
        WardExercise.select(
            WardExercise.session,
            fn.COUNT(WardExercise.id),
            fn.SUM(WardExercise.reps_done),
            fn.SUM(WardExercise.reps_planned),
        )
        .join(WardSession, JOIN.INNER)
        .where(within)
        .group_by(WardExercise.session)
    )
    totals = {row[0]: row[1:] for row in _rows(totals_query)}
    sessions = (
        WardSession.select(
            WardSession.id,
            WardSession.global_id,
            WardPatient.name,
            WardPatient.identity,
            Device.name,
            WardSession.started,
            WardSession.ended,
            WardSession.status,
            WardSession.score,
        )
        .join(WardPatient, JOIN.INNER)
        .switch(WardSession)
        .join(Device, JOIN.INNER)
        .where(within)
        .order_by(WardSession.started, WardSession.id)
    )
    rows: list[list[object]] = []
    for sid, gid, name, identity, device, started, ended, status, score in _rows(sessions):
        count, done, planned = totals.get(sid, (0, 0, 0))
        rows.append(
            [
                gid,
                name,
                identity or "",
                device,
                _iso(started),
                _iso(ended) if ended else "",
                status,
                None if score is None else round(score, 1),
                count,
                int(done),
                int(planned),
            ]
        )
    return rows


def _iso(value: Any) -> str:
    # PostgreSQL hands back datetimes; a trial ward's SQLite, text.
    return value.isoformat(timespec="seconds") if hasattr(value, "isoformat") else str(value)[:19].replace(" ", "T")


def _rows(query: Any) -> list[tuple[Any, ...]]:
    return list(WardSession._meta.database.execute_sql(*query.sql()).fetchall())


def register_export(
    app: Flask, clock: Clock, signed_in: Callable[[], Therapist | None], language: Callable[[], str]
) -> None:
    @app.get("/export/sessions.csv")
    def ward_sessions_csv() -> BaseResponse:
        if signed_in() is None:
            return redirect(url_for("login", lang=request.args.get("lang")))
        w = request_words(language())
        today = clock.today()
        first = date_arg("from", today - timedelta(days=30), w)
        last = date_arg("to", today, w)
        if first > last or (last - first).days > MAX_EXPORT_DAYS:
            abort(400, description=w("problem.range", most=MAX_EXPORT_DAYS))
        rows = session_rows(first, last)
        for row in rows:  # the status in the reader's words, after the machine columns
            row.append(w(f"status.{row[6]}"))
        return csv_response(f"ward-sessions-{first}-{last}.csv", COLUMNS + WORDS, rows)

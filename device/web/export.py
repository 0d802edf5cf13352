"""CSV export of sessions and reps for a date range (for a therapist's spreadsheet)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from flask import Blueprint, Response, abort, request

from device.store.models import Patient
from device.store.queries import SessionView, rep_views, session_views
from device.web.language import words
from device.web.page_cache import kept_until_change
from device.web.params import day_arg, patient_or_404, today

blueprint = Blueprint("export", __name__)

# A spreadsheet runs a cell that starts with one of these as a formula; and
# a file opened with another delimiter (";" in much of Europe, a tab, "|")
# splits a cell where that character is, so any part may start a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
DELIMITERS = re.compile(r"[,;\t|\r\n]")


def neutralize(value: object) -> object:
    """Text a spreadsheet would run as a formula, under any delimiter, gets a
    leading apostrophe; numbers stay numbers."""
    if not isinstance(value, str):
        return value
    if DELIMITERS.search(value) is None:  # one part, the usual cell: a single test (a year's reps are 100,000 cells)
        return "'" + value if value.lstrip(" ").startswith(FORMULA_PREFIXES) else value
    parts = [value, *(part.lstrip(" ") for part in DELIMITERS.split(value))]
    if any(part.startswith(FORMULA_PREFIXES) for part in parts):
        return "'" + value
    return value


MAX_EXPORT_DAYS = 366  # as the report: a year at most per file

# The machine columns, stable for analysis (docs/caregiver.md lists them):
# ids and codes that never change with the reader's language. Each file ends
# with the same facts in words of the reader's language.
SESSION_COLUMNS = [
    "session", "patient", "started", "ended", "status", "session_score", "exercise", "outcome",
    "reps_done", "reps_planned", "exercise_score", "right_movement", "left_movement", "symmetry", "eye_closing",
]  # fmt: skip
SESSION_WORDS = ["status_text", "exercise_name", "outcome_text"]
REP_COLUMNS = [
    "session", "session_started", "exercise", "rep", "peak_score", "mean_score",
    "right_movement", "left_movement", "symmetry", "eye_closing",
]  # fmt: skip
REP_WORDS = ["exercise_name"]


def _range() -> tuple[date, date]:
    now_day = today()
    first = day_arg(request.args.get("from"), "from", now_day - timedelta(days=30))
    last = day_arg(request.args.get("to"), "to", now_day)
    if first > last or (last - first).days > MAX_EXPORT_DAYS:
        abort(400, description=words()("problem.range", most=MAX_EXPORT_DAYS))
    return first, last


def _header(columns: list[str]) -> list[str]:
    """The reader's words for each column, or the machine names with ?header=id (for scripts)."""
    if request.args.get("header") == "id":
        return columns
    w = words()
    return [w(f"csv.{column}") for column in columns]


def csv_response(name: str, columns: list[str], rows: list[list[object]]) -> Response:
    """A CSV download: headers in the reader's words (or ids), cells formula-guarded, UTF-8 with a BOM.
    The ward's CSV is written by it too (ward/export.py)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_header(columns))
    writer.writerows([[neutralize(v) if isinstance(v, str) else v for v in row] for row in rows])  # no call per number
    # utf-8-sig: the byte-order mark tells Excel the file is UTF-8, so Korean names read right.
    response = Response(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    # werkzeug writes a name outside ASCII (a Korean patient's) as RFC 6266's filename*, with an ASCII fallback.
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response


def _file_name(kind: str, patient: Patient, first: date, last: date) -> str:
    """'sessions-김민아-2026-11-01-2026-11-30.csv': the patient and the range, without characters a file system
    refuses."""
    name = re.sub(r'[\\/:*?"<>|\s]+', "_", patient.name).strip("._") or f"patient-{patient.id}"
    return f"{kind}-{name}-{first}-{last}.csv"


def _sessions(patient_id: int) -> tuple[Patient, list[SessionView], date, date]:
    patient = patient_or_404(patient_id)
    first, last = _range()
    return patient, session_views(patient, first, last), first, last


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


@blueprint.route("/patients/<int:patient_id>/export/sessions.csv")
@kept_until_change
def sessions_csv(patient_id: int) -> Response:
    """One row per exercise of each session (one row for a session with none)."""
    patient, records, first, last = _sessions(patient_id)
    rows: list[list[object]] = []
    for r in records:
        session = [
            r.id,
            patient.name,
            r.started.isoformat(timespec="seconds"),
            r.ended.isoformat(timespec="seconds") if r.ended else "",
            r.status,
            _round(r.score, 1),
        ]
        rows += [
            [
                *session,
                e.exercise,
                e.outcome,
                e.reps_done,
                e.reps_planned,
                _round(e.score, 1),
                _round(e.right_movement, 3),
                _round(e.left_movement, 3),
                _round(e.symmetry, 3),
                _round(e.synkinesis, 3),
            ]
            for e in r.exercises
        ] or [[*session, *[""] * 9]]
    w = words()
    for row in rows:  # the same facts in the reader's words, after the machine columns
        status, exercise, outcome = str(row[4]), str(row[6]), str(row[7])
        row += [w(f"status.{status}"), w.exercise(exercise) if exercise else "", w.outcome(outcome) if outcome else ""]
    return csv_response(_file_name("sessions", patient, first, last), SESSION_COLUMNS + SESSION_WORDS, rows)


@blueprint.route("/patients/<int:patient_id>/export/reps.csv")
@kept_until_change
def reps_csv(patient_id: int) -> Response:
    patient = patient_or_404(patient_id)
    first, last = _range()
    rows: list[list[object]] = [
        [
            rep.session,
            rep.session_started.isoformat(timespec="seconds"),
            rep.exercise,
            rep.number,
            round(rep.peak_score, 1),
            round(rep.mean_score, 1),
            _round(rep.right_movement, 3),
            _round(rep.left_movement, 3),
            _round(rep.symmetry, 3),
            _round(rep.synkinesis, 3),
        ]
        for rep in rep_views(patient, first, last)
    ]
    w = words()
    for row in rows:
        row.append(w.exercise(str(row[2])))
    return csv_response(_file_name("reps", patient, first, last), REP_COLUMNS + REP_WORDS, rows)

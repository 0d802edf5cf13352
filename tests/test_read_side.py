"""The read side (device/store/queries.py) on a real SQLite file: one mean for
a day on every page and screen, and the weekly rows the triggers keep equal
to a recomputation from the sessions, after closes, re-grades and deletes, and
when an older database is migrated."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import statistics
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from device.clock import FixedClock
from device.config import Config
from device.practice.plan import default_plan
from device.practice.session import ExerciseResult, SessionResult
from device.store import db as store_db
from device.store.db import DB_NAME, SCHEMA_VERSION, close_interrupted_sessions, open_database
from device.store.models import ExerciseRecord, Patient, PracticeDay, PracticeRecord, SessionSource
from device.store.queries import (
    earlier_scores,
    exercise_week_rows,
    exercise_weeks,
    patients_by_recent_practice,
    period_summary,
    practice_streak,
    region_history,
    region_week_rows,
    stored_exercise_weeks,
    stored_region_weeks,
)
from device.store.records import SessionRecorder, add_patient
from device.store.synthetic import a_rep, seed_history
from device.web import create_app
from device.web.security import set_password

PASSWORD = "blue heron 42"
DAY = date(2026, 11, 18)  # a Wednesday
EVER = (date(2000, 1, 3), date(2100, 1, 4))  # Mondays around any history here


def result(reps: int) -> SessionResult:
    """One exercise whose score is 75 x reps / 3, its sides moving 0.08 and 0.04 (a smile subscore)."""
    done = tuple(a_rep(number=i + 1) for i in range(reps))
    exercise = ExerciseResult("closed_smile", 3, done, 30, 2, right_movement=0.08, left_movement=0.04)
    return SessionResult((exercise,), None, {})


def record(path: Path, patient: Patient, started: datetime, reps: int, status: str | None) -> int:
    """A session through the real recorder and writer; `status` None leaves it cut off."""
    recorder = SessionRecorder(path, patient, default_plan(), started=started)
    if status is not None:
        recorder.finish(result(reps), status)
    assert recorder.flush(timeout=10)
    assert recorder.session_id is not None
    return recorder.session_id


def text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


@pytest.fixture
def client(config: Config, tmp_path: Path) -> FlaskClient:
    """The dashboard on a day of two completed sessions (75 and 25), one stopped
    (75) and one cut off: counted, the day's mean is 50; with the stopped one, 58."""
    path = tmp_path / DB_NAME
    store = open_database(path)
    ana = add_patient("Ana")
    for hour, reps, status in ((9, 3, "completed"), (11, 1, "completed"), (14, 3, "stopped"), (16, 2, None)):
        record(path, ana, datetime.combine(DAY, datetime.min.time()) + timedelta(hours=hour), reps, status)
    assert close_interrupted_sessions() == 1
    set_password(tmp_path, PASSWORD)
    app = create_app(
        config.with_overrides({"kiosk.language": "en"}),
        store,
        clock=FixedClock.on(DAY + timedelta(days=1)),
        overrides={"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False},
    )
    c = app.test_client()
    assert c.post("/login", data={"password": PASSWORD}).status_code == 302
    return c


def test_a_day_has_one_mean_on_every_page_and_in_the_kiosk(client: FlaskClient) -> None:
    ana = Patient.get(Patient.name == "Ana")
    summary = period_summary(ana, DAY, DAY)
    assert (summary.sessions, summary.completed, summary.stopped, summary.cut_off) == (4, 2, 1, 1)
    assert summary.mean_score == pytest.approx(50.0)

    month = client.get(f"/api/patients/{ana.id}/month/2026-11").json
    assert month is not None
    [row] = month["days"]
    assert (row["day"], row["mean_score"], month["mean_score"]) == (DAY.isoformat(), 50.0, 50.0)
    month_page = client.get(f"/patients/{ana.id}/month/2026-11").data.decode()
    assert re.search(rf'data-day="{DAY.isoformat()}".*?<span class="score">50</span>', month_page, re.S)
    assert "mean score 50 (finished sessions)" in text(month_page.encode())

    day = client.get(f"/api/patients/{ana.id}/day/{DAY.isoformat()}").json
    assert day is not None
    assert day["mean_score"] == 50.0
    assert len(day["sessions"]) == 4
    assert "mean score 50" in text(client.get(f"/patients/{ana.id}/day/{DAY.isoformat()}").data)

    report = text(client.get(f"/patients/{ana.id}/report?from={DAY}&to={DAY}").data)
    assert "Mean score of finished sessions: 50." in report
    assert "4 sessions: 2 finished, 1 stopped early, 1 interrupted" in report

    exported = client.get(f"/patients/{ana.id}/export/sessions.csv?from={DAY}&to={DAY}&header=id").data.decode(
        "utf-8-sig"
    )
    rows = list(csv.DictReader(io.StringIO(exported)))
    completed = {r["session"]: float(r["session_score"]) for r in rows if r["status"] == "completed"}
    assert statistics.fmean(completed.values()) == pytest.approx(50.0)

    # The kiosk's "better than last time" compares with the same sessions.
    assert statistics.fmean(earlier_scores(ana, None, 5)) == pytest.approx(50.0)


def _same(stored: list[object], computed: list[object]) -> None:
    """Rows equal, floats up to the order of a sum."""

    def plain(row: object) -> tuple[object, ...]:
        return tuple(round(v, 6) if isinstance(v, float) else v for v in vars(row).values())

    assert sorted(map(plain, stored), key=str) == sorted(map(plain, computed), key=str)


def check_rows(patient: Patient) -> None:
    _same(list(stored_exercise_weeks(patient, *EVER)), list(exercise_week_rows(patient, *EVER)))
    _same(list(stored_region_weeks(patient, *EVER)), list(region_week_rows(patient, *EVER)))


def test_week_rows_follow_closes_regrades_and_deletes(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    open_database(path)
    kim = seed_history("Kim", date(2026, 10, 1), date(2026, 11, 4), sessions_per_day=(0, 2), seconds_per_session=20)
    seed_history("Lee", date(2026, 10, 1), date(2026, 10, 20), seed=2, seconds_per_session=20)
    check_rows(kim)
    monday = date(2026, 11, 16)
    before = {r.exercise: r for r in stored_exercise_weeks(kim, monday, monday)}
    assert before == {}

    first = record(path, kim, datetime(2026, 11, 17, 9), 3, "completed")
    record(path, kim, datetime(2026, 11, 18, 9), 1, "stopped")  # not counted: no change
    second = record(path, kim, datetime(2026, 11, 19, 9), 3, "completed")
    [week] = stored_exercise_weeks(kim, monday, monday)
    assert (week.sessions, week.score_sum, week.reps_done) == (2, pytest.approx(150.0), 6)
    [smile] = stored_region_weeks(kim, monday, monday)
    assert (smile.region, smile.first_started, smile.latest_started) == (
        "smile",
        datetime(2026, 11, 17, 9),
        datetime(2026, 11, 19, 9),
    )
    check_rows(kim)

    # Re-graded: the session's grading and an exercise's score are rewritten.
    PracticeRecord.update(grading='{"subscores": {"smile": 12.5}}').where(PracticeRecord.id == second).execute()
    ExerciseRecord.update(score=10.0).where(ExerciseRecord.session == first).execute()
    [week] = stored_exercise_weeks(kim, monday, monday)
    assert week.score_sum == pytest.approx(85.0)
    [smile] = stored_region_weeks(kim, monday, monday)
    assert smile.latest_subscore == 12.5
    check_rows(kim)

    # Moved to the week before, then deleted.
    PracticeRecord.update(started=datetime(2026, 11, 12, 9)).where(PracticeRecord.id == first).execute()
    assert stored_exercise_weeks(kim, monday, monday)[0].sessions == 1
    check_rows(kim)
    PracticeRecord.get_by_id(second).delete_instance()
    assert stored_exercise_weeks(kim, monday, monday) == []
    assert stored_region_weeks(kim, monday, monday) == []
    check_rows(kim)

    # A patient deleted takes their rows along; the other's stay as they were.
    lee = Patient.get(Patient.name == "Lee")
    lee_rows = stored_exercise_weeks(lee, *EVER)
    kim.delete_instance()
    assert stored_exercise_weeks(kim, *EVER) == []
    assert stored_exercise_weeks(lee, *EVER) == lee_rows


def test_a_migrated_database_back_fills_the_rows_the_triggers_keep(tmp_path: Path) -> None:
    """Version 4 with a history (and gradings that are unreadable, or not an
    object) upgrades to rows equal to those kept as the sessions closed."""
    path = tmp_path / DB_NAME
    open_database(path)
    kim = seed_history("Kim", date(2026, 9, 1), date(2026, 11, 4), seconds_per_session=20)
    seed_history("Demo", date(2026, 9, 1), date(2026, 9, 30), seed=4, seconds_per_session=20)
    broken = PracticeRecord.select().where(PracticeRecord.status == "completed").limit(2)
    for session, grading in zip(broken, ('{"subscores": [1, 2]', '{"subscores": [1, 2]}'), strict=True):
        PracticeRecord.update(grading=grading).where(PracticeRecord.id == session.id).execute()
    kept = {table: _table(path, table) for table in ("exercise_week", "region_week")}
    assert all(len(rows) > 10 for rows in kept.values())
    store_db.database.close()
    with sqlite3.connect(path) as old:  # back to version 4: what a device has before this update
        for name, kind in old.execute("SELECT name, type FROM sqlite_master WHERE name LIKE '%week%'").fetchall():
            if kind in ("table", "trigger"):
                old.execute(f'DROP {kind.upper()} IF EXISTS "{name}"')
        old.execute('DROP INDEX "practicerecord_patient_id_started"')
        for statement in ('DROP TRIGGER "session_outbox"', 'DROP TABLE "outbox"', 'DROP TABLE "store_identity"'):
            old.execute(statement)  # migration 6 (the ward outbox) goes too
        for name in ("session_day_insert", "session_day_update", "session_day_delete"):
            old.execute(f'DROP TRIGGER "{name}"')  # and migration 7 (the practice days)
        old.execute('DROP TABLE "practice_day"')
        undo_plans_from_the_ward(old)
        old.execute("PRAGMA user_version = 4")
    assert SCHEMA_VERSION == 11
    open_database(path)
    assert {table: _table(path, table) for table in kept} == kept
    check_rows(kim)


def undo_plans_from_the_ward(old: sqlite3.Connection) -> None:
    """Migrations 11, 10 and 9 undone: why the ward refused a plan, the patient's
    hospital number, and the plan's author, ward id and sent time."""
    old.execute('DROP TRIGGER "patient_ward_identity_outbox"')
    old.execute('ALTER TABLE "patient" DROP COLUMN "ward_identity"')
    old.execute('DROP INDEX "planrecord_ward_id"')
    for column in ("refused", "author", "ward_id", "sent"):
        old.execute(f'ALTER TABLE "plan" DROP COLUMN "{column}"')


def _table(path: Path, table: str) -> list[tuple[object, ...]]:
    """A table's rows without their ids, rounded past a float sum's order."""
    with sqlite3.connect(path) as db:
        rows = db.execute(f'SELECT * FROM "{table}"').fetchall()
    return sorted(tuple(round(v, 6) if isinstance(v, float) else v for v in row[1:]) for row in rows)


def test_a_range_ending_mid_week_counts_only_its_own_days(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    open_database(path)
    kim = seed_history("Kim", date(2026, 9, 1), date(2026, 11, 4), seconds_per_session=20, sessions_per_day=(1, 2))
    first, last = date(2026, 9, 10), date(2026, 10, 21)  # a Thursday to a Wednesday
    weeks = exercise_weeks(kim, first, last)
    mondays = [w.monday for w in weeks["brow_raise"]]
    assert (mondays[0], mondays[-1], len(mondays)) == (date(2026, 9, 7), date(2026, 10, 19), 7)
    edge = {r.exercise: r for r in exercise_week_rows(kim, date(2026, 10, 19), last)}
    assert weeks["brow_raise"][-1].score == pytest.approx(edge["brow_raise"].score_sum / edge["brow_raise"].score_count)
    whole = {r.exercise: r for r in exercise_week_rows(kim, date(2026, 10, 19), date(2026, 10, 25))}
    assert whole["brow_raise"].sessions > edge["brow_raise"].sessions  # the rest of the week is left out


# -- the practice streak ---------------------------------------------------------


def streak_from_scratch(patient: Patient, today: date) -> int:
    """Walk back day by day through the patient's camera sessions, whatever their status."""
    days = {
        s.started.date()
        for s in PracticeRecord.select().where(
            (PracticeRecord.patient == patient) & (PracticeRecord.source == SessionSource.CAMERA)
        )
    }
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count, day = count + 1, day - timedelta(days=1)
    return count


def check_days(patient: Patient) -> None:
    """The stored practice days, with each one's run start, equal a count from the sessions."""
    counts: dict[date, int] = {}
    for s in PracticeRecord.select().where(
        (PracticeRecord.patient == patient) & (PracticeRecord.source == SessionSource.CAMERA)
    ):
        counts[s.started.date()] = counts.get(s.started.date(), 0) + 1
    expected: dict[date, tuple[int, date]] = {}
    for day in sorted(counts):
        previous = expected.get(day - timedelta(days=1))
        expected[day] = (counts[day], previous[1] if previous else day)
    stored = {
        row.day: (row.sessions, row.run_start) for row in PracticeDay.select().where(PracticeDay.patient == patient)
    }
    assert stored == expected


def check_streaks(patient: Patient, first: date, last: date) -> None:
    day = first
    while day <= last:
        assert practice_streak(patient, day) == streak_from_scratch(patient, day), day
        day += timedelta(days=1)


def test_the_streak_follows_sessions_added_moved_and_deleted(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    open_database(path)
    kim = seed_history("Kim", date(2026, 9, 1), date(2026, 11, 10), sessions_per_day=(0, 2), seconds_per_session=20)
    seed_history("Lee", date(2026, 9, 1), date(2026, 11, 10), seed=3, seconds_per_session=20)
    check_days(kim)
    check_streaks(kim, date(2026, 8, 30), date(2026, 11, 13))
    lee_days = list(PracticeDay.select().where(PracticeDay.patient != kim).tuples())

    # A run of three days (Nov 20-22) after a gap, practised today or up to yesterday.
    days = [datetime(2026, 11, d, 9) for d in (20, 21, 22)]
    ids = [record(path, kim, started, 3, "completed") for started in days]
    assert [practice_streak(kim, date(2026, 11, d)) for d in (19, 20, 22, 23, 24)] == [0, 1, 3, 3, 0]
    # A stopped session, and one cut off while running, are days practised; a demo is not.
    record(path, kim, datetime(2026, 11, 23, 9), 1, "stopped")
    record(path, kim, datetime(2026, 11, 24, 9), 1, None)
    PracticeRecord.create(patient=kim, plan="[]", started=datetime(2026, 11, 25, 9), source=SessionSource.DEMO)
    assert [practice_streak(kim, date(2026, 11, d)) for d in (24, 25, 26)] == [5, 5, 0]
    check_days(kim)

    # Filling the gap before the run joins it to the run before; a second session that day changes nothing.
    gap = date(2026, 11, 19)
    while streak_from_scratch(kim, gap) == 0:
        record(path, kim, datetime.combine(gap, datetime.min.time()) + timedelta(hours=8), 3, "completed")
        gap -= timedelta(days=1)
    joined = practice_streak(kim, date(2026, 11, 24))
    assert joined > 6
    record(path, kim, datetime(2026, 11, 21, 15), 2, "completed")
    assert practice_streak(kim, date(2026, 11, 24)) == joined
    check_days(kim)

    # Deleting the only session of Nov 21 splits the run; the day with two keeps its row.
    PracticeRecord.delete().where(PracticeRecord.started == datetime(2026, 11, 21, 15)).execute()
    assert practice_streak(kim, date(2026, 11, 24)) == joined
    PracticeRecord.get_by_id(ids[1]).delete_instance()
    assert practice_streak(kim, date(2026, 11, 24)) == 3
    check_days(kim)

    # Moved across days: back into the hole, then to a far day, then its time within the day only.
    PracticeRecord.update(started=datetime(2026, 11, 21, 10)).where(PracticeRecord.id == ids[2]).execute()
    assert practice_streak(kim, date(2026, 11, 24)) == 2  # Nov 22 is empty now
    assert practice_streak(kim, date(2026, 11, 21)) == joined - 3
    PracticeRecord.update(started=datetime(2026, 12, 30, 10)).where(PracticeRecord.id == ids[2]).execute()
    PracticeRecord.update(started=datetime(2026, 12, 30, 18)).where(PracticeRecord.id == ids[2]).execute()
    assert practice_streak(kim, date(2026, 12, 31)) == 1
    check_days(kim)
    check_streaks(kim, date(2026, 8, 30), date(2027, 1, 2))

    # A patient deleted takes their days along; the other's stay as they were.
    kim.delete_instance()
    assert PracticeDay.select().where(PracticeDay.patient == kim).count() == 0
    assert list(PracticeDay.select().tuples()) == lee_days


def test_a_migrated_database_back_fills_the_practice_days(tmp_path: Path) -> None:
    """Version 6 with a history (with gaps, a demo session) upgrades to the
    rows the triggers kept, and the same streaks."""
    path = tmp_path / DB_NAME
    open_database(path)
    kim = seed_history("Kim", date(2026, 6, 1), date(2026, 11, 4), sessions_per_day=(0, 2), seconds_per_session=20)
    seed_history("Lee", date(2026, 7, 1), date(2026, 8, 30), seed=5, seconds_per_session=20)
    PracticeRecord.create(patient=kim, plan="[]", started=datetime(2026, 11, 5, 9), source=SessionSource.DEMO)
    kept = _table(path, "practice_day")
    assert len(kept) > 100
    streaks = [practice_streak(kim, date(2026, 6, 1) + timedelta(days=n)) for n in range(160)]
    assert max(streaks) > 3
    store_db.database.close()
    with sqlite3.connect(path) as old:  # back to version 6: what a device has before this update
        for name in ("session_day_insert", "session_day_update", "session_day_delete"):
            old.execute(f'DROP TRIGGER "{name}"')
        old.execute('DROP TABLE "practice_day"')
        old.execute('DROP INDEX "regionweek_patient_id_region_monday"')  # migration 8
        undo_plans_from_the_ward(old)
        old.execute("PRAGMA user_version = 6")
    open_database(path)
    assert _table(path, "practice_day") == kept
    assert [practice_streak(kim, date(2026, 6, 1) + timedelta(days=n)) for n in range(160)] == streaks
    check_days(kim)


def test_each_regions_first_and_latest_grading_before_the_window_are_found(tmp_path: Path) -> None:
    """The trends page's regions over a short window: each region's first
    and latest grading equal a recomputation over the whole history, for a
    window after the history, inside it and before it."""
    open_database(tmp_path / DB_NAME)
    kim = seed_history("Kim", date(2026, 6, 1), date(2026, 11, 4), sessions_per_day=(0, 2), seconds_per_session=20)
    seed_history("Lee", date(2026, 5, 1), date(2026, 12, 1), seed=6, seconds_per_session=20)  # not Kim's
    for until in (date(2026, 12, 20), date(2026, 9, 16), date(2026, 6, 3), date(2026, 5, 1)):
        rows = region_week_rows(kim, EVER[0], until)
        expected = {}
        for region in {r.region for r in rows}:
            mine = sorted((r for r in rows if r.region == region), key=lambda r: r.monday)
            first, latest = mine[0], mine[-1]
            expected[region] = (first.first_subscore, first.first_started.date(), latest.latest_subscore,
                                latest.latest_started.date())  # fmt: skip
        found = region_history(kim, until, weeks=4).progress
        assert {r: (p.first, p.first_day, p.latest, p.latest_day) for r, p in found.items()} == expected, until
        assert until < date(2026, 6, 1) or len(expected) >= 3


def test_the_picker_orders_patients_by_their_latest_own_session(tmp_path: Path) -> None:
    """Each patient's newest camera session, whatever came before it; a demo
    is not practice; archived patients are left out; the others by name."""
    open_database(tmp_path / DB_NAME)
    ana, bo, cy, dan, eve = (add_patient(name) for name in ("Ana", "Bo", "Cy", "Dan", "Eve"))
    sessions = [(ana, 3, SessionSource.CAMERA), (ana, 9, SessionSource.CAMERA), (ana, 1, SessionSource.CAMERA),
                (bo, 5, SessionSource.CAMERA), (bo, 12, SessionSource.DEMO), (cy, 7, SessionSource.CAMERA),
                (dan, 20, SessionSource.CAMERA), (eve, 15, SessionSource.DEMO)]  # fmt: skip
    for who, day, source in sessions:
        PracticeRecord.create(patient=who, plan="[]", started=datetime(2026, 11, day, 9), source=source)
    Patient.update(archived=True).where(Patient.id == dan.id).execute()
    add_patient("Zed")
    assert [p.name for p in patients_by_recent_practice()] == ["Ana", "Cy", "Bo", "Eve", "Zed"]

"""The ward on a real PostgreSQL (a throwaway cluster, as the tests start it):

1. a simulated ward's history loaded in bulk (DEVICES x 3 patients x 2
   sessions a day x DAYS, each session with 6 exercises and 18 reps, by
   PostgreSQL itself from generate_series), migration 3's back-fill of the
   overview's day rows, then the overview's, the devices page's and a patient
   page's p95 at 8 concurrent clients, logged in, through waitress;
2. DEVICES devices sending at once through the real endpoint, each with a
   30-day backlog (60 sessions): every session stored once, the time to drain;
3. ingest throughput, and where its time goes (cProfile of 200 ingests).

The summaries are the device's own (device/ward_link.summary of a session
recorded through the real recorder), with each device's store id and ids.

    .venv/bin/python -m benchmarks.ward                  # the issue's ward: 50 devices, 2 years (~220,000 sessions)
    .venv/bin/python -m benchmarks.ward --scale small    # 10 devices, 30 days: a quick check while developing
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import re
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from peewee import Database
from waitress.server import create_server

from benchmarks.postgres import PostgresServer, throwaway_cluster
from device.clock import FixedClock
from device.practice.plan import default_plan
from device.practice.session import ExerciseResult, SessionResult
from device.store.db import DB_NAME, open_database
from device.store.records import SessionRecorder, add_patient
from device.store.synthetic import a_rep
from device.ward_link import store_id, summary
from ward.app import create_app
from ward.config import WardConfig
from ward.db import connect_url, migrate
from ward.devices import enrol
from ward.migrations import BACKFILL_3, TYPES
from ward.models import Device, WardPatient, WardSession
from ward.overview import overview
from ward.therapists import add_therapist

TODAY = datetime(2026, 11, 30, 12)
CLIENTS = 8
BACKLOG_DAYS = 30


def a_real_summary(folder: Path) -> dict[str, Any]:
    """One session of the default plan's shape (6 exercises, 3 reps each) through the real recorder."""
    open_database(folder / DB_NAME)
    patient = add_patient("Ana")
    recorder = SessionRecorder(folder / DB_NAME, patient, default_plan(), started=TODAY - timedelta(hours=2))
    exercises = [item.exercise.id for item in default_plan().items][:6]
    results = []
    for exercise in exercises:
        reps = tuple(a_rep(number=n) for n in (1, 2, 3))
        for rep in reps:
            recorder.rep(exercise, rep)
        results.append(ExerciseResult(exercise, 3, reps, 30, 2, right_movement=0.08, left_movement=0.04))
    recorder.finish(SessionResult(tuple(results), None, {}), "completed")
    assert recorder.flush(timeout=10)
    assert recorder.session_id is not None
    return summary(recorder.session_id, store_id())


SCALES = {"full": (50, 730), "small": (10, 30)}  # devices, days of history per patient


def bulk_history(server: PostgresServer, database: str, devices: int, days: int) -> int:
    """The history, loaded in bulk by PostgreSQL itself (generate_series): what
    the ingest would have stored, with the catalogue's exercises of the default
    plan, a stopped session now and then and an interrupted one more rarely."""
    start = (TODAY - timedelta(days=days + BACKLOG_DAYS)).date().isoformat()
    exercises = "ARRAY[" + ", ".join(f"'{item.exercise.id}'" for item in default_plan().items[:6]) + "]"
    # The rows are consistent by construction: the foreign keys' per-row checks (4 million of them at full
    # scale, most of the load's time) are off for this load only, as pg_restore does.
    sql = f"""
    SET session_replication_role = replica;
    INSERT INTO device (name, token_hash, enrolled) SELECT 'hist-' || d, md5('h' || d), '{start}'
      FROM generate_series(1, {devices}) d;
    INSERT INTO device_store (store, device_id) SELECT md5('store' || id), id FROM device WHERE name LIKE 'hist-%';
    INSERT INTO patient (device_id, local_id, store, name)
      SELECT ds.device_id, p, ds.store, 'Patient ' || ds.device_id || '-' || p
      FROM device_store ds, generate_series(1, 3) p;
    INSERT INTO session (global_id, device_id, patient_id, local_id, started, ended, status, source, score, grading,
                         plan, digest, received, updated)
      SELECT p.store || '-' || (p.local_id * 100000 + day * 2 + s), p.device_id, p.id,
             p.local_id * 100000 + day * 2 + s,
             '{start}'::timestamp + make_interval(days => day, hours => 9 + s * 6),
             '{start}'::timestamp + make_interval(days => day, hours => 9 + s * 6, mins => 12),
             CASE WHEN (day + s) % 17 = 0 THEN 'stopped' WHEN (day * 3 + p.id + s) % 41 = 0 THEN 'interrupted'
                  ELSE 'completed' END, 'camera',
             50 + 30 * random(), NULL, '[]', md5(random()::text), now(), now()
      FROM patient p, generate_series(0, {days - 1}) day, generate_series(0, 1) s;
    INSERT INTO exercise (session_id, exercise, position, reps_planned, reps_done, score, symmetry, synkinesis, outcome,
                          right_movement, left_movement)
      SELECT s.id, ({exercises})[e + 1], e, 3, 3, 50 + 30 * random(), 0.4 + 0.2 * random(), 0.1, 'completed', 0.08,
             0.04
      FROM session s, generate_series(0, 5) e WHERE s.status != 'interrupted';
    INSERT INTO rep (session_id, exercise, number, started_s, ended_s, peak_score, mean_score, right_movement,
                     left_movement, symmetry, synkinesis)
      SELECT s.id, ({exercises})[e + 1], r, r, r + 1, 90, 75, 0.08, 0.04, 0.5, 0.1
      FROM session s, generate_series(0, 5) e, generate_series(1, 3) r WHERE s.status != 'interrupted';
    ANALYZE;
    """
    server.sql_in(database, sql, timeout=3600)
    return int(server.query_in(database, "SELECT count(*) FROM session").strip())


def backfill(server: PostgresServer, database: str) -> int:
    """Migration 3's back-fill of the overview's rows, as a ward upgraded with this history would run it."""
    statements = ";\n".join(statement.format(**TYPES["postgresql"]) for statement in BACKFILL_3)
    server.sql_in(database, f"{statements};\nANALYZE patient_day; ANALYZE patient_exercise_week;", timeout=3600)
    return int(server.query_in(database, "SELECT count(*) FROM patient_day").strip())


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]


def page_p95(base: str, path: str | Callable[[int], str], requests_each: int) -> tuple[float, float, int]:
    """p50, p95 (ms) and errors of `path` (or path(i) for the i-th request) fetched by CLIENTS logged-in clients."""
    times: list[float] = []
    errors = 0
    lock = threading.Lock()

    def client() -> None:
        nonlocal errors
        web = requests.Session()
        page = web.get(f"{base}/login?lang=ko").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        web.post(f"{base}/login", data={"csrf_token": token, "name": "Bench", "password": "bench rounds 1"})
        for number in range(requests_each):
            where = path(number) if callable(path) else path
            began = time.perf_counter()
            answer = web.get(f"{base}{where}", allow_redirects=False)
            spent = (time.perf_counter() - began) * 1000
            with lock:
                times.append(spent)
                errors += answer.status_code != 200

    with ThreadPoolExecutor(CLIENTS) as pool:
        for future in [pool.submit(client) for _ in range(CLIENTS)]:
            future.result()
    return statistics.median(times), p95(times), errors


def backlog_bodies(template: dict[str, Any], device: int) -> list[bytes]:
    """A device's 30-day backlog: 60 sessions of the template's shape, its own store and ids."""
    store = uuid.uuid5(uuid.NAMESPACE_DNS, f"bench-{device}").hex
    bodies = []
    for number in range(BACKLOG_DAYS * 2):
        started = TODAY - timedelta(days=BACKLOG_DAYS - number // 2, hours=-(number % 2) * 6)
        session = template["session"] | {
            "id": number + 1,
            "started": started.isoformat(),
            "ended": (started + timedelta(minutes=12)).isoformat(),
        }
        body = template | {"store": store, "session": session, "patient": {"id": 1, "name": f"Bed {device}"}}
        bodies.append(json.dumps(body).encode())
    return bodies


def drain_all(base: str, tokens: list[str], template: dict[str, Any], devices: int) -> None:
    """Every device sends its backlog at once, one session after another, as its sender does."""
    failures: list[int] = []

    def drain(device: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[device]}", "Content-Type": "application/json"}
        link = requests.Session()
        for body in backlog_bodies(template, device):
            for _attempt in range(5):  # a 409 or 503 is sent again, as the sender would
                status = link.post(f"{base}/api/v1/sessions", data=body, headers=headers, timeout=60).status_code
                if status in (200, 201):
                    break
            else:
                failures.append(status)

    began = time.perf_counter()
    with ThreadPoolExecutor(devices) as pool:
        for future in [pool.submit(drain, d) for d in range(devices)]:
            future.result()
    drained = time.perf_counter() - began
    sent = devices * BACKLOG_DAYS * 2
    print(
        f"{devices} devices x {BACKLOG_DAYS}-day backlog ({sent} sessions) at once through waitress: drained in "
        f"{drained:.1f} s, {sent / drained:.0f} sessions/s, {len(failures)} errors"
    )


@contextmanager
def sending(base: str, token: str, template: dict[str, Any]) -> Iterator[list[int]]:
    """A device sending its backlog, one session after another, while the block runs: [sessions stored]."""
    sent = [0]
    stop = threading.Event()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def send() -> None:
        link = requests.Session()
        for body in backlog_bodies(template, 10_000):
            if stop.is_set():
                return
            if link.post(f"{base}/api/v1/sessions", data=body, headers=headers, timeout=60).status_code == 201:
                sent[0] += 1

    sender = threading.Thread(target=send)
    sender.start()
    try:
        yield sent
    finally:
        stop.set()
        sender.join()


def profile_ingest(client: Any, token: str, template: dict[str, Any]) -> None:
    """Where an ingest's time goes: 200 fresh sessions through the app in this process, profiled."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    # Four new devices' 30-day backlogs: each store bound and its patient made once, as a real backlog does.
    stores = [uuid.uuid4().hex for _ in range(4)]
    bodies = backlog_bodies(template, 0)
    fresh = [json.dumps(json.loads(b) | {"store": store}).encode() for store in stores for b in bodies]
    profile = cProfile.Profile()
    began = time.perf_counter()
    profile.enable()
    for body in fresh[:200]:
        assert client.post("/api/v1/sessions", data=body, headers=headers).status_code == 201
    profile.disable()
    spent = time.perf_counter() - began
    print(f"ingest in one thread, profiled: {200 / spent:.0f} sessions/s ({spent / 200 * 1000:.1f} ms each)")
    stats = pstats.Stats(profile)
    parts = {"store_session": 0.0, "refresh_week": 0.0, "schema_problem": 0.0, "device_of": 0.0, "execute": 0.0}
    statements = 0
    for (_, _, function), (_, calls, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        name = function.removeprefix("<method '").split("'")[0]
        if name not in parts or (name == "execute" and "psycopg2" not in function):
            continue
        parts[name] += cumulative
        statements += calls if name == "execute" else 0
    print("where an ingest's time goes: " + ", ".join(
        f"{'waiting on PostgreSQL (psycopg2 execute)' if name == 'execute' else name} {parts[name] / spent * 100:.0f} %"
        for name in parts
    ) + f"; {statements / 200:.1f} SQL statements per session")  # fmt: skip
    report = io.StringIO()
    stats.stream = report  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(22)
    print("\n".join(line for line in report.getvalue().splitlines() if line.strip()))


def quiet_waitress() -> None:
    """Waitress warns of its queue under 50 senders at once: the drain's figures say it better."""
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min) on {os.cpu_count()} cores"


def overview_pages(base: str, db: Database, live: str, template: dict[str, Any], requests_each: int) -> None:
    """The overview: its rows computed once, then the page at 8 clients, quiet and while a device sends."""
    db.connect(reuse_if_open=True)
    began = time.perf_counter()
    rows = overview(TODAY.date())
    print(f"overview's rows computed once (what each change costs, one thread): "
          f"{(time.perf_counter() - began) * 1000:.0f} ms for {len(rows)} patients")  # fmt: skip
    db.close()
    p50, p95_ms, errors = page_p95(base, "/", requests_each)
    print(f"overview (every patient, {len(rows)} rows): p50 {p50:.0f} ms, p95 {p95_ms:.0f} ms "
          f"at {CLIENTS} clients, {errors} errors")  # fmt: skip
    with sending(base, live, template) as sent:
        p50, p95_ms, errors = page_p95(base, "/", requests_each)
    print(f"overview while a device sends ({sent[0]} sessions arrived, each a change): p50 {p50:.0f} ms, "
          f"p95 {p95_ms:.0f} ms at {CLIENTS} clients, {errors} errors")  # fmt: skip


def patient_pages(base: str, patients: list[int], requests_each: int) -> None:
    """A patient's page: the first visit (it builds the patient's history in the
    device's schema, ward/patient_history.py), then the page again at 8 clients."""
    visited = patients[:CLIENTS]
    cold: list[float] = []
    web = requests.Session()
    page = web.get(f"{base}/login?lang=ko").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    web.post(f"{base}/login", data={"csrf_token": token, "name": "Bench", "password": "bench rounds 1"})
    for patient in visited:
        began = time.perf_counter()
        status = web.get(f"{base}/patients/{patient}", timeout=600).status_code
        cold.append((time.perf_counter() - began) * 1000)
        assert status == 200, status
    print(f"a patient's page, first visit (one at a time, {len(visited)} patients): "
          f"median {statistics.median(cold):.0f} ms, slowest {max(cold):.0f} ms")  # fmt: skip
    p50, p95_ms, errors = page_p95(base, lambda n: f"/patients/{visited[n % len(visited)]}", requests_each)
    print(f"a patient's page again: p50 {p50:.0f} ms, p95 {p95_ms:.0f} ms at {CLIENTS} clients, {errors} errors")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full", help="full: the issue's 50 devices, 2 years")
    parser.add_argument("--devices", type=int, help="devices (3 patients each), instead of the scale's")
    parser.add_argument("--days", type=int, help="days of history per patient loaded in bulk, instead of the scale's")
    parser.add_argument("--requests", type=int, default=15, help="page requests per client")
    parser.add_argument("--pages-only", action="store_true", help="the pages' figures only: no drain, no profile")
    args = parser.parse_args()
    devices = args.devices or SCALES[args.scale][0]
    days = args.days or SCALES[args.scale][1]
    print(f"load before: {load()}")
    quiet_waitress()
    with tempfile.TemporaryDirectory() as folder, throwaway_cluster() as server:
        template = a_real_summary(Path(folder))
        print(f"a summary: {len(template['exercises'])} exercises, {len(template['reps'])} reps, "
              f"{len(json.dumps(template)) / 1024:.1f} KB")  # fmt: skip
        server.sql("CREATE DATABASE ward_bench")
        db = connect_url(server.url("ward_bench"))
        migrate(db)
        began = time.perf_counter()
        sessions = bulk_history(server, "ward_bench", devices, days)
        counts = server.query_in("ward_bench", "SELECT (SELECT count(*) FROM exercise), (SELECT count(*) FROM rep)")
        exercises, reps = (int(n) for n in counts.strip().split("|"))
        print(f"history: {devices} devices x 3 patients x 2 sessions/day x {days} days = {sessions:,} sessions, "
              f"{exercises:,} exercises, {reps:,} reps, loaded in bulk in "
              f"{time.perf_counter() - began:.1f} s")  # fmt: skip
        began = time.perf_counter()
        day_rows = backfill(server, "ward_bench")
        print(f"migration 3's back-fill: {day_rows:,} patient days and their exercise weeks in "
              f"{time.perf_counter() - began:.1f} s")  # fmt: skip
        clock = FixedClock(TODAY)
        add_therapist("Bench", "bench rounds 1", clock.now())
        tokens = [enrol(f"bench-{d}", clock.now()) for d in range(devices)]
        live = enrol("live-0", clock.now())
        patients = [p.id for p in WardPatient.select(WardPatient.id).order_by(WardPatient.id)]
        db.close()
        app = create_app(
            WardConfig(language="ko", secret_key="bench", cache_dir=str(Path(folder) / "cache")), db, clock
        )
        web = create_server(app, host="127.0.0.1", port=0, threads=8)
        base = f"http://127.0.0.1:{web.effective_port}"
        threading.Thread(target=web.run, daemon=True).start()

        overview_pages(base, db, live, template, args.requests)
        p50, p95_ms, errors = page_p95(base, "/devices", args.requests)
        print(f"devices page: p50 {p50:.0f} ms, p95 {p95_ms:.0f} ms at {CLIENTS} clients, {errors} errors")
        patient_pages(base, patients, args.requests)

        if args.pages_only:
            web.close()
            print(f"load after: {load()}")
            return
        drain_all(base, tokens, template, devices)
        db.connect(reuse_if_open=True)
        # Each session once: the ward's global ids are unique, so the count says whether any was lost.
        stored = WardSession.select().join(Device).where(Device.name.startswith("bench-")).count()
        db.close()
        print(f"stored {stored} of {devices * BACKLOG_DAYS * 2}")
        profile_ingest(app.test_client(), tokens[0], template)
        web.close()
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()

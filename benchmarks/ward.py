"""The ward on a real PostgreSQL (a throwaway cluster, as the tests start it):

1. a simulated ward's history loaded in bulk (DEVICES x 3 patients x 2
   sessions a day x DAYS, each session with 6 exercises and 18 reps), then the
   overview page's p95 at 8 concurrent clients, logged in, through waitress;
2. DEVICES devices sending at once through the real endpoint, each with a
   30-day backlog (60 sessions): every session stored once, the time to drain;
3. ingest throughput, and where its time goes (cProfile of 200 ingests).

The summaries are the device's own (device/ward_link.summary of a session
recorded through the real recorder), with each device's store id and ids.

    .venv/bin/python -m benchmarks.ward [--devices 50] [--days 60]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
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
from ward.models import Device, WardSession
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


def bulk_history(server: PostgresServer, database: str, devices: int, days: int) -> int:
    """The history, loaded in bulk by PostgreSQL itself (generate_series): what the ingest would have stored."""
    start = (TODAY - timedelta(days=days + BACKLOG_DAYS)).date().isoformat()
    sql = f"""
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
             CASE WHEN (day + s) % 17 = 0 THEN 'stopped' ELSE 'completed' END, 'camera',
             50 + 30 * random(), NULL, '[]', md5(random()::text), now(), now()
      FROM patient p, generate_series(0, {days - 1}) day, generate_series(0, 1) s;
    INSERT INTO exercise (session_id, exercise, position, reps_planned, reps_done, score, symmetry, synkinesis, outcome,
                          right_movement, left_movement)
      SELECT s.id, 'exercise_' || e, e, 3, 3, 50 + 30 * random(), 0.5, 0.1, 'completed', 0.08, 0.04
      FROM session s, generate_series(0, 5) e;
    INSERT INTO rep (session_id, exercise, number, started_s, ended_s, peak_score, mean_score, right_movement,
                     left_movement, symmetry, synkinesis)
      SELECT s.id, 'exercise_' || e, r, r, r + 1, 90, 75, 0.08, 0.04, 0.5, 0.1
      FROM session s, generate_series(0, 5) e, generate_series(1, 3) r;
    ANALYZE;
    """
    server.sql_in(database, sql)
    return int(server.query_in(database, "SELECT count(*) FROM session").strip())


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]


def page_p95(base: str, path: str, requests_each: int) -> tuple[float, float, int]:
    """p50, p95 (ms) and errors of `path` fetched by CLIENTS logged-in clients at once."""
    times: list[float] = []
    errors = 0
    lock = threading.Lock()

    def client() -> None:
        nonlocal errors
        web = requests.Session()
        page = web.get(f"{base}/login?lang=ko").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        web.post(f"{base}/login", data={"csrf_token": token, "name": "Bench", "password": "bench rounds 1"})
        for _ in range(requests_each):
            began = time.perf_counter()
            answer = web.get(f"{base}{path}", allow_redirects=False)
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


def profile_ingest(client: Any, token: str, template: dict[str, Any]) -> None:
    """Where an ingest's time goes: 200 fresh sessions through the app in this process, profiled."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    fresh = [json.dumps(json.loads(b) | {"store": uuid.uuid4().hex}).encode() for b in backlog_bodies(template, 0) * 4]
    profile = cProfile.Profile()
    began = time.perf_counter()
    profile.enable()
    for body in fresh[:200]:
        assert client.post("/api/v1/sessions", data=body, headers=headers).status_code == 201
    profile.disable()
    spent = time.perf_counter() - began
    print(f"ingest in one thread, profiled: {200 / spent:.0f} sessions/s ({spent / 200 * 1000:.1f} ms each)")
    report = io.StringIO()
    pstats.Stats(profile, stream=report).sort_stats("cumulative").print_stats(22)
    print("\n".join(line for line in report.getvalue().splitlines() if line.strip()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--days", type=int, default=60, help="days of history per patient loaded in bulk")
    parser.add_argument("--requests", type=int, default=15, help="page requests per client")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1, 5, 15 min)")
    with tempfile.TemporaryDirectory() as folder, throwaway_cluster() as server:
        template = a_real_summary(Path(folder))
        print(f"a summary: {len(template['exercises'])} exercises, {len(template['reps'])} reps, "
              f"{len(json.dumps(template)) / 1024:.1f} KB")  # fmt: skip
        server.sql("CREATE DATABASE ward_bench")
        db = connect_url(server.url("ward_bench"))
        migrate(db)
        began = time.perf_counter()
        sessions = bulk_history(server, "ward_bench", args.devices, args.days)
        print(f"history: {args.devices} devices x 3 patients x 2 sessions/day x {args.days} days = {sessions} sessions "
              f"(x6 exercises, x18 reps) loaded in {time.perf_counter() - began:.1f} s")  # fmt: skip
        clock = FixedClock(TODAY)
        add_therapist("Bench", "bench rounds 1", clock.now())
        tokens = [enrol(f"bench-{d}", clock.now()) for d in range(args.devices)]
        db.close()
        app = create_app(WardConfig(language="ko", secret_key="bench"), db, clock)
        web = create_server(app, host="127.0.0.1", port=0, threads=8)
        base = f"http://127.0.0.1:{web.effective_port}"
        threading.Thread(target=web.run, daemon=True).start()

        p50, p95_ms, errors = page_p95(base, "/", args.requests)
        print(f"overview (every patient, {args.devices * 3} rows): p50 {p50:.0f} ms, p95 {p95_ms:.0f} ms "
              f"at {CLIENTS} clients, {errors} errors")  # fmt: skip
        p50, p95_ms, errors = page_p95(base, "/devices", args.requests)
        print(f"devices page: p50 {p50:.0f} ms, p95 {p95_ms:.0f} ms at {CLIENTS} clients, {errors} errors")
        print("a patient's page: not built yet (docs/ward.md)")

        drain_all(base, tokens, template, args.devices)
        db.connect(reuse_if_open=True)
        # Each session once: the ward's global ids are unique, so the count says whether any was lost.
        stored = WardSession.select().join(Device).where(Device.name.startswith("bench-")).count()
        db.close()
        print(f"stored {stored} of {args.devices * BACKLOG_DAYS * 2}")
        profile_ingest(app.test_client(), tokens[0], template)
        web.close()


if __name__ == "__main__":
    main()

"""A patient's page on the ward (ward/patient_page.py) with two years of
history (2 sessions a day, each with 6 exercises and 18 reps), on a real
PostgreSQL (a throwaway cluster): the first page, which builds the patient's
history in the device's schema (ward/patient_history.py); the page again
(warm); the page after one more session arrived (brought up to date); and
the report of four weeks. Logged in, through the real app.

    .venv/bin/python -m benchmarks.ward_patient [--days 730] [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from flask.testing import FlaskClient

from benchmarks.postgres import throwaway_cluster
from benchmarks.ward import TODAY, bulk_history
from device.clock import FixedClock
from ward.app import create_app
from ward.config import WardConfig
from ward.db import connect_url, migrate
from ward.models import WardPatient, WardSession
from ward.patient_history import FILE_NAME
from ward.therapists import add_therapist


def timed(client: FlaskClient, url: str) -> float:
    start = time.perf_counter()
    answer = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    assert answer.status_code == 200, (url, answer.status_code)
    return elapsed


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=730, help="days of history (2 sessions a day)")
    parser.add_argument("--repeat", type=int, default=20, help="warm pages to time")
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.1f}")
    with throwaway_cluster() as server, tempfile.TemporaryDirectory() as cache:
        server.sql("CREATE DATABASE ward_patient")
        db = connect_url(server.url("ward_patient"))
        migrate(db)
        bulk_history(server, "ward_patient", devices=1, days=args.days)
        patient = WardPatient.select().order_by(WardPatient.id).first()
        sessions = WardSession.select().where(WardSession.patient == patient).count()
        print(f"history: {sessions} sessions of one patient ({args.days} days), 6 exercises and 18 reps each")
        add_therapist("Bench", "bench password 1", datetime(2026, 1, 1))
        app = create_app(WardConfig(language="en", secret_key="bench", cache_dir=cache), db, FixedClock(TODAY))
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        login = {"csrf_token": token, "name": "Bench", "password": "bench password 1"}
        assert client.post("/login", data=login).status_code == 302
        url = f"/patients/{patient.id}"
        cold = timed(client, url)
        size = (Path(cache) / FILE_NAME).stat().st_size / 1e6
        print(f"first page (builds the history): {cold:.0f} ms; cache file {size:.1f} MB")
        warm = [timed(client, url) for _ in range(args.repeat)]
        print(f"page again, {args.repeat} times: median {statistics.median(warm):.0f} ms, p95 {p95(warm):.0f} ms")
        newest = WardSession.select().where(WardSession.patient == patient).order_by(WardSession.started.desc()).get()
        WardSession.update(score=42.0, updated=datetime.now()).where(WardSession.id == newest.id).execute()
        print(f"page after a session changed (brought up to date): {timed(client, url):.0f} ms")
        report = [timed(client, f"{url}/report") for _ in range(args.repeat)]
        print(f"report of 4 weeks: median {statistics.median(report):.0f} ms, p95 {p95(report):.0f} ms")
        db.close()
    print(f"load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

"""The dashboard under load: two years of practice, 8 concurrent clients.

    .venv/bin/python -m benchmarks.dashboard [--clients 8] [--requests 40]

Seeds a fresh database with two years of daily practice (three sessions a
day, each with a 1 Hz score timeline), starts the production server
(`python -m device web`: waitress) in its own process, logs in once, and
has the clients, sharing that session, fetch the month, day and trends pages concurrently.
Prints the median and 95th percentile per page.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from benchmarks.servers import dashboard, login, opener
from device.store.db import DB_NAME, open_database
from device.store.models import PracticeRecord, ScoreSample
from device.store.synthetic import seed_history
from device.web.security import set_password

PASSWORD = "benchmark password"


def seed(data_dir: Path, today: date) -> int:
    open_database(data_dir / DB_NAME)
    patient = seed_history("Mina", today - timedelta(days=730), today, sessions_per_day=(3, 3), seconds_per_session=300)
    return int(patient.id)


def load(base: str, path: str, jar: http.cookiejar.CookieJar, clients: int, requests: int) -> tuple[list[float], int]:
    """`clients` threads each fetch `path` `requests` times; the latencies in seconds and the page size."""
    timings: list[float] = []
    sizes: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        session = opener(jar)  # one connection per client, sharing the login's cookie
        for _ in range(requests):
            start = time.perf_counter()
            with session.open(base + path) as response:
                body = response.read()
                if response.status != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status}")
            elapsed = time.perf_counter() - start
            with lock:
                timings.append(elapsed)
                sizes.append(len(body))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, int(statistics.median(sizes))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=40, help="requests per client per page")
    args = parser.parse_args()
    today = date.today()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        started = time.perf_counter()
        patient = seed(data_dir, today)
        sessions, samples = PracticeRecord.select().count(), ScoreSample.select().count()
        size = (data_dir / DB_NAME).stat().st_size / 1e6
        took = time.perf_counter() - started
        print(f"seeded {sessions} sessions, {samples} score samples ({size:.0f} MB) in {took:.0f} s")
        set_password(data_dir, PASSWORD)
        env = os.environ | {"KIOSK_DATA_DIR": str(data_dir), "KIOSK_LOG_LEVEL": "WARNING"}
        with dashboard(env) as (base, _):
            pages = {
                "month": f"/patients/{patient}/month/{today:%Y-%m}",
                "day": f"/patients/{patient}/day/{(today - timedelta(days=1)).isoformat()}",
                "trends": f"/patients/{patient}/trends",
            }
            # One login (the login rate limit would refuse eight in a row); the
            # clients share its session cookie, as several tabs of one phone would.
            jar = login(base, PASSWORD)
            for path in pages.values():  # warm up: the first requests compile templates
                load(base, path, jar, 1, 2)
            print(f"{args.clients} concurrent clients, {args.requests} requests each per page, through waitress")
            print(f"{'page':<8} {'requests':>8} {'median ms':>10} {'p95 ms':>8} {'bytes':>8}")
            for name, path in pages.items():
                timings, size = load(base, path, jar, args.clients, args.requests)
                ms = np.array(timings) * 1000
                print(f"{name:<8} {len(ms):>8} {np.median(ms):>10.1f} {np.percentile(ms, 95):>8.1f} {size:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The dashboard under load: every page on a long history, 8 concurrent clients.

    .venv/bin/python -m benchmarks.dashboard [--clients 8] [--requests 20]
        [--years 0.5 2 5] [--data FOLDER] [--pages trends "api trends" ...] [--modes kept built]

For each history length (by default 6 months, 2 years and 5 years of daily
practice: three sessions a day, each with a 5-minute 1 Hz score timeline),
seeds a database, starts the production server (`python -m device web`:
waitress) in its own process, logs in once, and has the clients, sharing
that session, fetch each page concurrently: the month, day, trends and
report pages, both CSV exports and the JSON API. Prints the median and 95th
percentile per page, then the p95s side by side with each one's ratio to the
shortest history's, so growth with the history shows as a number.

Each page is measured twice: as a device serves it, kept in memory until
the store changes (device/web/page_cache.py), and built on every request
(the cache off), which is what the first view after a new session costs.

--data keeps the seeded databases in FOLDER (one folder per length) and
reuses them, so the same data can be measured again, or by another commit.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
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

PASSWORD = "benchmark password"
PATIENT = "Mina"
GROWTH_LIMIT = 1.5  # issue 40: no page's p95 at 5 years over 1.5 times its p95 at 6 months


def seed(data_dir: Path, today: date, years: float) -> None:
    """Seed `years` of practice ending today (the store's code, imported here
    only: a reused folder needs none of it, whatever commit serves it)."""
    from device.store.db import DB_NAME, open_database
    from device.store.models import PracticeRecord, ScoreSample
    from device.store.synthetic import seed_history
    from device.web.security import set_password

    started = time.perf_counter()
    data_dir.mkdir(parents=True, exist_ok=True)
    open_database(data_dir / DB_NAME)
    first = today - timedelta(days=round(365 * years))
    seed_history(PATIENT, first, today, sessions_per_day=(3, 3), seconds_per_session=300)
    set_password(data_dir, PASSWORD)
    sessions, samples = PracticeRecord.select().count(), ScoreSample.select().count()
    size = (data_dir / DB_NAME).stat().st_size / 1e6
    took = time.perf_counter() - started
    print(f"seeded {sessions} sessions, {samples} score samples ({size:.0f} MB) in {took:.0f} s", flush=True)


def pages(patient: int, today: date) -> dict[str, str]:
    yesterday = (today - timedelta(days=1)).isoformat()
    base = f"/patients/{patient}"
    return {
        "month": f"{base}/month/{today:%Y-%m}",
        "day": f"{base}/day/{yesterday}",
        "trends": f"{base}/trends",
        "report": f"{base}/report",  # the last four weeks
        "sessions.csv": f"{base}/export/sessions.csv",  # the last 30 days
        "reps.csv": f"{base}/export/reps.csv",
        "api month": f"/api{base}/month/{today:%Y-%m}",
        "api day": f"/api{base}/day/{yesterday}",
        "api trends": f"/api{base}/trends",
        "api patients": "/api/patients",
    }


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


def measure(
    data_dir: Path, today: date, clients: int, requests: int, *, names: list[str], mode: str
) -> dict[str, float]:
    """Each named page's p95 in ms, printed with its median and size. `mode`
    "kept" serves pages as a device does, kept until the store changes;
    "built" turns that off, so every request builds its page: what the first
    view after a new session costs."""
    env = os.environ | {"KIOSK_DATA_DIR": str(data_dir), "KIOSK_LOG_LEVEL": "WARNING"}
    if mode == "built":
        env["KIOSK_WEB_PAGE_CACHE_MB"] = "0"
    p95: dict[str, float] = {}
    with dashboard(env) as (base, _):
        # One login (the login rate limit would refuse eight in a row); the
        # clients share its session cookie, as several tabs of one phone would.
        jar = login(base, PASSWORD)
        with opener(jar).open(base + "/api/patients") as response:
            patient = next(p["id"] for p in json.loads(response.read()) if p["name"] == PATIENT)
        chosen = {name: path for name, path in pages(patient, today).items() if name in names}
        for path in chosen.values():  # warm up: the first requests compile templates
            load(base, path, jar, 1, 2)
        print(f"pages {MODES[mode]}: {clients} concurrent clients, {requests} requests each per page, through waitress")
        print(f"{'page':<13} {'requests':>8} {'median ms':>10} {'p95 ms':>8} {'bytes':>8}")
        for name, path in chosen.items():
            timings, size = load(base, path, jar, clients, requests)
            ms = np.array(timings) * 1000
            p95[name] = float(np.percentile(ms, 95))
            print(f"{name:<13} {len(ms):>8} {np.median(ms):>10.1f} {p95[name]:>8.1f} {size:>8}", flush=True)
    return p95


MODES = {"kept": "kept until the store changes (as served)", "built": "built on every request (page_cache_mb 0)"}


def growth(results: dict[float, dict[str, float]], mode: str) -> None:
    """The p95s side by side, each with its ratio to the shortest history's."""
    shortest = min(results)
    print(f"\np95 ms by history length, pages {MODES[mode]} (ratio to {label(shortest)})")
    print(f"{'page':<13}" + "".join(f"{label(y):>20}" for y in results))
    for name in results[shortest]:
        cells = [f"{results[y][name]:>10.1f} ({results[y][name] / results[shortest][name]:>4.2f}x)" for y in results]
        grows = results[max(results)][name] > GROWTH_LIMIT * results[shortest][name]
        print(f"{name:<13}" + "".join(f"{c:>20}" for c in cells) + ("  grows" if grows else ""))


def label(years: float) -> str:
    return f"{round(years * 12)} months" if years < 1 else f"{years:g} years"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=20, help="requests per client per page")
    parser.add_argument("--years", type=float, nargs="+", default=[0.5, 2, 5], help="history lengths")
    parser.add_argument("--data", type=Path, help="keep (and reuse) the seeded databases here")
    everything = list(pages(0, date.today()))
    parser.add_argument("--pages", nargs="+", choices=everything, default=everything, help="only these pages")
    parser.add_argument(
        "--modes", nargs="+", choices=list(MODES), default=list(MODES), help="pages kept (as served), built, or both"
    )
    args = parser.parse_args()
    today = date.today()  # a benchmark of the running server, which reads the machine's clock
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} CPUs")
    results: dict[str, dict[float, dict[str, float]]] = {mode: {} for mode in args.modes}
    with tempfile.TemporaryDirectory() as scratch:
        for years in args.years:
            data_dir = (args.data or Path(scratch)) / f"history-{years:g}y"
            print(f"\n== {label(years)} of history")
            if not (data_dir / "kiosk.sqlite").exists():
                seed(data_dir, today, years)
            for mode in args.modes:
                results[mode][years] = measure(
                    data_dir, today, args.clients, args.requests, names=args.pages, mode=mode
                )
    print(f"\nload average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if len(args.years) > 1:
        for mode in args.modes:
            growth(results[mode], mode)
        print(f"(grows: the longest history's p95 over {GROWTH_LIMIT:g} times the shortest's)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

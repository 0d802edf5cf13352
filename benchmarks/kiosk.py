"""The kiosk's frame rate on the replay camera, headless.

    SDL_VIDEODRIVER=dummy .venv/bin/python -m benchmarks.kiosk [--seconds 30]

Runs the real kiosk (ui.app) on the embedded demo, paced like a camera, on
the practice screen of one exercise, with the loop at its configured rate
(kiosk.fps), and prints: frames drawn per second against the target, the
time one loop step takes (median, p95), how often the live score changed
per second, the camera frames the pipeline processed and dropped, drawing
the screen with and without reusing rendered labels, and peak memory of the
process.

It runs three times in the same process: on the real SQLite file; with every
database write slowed down by --slow-store-ms (a worn SD card's fsync); and
with that slow store written on the drawing thread itself, as the kiosk did
before the store's writer thread, for comparison. Each run counts the writes
made on the drawing thread.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import numpy as np
import pygame

from device.config import load_config
from device.practice.plan import single_exercise_plan
from device.store.models import database
from device.store.writer import StoreWriter
from ui.app import Kiosk
from ui.screens.practice import PracticeScreen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--exercise", default="closed_smile")
    parser.add_argument("--size", default="800x480")
    parser.add_argument("--slow-store-ms", type=float, default=200.0, help="delay added to every database write")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    print(f"kiosk {width}x{height}, practice screen ({args.exercise}) on the demo replay paced like a camera")
    slow = args.slow_store_ms
    for delay, inline, name in (
        (0.0, False, "real SQLite file, writer thread"),
        (slow, False, f"every write {slow:.0f} ms slower, writer thread"),
        (slow, True, f"every write {slow:.0f} ms slower, written on the drawing thread (before)"),
    ):
        print(f" {name}:")
        with inline_writes() if inline else contextlib.nullcontext():
            run_once(args.seconds, args.exercise, (width, height), delay / 1000)
    print(f"  peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


@contextlib.contextmanager
def inline_writes() -> Iterator[None]:
    """Every job handed to the store's writer runs at once on the caller's thread."""
    original = StoreWriter.submit

    def submit(self: StoreWriter, job: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(job())
        except Exception as exc:
            future.set_exception(exc)
        return future

    StoreWriter.submit = submit  # type: ignore[method-assign]
    try:
        yield
    finally:
        StoreWriter.submit = original  # type: ignore[method-assign]


class SlowStore:
    """Wraps the open database's execute_sql: each write waits `delay` first,
    and the thread that made it is counted."""

    WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT")

    def __init__(self, db: Any, delay: float) -> None:
        self.threads: Counter[str] = Counter()
        self._execute = db.execute_sql
        self.delay = delay

        def execute_sql(sql: str, *args: Any, **kwargs: Any) -> Any:
            if sql.lstrip().upper().startswith(self.WRITES):
                self.threads[threading.current_thread().name] += 1
                time.sleep(self.delay)
            return self._execute(sql, *args, **kwargs)

        db.execute_sql = execute_sql


def run_once(seconds: float, exercise: str, size: tuple[int, int], delay: float) -> None:
    with tempfile.TemporaryDirectory() as data:
        config = load_config(
            overrides={"device.data_dir": data, "camera.source": "demo", "camera.replay_realtime": True}
        )
        pygame.display.init()
        pygame.font.init()
        surface = pygame.display.set_mode(size)
        kiosk = Kiosk(config, surface)
        store = SlowStore(database.obj, delay)
        target = config.kiosk.fps
        screen = PracticeScreen(kiosk, single_exercise_plan(exercise))
        kiosk.open(screen)
        clock = pygame.time.Clock()
        steps: list[float] = []
        start = time.perf_counter()
        while time.perf_counter() - start < seconds and kiosk.screen is screen:
            began = time.perf_counter()
            kiosk.step()
            steps.append(time.perf_counter() - began)
            clock.tick(target)
        elapsed = time.perf_counter() - start
        cached, uncached = draw_times(kiosk, surface)
        pipeline = screen.pipeline
        processed = pipeline.processed if pipeline is not None else 0
        dropped = pipeline.dropped if pipeline is not None else 0
        kiosk.close()  # waits for the writer to finish
        pygame.quit()
    ms = np.array(steps) * 1000
    drawing = store.threads[threading.main_thread().name]
    print(f"  drawn: {len(steps) / elapsed:.1f} frames/s (target {target})")
    print(f"  one loop step: median {np.median(ms):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms, max {ms.max():.1f} ms")
    print(f"  live score changed {screen.score_updates / elapsed:.1f} times/s")
    print(f"  camera frames processed {processed / elapsed:.1f}/s, dropped {dropped}")
    print(f"  database writes: {sum(store.threads.values())}, on the drawing thread {drawing}")
    reused, rendered = np.median(cached), np.median(uncached)
    print(
        f"  drawing the screen: median {reused:.2f} ms with rendered labels reused, "
        f"{rendered:.2f} ms rendering every label each frame ({rendered / reused:.1f}x)"
    )


def draw_times(kiosk: Kiosk, surface: pygame.Surface, frames: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Milliseconds to draw the current screen, alternately with the theme's
    rendered text warm and forgotten first (how every frame was drawn before
    the theme kept it), so both run under the same load."""
    cached: list[float] = []
    uncached: list[float] = []
    for frame in range(frames * 2):
        if frame % 2:
            kiosk.theme.forget_text()
        began = time.perf_counter()
        kiosk.screen.draw(surface)
        (uncached if frame % 2 else cached).append(time.perf_counter() - began)
    return np.array(cached) * 1000, np.array(uncached) * 1000


if __name__ == "__main__":
    sys.exit(main())

"""The kiosk's frame rate on the replay camera, headless.

    SDL_VIDEODRIVER=dummy .venv/bin/python -m benchmarks.kiosk [--seconds 30]

Runs the real kiosk (ui.app) on the embedded demo, paced like a camera, on
the practice screen of one exercise, with the loop at its configured rate
(kiosk.fps), and prints: frames drawn per second against the target, the
time one loop step takes (median, p95), how often the live score changed
per second, the camera frames the pipeline processed and dropped, drawing
the screen with and without reusing rendered labels, and peak memory of the
process.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import numpy as np
import pygame

from device.config import load_config
from device.practice.plan import single_exercise_plan
from ui.app import Kiosk
from ui.screens.practice import PracticeScreen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--exercise", default="closed_smile")
    parser.add_argument("--size", default="800x480")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as data:
        config = load_config(
            overrides={"device.data_dir": data, "camera.source": "demo", "camera.replay_realtime": True}
        )
        pygame.display.init()
        pygame.font.init()
        surface = pygame.display.set_mode((width, height))
        kiosk = Kiosk(config, surface)
        target = config.get_int("kiosk.fps")
        screen = PracticeScreen(kiosk, single_exercise_plan(args.exercise))
        kiosk.go(screen)
        clock = pygame.time.Clock()
        steps: list[float] = []
        start = time.perf_counter()
        while time.perf_counter() - start < args.seconds and kiosk.screen is screen:
            began = time.perf_counter()
            kiosk.step()
            steps.append(time.perf_counter() - began)
            clock.tick(target)
        elapsed = time.perf_counter() - start
        cached, uncached = draw_times(kiosk, surface)
        pipeline = screen.pipeline
        processed = pipeline.processed if pipeline is not None else 0
        dropped = pipeline.dropped if pipeline is not None else 0
        kiosk.close()
        pygame.quit()
    ms = np.array(steps) * 1000
    print(f"kiosk {width}x{height}, practice screen ({args.exercise}) on the demo replay paced like a camera")
    print(f"  drawn: {len(steps) / elapsed:.1f} frames/s (target {target})")
    print(f"  one loop step: median {np.median(ms):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms")
    print(f"  live score changed {screen.score_updates / elapsed:.1f} times/s")
    print(f"  camera frames processed {processed / elapsed:.1f}/s, dropped {dropped}")
    reused, rendered = np.median(cached), np.median(uncached)
    print(
        f"  drawing the screen: median {reused:.2f} ms with rendered labels reused, "
        f"{rendered:.2f} ms rendering every label each frame ({rendered / reused:.1f}x)"
    )
    print(f"  peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


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

"""The pipeline's benchmark: per-stage timings, throughput, latency, memory.

Three runs, in one process so their figures compare:
- throughput: the pipeline on an unpaced replay (every frame, as fast as the
  stages go), with per-stage medians and p95;
- live: the same pipeline on the replay paced like a camera, with a consumer
  that takes the newest result 30 times a second (as the kiosk draws), for the
  latency from a frame's capture to its result and to its expression;
- baseline (optional): the naive loop, one thread, full-frame detection and a
  synchronous classification on every frame, for the ratio.
The soak run holds the live set-up for minutes and samples memory and queues.
"""

from __future__ import annotations

import os
import resource
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from device.camera.base import Camera, CameraEnded
from device.expression.classifier import ExpressionClassifier
from device.pipeline.pipeline import Pipeline, Update
from device.timing import KEEP, StageTimes, Summary, summarise
from device.vision.analysis import FrameAnalyser, analyse_face
from device.vision.landmarks import FaceLandmarker

CameraFactory = Callable[[bool], Camera]  # paced -> an opened camera
CONSUMER_FPS = 30.0  # the kiosk's drawing rate
SOAK_KEEP = 500


@dataclass(frozen=True)
class Setup:
    """What every run shares: models loaded once, and how to open the camera."""

    open_camera: CameraFactory
    landmarker: FaceLandmarker
    make_analyser: Callable[[], FrameAnalyser]
    classifier: ExpressionClassifier | None


@dataclass
class RunFigures:
    frames: int
    seconds: float
    fps: float
    stages: dict[str, Summary] = field(default_factory=dict)
    dropped: int = 0
    latency: Summary | None = None  # capture -> vision result
    expression_latency: Summary | None = None  # capture -> expression result
    expression_updates_per_s: float | None = None
    consumer_fps: float | None = None


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def throughput(setup: Setup, frames: int) -> RunFigures:
    times = StageTimes()
    pipeline = Pipeline(setup.open_camera(False), setup.make_analyser(), setup.classifier, times=times)
    count = 0
    start = time.perf_counter()
    with pipeline:
        while count < frames:
            try:
                update = pipeline.get(timeout=10.0)
            except CameraEnded:
                break
            if update is None:
                raise RuntimeError("the pipeline delivered nothing for 10 s")
            count += 1
    seconds = time.perf_counter() - start
    stages = times.summary()
    return RunFigures(count, seconds, count / seconds, stages, dropped=pipeline.dropped)


def live(
    setup: Setup,
    seconds: float,
    on_tick: Callable[[Pipeline], None] | None = None,
    keep: int = KEEP,
) -> RunFigures:
    """A consumer that wakes 30 times a second (as the kiosk draws) and takes
    the newest result. Only the last `keep` samples of each figure are kept."""
    classifier = setup.classifier
    pipeline = Pipeline(setup.open_camera(True), setup.make_analyser(), classifier, times=StageTimes(keep))
    latencies: deque[float] = deque(maxlen=keep)
    expression_latencies: deque[float] = deque(maxlen=keep)
    expression_results = 0
    last_expression_frame = -1
    ticks = 0
    frames = 0
    period = 1.0 / CONSUMER_FPS
    start = time.perf_counter()
    with pipeline:
        next_tick = start
        while time.perf_counter() - start < seconds:
            next_tick += period
            time.sleep(max(0.0, next_tick - time.perf_counter()))
            ticks += 1
            # Every update is counted for latency, the newest is "drawn".
            waiting = _drain(pipeline)
            frames += len(waiting)
            latencies.extend(u.latency for u in waiting)
            newest = waiting[-1] if waiting else None
            expression = newest.expression if newest is not None else None
            if expression is not None and expression.frame_index != last_expression_frame:
                last_expression_frame = expression.frame_index
                expression_latencies.append(expression.latency)
                expression_results += 1
            if on_tick is not None:
                on_tick(pipeline)
    elapsed = time.perf_counter() - start
    return RunFigures(
        frames,
        elapsed,
        frames / elapsed,
        dropped=pipeline.dropped,
        latency=summarise(latencies),
        expression_latency=summarise(expression_latencies) if classifier is not None else None,
        expression_updates_per_s=expression_results / elapsed if classifier is not None else None,
        consumer_fps=ticks / elapsed,
    )


def _drain(pipeline: Pipeline) -> list[Update]:
    updates: list[Update] = []
    while True:
        update = pipeline.get(timeout=0)
        if update is None:
            return updates
        updates.append(update)


def baseline(setup: Setup, frames: int) -> RunFigures:
    """The naive loop: read, detect on the full frame, fit, measure, classify, in one thread."""
    landmarker, classifier = setup.landmarker, setup.classifier
    times = StageTimes()
    landmarker.times = times
    camera = setup.open_camera(False)
    count = 0
    start = time.perf_counter()
    try:
        while count < frames:
            with times.stage("capture"):
                try:
                    frame = camera.read()
                except CameraEnded:
                    break
            with times.stage("vision"):
                face = landmarker.analyse(frame.gray)
                analysis = analyse_face(face, (frame.image.shape[1], frame.image.shape[0]))
            if classifier is not None and analysis.face.points is not None:
                with times.stage("classify+preprocess"):
                    classifier.probabilities(frame.gray, analysis.face.points)
            count += 1
    finally:
        camera.close()
        landmarker.times = None
    seconds = time.perf_counter() - start
    return RunFigures(count, seconds, count / seconds, times.summary())


@dataclass
class SoakSample:
    t: float
    rss_mb: float
    frames_waiting: int
    updates_waiting: int
    dropped: int


def soak(
    setup: Setup, seconds: float, every: float = 10.0, report: Callable[[SoakSample], None] | None = None
) -> list[SoakSample]:
    samples: list[SoakSample] = []
    start = time.perf_counter()

    def sample(pipeline: Pipeline) -> None:
        t = time.perf_counter() - start
        if not samples or t - samples[-1].t >= every:
            frames_waiting, updates_waiting = pipeline.queue_sizes
            s = SoakSample(round(t, 1), round(current_rss_mb(), 1), frames_waiting, updates_waiting, pipeline.dropped)
            samples.append(s)
            if report is not None:
                report(s)

    # Few samples kept, so what the benchmark itself records stays flat and
    # any growth measured is the pipeline's.
    live(setup, seconds, on_tick=sample, keep=SOAK_KEEP)
    return samples


def drift_mb_per_minute(samples: list[SoakSample]) -> float:
    """Slope of resident memory over the soak, after the first minute's warm-up."""
    settled = [s for s in samples if s.t >= 60] or samples
    if len(settled) < 2:
        return 0.0
    t = np.array([s.t for s in settled]) / 60
    rss = np.array([s.rss_mb for s in settled])
    return float(np.polyfit(t, rss, 1)[0])


def as_json(figures: RunFigures | None) -> dict[str, Any] | None:
    return None if figures is None else asdict(figures)

"""Per-stage timings: what each stage of the pipeline took, frame by frame.

Stages record into a StageTimes; the benchmark summarises them as median and
95th percentile. Only the most recent samples are kept, so a long run's
memory stays flat.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

KEEP = 20_000  # samples per stage


@dataclass(frozen=True, slots=True)
class Summary:
    count: int
    median_ms: float
    p95_ms: float


def summarise(seconds: list[float] | deque[float]) -> Summary:
    if not seconds:
        return Summary(0, float("nan"), float("nan"))
    values = np.asarray(seconds, dtype=np.float64) * 1000.0
    return Summary(len(values), float(np.median(values)), float(np.percentile(values, 95)))


class StageTimes:
    """Samples per stage name, in seconds; safe to record from several threads."""

    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._samples: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def add(self, stage: str, seconds: float) -> None:
        with self._lock:
            samples = self._samples.get(stage)
            if samples is None:
                samples = self._samples[stage] = deque(maxlen=self._keep)
            samples.append(seconds)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)

    def summary(self) -> dict[str, Summary]:
        with self._lock:
            return {name: summarise(samples) for name, samples in self._samples.items()}

    def clear(self) -> None:
        with self._lock:
            self._samples.clear()

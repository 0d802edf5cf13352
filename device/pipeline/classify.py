"""The expression classifier on its own thread, always on the latest face.

The vision thread offers every fitted face; only the newest offer waits (an
older one not yet started is replaced), so the classifier runs at the rate it
can sustain without ever falling behind the camera. Each result is tagged with
the frame it came from.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np

from device.expression.classifier import ExpressionClassifier
from device.timing import StageTimes

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Expression:
    probabilities: dict[str, float]
    frame_index: int  # the frame whose face was classified
    frame_timestamp: float  # when that frame was captured (time.monotonic())
    available_at: float  # when this result was ready (time.monotonic())

    @property
    def latency(self) -> float:
        return self.available_at - self.frame_timestamp


@dataclass(frozen=True, slots=True)
class _Job:
    gray: np.ndarray
    points: np.ndarray
    frame_index: int
    frame_timestamp: float


class ClassifierThread:
    def __init__(self, classifier: ExpressionClassifier, times: StageTimes) -> None:
        self.classifier = classifier
        self.times = times
        self.latest: Expression | None = None
        self.error: str | None = None  # set once if the classifier fails; it then stops
        self.classified = 0
        self._job: _Job | None = None
        self._stopping = False
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="classifier", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def offer(self, gray: np.ndarray, points: np.ndarray, frame_index: int, frame_timestamp: float) -> None:
        with self._wake:
            self._job = _Job(gray, points, frame_index, frame_timestamp)
            self._wake.notify()

    def stop(self, timeout: float = 5.0) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._job is not None or self._stopping)
                if self._stopping:
                    return
                job, self._job = self._job, None
            assert job is not None
            try:
                with self.times.stage("preprocess"):
                    x = self.classifier.model_input(job.gray, job.points)
                with self.times.stage("classify"):
                    probabilities = self.classifier.predict_input(x)
            except Exception as exc:  # reported to the consumer through every later Update
                log.exception("expression classifier failed; continuing without expressions")
                self.error = f"the expression classifier failed ({type(exc).__name__}: {exc})"
                return
            self.latest = Expression(
                dict(zip(self.classifier.classes, map(float, probabilities), strict=True)),
                job.frame_index,
                job.frame_timestamp,
                time.monotonic(),
            )
            self.classified += 1

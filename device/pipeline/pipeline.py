"""The live pipeline: frames in on one thread, results out to the consumer.

    capture thread --frames--> vision thread --updates--> consumer (UI, practice, bench)
                                    |  offers the latest face
                                    v
                            classifier thread (latest result, tagged with its frame)

- Capture reads the camera on its own thread. From a live camera the frame
  queue drops the oldest frame when vision is behind (counted in `dropped`);
  from an unpaced replay it blocks, so every recorded frame is processed.
- Vision detects on the low-resolution stream, tracks landmarks in between
  (FaceTracker), and computes measures and pose.
- The classifier runs asynchronously at the rate it can sustain (classify.py).
- Models are loaded once, before start(). A failure in any stage reaches the
  consumer: get() and latest() raise the camera's CameraError or a
  PipelineError naming the stage; a classifier failure is carried in every
  later Update's `expression_error` while vision goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from device.camera.base import Camera, CameraEnded, CameraError, Frame
from device.camera.select import is_live
from device.errors import KioskError
from device.expression.classifier import ExpressionClassifier
from device.heartbeat import Heartbeat
from device.pipeline.classify import ClassifierThread, Expression
from device.pipeline.queues import HandOff, QueueClosed
from device.timing import StageTimes
from device.vision.analysis import FaceAnalysis, FrameAnalyser

log = logging.getLogger(__name__)

__all__ = ["Expression", "Pipeline", "PipelineError", "Update"]


class PipelineError(KioskError):
    """A stage of the pipeline failed; `stage` names it."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(f"{stage}: {message}")
        self.stage = stage


@dataclass(frozen=True, slots=True)
class Update:
    frame: Frame
    analysis: FaceAnalysis
    expression: Expression | None  # the newest classifier result; its frame_index says which frame it is from
    expression_error: str | None
    available_at: float  # time.monotonic() when vision finished this frame
    dropped: int  # frames dropped so far because vision was behind the camera

    @property
    def latency(self) -> float:
        """Seconds from the frame's capture to this result."""
        return self.available_at - self.frame.timestamp


class Pipeline:
    def __init__(
        self,
        camera: Camera,
        analyser: FrameAnalyser,
        classifier: ExpressionClassifier | None = None,
        *,
        frame_capacity: int = 2,
        update_capacity: int = 4,
        times: StageTimes | None = None,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        self.camera = camera
        # Notes when the last frame came, for doctor: the camera serves one process only.
        self.heartbeat = heartbeat
        self.analyser = analyser
        self.times = times if times is not None else StageTimes()
        # The landmarker records its detect and fit times here while this
        # pipeline runs; stop() detaches them (the landmarker outlives it).
        self._landmarker = analyser.tracker.landmarker
        self._landmarker.times = self.times
        self.classifier = ClassifierThread(classifier, self.times) if classifier is not None else None
        self.classify = classifier is not None  # the consumer may pause classification (e.g. between exercises)
        lossless = not camera.paced
        self._frames: HandOff[Frame] = HandOff(frame_capacity, drop_oldest=not lossless)
        self._updates: HandOff[Update] = HandOff(update_capacity, drop_oldest=not lossless)
        self._stop = threading.Event()
        self._failure: Exception | None = None
        self._ended: CameraEnded | None = None
        self.processed = 0
        self._threads = [
            threading.Thread(target=self._capture, name="capture", daemon=True),
            threading.Thread(target=self._vision, name="vision", daemon=True),
        ]

    # -- the consumer's side -------------------------------------------------

    def start(self) -> Self:
        if self.classifier is not None:
            self.classifier.start()
        for thread in self._threads:
            thread.start()
        return self

    def get(self, timeout: float | None = None) -> Update | None:
        """The next update in order (None after `timeout` without one)."""
        try:
            return self._updates.get(timeout)
        except QueueClosed:
            raise self._end_reason() from None

    def next(self, stall_seconds: float = 5.0) -> Update:
        """The next update in order; CameraError if the camera goes quiet for `stall_seconds`."""
        update = self.get(stall_seconds)
        if update is None:
            raise CameraError(f"the camera delivered no frame for {stall_seconds:.0f} s: check its cable")
        return update

    def latest(self) -> Update | None:
        """The newest update, skipping older ones; None if nothing new (never waits)."""
        waiting = self._updates.drain()
        if waiting:
            return waiting[-1]
        if self._updates.closed:
            raise self._end_reason()
        return None

    @property
    def dropped(self) -> int:
        return self._frames.dropped

    @property
    def queue_sizes(self) -> tuple[int, int]:
        """(frames, updates) waiting now."""
        return len(self._frames), len(self._updates)

    def stop(self) -> None:
        """Stop every thread and close the camera. Safe to call twice."""
        self._stop.set()
        self._frames.close()
        self._updates.close()
        self._updates.drain()  # what was not read is not wanted any more
        for thread in self._threads:
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join(timeout=5.0)
        if self.classifier is not None:
            self.classifier.stop()
        if self.heartbeat is not None:
            self.heartbeat.stop()
        if self._landmarker.times is self.times:
            self._landmarker.times = None
        self.camera.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _end_reason(self) -> Exception:
        if self._failure is not None:
            return self._failure
        if self._ended is not None:
            return self._ended
        return PipelineError("pipeline", "stopped")

    # -- the threads ---------------------------------------------------------

    def _capture(self) -> None:
        live = is_live(self.camera)
        try:
            while not self._stop.is_set():
                with self.times.stage("capture"):
                    frame = self.camera.read()
                if self.heartbeat is not None:
                    height, width = frame.image.shape[:2]
                    self.heartbeat.beat(self.camera.name, live, width, height)
                self._frames.put(frame)
        except CameraEnded as exc:
            self._ended = exc
        except CameraError as exc:
            if not self._stop.is_set():  # closing the camera to stop is not a failure
                self._failure = exc
        except Exception as exc:
            log.exception("capture failed")
            self._failure = PipelineError("capture", f"{type(exc).__name__}: {exc}")
        finally:
            self._frames.close()

    def _vision(self) -> None:
        try:
            while True:
                try:
                    frame = self._frames.get()
                except QueueClosed:
                    break
                self._updates.put(self._analyse(frame))
                self.processed += 1
        except Exception as exc:
            log.exception("vision failed")
            self._failure = PipelineError("vision", f"{type(exc).__name__}: {exc}")
        finally:
            self._updates.close()

    def _analyse(self, frame: Frame) -> Update:
        with self.times.stage("vision"):  # detect or track, landmarks, measures and pose
            analysis = self.analyser.analyse(frame)
        worker = self.classifier
        points = analysis.face.points
        if worker is not None and self.classify and points is not None:
            worker.offer(frame.gray, points, frame.index, frame.timestamp)
        return Update(
            frame=frame,
            analysis=analysis,
            expression=worker.latest if worker is not None else None,
            expression_error=worker.error if worker is not None else None,
            available_at=time.monotonic(),
            dropped=self._frames.dropped,
        )

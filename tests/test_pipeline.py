"""The live pipeline's behaviour (not its speed: that is `python -m device bench`)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from device.camera import DEMO_PATH
from device.camera.base import CameraEnded, CameraError, Frame
from device.camera.replay import ReplayCamera
from device.config import Config
from device.expression.classifier import ExpressionClassifier
from device.pipeline import Pipeline, PipelineError, Update
from device.pipeline.queues import HandOff, QueueClosed
from device.vision.analysis import FaceAnalysis, FrameAnalyser
from device.vision.landmarks import FaceLandmarker
from tests.helpers import run_device, write_clip

SIZE, LORES = (640, 480), (320, 240)


def demo(*, paced: bool, loop: bool = True) -> ReplayCamera:
    camera = ReplayCamera(DEMO_PATH, SIZE, LORES, realtime=paced, loop=loop)
    camera.open()
    return camera


class SlowAnalyser(FrameAnalyser):
    """The real analyser, made slower than the camera."""

    delay = 0.15  # the demo replays at 15 frames a second: one every 0.067 s

    def analyse(self, frame: Frame) -> FaceAnalysis:
        time.sleep(self.delay)
        return super().analyse(frame)


def take(pipeline: Pipeline, count: int) -> list[Update]:
    return [pipeline.next() for _ in range(count)]


# -- the hand-off between threads -------------------------------------------


def test_dropping_handoff_keeps_the_newest_and_counts_what_it_dropped() -> None:
    queue: HandOff[int] = HandOff(2)
    for item in range(5):
        queue.put(item)
    assert queue.dropped == 3
    assert [queue.get(0), queue.get(0), queue.get(0)] == [3, 4, None]
    queue.close()
    with pytest.raises(QueueClosed):
        queue.get(0)


def test_blocking_handoff_loses_nothing_and_keeps_order() -> None:
    queue: HandOff[int] = HandOff(2, drop_oldest=False)

    def write() -> None:
        for item in range(200):
            queue.put(item)
        queue.close()

    writer = threading.Thread(target=write)
    writer.start()
    received = []
    while True:
        try:
            item = queue.get(5)
        except QueueClosed:
            break
        assert item is not None
        received.append(item)
    writer.join()
    assert received == list(range(200))
    assert queue.dropped == 0
    assert queue.high_water <= 2


# -- frames ------------------------------------------------------------------


def test_a_live_camera_faster_than_vision_drops_the_oldest_frames(landmarker: FaceLandmarker, config: Config) -> None:
    with Pipeline(demo(paced=True), SlowAnalyser(landmarker, config)) as pipeline:
        updates = take(pipeline, 15)
    indices = [u.frame.index for u in updates]
    assert indices == sorted(indices)
    assert indices[-1] - indices[0] > len(indices)  # frames were skipped
    assert updates[-1].dropped > 0
    assert pipeline.dropped >= updates[-1].dropped
    # Dropping keeps the delay bounded; a queue that kept every frame would
    # fall further behind with each one (0.08 s per frame here, so by the
    # 15th frame over a second late and growing).
    assert max(u.latency for u in updates[-5:]) < 0.7


def test_an_unpaced_replay_is_processed_frame_by_frame(landmarker: FaceLandmarker, config: Config) -> None:
    with Pipeline(demo(paced=False), FrameAnalyser(landmarker, config)) as pipeline:
        updates = []
        for _ in range(30):
            time.sleep(0.01)  # a consumer slower than vision
            updates.append(pipeline.next())
    assert [u.frame.index for u in updates] == list(range(30))
    assert pipeline.dropped == 0
    assert all(u.analysis.face.points is not None for u in updates)


def test_each_update_carries_the_analysis_of_its_own_frame(landmarker: FaceLandmarker, config: Config) -> None:
    with Pipeline(demo(paced=False), FrameAnalyser(landmarker, config)) as pipeline:
        updates = take(pipeline, 12)
    reference = FrameAnalyser(landmarker, config)  # the same stream, analysed in this thread
    with demo(paced=False) as camera:
        for update in updates:
            expected = reference.analyse(camera.read())
            assert expected.face.points is not None
            assert update.analysis.face.points is not None
            np.testing.assert_array_equal(update.analysis.face.points, expected.face.points)


def test_expressions_are_tagged_with_the_frame_they_came_from(
    landmarker: FaceLandmarker, config: Config, smoke_run: Path
) -> None:
    model = smoke_run / "model_int8.tflite"
    with Pipeline(demo(paced=False), FrameAnalyser(landmarker, config), ExpressionClassifier(model)) as pipeline:
        updates = take(pipeline, 90)
    by_index = {u.frame.index: u for u in updates}
    reference = ExpressionClassifier(model)
    tagged = [u.expression for u in updates if u.expression is not None]
    assert len({e.frame_index for e in tagged}) > 10
    for update in updates:
        expression = update.expression
        if expression is None:
            continue
        assert expression.frame_index <= update.frame.index
        source = by_index[expression.frame_index]
        assert source.frame.timestamp == expression.frame_timestamp
        points = source.analysis.face.points
        assert points is not None
        expected = reference.predict(source.frame.gray, points)
        assert expression.probabilities == pytest.approx(expected, abs=1e-6)


# -- shutdown and failures ---------------------------------------------------


def test_stop_ends_every_thread_and_closes_the_camera(landmarker: FaceLandmarker, config: Config) -> None:
    camera = demo(paced=False)
    pipeline = Pipeline(camera, FrameAnalyser(landmarker, config)).start()
    take(pipeline, 3)
    time.sleep(0.3)  # the unpaced capture and vision are now blocked on full queues
    threads = [t for t in threading.enumerate() if t.name in {"capture", "vision"}]
    started = time.monotonic()
    pipeline.stop()
    assert time.monotonic() - started < 5
    assert not any(t.is_alive() for t in threads)
    assert camera._source is None  # closed
    with pytest.raises(PipelineError, match="stopped"):
        pipeline.next()
    pipeline.stop()  # twice is harmless


class UnpluggedCamera(ReplayCamera):
    """The demo replay, until the cable is pulled after `frames` frames."""

    frames = 5

    def read(self) -> Frame:
        if self._next_slot >= self.frames:
            raise CameraError("the camera stopped delivering frames: check its cable")
        return super().read()


def test_a_lost_camera_reaches_the_consumer(landmarker: FaceLandmarker, config: Config) -> None:
    camera = UnpluggedCamera(DEMO_PATH, SIZE, LORES, realtime=False)
    camera.open()
    with Pipeline(camera, FrameAnalyser(landmarker, config)) as pipeline:
        assert len(take(pipeline, 5)) == 5
        with pytest.raises(CameraError, match="check its cable"):
            pipeline.next()


def test_the_end_of_a_replay_reaches_the_consumer(landmarker: FaceLandmarker, config: Config, tmp_path: Path) -> None:
    rest = ReplayCamera(DEMO_PATH, SIZE, LORES, realtime=False)
    with rest:
        image = rest.read().image
    clip = write_clip(tmp_path / "clip", [(image, 0.5)], fps=8)
    camera = ReplayCamera(clip, SIZE, LORES, fps=8, realtime=False, loop=False)
    camera.open()
    with Pipeline(camera, FrameAnalyser(landmarker, config)) as pipeline:
        assert len(take(pipeline, 4)) == 4
        with pytest.raises(CameraEnded):
            pipeline.next()


class BrokenAnalyser(FrameAnalyser):
    def analyse(self, frame: Frame) -> FaceAnalysis:
        if frame.index == 3:
            raise ValueError("landmark fit produced NaN")
        return super().analyse(frame)


def test_a_vision_failure_reaches_the_consumer_with_its_stage(landmarker: FaceLandmarker, config: Config) -> None:
    with Pipeline(demo(paced=False), BrokenAnalyser(landmarker, config)) as pipeline:
        assert [u.frame.index for u in take(pipeline, 3)] == [0, 1, 2]
        with pytest.raises(PipelineError, match="landmark fit produced NaN") as failure:
            pipeline.next()
    assert failure.value.stage == "vision"


class FailingClassifier(ExpressionClassifier):
    def predict_input(self, x: np.ndarray) -> np.ndarray:
        raise RuntimeError("tensor arena corrupted")


def test_a_classifier_failure_is_reported_while_vision_goes_on(
    landmarker: FaceLandmarker, config: Config, smoke_run: Path
) -> None:
    classifier = FailingClassifier(smoke_run / "model_int8.tflite")
    with Pipeline(demo(paced=False), FrameAnalyser(landmarker, config), classifier) as pipeline:
        updates = take(pipeline, 40)
    reported = [u for u in updates if u.expression_error is not None]
    assert reported, "the classifier's failure never reached the consumer"
    assert "RuntimeError: tensor arena corrupted" in (reported[-1].expression_error or "")
    assert all(u.expression is None for u in updates)
    assert updates[-1].analysis.face.points is not None  # vision carried on


# -- the benchmark command ---------------------------------------------------


@pytest.mark.slow
def test_bench_reports_stages_latency_baseline_and_memory(smoke_run: Path) -> None:
    result = run_device(
        "bench", "--frames", "40", "--live-seconds", "2", "--baseline", "--json",
        env={"KIOSK_EXPRESSION_MODEL": str(smoke_run / "model_int8.tflite")},
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    throughput, live, baseline = report["throughput"], report["live"], report["baseline"]
    assert throughput["frames"] == baseline["frames"] == 40
    assert throughput["dropped"] == 0
    stages = throughput["stages"]
    assert {"capture", "vision", "detect", "landmarks", "measures", "preprocess", "classify"} <= set(stages)
    # One fit per frame (vision may have run a frame or two ahead of the consumer).
    assert stages["landmarks"]["count"] == stages["vision"]["count"] >= 40
    assert stages["detect"]["count"] < stages["vision"]["count"] / 3  # tracked in between
    assert baseline["stages"]["detect"]["count"] == 40  # the naive loop detects on every frame
    assert report["throughput_ratio"] == pytest.approx(throughput["fps"] / baseline["fps"])
    assert live["latency"]["count"] > 0
    assert live["latency"]["median_ms"] <= live["latency"]["p95_ms"]
    assert live["expression_latency"]["count"] > 0
    assert report["peak_rss_mb"] > 0

"""A stand-in for picamera2 and libcamera, for the Pi camera tests: the
signatures of picamera2's Picamera2 (raspberrypi/picamera2) and what they do
that the kiosk depends on, over one pretend sensor.

- Picamera2() acquires the camera and registers its close() to run at exit,
  so an object never closed keeps the camera: a second Picamera2() then
  fails with picamera2's "Camera __init__ sequence did not complete.";
- camera_controls maps each control to (min, max, default), AfMode only on
  a camera with a focus motor (Camera Module 3);
- configure() and start() can fail as libcamera does (RuntimeError);
- capture_request(wait=None) waits as long as it takes, wait=SECONDS raises
  TimeoutError after that long (picamera2's Job.get_result);
- requests carry SensorTimestamp and FrameDuration metadata; the lores YUV420
  array has rows padded to the stride, as make_array returns it;
- the configuration's Transform(hflip, vflip) turns the picture.

Install with install(monkeypatch, sensor); the sensor decides what is seen.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from types import ModuleType
from typing import Any

import cv2
import numpy as np
import pytest


@dataclass(frozen=True)
class Transform:
    """libcamera.Transform(rotation=0, hflip=False, vflip=False, transpose=False)."""

    rotation: int = 0
    hflip: bool = False
    vflip: bool = False
    transpose: bool = False


class AfModeEnum(IntEnum):
    Manual = 0
    Auto = 1
    Continuous = 2


@dataclass
class Sensor:
    """The pretend camera: its model, its controls, what it sees, and its faults."""

    scene: np.ndarray  # BGR, what is in front of the lens
    autofocus: bool = True  # Camera Module 3
    frame_ns: int = 33_333_333
    dropped: set[int] = field(default_factory=set)  # sensor frames lost before delivery
    fail_configure: Exception | None = None
    fail_start: Exception | None = None
    fail_stop: Exception | None = None
    stalled: bool = False
    held_by: Picamera2 | None = None
    at_exit: list[Callable[[], None]] = field(default_factory=list)  # what atexit would run (keeps objects alive)
    opened: int = 0
    sleep: Callable[[float], None] = time.sleep


class CompletedRequest:
    def __init__(self, arrays: dict[str, np.ndarray], metadata: dict[str, Any]) -> None:
        self._arrays = arrays
        self._metadata = metadata
        self.released = False

    def make_array(self, name: str) -> np.ndarray:
        assert not self.released, "a released request's buffers are back with the camera"
        return self._arrays[name]

    def get_metadata(self) -> dict[str, Any]:
        return dict(self._metadata)

    def release(self) -> None:
        self.released = True


class Picamera2:
    sensor: Sensor  # set by install()

    @staticmethod
    def global_camera_info() -> list[dict[str, Any]]:
        return [
            {"Model": "imx708" if Picamera2.sensor.autofocus else "imx219", "Location": 2, "Rotation": 0, "Id": "x"}
        ]

    def __init__(self, camera_num: int = 0, tuning: Any = None) -> None:
        del camera_num, tuning
        sensor = self.sensor
        if sensor.held_by is not None:
            raise RuntimeError("Camera __init__ sequence did not complete.")
        sensor.held_by = self
        sensor.opened += 1
        sensor.at_exit.append(self.close)
        self.camera_config: dict[str, Any] | None = None
        self.started = False
        self.closed = False
        self._sequence = 0

    @property
    def camera_controls(self) -> dict[str, tuple[Any, Any, Any]]:
        controls: dict[str, tuple[Any, Any, Any]] = {
            "FrameDurationLimits": (33_333, 120_000_000, None),
            "ExposureTime": (26, 112_015_443, None),
            "AnalogueGain": (1.0, 16.0, None),
        }
        if self.sensor.autofocus:
            controls["AfMode"] = (0, 2, 0)  # starts in manual, the lens at 1 m
            controls["LensPosition"] = (0.0, 15.0, 1.0)
        return controls

    def create_video_configuration(  # noqa: PLR0917 (picamera2's own signature)
        self,
        main: dict[str, Any] | None = None,
        lores: dict[str, Any] | None = None,
        raw: dict[str, Any] | None = None,
        transform: Transform | None = None,
        colour_space: Any = None,
        buffer_count: int = 6,
        controls: dict[str, Any] | None = None,
        display: str | None = "main",
        encode: str | None = "main",
        queue: bool = True,
        sensor: dict[str, Any] | None = None,
        use_case: str | None = None,
    ) -> dict[str, Any]:
        del raw, colour_space, display, encode, queue, sensor, use_case
        return {
            "main": dict(main or {}),
            "lores": None if lores is None else dict(lores),
            "transform": transform or Transform(),
            "buffer_count": buffer_count,
            "controls": dict(controls or {}),
        }

    def configure(self, camera_config: dict[str, Any] | None = None) -> None:
        if self.sensor.fail_configure is not None:
            raise self.sensor.fail_configure
        assert camera_config is not None
        for name, value in camera_config["controls"].items():
            assert name in self.camera_controls, f"libcamera rejects control {name}"
            if name == "AfMode":
                assert isinstance(value, AfModeEnum)
        self.camera_config = camera_config

    def camera_configuration(self) -> dict[str, Any] | None:
        return self.camera_config

    def start(self, config: dict[str, Any] | None = None, show_preview: bool | None = False) -> None:
        del config, show_preview
        if self.sensor.fail_start is not None:
            raise self.sensor.fail_start
        assert self.camera_config is not None, "picamera2 configures a default first; the kiosk never relies on it"
        self.started = True

    def capture_request(
        self, wait: float | bool | None = None, signal_function: Any = None, flush: Any = None
    ) -> CompletedRequest:
        del signal_function, flush
        assert self.started
        assert not self.closed
        if self.sensor.stalled:
            if wait is None or wait is True:
                raise AssertionError("picamera2 would wait here for ever")
            self.sensor.sleep(float(wait))
            raise TimeoutError()
        while self._sequence in self.sensor.dropped:
            self._sequence += 1
        sequence = self._sequence
        self._sequence += 1
        return CompletedRequest(self._arrays(), {
            "SensorTimestamp": 5_000_000_000_000 + sequence * self.sensor.frame_ns,
            "FrameDuration": self.sensor.frame_ns // 1000,
            "ExposureTime": 20_000,
        })  # fmt: skip

    def _arrays(self) -> dict[str, np.ndarray]:
        assert self.camera_config is not None
        scene = self.sensor.scene
        turn = self.camera_config["transform"]
        if turn.hflip and turn.vflip:
            scene = cv2.rotate(scene, cv2.ROTATE_180)
        width, height = self.camera_config["main"]["size"]
        main = cv2.resize(scene, (width, height))
        lores_w, lores_h = self.camera_config["lores"]["size"]
        stride = -(-lores_w // 64) * 64  # rows padded, as make_array returns YUV420
        yuv = np.zeros((lores_h * 3 // 2, stride), np.uint8)
        yuv[:lores_h, :lores_w] = cv2.resize(cv2.cvtColor(main, cv2.COLOR_BGR2GRAY), (lores_w, lores_h))
        return {"main": main, "lores": yuv}

    def stop(self) -> None:
        if self.sensor.fail_stop is not None:
            raise self.sensor.fail_stop
        self.started = False

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.started = False
        if self.sensor.held_by is self:
            self.sensor.held_by = None


def install(monkeypatch: pytest.MonkeyPatch, sensor: Sensor) -> Sensor:
    """Make `import picamera2` and `import libcamera` find the stand-ins."""
    picamera2 = ModuleType("picamera2")
    picamera2.__dict__["Picamera2"] = Picamera2
    controls = ModuleType("libcamera.controls")
    controls.__dict__["AfModeEnum"] = AfModeEnum
    libcamera = ModuleType("libcamera")
    libcamera.__dict__.update(Transform=Transform, controls=controls)
    monkeypatch.setitem(sys.modules, "picamera2", picamera2)
    monkeypatch.setitem(sys.modules, "libcamera", libcamera)
    monkeypatch.setattr(Picamera2, "sensor", sensor, raising=False)
    return sensor

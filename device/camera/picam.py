"""Raspberry Pi camera through picamera2, imported lazily.

picamera2 needs libcamera from the Raspberry Pi archive and cannot be installed
anywhere else, so nothing imports it until a Pi camera is actually opened.
It delivers two streams from one capture: `main` (BGR, for display) and
`lores` (YUV420, whose Y plane is the grayscale image detection runs on), so
the Pi's ISP does the downscaling instead of the CPU.

What the bedside needs from it, against picamera2's real behaviour:
- autofocus: Camera Module 3's lens starts in manual mode at 1 m, and a face
  at 0.3-0.6 m needs continuous AF (set where the camera has an AfMode);
- a frame rate that may drop from camera.fps to MIN_FPS in a dim room, so
  exposure can be longer instead of the gain (and the noise) higher;
- a camera turned 180 degrees by the sensor itself (libcamera's Transform),
  since dlib finds no upside-down face;
- the camera closed on every failure: Picamera2() acquires the camera and
  keeps itself alive (atexit), so an object left open after a failed
  configure() or start() blocks every retry until the process ends;
- a read that waits at most READ_TIMEOUT_S instead of for ever;
- frame times from the sensor (SensorTimestamp), and frames the sensor
  dropped counted as gaps in Frame.index.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import cv2
import numpy as np

from device.camera.base import Camera, CameraError, Frame, Size

log = logging.getLogger(__name__)

MIN_FPS = 15  # the slowest the camera may run to expose a dim room
READ_TIMEOUT_S = 2.0  # a live camera at 15 fps delivers many frames in this time
AF_CONTINUOUS = "Continuous"  # libcamera.controls.AfModeEnum member


def picamera2_available() -> bool:
    """True when picamera2 imports and reports at least one camera."""
    try:
        from picamera2 import Picamera2
    except Exception:  # ImportError, or libcamera failing to load
        return False
    try:
        return bool(Picamera2.global_camera_info())
    except Exception:
        return False


def check_lores(size: Size, lores: Size) -> None:
    """The low-resolution stream must be even-sized and no larger than main
    (libcamera's rule; picamera2's own error would blame another program)."""
    width, height = lores
    if width % 2 or height % 2:
        raise CameraError(f"camera.lores_width x lores_height is {width}x{height}: both must be even")
    if width > size[0] or height > size[1]:
        raise CameraError(
            f"camera.lores_width x lores_height ({width}x{height}) must be no larger than "
            f"camera.width x height ({size[0]}x{size[1]})"
        )


def frame_duration_limits(fps: int) -> tuple[int, int]:
    """libcamera's FrameDurationLimits (shortest, longest frame in µs) for
    `fps` at best and MIN_FPS at worst."""
    fastest = round(1e6 / fps)
    return fastest, max(fastest, round(1e6 / MIN_FPS))


class PiCamera(Camera):
    name = "picamera2"

    def __init__(
        self, size: Size, lores_size: Size, fps: int = 30, rotation: int = 0, read_timeout_s: float = READ_TIMEOUT_S
    ) -> None:
        super().__init__(size, lores_size)
        if rotation not in (0, 180):
            raise CameraError(f"camera.rotation is {rotation}: the Pi camera turns 0 or 180 degrees")
        self.fps = fps
        self.rotation = rotation
        self.read_timeout_s = read_timeout_s
        self.autofocus = False  # whether continuous AF was asked for (the camera has a focus motor)
        self._camera: Any = None
        self._lores_shape = lores_size  # as configured (picamera2 may align it)
        self._count = 0
        self._last_sensor_ns: int | None = None
        self._clock_offset = 0.0  # time.monotonic() - sensor seconds, fixed at the first frame

    def open(self) -> None:
        check_lores(self.size, self.lores_size)
        try:
            from libcamera import Transform, controls
            from picamera2 import Picamera2
        except ImportError as exc:
            raise CameraError(
                "picamera2 is not installed: on Raspberry Pi OS run ./setup.sh "
                "(it installs python3-picamera2), or set camera.source to webcam or demo"
            ) from exc
        if not Picamera2.global_camera_info():
            raise CameraError("no Pi camera detected: check the ribbon cable, then reboot")
        camera = None
        try:
            camera = Picamera2()
            wanted: dict[str, Any] = {"FrameDurationLimits": frame_duration_limits(self.fps)}
            self.autofocus = "AfMode" in camera.camera_controls  # Camera Module 3 has one; v2 and HQ do not
            if self.autofocus:
                wanted["AfMode"] = getattr(controls.AfModeEnum, AF_CONTINUOUS)
            turned = self.rotation == 180
            config = camera.create_video_configuration(
                main={"size": self.size, "format": "RGB888"},  # BGR byte order, as OpenCV expects
                lores={"size": self.lores_size, "format": "YUV420"},
                transform=Transform(hflip=turned, vflip=turned),
                controls=wanted,
                buffer_count=4,
            )
            camera.configure(config)
            camera.start()
            configured = camera.camera_configuration()
            self._lores_shape = tuple(configured["lores"]["size"])
        except Exception as exc:  # libcamera raises RuntimeError and others
            if camera is not None:
                _release(camera)
            raise CameraError(f"the Pi camera could not be started ({exc}): is another program using it?") from exc
        self._camera = camera
        self._count = 0
        self._last_sensor_ns = None
        log.info(
            "Pi camera: %dx%d, %d-%d fps, autofocus %s, turned %d",
            *self.size,
            MIN_FPS,
            self.fps,
            "continuous" if self.autofocus else "none (fixed focus)",
            self.rotation,
        )

    def read(self) -> Frame:
        if self._camera is None:
            raise CameraError("Pi camera is not open")
        try:
            request = self._camera.capture_request(wait=self.read_timeout_s)
        except TimeoutError as exc:
            raise CameraError(
                f"the Pi camera delivered no frame within {self.read_timeout_s:.0f} s: check its cable"
            ) from exc
        except Exception as exc:
            raise CameraError(f"the Pi camera stopped delivering frames ({exc}): check its cable") from exc
        try:
            main = request.make_array("main")
            yuv = request.make_array("lores")
            metadata = request.get_metadata()
        except Exception as exc:
            raise CameraError(f"the Pi camera delivered an unreadable frame ({exc})") from exc
        finally:
            request.release()
        width, height = self._lores_shape
        lores = np.ascontiguousarray(yuv[:height, :width])  # Y plane = grayscale (rows may be padded)
        image = main[:, :, :3]
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        index, timestamp = self._place(metadata)
        return Frame(index=index, timestamp=timestamp, image=image, gray=gray, lores=lores)

    def _place(self, metadata: dict[str, Any]) -> tuple[int, float]:
        """The frame's index and time from the sensor's own timestamp: frames
        the sensor dropped leave a gap in the index, as a late reader does.
        Sensor time is carried into time.monotonic()'s domain by the offset
        seen at the first frame, whichever clock libcamera stamps with."""
        sensor_ns = metadata.get("SensorTimestamp")
        if not isinstance(sensor_ns, int):
            self._count += 1
            return self._count - 1, time.monotonic()
        if self._last_sensor_ns is None:
            self._clock_offset = time.monotonic() - sensor_ns / 1e9
        else:
            duration_us = metadata.get("FrameDuration") or round(1e6 / self.fps)
            self._count += max(1, round((sensor_ns - self._last_sensor_ns) / (duration_us * 1000)))
        self._last_sensor_ns = sensor_ns
        return self._count, sensor_ns / 1e9 + self._clock_offset

    def close(self) -> None:
        camera, self._camera = self._camera, None
        if camera is not None:
            _release(camera)


def _release(camera: Any) -> None:
    """Stop and close, closing even when stop fails: an unclosed Picamera2
    keeps the camera acquired until the process ends."""
    try:
        camera.stop()
    except Exception as exc:
        log.warning("stopping the Pi camera failed (%s); closing it anyway", exc)
    finally:
        try:
            camera.close()
        except Exception as exc:
            log.warning("closing the Pi camera failed: %s", exc)

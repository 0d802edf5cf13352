"""Raspberry Pi camera through picamera2, imported lazily.

picamera2 needs libcamera from the Raspberry Pi archive and cannot be installed
anywhere else, so nothing imports it until a Pi camera is actually opened.
It delivers two streams from one capture: `main` (BGR, for display) and
`lores` (YUV420, whose Y plane is the grayscale image detection runs on), so
the Pi's ISP does the downscaling instead of the CPU.
"""

from __future__ import annotations

import time
from typing import Any

import cv2
import numpy as np

from device.camera.base import Camera, CameraError, Frame, Size


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


class PiCamera(Camera):
    name = "picamera2"

    def __init__(self, size: Size, lores_size: Size, fps: int = 30) -> None:
        super().__init__(size, lores_size)
        self.fps = fps
        self._camera: Any = None
        self._count = 0

    def open(self) -> None:
        try:
            from picamera2 import Picamera2
        except ImportError as exc:
            raise CameraError(
                "picamera2 is not installed: on Raspberry Pi OS run ./setup.sh "
                "(it installs python3-picamera2), or set camera.source to webcam or demo"
            ) from exc
        if not Picamera2.global_camera_info():
            raise CameraError("no Pi camera detected: check the ribbon cable, then reboot")
        try:
            camera = Picamera2()
            config = camera.create_video_configuration(
                main={"size": self.size, "format": "RGB888"},  # BGR byte order, as OpenCV expects
                lores={"size": self.lores_size, "format": "YUV420"},
                controls={"FrameRate": float(self.fps)},
                buffer_count=4,
            )
            camera.configure(config)
            camera.start()
        except Exception as exc:  # libcamera raises RuntimeError and others
            raise CameraError(f"the Pi camera could not be started ({exc}): is another program using it?") from exc
        self._camera = camera

    def read(self) -> Frame:
        if self._camera is None:
            raise CameraError("Pi camera is not open")
        try:
            request = self._camera.capture_request()
            try:
                main = request.make_array("main")
                yuv = request.make_array("lores")
            finally:
                request.release()
        except Exception as exc:
            raise CameraError(f"the Pi camera stopped delivering frames ({exc}): check its cable") from exc
        width, height = self.lores_size
        lores = np.ascontiguousarray(yuv[:height, :width])  # Y plane = grayscale
        image = main[:, :, :3]
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        frame = Frame(index=self._count, timestamp=time.monotonic(), image=image, gray=gray, lores=lores)
        self._count += 1
        return frame

    def close(self) -> None:
        if self._camera is not None:
            try:
                self._camera.stop()
                self._camera.close()
            finally:
                self._camera = None

"""USB webcam through OpenCV's VideoCapture (V4L2 on Linux)."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2

from device.camera.base import Camera, CameraError, Frame, Size

# A few failed reads in a row mean the device is gone, not a hiccup.
MAX_FAILED_READS = 5
VIDEO4LINUX = Path("/sys/class/video4linux")


def uvc_webcams(sysfs: Path | None = None) -> list[int]:
    """The /dev/videoN numbers of USB cameras (the uvcvideo driver), their
    capture nodes only (a UVC camera also has a metadata node, index 1).
    Not the Pi's CSI receiver (unicam, rp1-cfe), its ISP or its codecs,
    which are video4linux devices too."""
    found = []
    for node in (sysfs or VIDEO4LINUX).glob("video*"):
        number = node.name.removeprefix("video")
        if not number.isdigit():
            continue
        driver = (node / "device" / "driver").resolve().name
        try:
            index = (node / "index").read_text().strip()
        except OSError:
            index = "0"
        if driver == "uvcvideo" and index == "0":
            found.append(int(number))
    return sorted(found)


class WebcamCamera(Camera):
    name = "webcam"

    def __init__(self, index: int, size: Size, lores_size: Size, fps: int = 30) -> None:
        super().__init__(size, lores_size)
        self.index = index
        self.fps = fps
        self._capture: cv2.VideoCapture | None = None
        self._count = 0

    def open(self) -> None:
        if sys.platform.startswith("linux") and not Path(f"/dev/video{self.index}").exists():
            # Checked first so that OpenCV does not print its own warnings.
            raise CameraError(f"no webcam at /dev/video{self.index}: plug one in, or set camera.source")
        backend = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY
        capture = cv2.VideoCapture(self.index, backend)
        if not capture.isOpened():
            capture.release()
            raise CameraError(f"no webcam at index {self.index}: plug one in, or set camera.source")
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.size[0])
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.size[1])
        capture.set(cv2.CAP_PROP_FPS, self.fps)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # keep latency at one frame
        ok, _ = capture.read()
        if not ok:
            capture.release()
            raise CameraError(f"webcam {self.index} opened but delivers no frames: is another program using it?")
        self._capture = capture

    def read(self) -> Frame:
        if self._capture is None:
            raise CameraError("webcam is not open")
        for _ in range(MAX_FAILED_READS):
            ok, image = self._capture.read()
            if ok:
                frame = self.frame_from_bgr(self._count, image)
                self._count += 1
                return frame
        raise CameraError(f"webcam {self.index} stopped delivering frames: check its cable")

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

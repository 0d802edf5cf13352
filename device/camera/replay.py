"""Replay camera: a video file or a folder of images, played like a live camera.

This is a product backend, not a test double: the embedded demo, the tests and
the benchmarks all use it. Paced in real time (the default) it behaves like a
camera: a slow consumer does not slow the clock, it misses frames, which show
up as gaps in Frame.index and in `skipped`. Unpaced, it delivers every frame as
fast as it can be decoded.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from device.camera.base import Camera, CameraEnded, CameraError, Frame, Size

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})


class _ImageFolder:
    """A folder of images in name order, or a single still image (a folder of one)."""

    def __init__(self, folder: Path, files: list[Path] | None = None) -> None:
        self.files = (
            files if files is not None else sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        )
        if not self.files:
            raise CameraError(f"replay folder {folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        self.position = 0
        self._bad: set[Path] = set()

    def rewind(self) -> None:
        self.position = 0

    def skip(self) -> bool:
        if self.position >= len(self.files):
            return False
        self.position += 1
        return True

    def read(self) -> np.ndarray | None:
        while self.position < len(self.files):
            path = self.files[self.position]
            self.position += 1
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is not None:
                return image
            if path not in self._bad:
                self._bad.add(path)
                log.warning("replay: skipping %s: not a readable image", path)
        if len(self._bad) == len(self.files):
            raise CameraError(f"replay: none of the {len(self.files)} images in {self.files[0].parent} can be read")
        return None

    def close(self) -> None:
        pass


class _VideoFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.capture = cv2.VideoCapture(str(path))
        if not self.capture.isOpened():
            raise CameraError(f"replay file {path} is not a video OpenCV can read")
        fps = self.capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and math.isfinite(fps) and fps > 0 else None

    def rewind(self) -> None:
        self.capture.set(cv2.CAP_PROP_POS_FRAMES, 0)

    def skip(self) -> bool:
        return bool(self.capture.grab())

    def read(self) -> np.ndarray | None:
        ok, image = self.capture.read()
        return image if ok else None

    def close(self) -> None:
        self.capture.release()


class ReplayCamera(Camera):
    name = "replay"

    def __init__(
        self,
        path: Path,
        size: Size,
        lores_size: Size,
        *,
        fps: float = 15.0,
        realtime: bool = True,
        loop: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(size, lores_size)
        self.path = Path(path)
        self.fps = fps
        self.realtime = realtime
        self.paced = realtime
        self.loop = loop
        self.skipped = 0  # frames passed over because the consumer was late
        self._clock = clock
        self._sleep = sleep
        self._source: _ImageFolder | _VideoFile | None = None
        self._start = 0.0
        self._next_slot = 0  # the stream position the next read delivers, at the earliest

    def open(self) -> None:
        if not self.path.exists():
            raise CameraError(f"replay source {self.path} does not exist")
        if self.path.is_dir():
            self._source = _ImageFolder(self.path)
        elif self.path.suffix.lower() in IMAGE_SUFFIXES:
            # A still image: OpenCV's video reader cannot rewind one, so it loops as a folder of one.
            self._source = _ImageFolder(self.path.parent, [self.path])
        else:
            video = _VideoFile(self.path)
            self.fps = video.fps or self.fps
            self._source = video
        self._start = self._clock()
        self._next_slot = 0

    def read(self) -> Frame:
        if self._source is None:
            raise CameraError("replay camera is not open")
        slot = self._next_slot
        if self.realtime:
            due = self._start + slot / self.fps
            now = self._clock()
            if now < due:
                self._sleep(due - now)
            else:
                # Late: like a live sensor, the frames whose time has passed are gone.
                slot = max(slot, int((now - self._start) * self.fps))
        for _ in range(slot - self._next_slot):
            if not self._source.skip():
                self._end_of_stream()
                self._source.skip()
            self.skipped += 1
        image = self._source.read()
        if image is None:
            self._end_of_stream()
            image = self._source.read()
            if image is None:
                raise CameraError(f"replay source {self.path} delivered no frame after rewinding")
        self._next_slot = slot + 1
        # Unpaced, a frame's timestamp is when it would have been captured, so
        # hold times and rates computed downstream follow the recording.
        stream_time = None if self.realtime else self._start + slot / self.fps
        return self.frame_from_bgr(slot, image, stream_time)

    def _end_of_stream(self) -> None:
        assert self._source is not None
        if not self.loop:
            raise CameraEnded(f"replay of {self.path} ended")
        self._source.rewind()

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None

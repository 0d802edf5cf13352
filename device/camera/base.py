"""The camera interface every backend implements, and the frame it delivers."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import cv2
import numpy as np

from device.errors import KioskError

Size = tuple[int, int]  # (width, height)


class CameraError(KioskError):
    """The camera cannot deliver frames: absent, unplugged, or unreadable. The
    message says what is wrong and what to do."""


class CameraEnded(CameraError):
    """A replay reached its end and is not set to loop."""


@dataclass(frozen=True, slots=True)
class Frame:
    index: int  # position in the camera's stream; gaps mean frames were skipped
    timestamp: float  # time.monotonic() when the frame was captured
    image: np.ndarray  # main stream: BGR uint8, height x width x 3, for display
    gray: np.ndarray  # main stream in grayscale, for landmarks and the classifier (converted once, here)
    lores: np.ndarray  # low-resolution grayscale uint8, for face detection


class Camera(ABC):
    """A source of frames. Use as a context manager, or call open() and close()."""

    name: str = "camera"

    def __init__(self, size: Size, lores_size: Size) -> None:
        self.size = size
        self.lores_size = lores_size
        # A paced camera delivers frames on its own clock whether or not
        # anyone keeps up (every live camera); an unpaced one waits for its
        # reader (a replay played as fast as possible).
        self.paced = True

    @abstractmethod
    def open(self) -> None:
        """Start delivering frames; raises CameraError when that is not possible."""

    @abstractmethod
    def read(self) -> Frame:
        """Block until the next frame; raises CameraError if the camera is lost."""

    @abstractmethod
    def close(self) -> None:
        """Release the device. Safe to call twice."""

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def frame_from_bgr(self, index: int, image: np.ndarray, timestamp: float | None = None) -> Frame:
        """Fit a BGR image of any size to the main stream and derive the lores stream."""
        image = letterbox(image, self.size)
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        lores = cv2.resize(gray, self.lores_size, interpolation=cv2.INTER_AREA)
        return Frame(
            index=index,
            timestamp=time.monotonic() if timestamp is None else timestamp,
            image=image,
            gray=gray,
            lores=lores,
        )


def letterbox(image: np.ndarray, size: Size) -> np.ndarray:
    """Scale `image` to fit inside `size` keeping its aspect ratio, padding with black."""
    width, height = size
    h, w = image.shape[:2]
    if (w, h) == (width, height):
        return image
    scale = min(width / w, height / h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
    if (new_w, new_h) == (width, height):
        return resized
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = resized
    return canvas

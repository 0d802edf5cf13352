"""The camera's heartbeat: while a process holds the camera it notes, every
few seconds, when its last frame came. A Pi camera serves one process only
(libcamera: "pipeline handler in use by another process"), so `doctor`,
run next to a working kiosk, reads this note instead of opening the camera.

The note is a small JSON file in the data folder, replaced atomically and at
most every WRITE_EVERY_S seconds, so it costs the SD card less than the
1 Hz score timeline the same practice writes.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

HEARTBEAT_FILE = "camera-heartbeat.json"
WRITE_EVERY_S = 5.0
# Older than this, the holder has stopped delivering frames (or is gone).
FRESH_S = 20.0


@dataclass(frozen=True)
class Beat:
    camera: str  # the camera's name, e.g. picamera2
    live: bool  # a real camera, not the demo or a replay
    width: int
    height: int
    frame_at: float  # seconds since the epoch when the last frame came
    pid: int  # the process holding the camera

    def age(self, now: float) -> float:
        return now - self.frame_at


class Heartbeat:
    """Written from the capture thread on each frame; writes only when due."""

    def __init__(self, data_dir: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = data_dir / HEARTBEAT_FILE
        self.clock = clock
        self._last_write = -WRITE_EVERY_S

    def beat(self, camera: str, live: bool, width: int, height: int) -> None:
        now = self.clock()
        if now - self._last_write < WRITE_EVERY_S:
            return
        self._last_write = now
        beat = Beat(camera, live, width, height, now, os.getpid())
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            temporary.write_text(json.dumps(asdict(beat)), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError:
            pass  # a full or read-only disk must not stop the practice; doctor then opens the camera itself

    def stop(self) -> None:
        """The camera is released: the note would only mislead."""
        beat = read(self.path.parent)
        if beat is not None and beat.pid == os.getpid():
            self.path.unlink(missing_ok=True)


def read(data_dir: Path) -> Beat | None:
    """The last note, or None when there is none or it cannot be read."""
    try:
        raw = json.loads((data_dir / HEARTBEAT_FILE).read_text(encoding="utf-8"))
        return Beat(**raw)
    except (OSError, ValueError, TypeError):
        return None


def holder_alive(beat: Beat) -> bool:
    """Whether the process that wrote the note still runs (a kiosk killed
    by a power cut or a crash leaves its last note behind)."""
    return Path(f"/proc/{beat.pid}").exists()

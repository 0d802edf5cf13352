"""Choose and open the camera backend named by the `camera.source` setting."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from device.camera.base import Camera, CameraError
from device.camera.picam import PiCamera, picamera2_available
from device.camera.replay import ReplayCamera
from device.camera.webcam import WebcamCamera, uvc_webcams
from device.config import Config

log = logging.getLogger(__name__)

# The embedded demo: a real face, shipped in the repo (see assets/README.md).
DEMO_PATH = Path(__file__).resolve().parents[1] / "assets" / "demo.mp4"


def make_camera(source: str, config: Config) -> Camera:
    """The backend for one explicit source (not `auto`), unopened."""
    size = (config.camera.width, config.camera.height)
    lores = (config.camera.lores_width, config.camera.lores_height)
    fps = config.camera.fps
    if source == "picamera2":
        return PiCamera(size, lores, fps, rotation=config.camera.rotation)
    if source == "webcam" or source.startswith("webcam:"):
        index_text = source.partition(":")[2] or "0"
        if not index_text.isdigit():
            raise CameraError(f"camera.source '{source}': the webcam index must be a number, e.g. webcam:0")
        return WebcamCamera(int(index_text), size, lores, fps)
    if source == "demo" or source.startswith("replay:"):
        path = DEMO_PATH if source == "demo" else Path(source.partition(":")[2]).expanduser()
        return ReplayCamera(
            path,
            size,
            lores,
            fps=config.camera.replay_fps,
            realtime=config.camera.replay_realtime,
            loop=config.camera.replay_loop,
        )
    raise CameraError(f"camera.source '{source}' is not one of auto, picamera2, webcam[:INDEX], demo, replay:PATH")


def open_camera(config: Config, source: str | None = None) -> Camera:
    """Open the configured camera. `auto` tries the Pi camera, then a webcam;
    in a development checkout it then falls back to the embedded demo. An
    installed device never does: a loose camera cable must not show the
    patient a stranger's face and store it as their practice."""
    source = source or config.camera.source
    if source != "auto":
        camera = make_camera(source, config)
        camera.open()
        return camera

    # Only USB (UVC) cameras count as webcams: with a ribbon camera, /dev/video0
    # is the Pi's CSI receiver (unicam, rp1-cfe), which OpenCV cannot read.
    candidates = [f"webcam:{index}" for index in uvc_webcams()] if sys.platform.startswith("linux") else ["webcam:0"]
    if not config.installed:
        candidates.append("demo")
    if picamera2_available():
        candidates.insert(0, "picamera2")
    for candidate in candidates:
        camera = make_camera(candidate, config)
        try:
            camera.open()
        except CameraError as exc:
            log.info("camera auto: %s not used (%s)", candidate, exc)
            continue
        log.info("camera auto: using %s", candidate)
        return camera
    if config.installed:
        raise CameraError("no camera is connected: check the camera cable, then run python -m device doctor")
    raise CameraError("no camera could be opened, not even the embedded demo (is the checkout complete?)")


def is_live(camera: Camera) -> bool:
    """Whether frames come from a real camera in front of the patient (not
    the demo or a replayed file, which never count as their practice)."""
    return not isinstance(camera, ReplayCamera)

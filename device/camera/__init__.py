"""Camera sources behind one small interface: Pi camera, webcam, replay."""

from device.camera.base import Camera, CameraEnded, CameraError, Frame
from device.camera.select import DEMO_PATH, is_live, make_camera, open_camera

__all__ = ["DEMO_PATH", "Camera", "CameraEnded", "CameraError", "Frame", "is_live", "make_camera", "open_camera"]

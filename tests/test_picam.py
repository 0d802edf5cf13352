"""The Pi camera backend against a stand-in that follows picamera2's real
signatures and behaviours (tests/picamera2_standin.py): continuous autofocus
where the camera has it, a 15-30 fps range, a stalled camera as a
CameraError within the wait, the camera closed on every failure so a retry
works, a camera mounted upside down turned by the sensor (and the face then
found by the real dlib), lores checked against main, sensor timestamps; and
`auto` counting only USB (UVC) cameras as webcams."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from device.camera import CameraError, open_camera
from device.camera import webcam as webcam_module
from device.camera.picam import MIN_FPS, PiCamera
from device.camera.webcam import uvc_webcams
from device.config import Config, load_config
from device.vision.landmarks import FaceLandmarker
from tests.picamera2_standin import AfModeEnum, Picamera2, Sensor, Transform, install

SIZE, LORES = (640, 480), (320, 240)


@pytest.fixture
def sensor(monkeypatch: pytest.MonkeyPatch, demo_rest_frame: np.ndarray) -> Sensor:
    return install(monkeypatch, Sensor(scene=demo_rest_frame))


def configured(sensor: Sensor) -> dict[str, object]:
    camera = sensor.held_by
    assert camera is not None
    assert camera.camera_config is not None
    return camera.camera_config


def test_camera_module_3_focuses_continuously_at_15_to_30_fps(sensor: Sensor) -> None:
    with PiCamera(SIZE, LORES, fps=30) as camera:
        controls = configured(sensor)["controls"]
        assert camera.autofocus
    assert controls == {"AfMode": AfModeEnum.Continuous, "FrameDurationLimits": (33_333, round(1e6 / MIN_FPS))}


def test_a_camera_without_a_focus_motor_gets_no_af_control(sensor: Sensor) -> None:
    sensor.autofocus = False  # Camera Module 2, HQ: libcamera rejects AfMode there
    with PiCamera(SIZE, LORES, fps=20) as camera:
        controls = configured(sensor)["controls"]
        assert not camera.autofocus
    assert controls == {"FrameDurationLimits": (50_000, 66_667)}


@pytest.mark.parametrize("stage", ["configure", "start"])
def test_a_camera_failing_half_way_through_opening_is_closed_and_a_retry_works(sensor: Sensor, stage: str) -> None:
    setattr(sensor, f"fail_{stage}", RuntimeError("Failed to start camera"))
    with pytest.raises(CameraError, match="could not be started"):
        PiCamera(SIZE, LORES).open()
    # Not left holding the camera (picamera2's atexit hook would keep it alive until the process ends).
    assert sensor.held_by is None
    setattr(sensor, f"fail_{stage}", None)
    with PiCamera(SIZE, LORES) as camera:
        assert camera.read().image.shape == (480, 640, 3)
    assert sensor.opened == 2


def test_close_closes_the_camera_even_when_stop_fails(sensor: Sensor) -> None:
    camera = PiCamera(SIZE, LORES)
    camera.open()
    sensor.fail_stop = RuntimeError("camera already stopped")
    camera.close()
    assert sensor.held_by is None
    sensor.fail_stop = None
    with PiCamera(SIZE, LORES) as again:
        again.read()


def test_a_stalled_camera_is_a_camera_error_after_the_wait_not_a_frozen_thread(sensor: Sensor) -> None:
    waited: list[float] = []
    sensor.sleep = waited.append  # picamera2's wait, without spending it
    with PiCamera(SIZE, LORES, read_timeout_s=2.0) as camera:
        camera.read()
        sensor.stalled = True
        started = time.monotonic()
        with pytest.raises(CameraError, match="no frame within 2 s"):
            camera.read()
    assert waited == [2.0]
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("lores", "message"),
    [((321, 240), "must be even"), ((320, 241), "must be even"), ((800, 480), "no larger than")],
)
def test_lores_is_checked_against_main_before_the_camera_is_touched(
    sensor: Sensor, lores: tuple[int, int], message: str
) -> None:
    with pytest.raises(CameraError, match=message):
        PiCamera(SIZE, lores).open()
    assert sensor.opened == 0


def test_the_grey_plane_is_cut_from_padded_rows_at_the_configured_size(sensor: Sensor) -> None:
    with PiCamera(SIZE, (200, 150)) as camera:  # a stride of 256: rows padded past 200
        frame = camera.read()
    assert frame.lores.shape == (150, 200)
    assert frame.lores.flags["C_CONTIGUOUS"]
    expected = cv2.resize(frame.gray, (200, 150))
    assert np.abs(frame.lores.astype(int) - expected.astype(int)).mean() < 2


def test_an_upside_down_camera_turned_by_the_sensor_shows_a_face_dlib_finds(
    monkeypatch: pytest.MonkeyPatch, demo_rest_frame: np.ndarray, landmarker: FaceLandmarker
) -> None:
    sensor = install(monkeypatch, Sensor(scene=cv2.rotate(demo_rest_frame, cv2.ROTATE_180)))  # mounted upside down
    with PiCamera(SIZE, LORES) as camera:
        assert landmarker.analyse(camera.read().gray).points is None  # dlib finds no upside-down face
    with PiCamera(SIZE, LORES, rotation=180) as camera:
        assert configured(sensor)["transform"] == Transform(hflip=True, vflip=True)
        assert landmarker.analyse(camera.read().gray).points is not None
    with pytest.raises(CameraError, match="0 or 180"):
        PiCamera(SIZE, LORES, rotation=90)


def test_frame_times_come_from_the_sensor_and_dropped_frames_leave_gaps(sensor: Sensor) -> None:
    sensor.dropped = {2, 5, 6}
    with PiCamera(SIZE, LORES) as camera:
        frames = [camera.read() for _ in range(5)]
    assert [f.index for f in frames] == [0, 1, 3, 4, 7]
    assert np.diff([f.timestamp for f in frames]) == pytest.approx([1 / 30, 2 / 30, 1 / 30, 3 / 30], abs=1e-6)
    assert abs(frames[0].timestamp - time.monotonic()) < 5  # in time.monotonic()'s domain


def test_the_camera_rotation_setting_reaches_the_pi_camera(sensor: Sensor, tmp_path: Path) -> None:
    config = load_config(path=None, env={}, overrides={"camera.source": "picamera2", "camera.rotation": 180})
    camera = open_camera(config)
    try:
        assert configured(sensor)["transform"] == Transform(hflip=True, vflip=True)
    finally:
        camera.close()


def video4linux(tmp_path: Path, nodes: dict[str, tuple[str, int]]) -> Path:
    """A /sys/class/video4linux tree: node -> (its driver, its index on the device)."""
    root = tmp_path / "video4linux"
    for node, (driver, index) in nodes.items():
        drivers = tmp_path / "drivers" / driver
        drivers.mkdir(parents=True, exist_ok=True)
        device = tmp_path / "devices" / node
        device.mkdir(parents=True)
        (device / "driver").symlink_to(drivers)
        (root / node).mkdir(parents=True)
        (root / node / "device").symlink_to(device)
        (root / node / "index").write_text(f"{index}\n")
    return root


def test_only_usb_cameras_capture_nodes_count_as_webcams(tmp_path: Path) -> None:
    sysfs = video4linux(
        tmp_path,
        {
            "video0": ("rp1-cfe", 0),  # a Pi 5's CSI receiver: a ribbon camera's, not a webcam
            "video1": ("uvcvideo", 0),  # a USB camera's capture node
            "video2": ("uvcvideo", 1),  # ... and its metadata node
            "video19": ("bcm2835-isp", 0),
        },
    )
    assert uvc_webcams(sysfs) == [1]
    assert uvc_webcams(tmp_path / "absent") == []


def test_auto_never_opens_the_csi_receiver_as_a_webcam(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: Config
) -> None:
    """A ribbon camera whose picamera2 fails: the message says no camera,
    not "webcam 0 delivers no frames"."""
    monkeypatch.setattr(webcam_module, "VIDEO4LINUX", video4linux(tmp_path, {"video0": ("unicam", 0)}))
    monkeypatch.setattr(type(config), "installed", property(lambda self: True))
    with pytest.raises(CameraError, match="no camera is connected"):
        open_camera(config)


def test_the_stand_in_behaves_as_picamera2_does(sensor: Sensor) -> None:
    """The behaviours the tests above lean on, checked on the stand-in itself."""
    first = Picamera2()
    with pytest.raises(RuntimeError, match="__init__ sequence did not complete"):
        Picamera2()
    assert sensor.at_exit == [first.close]  # atexit holds the object: never collected while open
    first.close()
    Picamera2().close()

"""Camera backends: the replay camera's pacing, looping and errors, and the
clear failures of the hardware backends where that hardware is absent."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from device.camera import DEMO_PATH, CameraEnded, CameraError, make_camera, open_camera
from device.camera.picam import PiCamera
from device.camera.replay import ReplayCamera
from device.config import SYSTEM_CONFIG, Config, load_config
from device.doctor import Outcome, check_camera
from tests.helpers import FIXTURES

SIZE, LORES = (640, 480), (320, 240)


def image_folder(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(count):
        image = np.full((120, 160, 3), i * 20, dtype=np.uint8)  # brightness tells frames apart
        cv2.imwrite(str(folder / f"{i:03d}.png"), image)
    return folder


def brightness(frame_image: np.ndarray) -> int:
    return round(float(frame_image[240, 320, 0]) / 20)


class FakeClock:
    """Time that moves only when the camera sleeps or the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_replay_paced_in_real_time_delivers_frames_at_its_rate(tmp_path: Path) -> None:
    camera = ReplayCamera(image_folder(tmp_path, 5), SIZE, LORES, fps=20.0, realtime=True)
    with camera:
        start = time.monotonic()
        frames = [camera.read() for _ in range(21)]
        elapsed = time.monotonic() - start
    assert 0.9 <= elapsed <= 1.3  # 20 intervals of 50 ms
    gaps = np.diff([f.timestamp for f in frames])
    assert np.median(gaps) == pytest.approx(0.05, abs=0.01)
    assert [f.index for f in frames] == list(range(21))


def test_unpaced_replay_stamps_frames_with_stream_time(tmp_path: Path) -> None:
    with ReplayCamera(image_folder(tmp_path, 2), SIZE, LORES, fps=4.0, realtime=False) as camera:
        stamps = [camera.read().timestamp for _ in range(5)]
    assert np.diff(stamps) == pytest.approx([0.25] * 4)


def test_replay_frames_have_both_streams(tmp_path: Path) -> None:
    with ReplayCamera(image_folder(tmp_path, 2), SIZE, LORES, realtime=False) as camera:
        frame = camera.read()
    assert frame.image.shape == (480, 640, 3)
    assert frame.image.dtype == np.uint8
    assert frame.lores.shape == (240, 320)


def test_replay_loops_in_order(tmp_path: Path) -> None:
    with ReplayCamera(image_folder(tmp_path, 3), SIZE, LORES, realtime=False, loop=True) as camera:
        order = [brightness(camera.read().image) for _ in range(7)]
    assert order == [0, 1, 2, 0, 1, 2, 0]


def test_replay_without_loop_reports_its_end(tmp_path: Path) -> None:
    with ReplayCamera(image_folder(tmp_path, 3), SIZE, LORES, realtime=False, loop=False) as camera:
        for _ in range(3):
            camera.read()
        with pytest.raises(CameraEnded, match="ended"):
            camera.read()


def test_slow_consumer_misses_frames_like_a_live_camera(tmp_path: Path) -> None:
    clock = FakeClock()
    camera = ReplayCamera(
        image_folder(tmp_path, 10), SIZE, LORES, fps=10.0, realtime=True, loop=True, clock=clock, sleep=clock.sleep
    )
    with camera:
        first = camera.read()
        clock.now += 0.35  # the consumer took 350 ms: frames 1, 2 and 3 are gone
        late = camera.read()
        on_time = camera.read()  # no delay: waits for the next slot
    assert first.index == 0
    assert late.index == 3
    assert brightness(late.image) == 3
    assert camera.skipped == 2
    assert on_time.index == 4


def test_replay_of_a_video_file_uses_the_file_rate(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 25.0, (160, 120))
    for i in range(6):
        writer.write(np.full((120, 160, 3), i * 20, dtype=np.uint8))
    writer.release()
    with ReplayCamera(path, SIZE, LORES, fps=5.0, realtime=False, loop=True) as camera:
        assert camera.fps == pytest.approx(25.0)
        order = [brightness(camera.read().image) for _ in range(8)]
    assert order == [0, 1, 2, 3, 4, 5, 0, 1]


def test_replay_skips_unreadable_images(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = image_folder(tmp_path, 2)
    (folder / "001.png").write_bytes(b"not a png")
    with ReplayCamera(folder, SIZE, LORES, realtime=False) as camera:
        order = [brightness(camera.read().image) for _ in range(3)]
    assert order == [0, 0, 0]
    assert "001.png" in caplog.text


def test_replay_of_only_broken_images_is_a_camera_error(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"\xff\xd8 truncated")
    with ReplayCamera(folder, SIZE, LORES, realtime=False) as camera, pytest.raises(CameraError, match="none of"):
        camera.read()


@pytest.mark.parametrize("name", ["missing", "empty"])
def test_replay_of_a_bad_path_is_a_camera_error(tmp_path: Path, name: str) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(CameraError, match=name):
        ReplayCamera(tmp_path / name, SIZE, LORES).open()


def test_absent_webcam_is_a_clear_error(config: Config) -> None:
    with pytest.raises(CameraError, match="no webcam at /dev/video9"):
        make_camera("webcam:9", config).open()


def test_picamera2_off_a_pi_is_a_clear_error() -> None:
    with pytest.raises(CameraError, match="picamera2"):
        PiCamera(SIZE, LORES).open()


@pytest.mark.parametrize("source", ["webcam:x", "firewire", "replay"])
def test_unknown_source_is_rejected(config: Config, source: str) -> None:
    with pytest.raises(CameraError, match=r"camera\.source"):
        make_camera(source, config)


def test_auto_without_a_camera_plays_the_embedded_demo_in_a_checkout() -> None:
    checkout = load_config(path=FIXTURES / "empty-config.toml", env={})
    assert not checkout.installed
    camera = open_camera(checkout, "auto")
    try:
        assert isinstance(camera, ReplayCamera)
        assert camera.path == DEMO_PATH
        assert camera.read().image.shape == (480, 640, 3)
    finally:
        camera.close()


def test_auto_on_an_installed_device_never_shows_the_demo() -> None:
    """A loose camera cable must not put a stranger's face in front of the patient."""
    installed = replace(load_config(path=FIXTURES / "empty-config.toml", env={}), path=SYSTEM_CONFIG)
    assert installed.installed
    with pytest.raises(CameraError, match="no camera is connected"):
        open_camera(installed, "auto")


def test_replay_whose_files_vanish_mid_stream_reports_it(tmp_path: Path) -> None:
    folder = image_folder(tmp_path, 3)
    with ReplayCamera(folder, SIZE, LORES, realtime=False) as camera:
        camera.read()
        for path in folder.iterdir():
            path.unlink()  # the card was pulled, say
        with pytest.raises(CameraError, match="none of the 3 images"):
            camera.read()


def test_doctor_fails_the_camera_check_on_an_installed_device_without_one() -> None:
    """What the technician sees: the check fails and says what to do, both when
    no camera answers and when the device was set to play a recording."""
    installed = replace(load_config(path=FIXTURES / "empty-config.toml", env={}), path=SYSTEM_CONFIG)
    unplugged = check_camera(installed)
    assert unplugged.outcome is Outcome.FAIL
    assert "no camera is connected" in unplugged.detail
    assert "plug the camera in" in unplugged.advice
    on_demo = check_camera(installed.with_overrides({"camera.source": "demo"}))
    assert on_demo.outcome is Outcome.FAIL
    assert "not be recorded" in on_demo.detail
    assert 'camera.source = "auto"' in on_demo.advice
    checkout = load_config(path=FIXTURES / "empty-config.toml", env={})
    demo = check_camera(checkout)
    assert demo.outcome is Outcome.PASS
    assert "a recording" in demo.detail

"""The command line as a technician uses it: real files, real exit codes,
one clear line for each problem and never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.helpers import ASTRONAUT, FIXTURES, read_image, run_device

pytestmark = pytest.mark.slow  # runs the device as a user would: see the README's fast loop


def test_landmarks_json_for_a_photo() -> None:
    result = run_device("landmarks", str(ASTRONAUT), "--json")
    assert result.returncode == 0, result.stderr
    [report] = json.loads(result.stdout)
    assert report["status"] == "ok"
    assert len(report["points"]) == 68
    assert set(report["measures"]["right"]) == set(report["measures"]["left"])
    assert 0.05 < report["measures"]["right"]["eye_opening"] < 0.4
    assert abs(report["pose"]["yaw"]) < 10


def test_landmarks_text_and_drawing(tmp_path: Path) -> None:
    out = tmp_path / "drawn.png"
    result = run_device("landmarks", str(ASTRONAUT), "--draw", str(out))
    assert result.returncode == 0, result.stderr
    assert "eye opening" in result.stdout
    assert "yaw" in result.stdout
    drawn, original = read_image(out), read_image(ASTRONAUT)
    changed = np.any(drawn != original, axis=2)
    ys, xs = np.nonzero(changed)
    # The drawing is on the face (around x 180-270, y 80-175), not elsewhere.
    assert changed.sum() > 500
    assert 150 < np.median(xs) < 300
    assert 60 < np.median(ys) < 200


def test_several_images_draw_into_a_folder(tmp_path: Path) -> None:
    faces = sorted((FIXTURES / "fer2013").glob("happy-*.jpg"))
    big = []
    for path in faces:
        target = tmp_path / path.name
        cv2.imwrite(str(target), cv2.resize(read_image(path), (192, 192), interpolation=cv2.INTER_CUBIC))
        big.append(str(target))
    result = run_device("landmarks", *big, str(ASTRONAUT), "--draw", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "out").glob("*-landmarks.png"))) == 3


def test_bad_inputs_each_get_one_line_and_a_failing_exit(tmp_path: Path) -> None:
    text_file = tmp_path / "notes.jpg"
    text_file.write_text("not an image")
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((300, 300, 3), 200, np.uint8))
    missing = tmp_path / "missing.png"
    result = run_device("landmarks", str(text_file), str(blank), str(missing), str(ASTRONAUT))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3
    assert "notes.jpg" in lines[0]
    assert "cannot be read" in lines[0]
    assert "blank.png" in lines[1]
    assert "no face" in lines[1]
    assert "missing.png" in lines[2]
    assert "does not exist" in lines[2]
    assert "Traceback" not in result.stderr
    assert "eye opening" in result.stdout  # the good photo is still reported


def test_missing_landmark_model_is_one_line(tmp_path: Path) -> None:
    result = run_device("landmarks", str(ASTRONAUT), env={"KIOSK_LANDMARK_MODEL": str(tmp_path / "gone.dat")})
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: landmark model")
    assert "Traceback" not in result.stderr


def test_run_shows_the_pipeline_on_the_demo() -> None:
    result = run_device("run", "--camera", "demo", "--seconds", "2.5")
    assert result.returncode == 0, result.stderr
    status = [line for line in result.stdout.splitlines() if "frames/s" in line]
    assert len(status) >= 2
    assert all("eye R/L" in line for line in status)


def test_run_without_the_named_camera_is_one_line() -> None:
    result = run_device("run", "--camera", "webcam:9", "--seconds", "1")
    assert result.returncode == 2
    assert "no webcam at /dev/video9" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_reports_the_end_of_a_replay(tmp_path: Path) -> None:
    folder = tmp_path / "clip"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"{i}.jpg"), read_image(ASTRONAUT))
    result = run_device("run", "--camera", f"replay:{folder}", env={"KIOSK_CONFIG": str(_no_loop_config(tmp_path))})
    assert result.returncode == 0, result.stderr
    assert "ended" in result.stdout


def _no_loop_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("[camera]\nreplay_loop = false\n")
    return path

"""What several test files share that is not a fixture: paths, photos, running
the device's commands as a user would, writing replay clips."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from device.practice.session import LiveState, Stage
from device.vision.analysis import FaceAnalysis, analyse_photo
from device.vision.landmarks import FaceLandmarker

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ASTRONAUT = FIXTURES / "astronaut.jpg"
FER_FACES = sorted((FIXTURES / "fer2013").glob("*.jpg"))


def read_image(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"{path} is not readable"
    return image


def analyse_face(landmarker: FaceLandmarker, image: np.ndarray) -> FaceAnalysis:
    """A photo's face and measures, which the test needs to be there."""
    result = analyse_photo(landmarker, image, min_face_px=80)
    assert result.measures is not None, result.face.status
    return result


def write_clip(folder: Path, segments: list[tuple[np.ndarray, float]], fps: float, suffix: str = ".png") -> Path:
    """A replay folder: each image held for its duration (seconds) at `fps`."""
    folder.mkdir(parents=True, exist_ok=True)
    index = 0
    for image, seconds in segments:
        first = folder / f"{index:05d}{suffix}"
        cv2.imwrite(str(first), image)
        index += 1
        for _ in range(round(seconds * fps) - 1):
            shutil.copyfile(first, folder / f"{index:05d}{suffix}")
            index += 1
    return folder


def run_device(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `python -m device ...` as a user would, from the checkout. The
    timeout only stops a hung command: speed is the benchmarks' to measure,
    and under emulated arm64 (tools/arm64-check.sh) `assess` takes minutes."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    full_env["KIOSK_CONFIG"] = str(FIXTURES / "empty-config.toml")
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "device", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


EXPRESSIONS = FIXTURES / "expressions"
VOTES = FIXTURES / "ferplus-votes.csv"  # FER+ votes of the FER2013 fixture images


def export(*args: str, succeeds: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `python -m model_export ...`; unless told otherwise, it must succeed."""
    env = os.environ | {"TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run(
        [sys.executable, "-m", "model_export", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if succeeds:
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return result


CLIP_FPS = 5


def live_state(**fields: object) -> LiveState:
    """A live state of an exercise in progress; give only what the test is about."""
    defaults: dict[str, object] = {
        "stage": Stage.EXERCISING, "exercise_id": "closed_smile", "item_index": 0, "score": 50.0,
        "right_score": None, "left_score": None, "prompt": None, "phase": None, "reps_done": 0,
        "reps_planned": 3, "hold_progress": 0.0, "rest_remaining": 0.0, "calibration_progress": 1.0,
    }  # fmt: skip
    return LiveState(**(defaults | fields))  # type: ignore[arg-type]

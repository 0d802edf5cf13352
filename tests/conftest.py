"""Shared fixtures: the real dlib models and real face photos (see fixtures/README.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from device.camera import DEMO_PATH
from device.camera.replay import ReplayCamera
from device.config import Config, load_config
from device.vision.analysis import FaceAnalysis, analyse_photo
from device.vision.landmarks import FaceLandmarker
from model_export.face_warp import RIGHT_SMILE, uneven_smile, warp_face

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ASTRONAUT = FIXTURES / "astronaut.jpg"
FER_FACES = sorted((FIXTURES / "fer2013").glob("*.jpg"))


@pytest.fixture(scope="session")
def landmarker() -> FaceLandmarker:
    return FaceLandmarker()


def read_image(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"{path} is not readable"
    return image


@pytest.fixture(scope="session")
def demo_rest_frame() -> np.ndarray:
    """The embedded demo's first frame: a real face at rest, 640x480."""
    with ReplayCamera(DEMO_PATH, (640, 480), (320, 240), realtime=False) as camera:
        return camera.read().image


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    return read_image(ASTRONAUT)


@pytest.fixture(scope="session")
def face_photo(astronaut: np.ndarray) -> np.ndarray:
    """The astronaut's head, enlarged so the face is about 175 px wide: the
    size it has in front of the kiosk's camera at 640x480."""
    return cv2.resize(astronaut[30:280, 100:350], None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)


def analyse_face(landmarker: FaceLandmarker, image: np.ndarray) -> FaceAnalysis:
    """A photo's face and measures, which the test needs to be there."""
    result = analyse_photo(landmarker, image, min_face_px=80)
    assert result.measures is not None, result.face.status
    return result


@pytest.fixture
def config() -> Config:
    """Defaults only, whatever config file or environment this machine has."""
    return load_config(path=None, env={})


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


def run_device(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `python -m device ...` as a user would, from the checkout."""
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


def export(*args: str) -> subprocess.CompletedProcess[str]:
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
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return result


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model_export run (prepare -> train -> convert -> evaluate) on the
    expression fixtures: a real int8 model for tests of the code around it."""
    work = tmp_path_factory.mktemp("export")
    prepared, run = work / "prepared.npz", work / "run"
    out = export("prepare", "--data", str(EXPRESSIONS), "--out", str(prepared))
    assert "prepared 90 of 90 images" in out.stdout
    export(
        "train", "--data", str(prepared), "--out", str(run), "--epochs", "1", "--size", "32",
        "--batch", "16", "--val-fraction", "0.2", "--representation", "both",
    )  # fmt: skip
    export("convert", "--run", str(run), "--data", str(prepared))
    export("evaluate", "--run", str(run), "--data", str(EXPRESSIONS), "--train", str(prepared))
    return run


CLIP_FPS = 5


@pytest.fixture(scope="session")
def right_smile_clip(
    tmp_path_factory: pytest.TempPathFactory, landmarker: FaceLandmarker, demo_rest_frame: np.ndarray
) -> Path:
    """Rest 3 s, then five one-sided smiles held 3.6 s with 3.4 s rests."""
    rest = demo_rest_frame
    points = landmarker.analyse(cv2.cvtColor(rest, cv2.COLOR_BGR2GRAY)).points
    assert points is not None
    smile = warp_face(rest, points, RIGHT_SMILE, 1.5)
    segments = [(rest, 3.0)] + [(smile, 3.6), (rest, 3.4)] * 5
    return write_clip(tmp_path_factory.mktemp("clip"), segments, CLIP_FPS, suffix=".jpg")


@pytest.fixture(scope="session")
def weak_left_smile_clip(
    tmp_path_factory: pytest.TempPathFactory, landmarker: FaceLandmarker, demo_rest_frame: np.ndarray
) -> Path:
    """Rest 3 s, then five smiles whose left side moves half as far as the
    right (lips' midline dragged towards the right, as a real face does)."""
    rest = demo_rest_frame
    points = landmarker.analyse(cv2.cvtColor(rest, cv2.COLOR_BGR2GRAY)).points
    assert points is not None
    smile = warp_face(rest, points, uneven_smile(right=1.5, left=0.75))
    segments = [(rest, 3.0)] + [(smile, 3.6), (rest, 3.4)] * 5
    return write_clip(tmp_path_factory.mktemp("weak-left"), segments, CLIP_FPS, suffix=".jpg")

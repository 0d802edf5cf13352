"""Training augmentation: it moves the alignment and hides parts of the face,
and never changes the prepared data it starts from."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from device.expression.preprocess import MAX_WARP_SHRINK, InputSpec, Representation, alignment
from device.vision.landmarks import FaceLandmarker
from model_export.augment import ERASE_AREA, MAX_SCALE, augmented_input, erase_patch, mixed_pairs
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


@pytest.mark.parametrize("size", [48, 64, 96])
def test_training_faces_never_reach_the_anti_aliasing_step(face_crop: tuple[np.ndarray, np.ndarray], size: int) -> None:
    """prepare's canonical crop shrinks to a 48 px or larger input by less
    than MAX_WARP_SHRINK, even at the augmentation's largest scale: models
    trained before the device anti-aliased large faces saw the same inputs."""
    _, points = face_crop
    matrix = alignment(points, size)
    shrink = 1 / float(np.hypot(matrix[0, 0], matrix[0, 1]))
    assert shrink * (1 + MAX_SCALE) * 1.02 < MAX_WARP_SHRINK  # 2 % for the point jitter


def test_mixup_blends_pairs_mostly_of_their_own_face() -> None:
    rng = np.random.default_rng(3)
    classes = [0, 1, 2, 1, 0, 2]
    x = np.stack([np.full((4, 4, 1), 100 * c, np.uint8) for c in classes])  # each face's value says its class
    targets = np.eye(3, dtype=np.float32)[classes]
    mixed, mixed_targets = mixed_pairs(x, targets, 0.2, rng)
    assert mixed.dtype == np.float32
    assert mixed.shape == x.shape
    assert np.allclose(mixed_targets.sum(axis=1), 1)
    assert ((targets * mixed_targets).sum(axis=1) >= 0.5 - 1e-6).all()  # mostly its own class
    assert not np.array_equal(mixed_targets, targets)  # some pairs were blended
    # each input is blended with the same weights as its target
    assert np.allclose(mixed[:, 0, 0, 0], mixed_targets @ np.array([0, 100, 200], np.float32), atol=1e-3)
    assert np.array_equal(mixed_pairs(x, targets, 0.0, rng)[0], x.astype(np.float32))

"""The real dlib models on real photos: order, sides, and the bad cases."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from device.vision.analysis import analyse_photo
from device.vision.geometry import LEFT, RIGHT
from device.vision.landmarks import FaceLandmarker, FaceStatus
from device.vision.model_files import ModelError, find_landmark_model, load_shape_predictor
from tests.helpers import FER_FACES, read_image


def assert_anatomical_order(points: np.ndarray) -> None:
    """Frontal, unmirrored face: eyes above the nose above the mouth above the
    chin, and the subject's right side on the image's left."""
    eyes_y = points[36:48, 1].mean()
    nose_tip_y = points[30, 1]
    mouth_y = points[48:68, 1].mean()
    assert points[17:27, 1].mean() < eyes_y < nose_tip_y < mouth_y < points[8, 1]
    assert points[RIGHT.eye, 0].mean() < points[27:36, 0].mean() < points[LEFT.eye, 0].mean()
    assert points[RIGHT.mouth_corner, 0] < points[LEFT.mouth_corner, 0]
    assert points[0, 0] < points[8, 0] < points[16, 0]  # jaw runs from the right ear to the left


def test_astronaut_has_one_face_in_anatomical_order(landmarker: FaceLandmarker, astronaut: np.ndarray) -> None:
    result = analyse_photo(landmarker, astronaut, min_face_px=80)
    assert result.face.status is FaceStatus.OK
    assert result.face.faces_found == 1
    assert result.face.score is not None
    assert result.face.score > 0.5
    assert result.face.points is not None
    assert result.face.points.shape == (68, 2)
    assert_anatomical_order(result.face.points)


@pytest.mark.parametrize("path", FER_FACES, ids=lambda p: p.name)
def test_fer2013_faces_in_anatomical_order(landmarker: FaceLandmarker, path: Path) -> None:
    small = read_image(path)
    photo = cv2.resize(small, (192, 192), interpolation=cv2.INTER_CUBIC)
    result = analyse_photo(landmarker, photo, min_face_px=80)
    assert result.face.points is not None, result.face.status
    assert_anatomical_order(result.face.points)


def test_two_faces_reports_both_and_fits_the_largest(landmarker: FaceLandmarker, astronaut: np.ndarray) -> None:
    face = astronaut[40:260, 110:340]
    big = cv2.resize(face, None, fx=1.5, fy=1.5)
    canvas = np.full((big.shape[0], big.shape[1] + face.shape[1] + 20, 3), 128, dtype=np.uint8)
    canvas[: face.shape[0], : face.shape[1]] = face
    canvas[:, face.shape[1] + 20 :] = big
    result = analyse_photo(landmarker, canvas, min_face_px=80)
    assert result.face.status is FaceStatus.MULTIPLE_FACES
    assert result.face.faces_found == 2
    assert result.face.points is not None
    assert result.face.points[:, 0].min() > face.shape[1]  # the larger face, on the right


def test_tiny_face_is_reported_as_too_small(landmarker: FaceLandmarker, astronaut: np.ndarray) -> None:
    small = cv2.resize(astronaut, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)  # face about 52 px
    result = analyse_photo(landmarker, small, min_face_px=80)
    assert result.face.status is FaceStatus.TOO_SMALL
    assert result.face.box is not None
    assert result.face.box.width < 80


def test_image_without_a_face(landmarker: FaceLandmarker) -> None:
    rng = np.random.default_rng(0)
    noise = cv2.GaussianBlur(rng.integers(0, 255, (480, 640, 3), dtype=np.uint8), (9, 9), 0)
    result = analyse_photo(landmarker, noise, min_face_px=80)
    assert result.face.status is FaceStatus.NO_FACE
    assert result.measures is None


def test_missing_model_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        find_landmark_model(str(tmp_path / "nope.dat"))


def test_corrupt_model_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "shape_predictor_68_face_landmarks.dat"
    broken.write_bytes(b"\x00" * 1000)
    with pytest.raises(ModelError, match="damaged"):
        load_shape_predictor(broken)


def test_default_model_is_found() -> None:
    path = find_landmark_model("auto")
    assert path.name == "shape_predictor_68_face_landmarks.dat"
    assert path.stat().st_size > 50_000_000

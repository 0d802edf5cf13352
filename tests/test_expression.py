"""The classifier's input, the dataset reader, the evaluation arithmetic and
the model card's checks."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from device.expression.dataset import DatasetError, find_face, list_samples
from device.expression.dataset import read_gray as read_optional_gray
from device.expression.evaluate import NO_PREDICTION, Evaluation
from device.expression.model_card import ModelCard, card_path_for, sha256_of
from device.expression.preprocess import (
    DETAIL_PX,
    PREPROCESSING_VERSION,
    InputSpec,
    Representation,
    alignment,
    landmark_drawing,
    model_input,
    resampled_square,
)
from device.vision.geometry import LEFT, RIGHT
from device.vision.landmarks import FaceLandmarker
from device.vision.model_files import ModelError
from model_export.augment import mirror_face
from tests.helpers import FIXTURES

EXPRESSIONS = FIXTURES / "expressions"


def read_gray(path: Path) -> np.ndarray:
    gray = read_optional_gray(path)
    assert gray is not None
    return gray


@pytest.fixture(scope="module")
def face(landmarker: FaceLandmarker, astronaut: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    gray = cv2.cvtColor(astronaut, cv2.COLOR_BGR2GRAY)
    result = landmarker.analyse(gray)
    assert result.points is not None
    return gray, result.points


@pytest.mark.parametrize("representation", list(Representation))
def test_model_input_shape_and_type(face: tuple[np.ndarray, np.ndarray], representation: Representation) -> None:
    x = model_input(*face, InputSpec(64, representation))
    assert x.shape == (64, 64, representation.channels)
    assert x.dtype == np.uint8
    assert x.std() > 20  # a face, not a blank


def test_model_input_is_aligned_by_the_landmarks(face: tuple[np.ndarray, np.ndarray]) -> None:
    """The same face rotated, scaled and moved in the photo gives the same input."""
    gray, points = face
    matrix = cv2.getRotationMatrix2D((200.0, 150.0), 12.0, 1.3)
    matrix[:, 2] += np.array([25.0, -10.0])
    moved_gray = cv2.warpAffine(gray, matrix, (700, 700))
    moved_points = points @ matrix[:, :2].T + matrix[:, 2]
    a = model_input(gray, points, InputSpec(64, Representation.BOTH)).astype(float)
    b = model_input(moved_gray, moved_points, InputSpec(64, Representation.BOTH)).astype(float)
    assert np.abs(a - b).mean() < 6  # resampling differences only
    other = model_input(gray, points + np.array([8.0, 0.0]), InputSpec(64, Representation.BOTH)).astype(float)
    assert np.abs(a - other).mean() > np.abs(a - b).mean() * 1.5  # a misaligned crop does differ


def test_matched_detail_makes_a_sharp_and_a_coarse_photo_of_a_face_alike(face: tuple[np.ndarray, np.ndarray]) -> None:
    """A 512 px studio-like photo and the same face at FER2013's resolution
    (about 48 px across) give nearly the same crop once detail is matched;
    without it, the sharp photo carries detail the training faces never had."""
    gray, points = face
    factor = float(48 / (2.5 * np.linalg.norm(points[36:42].mean(0) - points[42:48].mean(0))))  # the square at 48 px
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    big = cv2.resize(small, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_CUBIC)

    def gap(detail: int | None) -> float:
        sharp = model_input(gray, points, InputSpec(96, Representation.CROP, detail)).astype(float)
        coarse = model_input(big, points, InputSpec(96, Representation.CROP, detail)).astype(float)
        return float(np.abs(sharp - coarse).mean())

    assert gap(DETAIL_PX) < 0.6 * gap(None)
    assert gap(DETAIL_PX) < 6


def test_a_large_noisy_photo_of_a_face_gives_the_crop_of_a_clean_one(face: tuple[np.ndarray, np.ndarray]) -> None:
    """A face five times larger than the square, with per-pixel noise (a
    camera at arm's length, a studio photo: skin texture and sensor grain),
    is averaged down, not sampled: its crop is nearly the clean photo's. A
    plain bilinear warp reads 4 of every 25 pixels and keeps much of the grain
    (measured: 4.7 against 12.7 grey levels from the clean crop)."""
    gray, points = face
    rng = np.random.default_rng(0)
    factor = 2.2  # the astronaut's square is 2.3 times the 48 px input already: 5 times in all
    large = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC).astype(float)
    noisy = np.clip(large + rng.normal(0, 25, large.shape), 0, 255).astype(np.uint8)
    large_points = (points + 0.5) * factor - 0.5
    clean = resampled_square(gray, alignment(points, 48), 48).astype(float)
    matrix = alignment(large_points, 48)
    averaged = resampled_square(noisy, matrix, 48).astype(float)
    sampled = cv2.warpAffine(noisy, matrix, (48, 48), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    averaged_gap = np.abs(averaged - clean).mean()
    assert averaged_gap < 6
    assert averaged_gap < 0.45 * np.abs(sampled.astype(float) - clean).mean()


def test_fine_stripes_average_to_grey_instead_of_false_stripes() -> None:
    """1 px stripes (hair, a knitted blanket) shrunk 2.6 to 12.5 times come
    out nearly grey; a plain bilinear warp turns them into coarse false
    stripes (moire). Measured: a spread of 4 to 20 grey levels against 62 to 74."""
    stripes = np.zeros((600, 600), np.uint8)
    stripes[:, ::2] = 255
    points = np.zeros((68, 2))
    points[36:42] = (250.0, 250.0)  # eye centres 50 px apart: a square of 125 px
    points[42:48] = (300.0, 250.0)
    for size in (48, 40, 30, 20, 10):
        matrix = alignment(points, size)
        square = resampled_square(stripes, matrix, size).astype(float)
        plain = cv2.warpAffine(stripes, matrix, (size, size), flags=cv2.INTER_LINEAR).astype(float)
        assert abs(square.mean() - 127.5) < 4, size
        assert square.std() < 0.3 * plain.std(), size


def test_faces_the_size_of_training_faces_get_the_plain_warp(face: tuple[np.ndarray, np.ndarray]) -> None:
    """Up to MAX_WARP_SHRINK the square is the plain bilinear warp, bit for bit
    (training faces are there: tests/test_augment checks that they are)."""
    gray, points = face
    matrix = alignment(points, 48)  # the astronaut's square shrinks 2.3 times
    plain = cv2.warpAffine(gray, matrix, (48, 48), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    assert np.array_equal(resampled_square(gray, matrix, 48), plain)


def test_drawing_is_deterministic_and_separates_parts(face: tuple[np.ndarray, np.ndarray]) -> None:
    _, points = face
    spec = InputSpec(96, Representation.DRAWING)
    drawing = landmark_drawing(points, spec)
    assert np.array_equal(drawing, landmark_drawing(points, spec))
    assert len(np.unique(drawing[drawing > 0])) >= 5  # parts have their own grey levels
    eyes_row = drawing[int(96 * 0.36)]
    assert eyes_row.max() == 255  # the eyes sit on the eye line, at full brightness


def eye_pixels(drawing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the drawing's eyes are (the only parts drawn at full brightness): rows, columns."""
    rows, columns = np.nonzero(drawing == 255)
    return rows, columns


def test_a_closer_view_shows_the_face_larger_and_a_lower_view_shows_it_lower(
    face: tuple[np.ndarray, np.ndarray],
) -> None:
    """The card's view (span, eye_line) moves the face in the square as it
    says, and keeps the eye midpoint on the centre line (the mirror image
    stays the same face with its sides swapped)."""
    gray, points = face
    trained = InputSpec(96, Representation.DRAWING)
    rows, cols = eye_pixels(model_input(gray, points, trained)[:, :, 0])
    _, closer_cols = eye_pixels(model_input(gray, points, InputSpec(96, Representation.DRAWING, span=2.0))[:, :, 0])
    assert np.ptp(closer_cols) > np.ptp(cols) * 1.15  # eyes further apart: the face shown larger (2.5 / 2.0)
    assert abs(closer_cols.mean() - 47.5) < 1.5  # the eye midpoint stays on the centre line
    assert abs(cols.mean() - 47.5) < 1.5
    higher_rows, _ = eye_pixels(model_input(gray, points, InputSpec(96, Representation.DRAWING, eye_line=0.3))[:, :, 0])
    assert rows.mean() - higher_rows.mean() == pytest.approx(0.06 * 96, abs=1.0)  # eyes higher: the face shown lower
    crop = InputSpec(64, Representation.CROP, span=2.3, eye_line=0.34)
    original = model_input(gray, points, crop)[:, :, 0].astype(float)
    mirrored = model_input(*mirror_face(gray, points), crop)[:, :, 0].astype(float)
    assert np.abs(cv2.flip(original, 1) - mirrored).mean() < 6


def test_mirrored_face_keeps_anatomical_indices(face: tuple[np.ndarray, np.ndarray]) -> None:
    gray, points = face
    flipped_gray, flipped_points = mirror_face(gray, points)
    assert flipped_points[RIGHT.eye, 0].mean() < flipped_points[LEFT.eye, 0].mean()
    original = model_input(gray, points, InputSpec(64, Representation.CROP))[:, :, 0].astype(float)
    mirrored = model_input(flipped_gray, flipped_points, InputSpec(64, Representation.CROP))[:, :, 0].astype(float)
    assert np.abs(cv2.flip(original, 1) - mirrored).mean() < 6


def test_dataset_listing_and_its_errors(tmp_path: Path) -> None:
    samples = list_samples(EXPRESSIONS, ["sad", "happy"])
    assert {s.label for s in samples} == {"sad", "happy"}
    assert samples[0].label == "sad"
    assert len(samples) == 60
    with pytest.raises(DatasetError, match="no folder for class"):
        list_samples(EXPRESSIONS, ["contempt"])
    with pytest.raises(DatasetError, match="not a folder"):
        list_samples(tmp_path / "nowhere")
    (tmp_path / "happy").mkdir()
    with pytest.raises(DatasetError, match="no images"):
        list_samples(tmp_path)


def test_small_face_crops_always_get_landmarks(landmarker: FaceLandmarker) -> None:
    found = [find_face(landmarker, read_gray(p)) for p in sorted(EXPRESSIONS.glob("*/*.jpg"))]
    assert all(f.points is not None for f in found)
    assert 0 < sum(f.detected for f in found) < len(found)  # some by the detector, some by the fallback


def test_face_crops_take_weak_detections_that_live_frames_would_not(landmarker: FaceLandmarker) -> None:
    crops = [read_gray(p) for p in sorted(EXPRESSIONS.glob("*/*.jpg"))]
    upscaled = [cv2.resize(g, (192, 192), interpolation=cv2.INTER_CUBIC) for g in crops]
    live_threshold = sum(bool(landmarker.detect(g, 0)) for g in upscaled)
    as_face_crops = sum(find_face(landmarker, g).detected for g in crops)
    assert as_face_crops > live_threshold  # 75 against 42 of these 90 crops


def test_large_photo_without_a_face_has_none(landmarker: FaceLandmarker) -> None:
    assert find_face(landmarker, np.full((400, 400), 128, np.uint8)).points is None


def test_evaluation_arithmetic() -> None:
    evaluation = Evaluation(
        classes=("neutral", "happy"),
        labels=np.array([0, 0, 1, 1, 1]),
        predictions=np.array([0, 1, 1, 1, NO_PREDICTION]),
        detected=np.array([True, True, True, False, False]),
        unreadable=1,
    )
    assert evaluation.accuracy() == pytest.approx(3 / 5)
    assert evaluation.accuracy(evaluation.detected) == pytest.approx(2 / 3)
    assert evaluation.no_face == 2
    assert evaluation.confusion().tolist() == [[1, 1], [0, 2]]
    stats = evaluation.per_class()
    assert stats["happy"]["recall"] == pytest.approx(2 / 3)
    assert stats["happy"]["precision"] == pytest.approx(2 / 3)
    assert stats["neutral"]["precision"] == 1.0
    assert json.dumps(evaluation.summary())  # serialisable as the card needs


def fake_card(tmp_path: Path, model: Path, **changes: object) -> None:
    card = {
        "classes": ["neutral", "happy", "sad"],
        "input": {"size": 64, "representation": "both"},
        "preprocessing_version": PREPROCESSING_VERSION,
        "file": {"sha256": sha256_of(model)},
    } | changes
    card_path_for(model).write_text(json.dumps(card))


def test_card_detects_a_changed_model_file(tmp_path: Path) -> None:
    model = tmp_path / "m.tflite"
    model.write_bytes(b"model bytes")
    fake_card(tmp_path, model)
    card = ModelCard.load(card_path_for(model))
    card.check(model)  # unchanged: accepted
    model.write_bytes(b"model bytez")
    with pytest.raises(ModelError, match="does not match its card"):
        card.check(model)


def test_card_refuses_another_preprocessing_version(tmp_path: Path) -> None:
    model = tmp_path / "m.tflite"
    model.write_bytes(b"model bytes")
    fake_card(tmp_path, model, preprocessing_version=PREPROCESSING_VERSION + 1)
    with pytest.raises(ModelError, match="preprocessing version"):
        ModelCard.load(card_path_for(model)).check(model)


def test_a_card_carries_its_view_and_refuses_one_outside_any_crop(tmp_path: Path) -> None:
    model = tmp_path / "m.tflite"
    model.write_bytes(b"model bytes")
    fake_card(tmp_path, model)
    assert ModelCard.load(card_path_for(model)).input_spec == InputSpec(64, Representation.BOTH)  # training's view
    fake_card(tmp_path, model, input={"size": 64, "representation": "both", "span": 2.4, "eye_line": 0.35})
    assert ModelCard.load(card_path_for(model)).input_spec == InputSpec(64, Representation.BOTH, None, 2.4, 0.35)
    fake_card(tmp_path, model, input={"size": 64, "representation": "both", "span": 24, "eye_line": 0.35})
    with pytest.raises(ModelError, match=r"span 24\.0, eye_line 0\.35 is outside") as refused:
        ModelCard.load(card_path_for(model))
    assert "\n" not in str(refused.value)


def test_missing_or_broken_card_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="missing"):
        ModelCard.load(tmp_path / "none.card.json")
    broken = tmp_path / "b.card.json"
    broken.write_text("{not json")
    with pytest.raises(ModelError, match="unreadable"):
        ModelCard.load(broken)


def test_corrupt_model_with_a_matching_card_fails_to_load(tmp_path: Path) -> None:
    from device.expression.classifier import ExpressionClassifier

    model = tmp_path / "m.tflite"
    model.write_bytes(b"\x00" * 4096)
    fake_card(tmp_path, model)
    with pytest.raises(ModelError, match="cannot be loaded"):
        ExpressionClassifier(model)


def test_copied_model_keeps_working(tmp_path: Path) -> None:
    """Sanity of the hash check itself: a byte-identical copy is accepted."""
    model = tmp_path / "m.tflite"
    model.write_bytes(bytes(range(256)) * 10)
    fake_card(tmp_path, model)
    copy = tmp_path / "copy.tflite"
    shutil.copyfile(model, copy)
    ModelCard.load(card_path_for(model)).check(copy)
    assert math.isfinite(copy.stat().st_size)

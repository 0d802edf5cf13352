"""The comparison's neutral-drawing column: each face's pixels with another face's landmark drawing."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from device.expression.classifier import ExpressionClassifier
from device.expression.dataset import find_face, read_gray
from device.expression.model_card import DEFAULT_MODEL
from device.expression.preprocess import Representation
from device.vision.landmarks import FaceLandmarker
from model_export.reliance import with_drawing_of
from tests.helpers import FER_FACES


def face(landmarker: FaceLandmarker, path: Path) -> tuple[np.ndarray, np.ndarray]:
    gray = read_gray(path)
    assert gray is not None, path
    points = find_face(landmarker, gray).points
    assert points is not None, path
    return gray, points


def test_the_faces_own_drawing_gives_the_classifiers_own_answer(smoke_run: Path, landmarker: FaceLandmarker) -> None:
    """Only the drawing is swapped: drawn from the face's own landmarks, a
    model that takes crop and drawing answers as it does unaided."""
    classifier = ExpressionClassifier(smoke_run / "model_int8.tflite")
    assert classifier.card.representation is Representation.BOTH
    neutral = face(landmarker, next(p for p in FER_FACES if p.name.startswith("neutral")))[1]
    for path in FER_FACES:
        gray, points = face(landmarker, path)
        own, other = with_drawing_of(classifier, points), with_drawing_of(classifier, neutral)
        assert own is not None
        assert other is not None
        np.testing.assert_array_equal(own(gray, points), classifier.probabilities(gray, points))
        x = classifier.model_input(gray, points)
        x[..., 1] = classifier.model_input(gray, neutral)[..., 1]  # the neutral face's drawing, this face's crop
        np.testing.assert_array_equal(other(gray, points), classifier.predict_input(x))


def test_the_shipped_model_reads_the_pixels_alone() -> None:
    """Its decision does not rest on the landmark fit (the README's model
    section says why): there is no drawing to swap, and the comparison's
    neutral-drawing column equals its posed-like one."""
    classifier = ExpressionClassifier(DEFAULT_MODEL)
    assert with_drawing_of(classifier, np.zeros((68, 2))) is None
    models = classifier.card.raw["metrics"]["comparison"]["models"]
    assert models["int8"]["posed_like_neutral_drawing"] == models["int8"]["posed_like_validation"]

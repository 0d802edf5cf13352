"""The decision calibration: offsets chosen on validation, applied by the device."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from device.expression.classifier import ExpressionClassifier
from device.expression.model_card import DEFAULT_MODEL, card_path_for
from device.vision.model_files import ModelError
from model_export.calibrate import balanced_accuracy, class_bias


def under_called_sad(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities from a model that ranks sad faces right but calls half of them neutral."""
    rng = np.random.default_rng(seed)
    labels = np.repeat([0, 1, 2], n)
    logits = rng.normal(0, 1, (3 * n, 3))
    logits[np.arange(3 * n), labels] += 2.5
    logits[:, 2] -= 1.5  # sad is under-called: its probability is shrunk for everyone
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return probabilities, labels


def test_offsets_recover_an_under_called_class() -> None:
    probabilities, labels = under_called_sad()
    bias = class_bias(probabilities, labels)
    assert bias[0] == 0.0
    assert bias[2] - bias[0] > 0.8  # sad is lifted
    before = balanced_accuracy(probabilities, labels, np.zeros(3))
    after = balanced_accuracy(probabilities, labels, bias)
    assert after > before + 0.05
    sad_recall = (np.argmax(np.log(probabilities) + bias, axis=1)[labels == 2] == 2).mean()
    assert sad_recall > 0.8


def test_a_calibrated_model_keeps_no_offsets() -> None:
    """Offsets that gain less than a point of mean recall are noise, and are not kept."""
    probabilities, labels = under_called_sad()
    fair = probabilities * np.exp([0.0, 0.0, 1.5])
    fair /= fair.sum(axis=1, keepdims=True)
    assert class_bias(fair, labels).tolist() == [0.0, 0.0, 0.0]


def model_with_bias(tmp_path: Path, bias: object) -> Path:
    tmp_path.mkdir(exist_ok=True)
    model = tmp_path / "m.tflite"
    shutil.copyfile(DEFAULT_MODEL, model)
    card = json.loads(card_path_for(DEFAULT_MODEL).read_text())
    card["decision"] = {"class_bias": bias}
    card_path_for(model).write_text(json.dumps(card))
    return model


def test_the_classifier_applies_its_cards_offsets(tmp_path: Path) -> None:
    plain = ExpressionClassifier(model_with_bias(tmp_path / "a", [0.0, 0.0, 0.0]))
    shifted = ExpressionClassifier(model_with_bias(tmp_path / "b", [0.0, 0.0, 0.7]))
    size, channels = plain.card.input_size, plain.card.representation.channels
    x = np.random.default_rng(1).integers(0, 255, (size, size, channels), dtype=np.uint8)
    expected = plain.predict_input(x) * np.exp([0.0, 0.0, 0.7])
    np.testing.assert_allclose(shifted.predict_input(x), expected / expected.sum(), rtol=1e-5)


def test_offsets_for_the_wrong_number_of_classes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="class_bias"):
        ExpressionClassifier(model_with_bias(tmp_path, [0.0, 0.5]))

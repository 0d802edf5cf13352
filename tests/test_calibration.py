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
from model_export.__main__ import main
from model_export.calibrate import GRID, balanced_accuracy, class_bias, recall, recall_floor_bias


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


def test_a_recall_floor_lifts_only_that_class_and_no_further_than_it_needs() -> None:
    probabilities, labels = under_called_sad()
    before = recall(probabilities, labels, np.zeros(3), 2)
    assert before < 0.6  # half the sad faces are called neutral
    bias = recall_floor_bias(probabilities, labels, 2, 0.85)
    assert bias[0] == bias[1] == 0.0
    assert recall(probabilities, labels, bias, 2) >= 0.85
    smaller = bias.copy()
    smaller[2] = round(bias[2] - 0.05, 2)  # one grid step less
    assert recall(probabilities, labels, smaller, 2) < 0.85  # the smallest shift that reaches the floor
    # a floor already met needs no offset; one never met gets the largest shift the grid has
    assert recall_floor_bias(probabilities, labels, 2, before).tolist() == [0.0, 0.0, 0.0]
    hopeless = probabilities.copy()
    hopeless[np.flatnonzero(labels == 2)[0]] = [1 - 2e-9, 1e-9, 1e-9]  # no shift on the grid makes it sad
    assert recall_floor_bias(hopeless, labels, 2, 1.0)[2] == GRID.max()
    # faces without a label (-1: the annotators had no majority) count for nothing
    unlabelled = np.where(labels == 2, labels, -1)
    assert recall_floor_bias(probabilities, unlabelled, 2, 0.85).tolist() == bias.tolist()
    with pytest.raises(ValueError, match="no face is labelled"):
        recall_floor_bias(probabilities, np.full(len(labels), -1), 2, 0.85)


@pytest.mark.parametrize("value", ["sad", "sad=0", "sad=1.5", "=0.8", "sad=most"])
def test_convert_refuses_a_recall_floor_it_cannot_read_in_one_line(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before any model or data is read: argparse's usage line, then the reason."""
    with pytest.raises(SystemExit) as stopped:
        main(["convert", "--run", str(tmp_path / "run"), "--data", str(tmp_path / "x.npz"), "--min-recall", value])
    assert stopped.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.endswith("give CLASS=RECALL, such as sad=0.85")
    assert "--min-recall" in last


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

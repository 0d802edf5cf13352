"""The neutral/sad trade-off report: moving the sad decision moves faces
between neutral and sad, and the summary finds the best point each target allows."""

from __future__ import annotations

import numpy as np

from device.expression.evaluate import NO_PREDICTION, Evaluation, predicted_classes
from model_export.tradeoff import decision_tradeoff, shifted, tradeoff_table

CLASSES = ("neutral", "happy", "sad")
NEUTRAL, HAPPY, SAD = range(3)


def evaluation(labels: list[int], probabilities: list[list[float]]) -> Evaluation:
    p = np.array(probabilities, dtype=np.float64)
    return Evaluation(CLASSES, np.array(labels), predicted_classes(p), np.ones(len(labels), bool), 0, None, p)


def mild_and_clear() -> tuple[Evaluation, Evaluation]:
    """Annotators' labels: four mild-sad faces they call neutral (sad at 0.4
    of the probability), two clear sad faces (0.7), two neutral ones.
    Posed faces: four sad ones, two mild (0.4) and two clear (0.7), and a smile."""
    mild, clear, calm = [0.55, 0.05, 0.4], [0.25, 0.05, 0.7], [0.9, 0.05, 0.05]
    agreement = evaluation([NEUTRAL] * 4 + [SAD] * 2 + [NEUTRAL] * 2, [mild] * 4 + [clear] * 2 + [calm] * 2)
    posed = evaluation([SAD] * 4 + [HAPPY], [mild, mild, clear, clear, [0.1, 0.8, 0.1]])
    return agreement, posed


def test_a_shift_moves_faces_between_neutral_and_sad_only() -> None:
    agreement, _ = mild_and_clear()
    assert list(shifted(agreement, SAD, 0.0)) == list(agreement.predictions)
    # log(0.55 / 0.4) = 0.32: a shift of 0.4 tips the mild faces to sad, not the calm ones
    assert list(shifted(agreement, SAD, 0.4)) == [SAD] * 6 + [NEUTRAL] * 2
    # log(0.7 / 0.25) = 1.03: even a shift of -1 leaves the clear faces sad
    assert list(shifted(agreement, SAD, -1.0)) == [NEUTRAL] * 4 + [SAD] * 2 + [NEUTRAL] * 2


def test_the_summary_shows_that_no_shift_meets_both_targets_when_they_conflict() -> None:
    agreement, posed = mild_and_clear()
    report = decision_tradeoff({"test_ferplus_majority": {"m": agreement}, "test_posed_like": {"m": posed}}, CLASSES)
    assert report is not None
    model = report["models"]["m"]
    unshifted = next(row for row in model["curve"] if row["shift"] == 0.0)
    assert unshifted == {"shift": 0.0, "accuracy": 1.0, "recall": 0.5}
    # Recalling the mild posed faces costs the four mild faces the annotators call neutral.
    keeping_recall = model["best_agreement_keeping_recall"]
    assert keeping_recall["recall"] == 1.0
    assert keeping_recall["accuracy"] == 0.5
    assert 0.3 < keeping_recall["shift"] <= 0.4  # the smallest shift that tips them
    keeping_agreement = model["best_recall_keeping_agreement"]
    assert keeping_agreement == {"shift": 0.0, "accuracy": 1.0, "recall": 0.5}
    table = tradeoff_table(report)
    assert "| m | 50.0% / 100% (shift +0.4) | 100.0% / 50% (shift +0.0) | 100.0% / 50% (shift +0.0) |" in table


def test_faces_without_a_prediction_stay_wrong_and_sets_without_votes_give_no_report() -> None:
    probabilities = np.array([[0.2, 0.1, 0.7], [np.nan, np.nan, np.nan]])
    assert list(predicted_classes(probabilities)) == [SAD, NO_PREDICTION]
    missed = evaluation([SAD, SAD], probabilities.tolist())
    assert list(shifted(missed, SAD, 1.0)) == [SAD, NO_PREDICTION]
    assert decision_tradeoff({"test_folder_labels": {"m": missed}}, CLASSES) is None
    assert decision_tradeoff({"test_ferplus_majority": {}, "test_posed_like": {}}, ("neutral", "happy")) is None
    no_sad = evaluation([NEUTRAL], [[0.8, 0.1, 0.1]])
    without_sad = {"test_ferplus_majority": {"m": missed}, "test_posed_like": {"m": no_sad}}
    assert decision_tradeoff(without_sad, CLASSES) is None  # nothing to recall: no curve

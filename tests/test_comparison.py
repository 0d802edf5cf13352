"""The comparison's arithmetic: intervals, the face-by-face split and its
test, and the table a developer reads."""

from __future__ import annotations

from typing import Any

import numpy as np

from device.expression.evaluate import NO_PREDICTION, Evaluation
from model_export.evaluate import comparison_table, paired_with, scores

CLASSES = ("neutral", "happy", "sad")


def evaluation(labels: list[int], predictions: list[int]) -> Evaluation:
    return Evaluation(CLASSES, np.array(labels), np.array(predictions), np.ones(len(labels), bool), 0)


def test_the_split_counts_faces_only_one_model_gets_right_and_tests_it() -> None:
    labels = [0, 1, 2] * 10
    better = evaluation(labels, labels[:25] + [0] * 5)  # the last five are 1, 2, 0, 1, 2: four wrong
    worse = evaluation(labels, [1] * 15 + labels[15:])  # wrong on ten of the first fifteen
    pair = paired_with(better, worse)
    assert pair["only_this_right"] == 10
    assert pair["only_other_right"] == 4
    assert 0.17 < pair["p_value"] < 0.19  # 10 against 4: McNemar's exact p is 2 * 1471 / 2**14 = 0.18
    same = paired_with(better, better)
    assert same == {"only_this_right": 0, "only_other_right": 0, "p_value": 1.0}
    lopsided = paired_with(evaluation([0] * 12, [0] * 12), evaluation([0] * 12, [1] * 12))
    assert lopsided["p_value"] == 0.000488  # 12 against 0: 2 / 2**12, to three significant digits
    huge = paired_with(evaluation([0] * 900, [0] * 900), evaluation([0] * 900, [1] * 900))
    assert 0 < huge["p_value"] < 1e-200  # still a number, however small


def test_a_face_with_no_prediction_counts_as_wrong_in_the_split_and_the_interval() -> None:
    labels = [0, 1, 2, 0]
    found = evaluation(labels, [0, 1, 2, 0])
    missed = evaluation(labels, [0, 1, 2, NO_PREDICTION])
    assert paired_with(found, missed)["only_this_right"] == 1
    score = scores(missed)
    assert score["accuracy"] == 0.75
    low, high = score["accuracy_95"]
    assert 0.2 < low < 0.75 < high < 1  # four faces say little: a wide interval


def test_the_table_shows_each_model_and_the_face_by_face_split() -> None:
    labels = [0, 1, 2] * 4
    models = {
        "int8": evaluation(labels, labels),
        "fer": evaluation(labels, [0] * 12),
    }
    comparison: dict[str, Any] = {
        "sets": {"test": {"images": 12}},
        "models": {name: {"latency_ms": 1.0, "test": scores(e)} for name, e in models.items()},
        "paired": {"model": "int8", "sets": {"test": {"fer": paired_with(models["int8"], models["fer"])}}},
    }
    table = comparison_table(comparison)
    assert "| int8 | 100.0% (sad 100%) |" in table
    assert "| fer | 33.3% (sad 0%) |" in table
    assert "| fer | 8 / 0 (p 0.0078) |" in table
    comparison["paired"]["sets"]["test"]["fer"]["p_value"] = 3e-9
    assert "| fer | 8 / 0 (p < 0.0001) |" in comparison_table(comparison)

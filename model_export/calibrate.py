"""The decision calibration: per-class offsets to the log-probabilities.

The network's probabilities carry the training set's mix of classes and its
labelling habits. A patient's practice has no such mix: each expression is
asked for in turn, and missing a clear sad face costs as much as missing a
smile. So the offsets are chosen to maximise the mean recall over classes
(balanced accuracy) on validation faces, by coordinate search over a grid,
keeping the smaller offset on ties; the first class stays at 0, as only
differences matter. Offsets that gain less than MIN_GAIN are not kept: on
1,300 validation faces that is within the noise, and an offset that earns
nothing only moves the model away from what it learned. The classifier
applies them (classifier.py).

A model trained towards FER+ annotators' vote shares reads mild sadness as
neutral, as they do, and its balanced accuracy barely moves with the sad
offset (flat within half a point), so that objective cannot place it. Such
a model's decision is set by a recall floor instead (`recall_floor_bias`):
the smallest offset on one class at which the validation faces most
annotators give that class are recalled at least as often as the floor
says: a patient's clear sad face must be called sad.
"""

from __future__ import annotations

import numpy as np

from device.expression.evaluate import predicted_classes

GRID = np.round(np.arange(-1.5, 1.5001, 0.05), 2)
SWEEPS = 3
MIN_GAIN = 0.01  # mean recall, as a fraction


def decided(probabilities: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """The class each face is given with `bias` added to its log-probabilities
    (NO_PREDICTION where its row is nan: no face was found)."""
    return predicted_classes(np.log(np.maximum(probabilities, 1e-9)) + bias)


def balanced_accuracy(probabilities: np.ndarray, labels: np.ndarray, bias: np.ndarray) -> float:
    predicted = decided(probabilities, bias)
    recalls = [float((predicted[labels == k] == k).mean()) for k in np.unique(labels)]
    return float(np.mean(recalls))


def class_bias(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Offsets (one per class, the first 0) maximising balanced accuracy."""
    bias = np.zeros(probabilities.shape[1])
    best = balanced_accuracy(probabilities, labels, bias)
    for _ in range(SWEEPS):
        for k in range(1, len(bias)):
            for value in sorted(GRID, key=abs):
                trial = bias.copy()
                trial[k] = value
                score = balanced_accuracy(probabilities, labels, trial)
                if score > best:
                    best, bias = score, trial
    if best - balanced_accuracy(probabilities, labels, np.zeros_like(bias)) < MIN_GAIN:
        return np.zeros_like(bias)
    return bias


def recall(probabilities: np.ndarray, labels: np.ndarray, bias: np.ndarray, column: int) -> float:
    """The share of the faces labelled `column` that are predicted `column` under `bias`."""
    return float((decided(probabilities, bias)[labels == column] == column).mean())


def recall_floor_bias(probabilities: np.ndarray, labels: np.ndarray, column: int, floor: float) -> np.ndarray:
    """Offsets with one class shifted: the smallest shift on GRID, 0 or more,
    at which that class's recall among `labels` reaches `floor` (the largest
    shift on GRID where none does); none where it already does."""
    bias = np.zeros(probabilities.shape[1])
    if not (labels == column).any():
        raise ValueError("no face is labelled with the class whose recall is held")
    for value in GRID[GRID >= 0]:
        bias[column] = value
        if recall(probabilities, labels, bias, column) >= floor:
            break
    return bias

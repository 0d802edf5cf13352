"""Training targets from the FER+ annotators' votes: which images are faces,
how much of each target the votes set, and which class a face counts as.

Only training uses these (model_export/train.py); the device reads votes for
evaluation only, through device/expression/votes.py, which keeps the file's
reading and the majority label.

Why the folder labels stay: annotators call mild sadness neutral, and posed
sadness is often mild, so majority labels cost sad recall on posed faces
(measured in docs/model.md). The votes remove what they say is not a face,
and can be blended into the targets as shares (`soft_targets`, train's
--vote-share).
"""

from __future__ import annotations

import numpy as np

from device.expression.votes import VOTE_COLUMNS, VotesError, class_votes


def soft_targets(labels: np.ndarray, table: np.ndarray, classes: tuple[str, ...], weight: float) -> np.ndarray:
    """Training targets that blend each image's folder label with its annotators'
    vote shares among `classes`: (1 - weight) * one-hot + weight * shares.
    An image without votes for any of `classes` keeps its one-hot label.

    The blend keeps the folder's say (posed sadness is often mild, and
    annotators call mild sadness neutral) while telling the network which
    images most people read otherwise."""
    if not 0.0 <= weight <= 1.0:
        raise VotesError(f"the vote-share weight must be between 0 and 1, not {weight}")
    one_hot = np.eye(len(classes))[labels]
    own = class_votes(table, classes).astype(np.float64)
    total = own.sum(axis=1, keepdims=True)
    shares = np.where(total > 0, own / np.maximum(total, 1), one_hot)
    return (1.0 - weight) * one_hot + weight * shares


def strongest_class(targets: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each row's class with the largest target, a tie going to the folder
    label (`labels`): a sad face that every annotator calls neutral has the
    target (0.5, 0, 0.5) at weight 0.5, and stays sad."""
    rows = np.arange(len(labels))
    own_is_largest = targets[rows, labels] >= targets.max(axis=1)
    return np.where(own_is_largest, labels, targets.argmax(axis=1)).astype(np.int64)


def not_a_face(table: np.ndarray, found: np.ndarray) -> np.ndarray:
    """Images FER+ dropped, or whose most-voted column is 'not a face'."""
    return ~found | (table.argmax(axis=1) == VOTE_COLUMNS.index("NF"))

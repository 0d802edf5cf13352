"""FER+ annotators' votes for FER2013 images, matched to prepared samples.

The CSV (Barsoum et al., ICMI 2016; MIT licence) has one row per image:
`file` (the path under the dataset folder, such as train/sad/x.jpg), then ten
annotators' vote counts for neutral, happiness, surprise, sadness, anger,
disgust, fear, contempt, unknown and NF (not a face). Images FER+ dropped
(mostly not faces) have no row.

How training and evaluation use them (measured in the README, "The expression model"):
- training keeps the folder labels: annotators call mild sadness neutral, and
  posed sadness is often mild, so majority labels cost sad recall on posed
  faces; the votes remove what they say is not a face, and can be blended
  into the targets as shares (`soft_targets`, train's --vote-share);
- evaluation scores the test images again with the majority label, and
  builds the posed-like validation set from faces the annotators agree on.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from device.errors import KioskError

# The CSV's vote columns, and the product's class names for those it shares.
VOTE_COLUMNS = (
    "neutral",
    "happiness",
    "surprise",
    "sadness",
    "anger",
    "disgust",
    "fear",
    "contempt",
    "unknown",
    "NF",
)
CLASS_COLUMN = {
    "neutral": "neutral",
    "happy": "happiness",
    "sad": "sadness",
    "surprise": "surprise",
    "angry": "anger",
    "disgust": "disgust",
    "fear": "fear",
}


class VotesError(KioskError):
    """The votes file cannot be used; the message says why."""


@dataclass(frozen=True)
class Votes:
    """Vote counts by image key: class folder and file name (sad/x.jpg). FER2013's
    file names are unique across its splits (Training_, PublicTest_, PrivateTest_),
    so a copy of some of its images in the same layout (the test fixtures) is matched too."""

    counts: dict[str, np.ndarray]  # key -> 10 vote counts, in VOTE_COLUMNS order

    @staticmethod
    def load(path: Path) -> Votes:
        """The votes of every image in the CSV."""
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.reader(handle))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise VotesError(f"{path} cannot be read as FER+ votes ({exc})") from exc
        if not rows or tuple(rows[0][1:]) != VOTE_COLUMNS:
            raise VotesError(f"{path}: expected the columns file,{','.join(VOTE_COLUMNS)}")
        try:
            counts = {_key(row[0]): np.array(row[1:], dtype=np.int64) for row in rows[1:] if row and _key(row[0])}
        except ValueError as exc:
            raise VotesError(f"{path} cannot be read as FER+ votes ({exc})") from exc
        if not counts:
            raise VotesError(f"{path} holds no votes")
        return Votes(counts)

    def of(self, image: str | Path) -> np.ndarray | None:
        """The vote counts of an image (any path ending in <class>/<file>), or None."""
        return self.counts.get(_key(image))

    def table(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each image: its 10 vote counts (zeros where it has none) and whether it has them."""
        found = np.zeros(len(images), dtype=bool)
        table = np.zeros((len(images), len(VOTE_COLUMNS)), dtype=np.int64)
        for i, image in enumerate(images):
            row = self.of(str(image))
            if row is not None:
                table[i], found[i] = row, True
        return table, found

    def majority_of(self, images: Iterable[str | Path], classes: tuple[str, ...]) -> np.ndarray:
        """Each image's majority label among `classes` (see `majority`), -1 where it has none."""
        table, found = self.table(np.array([str(image) for image in images]))
        return majority(table, found, classes)


def _key(image: str | Path) -> str:
    """An image's key: its class folder and file name ("" for a bare file name)."""
    parts = Path(image).parts
    return f"{parts[-2]}/{parts[-1]}" if len(parts) >= 2 else ""


def _columns(classes: tuple[str, ...]) -> list[int]:
    """The vote columns of the given product classes."""
    missing = [c for c in classes if c not in CLASS_COLUMN]
    if missing:
        raise VotesError(f"FER+ has no votes for class(es) {', '.join(missing)}")
    return [VOTE_COLUMNS.index(CLASS_COLUMN[c]) for c in classes]


def class_votes(table: np.ndarray, classes: tuple[str, ...]) -> np.ndarray:
    """The vote counts for the given product classes only, N x len(classes)."""
    return table[:, _columns(classes)]


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


def majority(table: np.ndarray, found: np.ndarray, classes: tuple[str, ...]) -> np.ndarray:
    """The majority label among `classes` per image: the class with strictly
    the most votes of all ten columns; -1 where there is none (a tie, an
    image without votes, or another column winning)."""
    own = class_votes(table, classes)
    best = own.max(axis=1)
    others = np.delete(table, _columns(classes), axis=1).max(axis=1)
    unique = (own == best[:, None]).sum(axis=1) == 1
    label = np.where(found & unique & (best > others), own.argmax(axis=1), -1)
    return label.astype(np.int64)

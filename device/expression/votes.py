"""FER+ annotators' votes for FER2013 images, matched to prepared samples.

The CSV (Barsoum et al., ICMI 2016; MIT licence) has one row per image:
`file` (the path under the dataset folder, such as train/sad/x.jpg), then ten
annotators' vote counts for neutral, happiness, surprise, sadness, anger,
disgust, fear, contempt, unknown and NF (not a face). Images FER+ dropped
(mostly not faces) have no row.

The device uses them to evaluate its model (`python -m device evaluate`
scores the test images again with the majority label); model_export also
builds the posed-like validation set from faces the annotators agree on.
What only training does with them (which images are faces, soft targets)
is in model_export/vote_targets.py.
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

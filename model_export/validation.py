"""The held-out training faces a run is judged and calibrated on.

A run keeps a stratified part of its training data out of training
(val_indices.npy). Two disjoint parts of it are used after training:
- the posed-like set: faces that look like posed photos (found by the
  detector, frontal, and at least POSED_AGREEMENT of ten FER+ annotators
  naming the folder's expression), a column of the comparison table;
- the rest, which sets the decision calibration (calibrate.py), so that no
  figure in the table is measured on the faces that tuned it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from device.expression.votes import Votes, class_votes
from device.vision.geometry import head_pose
from model_export.common import Prepared

POSED_AGREEMENT = 6  # of ten annotators naming the folder's expression
FRONTAL_DEGREES = 15.0  # |yaw| and |pitch| at most


def validation_indices(run_dir: Path) -> np.ndarray:
    path = run_dir / "val_indices.npy"
    if not path.exists():
        raise SystemExit(f"{path} is missing: the run's validation split is needed (train writes it)")
    return np.load(path)


def posed_like(train: Prepared, indices: np.ndarray, votes: Votes) -> np.ndarray:
    """Those of `indices` that look like posed photos (see the module's docstring)."""
    table, found = votes.table(train.paths[indices])
    agreed = class_votes(table, train.classes)[np.arange(len(indices)), train.labels[indices]] >= POSED_AGREEMENT
    size = (train.crops.shape[2], train.crops.shape[1])
    poses = [head_pose(train.points[i], size) for i in indices]
    frontal = np.array([abs(p.yaw) <= FRONTAL_DEGREES and abs(p.pitch) <= FRONTAL_DEGREES for p in poses])
    return indices[found & agreed & frontal & train.detected[indices]]


def calibration_indices(train: Prepared, indices: np.ndarray, votes: Votes | None) -> np.ndarray:
    """The validation faces that set the decision calibration: all but the posed-like ones."""
    return indices if votes is None else np.setdiff1d(indices, posed_like(train, indices, votes))

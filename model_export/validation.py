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


POSED_RULE = (
    f"the class folders, where at least {POSED_AGREEMENT} of 10 FER+ annotators agree; frontal "
    f"(|yaw|, |pitch| <= {FRONTAL_DEGREES:.0f} degrees), found by the detector"
)


def looks_posed(
    table: np.ndarray,
    found: np.ndarray,
    labels: np.ndarray,
    *,
    classes: tuple[str, ...],
    yaw_pitch: np.ndarray,
    detected: np.ndarray,
) -> np.ndarray:
    """Per face, whether it looks like a posed photo (POSED_RULE): its FER+
    votes (`table`, `found` from Votes.table) agree with its label, its head
    pose (yaw, pitch in degrees; nan where there is no face) is frontal, and
    the detector found it. The one rule both posed-like sets are chosen by."""
    agreed = class_votes(table, classes)[np.arange(len(labels)), labels] >= POSED_AGREEMENT
    with np.errstate(invalid="ignore"):  # nan: no face, never frontal
        frontal = (np.abs(yaw_pitch) <= FRONTAL_DEGREES).all(axis=1)
    return found & agreed & frontal & detected


def posed_like(train: Prepared, indices: np.ndarray, votes: Votes) -> np.ndarray:
    """Those of `indices` that look like posed photos (see the module's docstring)."""
    table, found = votes.table(train.paths[indices])
    size = (train.crops.shape[2], train.crops.shape[1])
    poses = [head_pose(train.points[i], size) for i in indices]
    yaw_pitch = np.array([(pose.yaw, pose.pitch) for pose in poses], dtype=np.float64).reshape(-1, 2)
    labels, detected = train.labels[indices], train.detected[indices]
    return indices[looks_posed(table, found, labels, classes=train.classes, yaw_pitch=yaw_pitch, detected=detected)]


def calibration_indices(train: Prepared, indices: np.ndarray, votes: Votes | None) -> np.ndarray:
    """The validation faces that set the decision calibration: all but the posed-like ones."""
    return indices if votes is None else np.setdiff1d(indices, posed_like(train, indices, votes))

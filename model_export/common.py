"""What the model_export steps share: the prepared-data file and run folders."""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from device.expression.preprocess import EYE_LINE, SPAN, InputSpec, Representation, model_input

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
DEFAULT_CLASSES = ("neutral", "happy", "sad")


@dataclass(frozen=True)
class Prepared:
    """A prepared dataset: each face as a canonical aligned crop plus its
    landmarks in that crop (see prepare.py)."""

    crops: np.ndarray  # N x C x C uint8
    points: np.ndarray  # N x 68 x 2 float32, in crop pixels
    labels: np.ndarray  # N int, index into classes
    classes: tuple[str, ...]
    paths: np.ndarray  # N str, the source images
    detected: np.ndarray  # N bool: found by dlib's detector (not the whole-image fallback)

    @staticmethod
    def load(path: Path) -> Prepared:
        with np.load(path, allow_pickle=False) as data:
            return Prepared(
                crops=data["crops"],
                points=data["points"],
                labels=data["labels"],
                classes=tuple(str(c) for c in data["classes"]),
                paths=data["paths"],
                detected=data["detected"],
            )

    def select(self, classes: tuple[str, ...]) -> Prepared:
        """Only the samples of `classes`, relabelled in that order."""
        missing = [c for c in classes if c not in self.classes]
        if missing:
            raise SystemExit(f"the prepared data has no class {', '.join(missing)} (it has {', '.join(self.classes)})")
        old = np.array([self.classes.index(c) for c in classes])
        keep = np.isin(self.labels, old)
        remap = {int(o): n for n, o in enumerate(old)}
        return self.subset(keep, np.array([remap[int(v)] for v in self.labels[keep]]), classes)

    def subset(self, keep: np.ndarray, labels: np.ndarray, classes: tuple[str, ...]) -> Prepared:
        """The faces `keep` selects, labelled anew (`labels`, one per kept face, index into `classes`)."""
        return Prepared(
            crops=self.crops[keep],
            points=self.points[keep],
            labels=labels.astype(np.int64),
            classes=classes,
            paths=self.paths[keep],
            detected=self.detected[keep],
        )

    def joined(self, other: Prepared) -> Prepared:
        """These faces, then `other`'s (same classes): indices of these stay as they were."""
        if other.classes != self.classes or other.crops.shape[1:] != self.crops.shape[1:]:
            raise SystemExit("the added faces were prepared for other classes or another crop size")
        return Prepared(
            crops=np.concatenate([self.crops, other.crops]),
            points=np.concatenate([self.points, other.points]),
            labels=np.concatenate([self.labels, other.labels]),
            classes=self.classes,
            paths=np.concatenate([self.paths, other.paths]),
            detected=np.concatenate([self.detected, other.detected]),
        )

    def inputs(self, indices: np.ndarray, spec: InputSpec) -> np.ndarray:
        """Model inputs (no augmentation) for the given samples."""
        return np.stack([model_input(self.crops[i], self.points[i], spec) for i in indices])


def run_input_spec(run: dict[str, Any]) -> InputSpec:
    """The model input a run was trained on (its run.json). Training always
    uses the default view; a run folder made to score a test-time variant of
    a model may name another (span, eye_line: see preprocess.InputSpec)."""
    return InputSpec(
        run["input_size"],
        Representation(run["representation"]),
        run.get("detail_px"),
        float(run.get("span", SPAN)),
        float(run.get("eye_line", EYE_LINE)),
    )


def record_command(run_dir: Path) -> None:
    """Append the command that is running to the run's list, for the model card."""
    run_dir.mkdir(parents=True, exist_ok=True)
    line = "python -m model_export " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    with (run_dir / "commands.txt").open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")

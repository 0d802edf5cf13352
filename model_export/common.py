"""What the model_export steps share: the prepared-data file and run folders."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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


def command_line() -> str:
    """The model_export command that is running, as it could be typed again."""
    return "python -m model_export " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def record_command(run_dir: Path, *, first: bool = False) -> None:
    """Add the command that is running to the run's list, for the model card;
    `first` (train) starts the list afresh, so a folder trained again lists
    only the commands of the run it now holds."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with (run_dir / "commands.txt").open("w" if first else "a", encoding="utf-8") as handle:
        handle.write(command_line() + "\n")


def source_path(prepared: Path) -> Path:
    """Where prepare records what a prepared file was made from (source_record)."""
    return prepared.with_suffix(".source.json")


def read_source(prepared: Path) -> dict[str, Any] | None:
    path = source_path(prepared)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def content_hash(root: Path, files: list[Path]) -> str:
    """One sha256 over the files' paths (relative to root) and their bytes:
    the same hash means the same images under the same class folders."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def code_commit() -> str:
    """The checkout's commit, marked when files differ from it ('unknown' outside git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "device", "model_export"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return f"{head} (with uncommitted changes to device/ or model_export/)" if changed else head


def write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")


@contextmanager
def output_to(log_path: Path) -> Iterator[None]:
    """Everything written to stdout and stderr meanwhile, by Python or by
    TensorFlow's C++ (file descriptors 1 and 2), appended to `log_path`
    instead of the terminal: TensorFlow's conversion prints hundreds of
    lines no one needs unless it fails."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


class DefaultsHelp(argparse.ArgumentDefaultsHelpFormatter):
    """--help with each option's default, where it has one (not the required
    ones' None, nor a flag's False)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, argparse.SUPPRESS) or action.required or action.nargs == 0:
            return action.help
        return super()._get_help_string(action)

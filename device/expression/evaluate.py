"""Accuracy of a classifier on a folder-per-class dataset, found the way the
device finds faces. Used by `python -m device evaluate` and model_export."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from device.expression.dataset import Sample, find_face, read_gray
from device.vision.geometry import head_pose
from device.vision.landmarks import FaceLandmarker

# image (gray), landmarks -> class probabilities in the order of `classes`;
# None where the predictor finds no face of its own (a peer with its own detector)
Predictor = Callable[[np.ndarray, np.ndarray], np.ndarray | None]
NO_PREDICTION = -1


@dataclass(frozen=True)
class Evaluation:
    classes: tuple[str, ...]
    labels: np.ndarray  # true class index per image
    predictions: np.ndarray  # predicted class index, NO_PREDICTION where nothing could be predicted
    detected: np.ndarray  # bool: dlib's detector found the face (not the whole-image fallback)
    unreadable: int
    head_poses: np.ndarray | None = None  # yaw, pitch in degrees per image (nan: no face)
    probabilities: np.ndarray | None = None  # per image and class (nan where nothing was predicted)

    @property
    def total(self) -> int:
        return len(self.labels)

    @property
    def no_face(self) -> int:
        """Images where the detector found no face (predicted from the whole
        image as the face box when the photo is a small face crop)."""
        return int((~self.detected).sum())

    def relabelled(self, labels: np.ndarray) -> Evaluation:
        """The same predictions scored against other labels (-1: leave the image out),
        such as FER+ annotators' majority for the same test images."""
        keep = labels >= 0
        return replace(
            self,
            labels=labels[keep],
            predictions=self.predictions[keep],
            detected=self.detected[keep],
            head_poses=None if self.head_poses is None else self.head_poses[keep],
            probabilities=None if self.probabilities is None else self.probabilities[keep],
        )

    def accuracy(self, mask: np.ndarray | None = None) -> float:
        mask = np.ones(self.total, bool) if mask is None else mask
        if not mask.any():
            return float("nan")
        return float((self.predictions[mask] == self.labels[mask]).mean())

    def confusion(self) -> np.ndarray:
        """Rows: true class; columns: predicted class (images with no prediction left out)."""
        k = len(self.classes)
        matrix = np.zeros((k, k), dtype=np.int64)
        for truth, guess in zip(self.labels, self.predictions, strict=True):
            if guess != NO_PREDICTION:
                matrix[truth, guess] += 1
        return matrix

    def per_class(self) -> dict[str, dict[str, float]]:
        matrix = self.confusion()
        result = {}
        for i, name in enumerate(self.classes):
            support = int((self.labels == i).sum())
            predicted = int(matrix[:, i].sum())
            result[name] = {
                "precision": float(matrix[i, i] / predicted) if predicted else float("nan"),
                "recall": float(matrix[i, i] / support) if support else float("nan"),
                "support": support,
            }
        return result

    def summary(self) -> dict[str, object]:
        return {
            "images": self.total,
            "unreadable": self.unreadable,
            "no_face": self.no_face,
            "accuracy_all_images": round(self.accuracy(), 4),
            "accuracy_faces_found": round(self.accuracy(self.detected), 4),
            "per_class": {
                name: {key: None if math.isnan(value) else round(value, 4) for key, value in stats.items()}
                for name, stats in self.per_class().items()
            },
            "confusion": {"rows_true_columns_predicted": list(self.classes), "matrix": self.confusion().tolist()},
        }


def evaluate(
    predict: Predictor,
    classes: Sequence[str],
    samples: Sequence[Sample],
    landmarker: FaceLandmarker,
    progress: Callable[[Iterable[Sample]], Iterable[Sample]] = lambda s: s,
) -> Evaluation:
    return evaluate_many({"model": predict}, classes, samples, landmarker, progress)["model"]


def evaluate_many(
    predictors: Mapping[str, Predictor],
    classes: Sequence[str],
    samples: Sequence[Sample],
    landmarker: FaceLandmarker,
    progress: Callable[[Iterable[Sample]], Iterable[Sample]] = lambda s: s,
    *,
    with_head_poses: bool = False,
) -> dict[str, Evaluation]:
    """Each predictor on the same images, each face found once; with
    `with_head_poses`, each face's yaw and pitch too (0.4 ms a face, which
    only model_export's posed-like choice needs)."""
    index = {name: i for i, name in enumerate(classes)}
    labels, detected, poses = [], [], []
    outputs: dict[str, list[np.ndarray]] = {name: [] for name in predictors}
    nothing = np.full(len(classes), np.nan)
    unreadable = 0
    for sample in progress(samples):
        labels.append(index[sample.label])
        gray = read_gray(sample.path)
        face = find_face(landmarker, gray) if gray is not None else None
        if gray is None:
            unreadable += 1
        if gray is None or face is None or face.points is None:
            for output in outputs.values():
                output.append(nothing)
            detected.append(False)
            if with_head_poses:
                poses.append((math.nan, math.nan))
            continue
        for name, predict in predictors.items():
            probabilities = predict(gray, face.points)
            outputs[name].append(nothing if probabilities is None else np.asarray(probabilities, np.float64))
        detected.append(face.detected)
        if with_head_poses:
            pose = head_pose(face.points, (gray.shape[1], gray.shape[0]))
            poses.append((pose.yaw, pose.pitch))
    evaluations = {}
    for name, output in outputs.items():
        probabilities = np.array(output, dtype=np.float64).reshape(-1, len(classes))
        evaluations[name] = Evaluation(
            tuple(classes),
            np.array(labels, dtype=np.int64),
            predicted_classes(probabilities),
            np.array(detected, dtype=bool),
            unreadable,
            np.array(poses, dtype=np.float64).reshape(-1, 2) if with_head_poses else None,
            probabilities,
        )
    return evaluations


def predicted_classes(probabilities: np.ndarray) -> np.ndarray:
    """The most probable class per row; NO_PREDICTION where a row is nan (nothing predicted)."""
    missing = np.isnan(probabilities).any(axis=1)
    return np.where(missing, NO_PREDICTION, np.nan_to_num(probabilities, nan=-1.0).argmax(axis=1)).astype(np.int64)


def format_evaluation(name: str, evaluation: Evaluation) -> str:
    lines = [
        f"{name}: {evaluation.total} images, {evaluation.no_face} without a detected face, "
        f"{evaluation.unreadable} unreadable",
        f"  accuracy over all images:  {evaluation.accuracy():.1%}",
        f"  accuracy over faces found: {evaluation.accuracy(evaluation.detected):.1%}",
        f"  {'class':<10}{'precision':>10}{'recall':>8}{'images':>8}",
    ]
    for cls, stats in evaluation.per_class().items():
        lines.append(f"  {cls:<10}{stats['precision']:>10.1%}{stats['recall']:>8.1%}{stats['support']:>8}")
    matrix = evaluation.confusion()
    lines.append("  confusion (rows: true, columns: predicted): " + "  ".join(evaluation.classes))
    for cls, row in zip(evaluation.classes, matrix, strict=True):
        lines.append(f"  {cls:<10}" + "".join(f"{v:>8}" for v in row))
    return "\n".join(lines)

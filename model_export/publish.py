"""publish: ship a trained run: the int8 model and its full card into device/models/.

    python -m model_export publish --run build/runs/final --compare build/compare

The card (JSON, read by the device) gathers what the run's steps wrote: the
classes and input, the preprocessing version, the file's hash, the training
data and its terms, the decision calibration, the evaluation (float, int8,
and the comparison with the shipped model and the peers), the fixture
figures `python -m device evaluate` reproduces, how long training took, and
the exact commands; with --compare and --class-runs, those experiments too.
Without them, the experiments recorded in the card being replaced are
carried over, marked as such: they were measured once and still hold.
A run continued from another (train --init) is published with the runs
before it: their train commands come first and the training time is theirs
and its own together.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from device.expression.classifier import ExpressionClassifier
from device.expression.dataset import FACE_CROP_THRESHOLD, SMALL_IMAGE_PX, UPSCALED_PX, list_samples
from device.expression.evaluate import evaluate
from device.expression.model_card import DEFAULT_MODEL, card_path_for
from device.expression.votes import Votes
from device.vision.landmarks import FaceLandmarker
from model_export.common import DEFAULT_CLASSES, ROOT, write_json
from model_export.convert import write_card
from model_export.evaluate import evaluation_file

FER2013_TERMS = (
    "FER2013 (Goodfellow et al., ICML 2013 'Challenges in Representation Learning'): 48x48 grayscale faces "
    "scraped from the web, released for research use. A model trained on it inherits those terms."
)


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _commands(*folders: Path) -> list[str]:
    lines: list[str] = []
    for folder in folders:
        path = folder / "commands.txt"
        if path.exists():
            lines += [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines


def training_stages(run_folder: Path) -> list[Path]:
    """The run folders that trained this run's model, first to last: a run
    started with --init from an earlier run's model.keras follows that run."""
    stages = [run_folder]
    while True:
        run = _read(stages[0] / "run.json") or {}
        earlier = Path(run["init"]).parent if run.get("init") else None
        if earlier is None or not (earlier / "run.json").exists() or earlier in stages:
            return stages
        stages.insert(0, earlier)


def _train_commands(folders: list[Path]) -> list[str]:
    """The train lines of the runs an --init run continued from."""
    return [line for line in _commands(*folders) if line.split()[3:4] == ["train"]]


def _class_sets(folders: list[Path]) -> list[dict[str, Any]]:
    """Runs alike but for their classes, each scored on the three-class test
    (for more classes, also on its own): whether the extra classes cost the
    three accuracy."""
    rows = []
    for folder in folders:
        run = _read(folder / "run.json")
        classes = tuple(run["classes"])
        three = _read(folder / evaluation_file(classes, DEFAULT_CLASSES))
        if three is None:
            wanted = " ".join(DEFAULT_CLASSES)
            raise SystemExit(f"{folder} has no three-class evaluation: run evaluate with --classes {wanted}")
        row = {
            "classes": list(classes),
            "input_size": run["input_size"],
            "epochs": run["epochs_run"],
            "train_minutes": round(run["duration_s"] / 60, 1),
            "three_class_test_int8_accuracy": three["int8"]["accuracy_all_images"],
            "three_class_test_int8_recall": {c: three["int8"]["per_class"][c]["recall"] for c in DEFAULT_CLASSES},
        }
        own = _read(folder / "evaluation.json")
        if own is not None and len(classes) > len(DEFAULT_CLASSES):
            row["own_classes_test_int8_accuracy"] = own["int8"]["accuracy_all_images"]
        rows.append(row)
    return rows


def publish(args: Any) -> int:
    run = _read(args.run / "run.json")
    evaluation = _read(args.run / "evaluation.json")
    if run is None or evaluation is None:
        raise SystemExit(f"{args.run} lacks run.json or evaluation.json: run train, convert and evaluate first")
    target = args.target
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = _read(card_path_for(target)) or {}
    shutil.copyfile(args.run / "model_int8.tflite", target)
    comparison = _read(args.compare / "comparison.json") if args.compare else None
    stages = training_stages(args.run)
    stage_runs = [_read(folder / "run.json") for folder in stages[:-1]] + [run]
    minutes = round(sum(stage["duration_s"] for stage in stage_runs) / 60, 1)
    run_card = _read(card_path_for(args.run / "model_int8.tflite"))
    extra: dict[str, Any] = {
        "architecture": run.get("architecture", "EfficientNet-B0")
        + " (Keras, weights=None: trained from scratch), full-integer int8 TFLite",
        "training": {
            "data": run["data"],
            "data_terms": args.data_terms,
            "classes_counts": run["class_counts"],
            "train_faces": run["train_faces"],
            "validation_faces": run["val_faces"],
            "epochs_run": run["epochs_run"],
            "best_epoch": run["best_epoch"],
            "best_validation_accuracy": round(run["best_val_accuracy"], 4),
            "duration_minutes": minutes,
            "stages": [
                {
                    "run": str(folder),
                    "epochs_run": stage["epochs_run"],
                    "best_epoch": stage["best_epoch"],
                    "learning_rate": stage["learning_rate"],
                    "mixup": stage.get("mixup", 0.0),  # runs before --mixup existed had none
                    "vote_share": stage.get("vote_share", 0.0),
                    "extra_faces": stage.get("extra_faces", 0),  # faces of other folders (train --extra)
                    "minutes": round(stage["duration_s"] / 60, 1),
                }
                for folder, stage in zip(stages, stage_runs, strict=True)
            ],
            "seed": run["seed"],
            "machine": args.machine,
        },
        "inference": {
            "probabilities": (
                "mean over the aligned input and its mirror image (two passes of the network), then the "
                "decision's class offsets"
            ),
            "detail": (
                f"the aligned crop reduced to {run.get('detail_px')} px across and back before the network "
                "(the detail FER2013's faces have)"
                if run.get("detail_px")
                else "the aligned crop at the input size"
            ),
            "dataset_photos": (
                f"photos under {SMALL_IMAGE_PX} px are taken as face crops: upscaled to about {UPSCALED_PX} px for "
                f"dlib's detector at threshold {FACE_CROP_THRESHOLD}, the whole image as the face box where it "
                "finds nothing"
            ),
        },
        "decision": run_card.get("decision") if run_card else None,
        "metrics": evaluation,
        "commands": _commands(Path(run["data"]).parent, *([args.compare] if args.compare else []), *args.class_runs)
        + _train_commands(stages[:-1])
        + _commands(args.run),
    }
    if comparison:
        extra["input_comparison"] = {
            "chosen_by": "validation accuracy of short runs (held-out training faces), then latency",
            "runs": comparison,
        }
    if args.class_runs:
        extra["class_sets"] = _class_sets(args.class_runs)
    carried = [key for key in ("input_comparison", "class_sets") if key not in extra and key in previous]
    for key in carried:
        extra[key] = previous[key]
    if carried:
        extra["carried_from_previous_card"] = {
            "fields": carried,
            "model": f"{previous.get('name')}, created {previous.get('created')}, sha256 {previous['file']['sha256']}",
        }
    write_card(target, run, "int8", extra)
    # The committed fixture set's figure lets a test check the shipped model
    # without the full dataset.
    classifier = ExpressionClassifier(target)
    samples = list_samples(args.fixtures, classifier.classes)
    fixture = evaluate(classifier.probabilities, classifier.classes, samples, FaceLandmarker())
    card = _read(card_path_for(target))
    card["metrics"]["fixture_set"] = {"data": str(args.fixtures.relative_to(ROOT))} | fixture.summary()
    if args.fixture_votes.exists():
        labels = Votes.load(args.fixture_votes).majority_of((s.path for s in samples), classifier.classes)
        card["metrics"]["fixture_set_ferplus_majority"] = {
            "data": str(args.fixtures.relative_to(ROOT)),
            "votes": str(args.fixture_votes.relative_to(ROOT)),
        } | fixture.relabelled(labels).summary()
    write_json(card_path_for(target), card)
    print(f"published {target} ({target.stat().st_size / 1e6:.1f} MB) and {card_path_for(target).name}")
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("publish", help="copy a run's int8 model and its card into device/models/")
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--compare", type=Path, default=None, help="the compare folder, for the card")
    parser.add_argument(
        "--class-runs", type=Path, nargs="*", default=[], help="runs alike but for their classes, for the card"
    )
    parser.add_argument("--target", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--data-terms", default=FER2013_TERMS)
    parser.add_argument("--fixtures", type=Path, default=ROOT / "tests" / "fixtures" / "expressions")
    parser.add_argument("--fixture-votes", type=Path, default=ROOT / "tests" / "fixtures" / "ferplus-votes.csv")
    parser.add_argument("--machine", default="2-core x86-64 CPU, no GPU")
    parser.set_defaults(handler=publish)

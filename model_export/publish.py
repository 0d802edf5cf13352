"""publish: ship a trained run: the int8 model and its full card into device/models/ (or --target).

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

Publishing changes nothing until everything has been checked on the run's
own files (the model and its classes, the exercises that need them, the
fixtures, the data terms) and the candidate has been compared with the
installed model on one held-out folder (a worse one only with --force).
Then the pair is installed all at once, the one it replaces kept in
previous/ (device/expression/install.py; `python -m device models
--rollback` puts it back). docs/model-training.md has the recipes.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from device.errors import KioskError
from device.expression.classifier import ExpressionClassifier
from device.expression.dataset import (
    FACE_CROP_THRESHOLD,
    SMALL_IMAGE_PX,
    UPSCALED_PX,
    DatasetError,
    Sample,
    list_samples,
)
from device.expression.evaluate import NO_PREDICTION, Evaluation, Predictor, evaluate, evaluate_many
from device.expression.install import install
from device.expression.model_card import DEFAULT_MODEL, card_path_for, sha256_of
from device.expression.votes import Votes
from device.practice.catalogue import catalogue
from device.practice.model_fit import describe, unscorable
from device.vision.landmarks import FaceLandmarker
from device.vision.model_files import ModelError
from model_export.common import DEFAULT_CLASSES, ROOT, DefaultsHelp, code_commit, write_json
from model_export.convert import write_card
from model_export.evaluate import evaluation_file

FIXTURES = ROOT / "tests" / "fixtures" / "expressions"
FIXTURE_VOTES = ROOT / "tests" / "fixtures" / "ferplus-votes.csv"
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


def _prepare_commands(stage_runs: list[dict[str, Any]]) -> list[str]:
    """The prepare commands that made the data of these runs, each once: from
    what prepare recorded (run.json's source), or for runs trained before it
    did, the lines of the prepared folder's list that wrote that file."""
    lines: list[str] = []
    for stage in stage_runs:
        for key, data in (("source", stage.get("data")), ("extra_source", stage.get("extra"))):
            record = stage.get(key)
            if record:
                found = [record["command"]]
            elif data:
                found = [line for line in _commands(Path(data).parent) if Path(data).name in line]
            else:
                found = []
            lines += [line for line in found if line not in lines]
    return lines


def _votes_record(votes: str | None) -> dict[str, Any] | None:
    if not votes:
        return None
    path = Path(votes)
    return {"path": votes, "sha256": sha256_of(path) if path.exists() else "the file is no longer there"}


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


def _card_fields(
    args: Any, run: dict[str, Any], evaluation: dict[str, Any], previous: dict[str, Any], data_terms: str
) -> dict[str, Any]:
    """What the card says beyond convert's record: training, inference, decision, metrics, commands."""
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
            "source": run.get("source"),  # the folder the prepared faces came from: path, files, content hash
            "extra_source": run.get("extra_source"),
            "votes": _votes_record(run.get("votes")),
            "data_terms": data_terms,
            "code_commit": {"trained": run.get("code_commit", "not recorded"), "published": code_commit()},
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
        # each command once: a --class-runs folder may be the run itself
        "commands": list(
            dict.fromkeys(
                _prepare_commands(stage_runs)
                + _commands(*([args.compare] if args.compare else []), *args.class_runs)
                + _train_commands(stages[:-1])
                + _commands(args.run)
            )
        ),
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
    return extra


class PublishError(KioskError):
    """Publishing stopped before anything was installed; the message says so."""


def _refused(target: Path, reason: str) -> PublishError:
    return PublishError(f"{reason}; nothing was published: {target} is unchanged")


def shown(path: Path) -> str:
    """A path as the card records it: relative to the checkout when inside it, else absolute."""
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(resolved)


@dataclass(frozen=True)
class Gate:
    """The candidate against the installed model, both scored on one held-out folder."""

    folder: Path
    classes: tuple[str, ...]  # the classes both models have, the ones scored
    images: int
    candidate: float  # accuracy over all images
    installed: float
    installed_model: str

    @property
    def worse_by(self) -> float:
        return self.installed - self.candidate

    def describe(self) -> str:
        return (
            f"{self.candidate:.1%} against the installed model's {self.installed:.1%} "
            f"on {self.images} faces of {shown(self.folder)} ({', '.join(self.classes)})"
        )

    def record(self, forced: bool) -> dict[str, Any]:
        return {
            "held_out": shown(self.folder),
            "classes": list(self.classes),
            "images": self.images,
            "accuracy": round(self.candidate, 4),
            "installed_accuracy": round(self.installed, 4),
            "installed_model": self.installed_model,
            "forced": forced,
        }


def _on_classes(classifier: ExpressionClassifier, classes: tuple[str, ...]) -> Predictor:
    """The classifier's probabilities of `classes`, then of all its other
    classes together: a face it calls one of those counts as wrong."""
    order = [classifier.classes.index(c) for c in classes]

    def predict(gray: np.ndarray, points: np.ndarray) -> np.ndarray:
        probabilities = classifier.probabilities(gray, points)
        chosen = probabilities[order]
        return np.append(chosen, probabilities.sum() - chosen.sum())

    return predict


def compare_with_installed(
    candidate: ExpressionClassifier, target: Path, folder: Path, landmarker: FaceLandmarker
) -> Gate | None:
    """Both models on the same held-out faces; None when nothing is installed
    (or what is there is not a whole model: it is replaced either way)."""
    try:
        installed = ExpressionClassifier(target)
    except ModelError as exc:
        print(f"no installed model to compare with ({exc})")
        return None
    shared = tuple(c for c in candidate.classes if c in installed.classes)
    if not shared:
        raise _refused(target, "the candidate and the installed model have no class in common to compare them on")
    samples = list_samples(folder, shared)
    predictors = {"candidate": _on_classes(candidate, shared), "installed": _on_classes(installed, shared)}
    scored = evaluate_many(predictors, (*shared, "(another class)"), samples, landmarker)
    card = installed.card.raw
    return Gate(
        folder,
        shared,
        len(samples),
        scored["candidate"].accuracy(),
        scored["installed"].accuracy(),
        f"{card.get('name')}, created {card.get('created')}, sha256 {installed.card.sha256}",
    )


def _smoke_check(classifier: ExpressionClassifier) -> None:
    """The network answers one probability per class its card names."""
    spec = classifier.card.input_spec
    probabilities = classifier.network_probabilities(
        np.zeros((spec.size, spec.size, spec.representation.channels), np.uint8)
    )
    if probabilities.shape != (len(classifier.classes),):
        raise ModelError(
            f"the network gives {probabilities.size} probabilities, its card names {len(classifier.classes)} classes"
        )


def _checked_candidate(args: Any, target: Path) -> ExpressionClassifier:
    """The run's int8 model, loaded and tried, if every exercise it meets can be scored (or --force)."""
    try:
        candidate = ExpressionClassifier(args.run / "model_int8.tflite")
        _smoke_check(candidate)
    except ModelError as exc:
        raise _refused(target, f"the run's model cannot be used: {exc}") from exc
    cannot_score = unscorable(candidate.classes, catalogue().values())
    if cannot_score:
        problem = f"{describe(cannot_score, candidate.classes)}: the kiosk would refuse those exercises"
        if not args.force:
            raise _refused(target, f"{problem} (--force publishes it anyway)")
        print(f"warning: {problem} (published anyway: --force)")
    return candidate


def _apply_gate(gate: Gate | None, force: bool, target: Path) -> None:
    """Refuse a candidate worse than the installed model, unless forced (then say by how much)."""
    if gate is None:
        return
    if gate.worse_by <= 0:
        print(f"candidate {gate.describe()}")
        return
    worse = f"the candidate is {gate.worse_by * 100:.1f} points worse: {gate.describe()}"
    if not force:
        raise _refused(target, f"{worse} (--force publishes it anyway)")
    print(f"warning: {worse}; published anyway (--force)")


def _fixture_metrics(
    fixture: Evaluation, fixtures: Path, fixture_votes: Path | None, samples: list[Sample]
) -> dict[str, Any]:
    """The card's fixture figures: by folder labels, and by the FER+ majority where there are votes."""
    metrics: dict[str, Any] = {"fixture_set": {"data": shown(fixtures)} | fixture.summary()}
    if fixture_votes is not None and fixture_votes.exists():
        labels = Votes.load(fixture_votes).majority_of((s.path for s in samples), fixture.classes)
        metrics["fixture_set_ferplus_majority"] = {
            "data": shown(fixtures),
            "votes": shown(fixture_votes),
        } | fixture.relabelled(labels).summary()
    return metrics


def publish(args: Any) -> int:
    target: Path = args.target
    run = _read(args.run / "run.json")
    evaluation = _read(args.run / "evaluation.json")
    if run is None or evaluation is None:
        raise _refused(target, f"{args.run} lacks run.json or evaluation.json: run train, convert and evaluate first")
    fixtures: Path = args.fixtures
    fixture_votes = args.fixture_votes or (FIXTURE_VOTES if fixtures.resolve() == FIXTURES else None)
    held_out: Path = args.held_out or fixtures
    data_terms = args.data_terms or (FER2013_TERMS if run.get("votes") else None)
    if data_terms is None:
        raise _refused(
            target,
            "give --data-terms: the terms under which the training faces may be used "
            "(FER2013's are assumed only for a run trained with the FER+ votes)",
        )
    # Everything is checked on the run's own files first: the installed model
    # is touched only by the last step, and only when every check has passed.
    candidate = _checked_candidate(args, target)
    classes = candidate.classes
    landmarker = FaceLandmarker()
    try:
        samples = list_samples(fixtures, classes)
        gate = compare_with_installed(candidate, target, held_out, landmarker)
    except DatasetError as exc:
        raise _refused(target, f"{exc} (give --fixtures and --held-out folders with every class of the model)") from exc
    _apply_gate(gate, args.force, target)
    with tempfile.TemporaryDirectory(prefix="publish-") as staging:
        staged = Path(staging) / target.name
        shutil.copyfile(args.run / "model_int8.tflite", staged)
        previous = _read(card_path_for(target)) or {}
        write_card(staged, run, "int8", _card_fields(args, run, evaluation, previous, data_terms))
        # The committed fixture set's figure lets a test check the shipped
        # model without the full dataset; scoring it is also the staged
        # pair's trial run, loaded as the device will load it.
        classifier = ExpressionClassifier(staged)
        fixture = evaluate(classifier.probabilities, classifier.classes, samples, landmarker)
        if not (fixture.predictions != NO_PREDICTION).any():
            raise _refused(target, f"the model classified none of the {fixture.total} faces of {shown(fixtures)}")
        card = _read(card_path_for(staged))
        card["metrics"] |= _fixture_metrics(fixture, fixtures, fixture_votes, samples)
        if gate is not None:
            card["publish_check"] = gate.record(forced=gate.worse_by > 0)
        write_json(card_path_for(staged), card)
        ExpressionClassifier(staged)
        try:
            kept = install(staged, target)
        except OSError as exc:
            raise _refused(target, f"cannot write {target.parent} ({exc})") from exc
    print(f"published {target} ({target.stat().st_size / 1e6:.1f} MB) and {card_path_for(target).name}")
    if kept is not None:
        print(f"the model it replaced is kept in {kept.parent}: python -m device models --rollback restores it")
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "publish",
        help="install a run's int8 model and its card (checked, compared with the installed one, reversible)",
        formatter_class=DefaultsHelp,
    )
    parser.add_argument("--run", type=Path, required=True, help="the run folder (train, convert, evaluate)")
    parser.add_argument("--compare", type=Path, default=None, help="the compare folder, for the card")
    parser.add_argument(
        "--class-runs", type=Path, nargs="*", default=[], help="runs alike but for their classes, for the card"
    )
    parser.add_argument(
        "--target", type=Path, default=DEFAULT_MODEL, help="where the model goes; the one it replaces goes to previous/"
    )
    parser.add_argument(
        "--data-terms",
        default=None,
        help="the terms under which the training faces may be used (required unless the run used the FER+ votes, "
        "when FER2013's are recorded)",
    )
    parser.add_argument(
        "--fixtures", type=Path, default=FIXTURES, help="a folder per class: the card's fixture figure and a trial run"
    )
    parser.add_argument(
        "--fixture-votes", type=Path, default=None, help="FER+ votes of the fixtures (default: the committed ones)"
    )
    parser.add_argument(
        "--held-out",
        type=Path,
        default=None,
        help="a folder per class that neither model trained on, to compare them (default: --fixtures)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="publish even a model worse than the installed one, or one lacking "
        "a class an exercise needs (it says by how much, or which)",
    )
    parser.add_argument("--machine", default="2-core x86-64 CPU, no GPU", help="where it was trained, for the card")
    parser.set_defaults(handler=publish)

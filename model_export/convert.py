"""convert: the trained Keras model -> full-integer int8 TFLite (and float).

    python -m model_export convert --run build/runs/NAME --data build/prepared/train.npz

The int8 model is calibrated on a few hundred real training inputs (random
noise would set the activation ranges wrong). Both files get a card
(device/expression/model_card.py) so the device and the evaluation can load
either.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from device.expression.classifier import ExpressionClassifier
from device.expression.model_card import card_path_for, input_record, sha256_of
from device.expression.votes import Votes
from model_export.calibrate import balanced_accuracy, class_bias, recall, recall_floor_bias
from model_export.common import Prepared, output_to, record_command, run_input_spec, write_json
from model_export.validation import calibration_indices, validation_indices

CALIBRATION_FACES = 300
# Under this many faces a recall floor moves in steps of several points per face.
FEW_FLOOR_FACES = 50


def write_card(model_path: Path, run: dict[str, Any], dtype: str, extra: dict[str, Any] | None = None) -> None:
    card = {
        "name": "expression-efficientnet-b0",
        "classes": run["classes"],
        "input": input_record(run_input_spec(run)) | {"dtype": dtype},
        "preprocessing_version": run["preprocessing_version"],
        "file": {"name": model_path.name, "sha256": sha256_of(model_path), "bytes": model_path.stat().st_size},
        "created": datetime.now(UTC).strftime("%Y-%m-%d"),
        **(extra or {}),
    }
    write_json(card_path_for(model_path), card)


def convert(args: Any) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    record_command(args.run)
    log = args.run / "convert.log"
    log.write_text("", encoding="utf-8")  # this conversion's messages only
    with output_to(log):
        import keras
        import tensorflow as tf

        model = keras.models.load_model(args.run / "model.keras")
    run = json.loads((args.run / "run.json").read_text(encoding="utf-8"))
    data = Prepared.load(args.data).select(tuple(run["classes"]))
    rng = np.random.default_rng(run["seed"])
    chosen = rng.choice(len(data.labels), size=min(CALIBRATION_FACES, len(data.labels)), replace=False)
    calibration = data.inputs(chosen, run_input_spec(run)).astype(np.float32)
    print(f"loaded {args.run / 'model.keras'} ({', '.join(run['classes'])}); TensorFlow's messages go to {log}")

    def representative() -> Any:
        for x in calibration:
            yield [x[np.newaxis]]

    float_path = args.run / "model_float.tflite"
    with output_to(log):
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        float_path.write_bytes(converter.convert())
    print(f"float: {float_path} ({float_path.stat().st_size / 1e6:.1f} MB)", flush=True)

    int8_path = args.run / "model_int8.tflite"
    with output_to(log):
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
        int8_path.write_bytes(converter.convert())
    print(
        f"int8:  {int8_path} ({int8_path.stat().st_size / 1e6:.1f} MB), calibrated on {len(calibration)} faces",
        flush=True,
    )

    write_card(float_path, run, "float32")
    write_card(int8_path, run, "int8")
    calibrate_decision(args, run, data, (float_path, int8_path))
    return 0


def calibrate(args: Any) -> int:
    """The calibration alone, for a run's models that exist (a published model kept without its Keras form)."""
    record_command(args.run)
    run = json.loads((args.run / "run.json").read_text(encoding="utf-8"))
    data = Prepared.load(args.data).select(tuple(run["classes"]))
    models = tuple(p for p in (args.run / "model_float.tflite", args.run / "model_int8.tflite") if p.exists())
    calibrate_decision(args, run, data, models)
    return 0


@dataclass(frozen=True)
class RecallFloor:
    """--min-recall: one class's recall held on the faces most annotators give it (calibrate.py)."""

    column: int
    name: str
    floor: float
    labels: np.ndarray  # the calibration faces' FER+ majority (-1: none)


def recall_floor(args: Any, data: Prepared, chosen: np.ndarray, votes: Votes | None) -> RecallFloor | None:
    if not args.min_recall:
        return None
    name, floor = args.min_recall
    if votes is None:
        raise SystemExit("--min-recall needs --votes (the faces most annotators give the class)")
    if name not in data.classes:
        raise SystemExit(f"--min-recall: the model has no class {name}")
    column = data.classes.index(name)
    labels = votes.majority_of(data.paths[chosen], data.classes)
    given = int((labels == column).sum())
    if given < FEW_FLOOR_FACES:
        print(
            f"warning: --min-recall sets the {name} offset from only {given} validation faces most annotators call "
            f"{name}: a noisy choice (a larger --val-fraction or more data gives more)"
        )
    return RecallFloor(column, name, floor, labels)


def decision(probabilities: np.ndarray, labels: np.ndarray, held: RecallFloor | None) -> dict[str, Any]:
    """The card's decision for one model: its offsets, how they were chosen, what they did."""
    faces, none = len(labels), np.zeros(probabilities.shape[1])
    if held is None:
        bias = class_bias(probabilities, labels)
        how: dict[str, Any] = {
            "chosen_on": f"{faces} validation faces (folder labels), not the posed-like ones",
            "objective": "mean recall over classes",
        }
    else:
        bias = recall_floor_bias(probabilities, held.labels, held.column, held.floor)
        given = int((held.labels == held.column).sum())
        how = {
            "chosen_on": f"the {given} of {faces} validation faces (not the posed-like ones) "
            f"whose FER+ majority is {held.name}",
            "objective": f"the smallest offset on {held.name} that recalls at least {held.floor:.0%} of them",
        }
    result = {
        "class_bias": [round(float(b), 2) for b in bias],
        **how,
        "mean_recall_before": round(balanced_accuracy(probabilities, labels, none), 4),
        "mean_recall_after": round(balanced_accuracy(probabilities, labels, bias), 4),
    }
    if held is not None:
        for when, offsets in (("before", none), ("after", bias)):
            result[f"{held.name}_recall_{when}"] = round(recall(probabilities, held.labels, offsets, held.column), 4)
    return result


def calibrate_decision(args: Any, run: dict[str, Any], data: Prepared, models: tuple[Path, ...]) -> None:
    """Each model's class offsets on the validation faces outside the posed-like set (calibrate.py)."""
    votes = Votes.load(args.votes) if args.votes else None
    chosen = calibration_indices(data, validation_indices(args.run), votes)
    held = recall_floor(args, data, chosen, votes)
    spec = run_input_spec(run)
    inputs = data.inputs(chosen, spec)
    for path in models:
        with output_to(args.run / "convert.log"):  # LiteRT's own line about its CPU delegate
            classifier = ExpressionClassifier(path)
        probabilities = np.stack([classifier.network_probabilities(x) for x in inputs])  # without earlier offsets
        card = json.loads(card_path_for(path).read_text(encoding="utf-8"))
        # The decision holds for the input it was set on: the card names it
        # (a test-time variant's run.json may name another view).
        card["input"] |= input_record(spec)
        card["decision"] = made = decision(probabilities, data.labels[chosen], held)
        write_json(card_path_for(path), card)
        print(
            f"{path.name}: class offsets {made['class_bias']} ({made['objective']}), "
            f"mean recall {made['mean_recall_before']:.1%} -> {made['mean_recall_after']:.1%}"
        )


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("convert", help="convert a trained run to int8 and float TFLite")
    parser.add_argument("--run", type=Path, required=True, help="run folder from train")
    parser.add_argument("--data", type=Path, required=True, help="the prepared training .npz (for calibration)")
    parser.add_argument(
        "--votes", type=Path, default=None, help="FER+ votes CSV: keep the posed-like faces out of the calibration"
    )
    add_min_recall(parser)
    parser.set_defaults(handler=convert)
    parser = sub.add_parser("calibrate", help="only the decision calibration of a run's converted models")
    parser.add_argument("--run", type=Path, required=True, help="run folder with model_int8.tflite and its card")
    parser.add_argument("--data", type=Path, required=True, help="the prepared training .npz")
    parser.add_argument("--votes", type=Path, default=None, help="FER+ votes CSV: keep the posed-like faces out")
    add_min_recall(parser)
    parser.set_defaults(handler=calibrate)


def class_floor(text: str) -> tuple[str, float]:
    """An argparse type: CLASS=RECALL, the recall a fraction above 0 and at most 1."""
    name, _, value = text.partition("=")
    try:
        floor = float(value)
    except ValueError:
        floor = -1.0
    if not name or not 0 < floor <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give CLASS=RECALL, such as sad=0.85")
    return name, floor


def add_min_recall(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--min-recall",
        type=class_floor,
        default=None,
        metavar="CLASS=RECALL",
        help="set only CLASS's offset: the smallest that recalls RECALL of the validation faces most FER+ "
        "annotators give CLASS (needs --votes), instead of the best mean recall",
    )

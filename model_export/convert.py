"""convert: the trained Keras model -> full-integer int8 TFLite (and float).

    python -m model_export convert --run build/runs/NAME --data build/prepared/train.npz

The int8 model is calibrated on a few hundred real training inputs (random
noise would set the activation ranges wrong). Both files get a card
(device/expression/model_card.py) so the device and the evaluation can load
either.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from device.expression.model_card import card_path_for, sha256_of
from device.expression.preprocess import Representation
from model_export.common import Prepared, record_command, write_json

CALIBRATION_FACES = 300


def write_card(model_path: Path, run: dict[str, Any], dtype: str, extra: dict[str, Any] | None = None) -> None:
    card = {
        "name": "expression-efficientnet-b0",
        "classes": run["classes"],
        "input": {
            "size": run["input_size"],
            "channels": Representation(run["representation"]).channels,
            "representation": run["representation"],
            "dtype": dtype,
        },
        "preprocessing_version": run["preprocessing_version"],
        "file": {"name": model_path.name, "sha256": sha256_of(model_path), "bytes": model_path.stat().st_size},
        "created": datetime.now(UTC).strftime("%Y-%m-%d"),
        **(extra or {}),
    }
    write_json(card_path_for(model_path), card)


def convert(args: Any) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    record_command(args.run)
    run = json.loads((args.run / "run.json").read_text(encoding="utf-8"))
    representation = Representation(run["representation"])
    model = keras.models.load_model(args.run / "model.keras")
    data = Prepared.load(args.data).select(tuple(run["classes"]))
    rng = np.random.default_rng(run["seed"])
    chosen = rng.choice(len(data.labels), size=min(CALIBRATION_FACES, len(data.labels)), replace=False)
    calibration = data.inputs(chosen, run["input_size"], representation).astype(np.float32)

    def representative() -> Any:
        for x in calibration:
            yield [x[np.newaxis]]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    float_path = args.run / "model_float.tflite"
    float_path.write_bytes(converter.convert())

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    int8_path = args.run / "model_int8.tflite"
    int8_path.write_bytes(converter.convert())

    write_card(float_path, run, "float32")
    write_card(int8_path, run, "int8")
    print(f"float: {float_path} ({float_path.stat().st_size / 1e6:.1f} MB)")
    print(f"int8:  {int8_path} ({int8_path.stat().st_size / 1e6:.1f} MB), calibrated on {len(calibration)} faces")
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("convert", help="convert a trained run to int8 and float TFLite")
    parser.add_argument("--run", type=Path, required=True, help="run folder from train")
    parser.add_argument("--data", type=Path, required=True, help="the prepared training .npz (for calibration)")
    parser.set_defaults(handler=convert)

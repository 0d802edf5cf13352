"""compare: short training runs of several inputs, to choose one to train fully.

    python -m model_export compare --data build/prepared/train.npz --out build/compare \
        --configs both:64 crop:64 drawing:64 both:48 both:96 --epochs 6

Each config (representation:size) is trained for a few epochs, converted to
int8, and timed. The choice uses the validation accuracy (held-out training
faces), never the test set; comparison.json records every run for the card.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from device.expression.classifier import ExpressionClassifier
from model_export.common import record_command, write_json
from model_export.evaluate import latency_ms


def compare(args: Any) -> int:
    record_command(args.out)
    rows = []
    for config in args.configs:
        representation, _, size = config.partition(":")
        run_dir = args.out / f"{representation}-{size}"
        base = [sys.executable, "-m", "model_export"]
        if not (run_dir / "model_int8.tflite").exists():
            subprocess.run(
                [
                    *base,
                    "train",
                    "--data",
                    str(args.data),
                    "--out",
                    str(run_dir),
                    "--representation",
                    representation,
                    "--size",
                    size,
                    "--epochs",
                    str(args.epochs),
                    "--patience",
                    str(args.epochs),
                    *args.train_args,
                ],
                check=True,
            )
            subprocess.run([*base, "convert", "--run", str(run_dir), "--data", str(args.data)], check=True)
        run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
        int8 = run_dir / "model_int8.tflite"
        row = {
            "representation": representation,
            "input_size": int(size),
            "epochs": run["epochs_run"],
            "best_val_accuracy": round(run["best_val_accuracy"], 4),
            "int8_latency_ms": round(latency_ms(ExpressionClassifier(int8).probabilities), 2),
            "int8_bytes": int8.stat().st_size,
            "train_minutes": round(run["duration_s"] / 60, 1),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
        write_json(args.out / "comparison.json", rows)
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("compare", help="short runs of several input representations and sizes")
    parser.add_argument("--data", type=Path, required=True, help="prepared training .npz")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--configs", nargs="+", default=["both:64", "crop:64", "drawing:64"])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--train-args", nargs="*", default=[], help="extra arguments for train")
    parser.set_defaults(handler=compare)

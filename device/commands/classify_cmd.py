"""python -m device classify IMAGE...: the expression model's probabilities per photo.

The whole device path: photo -> dlib (largest face) -> the model input ->
the int8 model. A photo without a usable face says why, and the command ends
with exit 1 if any photo had none.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import cv2

from device.commands.common import load
from device.expression.classifier import ExpressionClassifier, classifier_from_config
from device.vision.analysis import analyse_photo, load_landmarker
from device.vision.landmarks import STATUS_ADVICE


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("classify", help="expression probabilities for photos")
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    parser.add_argument(
        "--model", type=Path, default=None, help="a .tflite with its .card.json (default: expression.model)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per photo")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    classifier = ExpressionClassifier(args.model) if args.model else classifier_from_config(config)
    landmarker = load_landmarker(config)
    min_face = config.vision.min_face_px
    failures = 0
    for path in args.images:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            result: dict[str, object] = {"image": str(path), "error": "not a readable image"}
        else:
            analysis = analyse_photo(landmarker, image, min_face)
            points = analysis.face.points
            if points is None:
                result = {"image": str(path), "error": STATUS_ADVICE[analysis.face.status]}
            else:
                gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
                result = {"image": str(path), "probabilities": classifier.predict(gray, points)}
        failures += "error" in result
        print(json.dumps(result) if args.json else _line(result, classifier))
    return 1 if failures else 0


def _line(result: dict[str, Any], classifier: ExpressionClassifier) -> str:
    if "error" in result:
        return f"{result['image']}: {result['error']}"
    probabilities: dict[str, float] = result["probabilities"]
    best = max(probabilities, key=lambda name: probabilities[name])
    shares = "  ".join(f"{name} {probabilities[name]:.0%}" for name in classifier.classes)
    return f"{result['image']}: {best}  ({shares})"

"""python -m device evaluate --data DIR: the shipped expression model's
accuracy on a folder-per-class dataset, as the card reports it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from device.commands.common import load
from device.expression.classifier import ExpressionClassifier
from device.expression.dataset import DatasetError, list_samples
from device.expression.evaluate import evaluate, format_evaluation
from device.expression.model_card import DEFAULT_MODEL
from device.expression.votes import Votes, VotesError
from device.vision.analysis import load_landmarker


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("evaluate", help="accuracy of the expression model on a folder-per-class dataset")
    parser.add_argument("--data", type=Path, required=True, metavar="DIR", help="DIR/<class>/<images>")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="a .tflite with its .card.json")
    parser.add_argument(
        "--votes",
        type=Path,
        default=None,
        help="FER+ votes CSV: also score the same images against the annotators' majority (FER2013 layout)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    classifier = ExpressionClassifier(args.model)
    try:
        samples = list_samples(args.data, classifier.classes)
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    majority_labels = None
    if args.votes:
        try:
            votes = Votes.load(args.votes)
        except VotesError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        majority_labels = votes.majority_of((s.path for s in samples), classifier.classes)
    landmarker = load_landmarker(config)
    result = evaluate(classifier.probabilities, classifier.classes, samples, landmarker)
    relabelled = None if majority_labels is None else result.relabelled(majority_labels)
    if args.json:
        figures = result.summary()
        if relabelled is not None:
            figures["ferplus_majority"] = relabelled.summary()
        print(json.dumps(figures, indent=1))
    else:
        print(format_evaluation(f"{args.model.name}, folder labels", result))
        if relabelled is not None:
            print(format_evaluation(f"{args.model.name}, FER+ majority labels", relabelled))
    return 0

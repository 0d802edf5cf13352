"""python -m device models: is every model this device needs present and loadable?"""

from __future__ import annotations

import argparse
import time
from typing import Any

from device.commands.common import load
from device.expression.classifier import classifier_from_config
from device.vision.analysis import load_landmarker


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("models", help="check that the models are installed and load")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    start = time.perf_counter()
    landmarker = load_landmarker(config)  # raises ModelError with what to do
    print(f"landmark model: {landmarker.model_path} (loaded in {time.perf_counter() - start:.2f} s)")
    start = time.perf_counter()
    classifier = classifier_from_config(config)  # checks the card: hash, preprocessing version, input
    card = classifier.card
    print(
        f"expression model: {classifier.model_path} ({', '.join(card.classes)}; "
        f"{card.input_size} px {card.representation.value}; loaded in {time.perf_counter() - start:.2f} s)"
    )
    return 0

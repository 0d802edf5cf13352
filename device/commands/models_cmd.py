"""python -m device models: is every model this device needs present and loadable?

python -m device models              check them, and the exercises the expression model can score
python -m device models --rollback   put back the expression model a publish replaced
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from device.commands.common import load
from device.expression.classifier import classifier_from_config, configured_model_path
from device.expression.install import previous_of, rollback
from device.practice.catalogue import catalogue
from device.practice.model_fit import describe, unscorable
from device.vision.analysis import load_landmarker


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("models", help="check that the models are installed and load")
    parser.add_argument(
        "--rollback",
        action="store_true",
        help="restore the expression model kept in previous/ by the last publish (a second rollback undoes it)",
    )
    parser.set_defaults(handler=run)


def _rollback(target: Path) -> int:
    card = rollback(target)  # ModelError (nothing changed) when there is nothing whole to restore
    print(
        f"restored {target}: {card.raw.get('name')}, created {card.raw.get('created')} ({', '.join(card.classes)}); "
        f"the model it replaced is now in {previous_of(target).parent} (--rollback again brings it back)"
    )
    return 0


def run(args: argparse.Namespace) -> int:
    config = load(args)
    if args.rollback:
        return _rollback(configured_model_path(config))
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
    missing = unscorable(card.classes, catalogue().values())
    if missing:
        print(f"warning: {describe(missing, card.classes)}: those exercises are refused")
    return 0

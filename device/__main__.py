"""python -m device COMMAND: the device's command line.

Every expected failure (bad configuration, missing model, no camera, bad
input file) ends as one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys

from device.commands import (
    assess_cmd,
    backup_cmd,
    bench_cmd,
    classify_cmd,
    config_cmd,
    doctor_cmd,
    evaluate_cmd,
    fleet_cmd,
    landmarks_cmd,
    models_cmd,
    practice_cmd,
    provision_cmd,
    run_cmd,
    ward_cmd,
    web_cmd,
)
from device.errors import run_entry_point

COMMANDS = (
    run_cmd,
    practice_cmd,
    bench_cmd,
    config_cmd,
    doctor_cmd,
    models_cmd,
    landmarks_cmd,
    assess_cmd,
    classify_cmd,
    evaluate_cmd,
    backup_cmd,
    web_cmd,
    provision_cmd,
    fleet_cmd,
    ward_cmd,
)

log = logging.getLogger("device")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m device", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # the main job: the live vision pipeline
        args = parser.parse_args(["run", *(argv if argv is not None else sys.argv[1:])])
    return run_entry_point(lambda: args.handler(args), log)


if __name__ == "__main__":
    sys.exit(main())

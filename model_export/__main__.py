"""python -m model_export COMMAND: offline steps that build what the device ships."""

from __future__ import annotations

import argparse
import logging
import sys

from device.errors import run_entry_point
from model_export import compare, convert, demo, evaluate, landmark_cues, prepare, publish, train


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model_export", description=__doc__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (prepare, train, convert, evaluate, compare, landmark_cues, publish, demo):
        module.add_parser(sub)
    args = parser.parse_args(argv)
    return run_entry_point(lambda: args.handler(args), logging.getLogger("model_export"))


if __name__ == "__main__":
    sys.exit(main())

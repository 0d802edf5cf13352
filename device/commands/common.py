"""What several subcommands share: loading the configuration with the
command line's overrides, and logging set up from it."""

from __future__ import annotations

import argparse

from device.config import Config, load_config
from device.logs import setup_logging


def add_camera_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--camera",
        metavar="SOURCE",
        help="camera source for this run (overrides camera.source): auto, picamera2, webcam[:INDEX], demo, replay:PATH",
    )


def load(args: argparse.Namespace) -> Config:
    config = load_config(overrides={"camera.source": getattr(args, "camera", None)})
    setup_logging(config)
    return config

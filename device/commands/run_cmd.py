"""python -m device run: the live vision pipeline on the configured camera.

With no camera attached this plays the embedded demo, so a fresh checkout
shows the pipeline working on a real face. Prints one status line a second,
ending with the newest expression from the classifier, which runs
asynchronously in the live pipeline (device/pipeline).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Any

from device.camera import CameraEnded, open_camera
from device.commands.common import add_camera_option, load
from device.config import Config
from device.expression.classifier import ExpressionClassifier, classifier_from_config
from device.pipeline import Pipeline, Update
from device.vision.analysis import FaceAnalysis, FrameAnalyser, load_landmarker
from device.vision.landmarks import STATUS_ADVICE
from device.vision.model_files import ModelError

log = logging.getLogger(__name__)


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("run", help="run the live vision pipeline (the default command)")
    add_camera_option(parser)
    parser.add_argument("--seconds", type=float, default=0.0, help="stop after this long (default: until Ctrl-C)")
    parser.set_defaults(handler=run)


def _load_classifier(config: Config) -> ExpressionClassifier | None:
    """The expression model, or None (with one warning line) if it cannot be
    used: the landmark pipeline runs either way."""
    try:
        return classifier_from_config(config)
    except ModelError as exc:
        print(f"warning: {exc}; running without expressions", file=sys.stderr)
        return None


def _expression(update: Update) -> str:
    if update.expression_error is not None:
        return f"  ({update.expression_error})"
    expression = update.expression
    if expression is None or update.analysis.face.points is None:
        return ""
    probabilities = expression.probabilities
    best = max(probabilities, key=lambda name: probabilities[name])
    return f"  {best} {probabilities[best]:.0%}"


def _status_line(elapsed: float, fps: float, camera_name: str, analysis: FaceAnalysis) -> str:
    head = f"{elapsed:6.1f} s  {camera_name}  {fps:5.1f} frames/s  "
    face = analysis.face
    if analysis.measures is None or analysis.pose is None:
        return head + STATUS_ADVICE.get(face.status, face.status.value)
    m, pose = analysis.measures, analysis.pose
    note = "" if face.status.value == "ok" else f"  ({STATUS_ADVICE[face.status]})"
    return (
        head
        + f"face {'tracked' if face.tracked else 'detected'}"
        + f"  eye R/L {m.right.eye_opening:.2f}/{m.left.eye_opening:.2f}"
        + f"  brow R/L {m.right.brow_height:.2f}/{m.left.brow_height:.2f}"
        + f"  mouth corner R/L {m.right.mouth_corner_drop:.2f}/{m.left.mouth_corner_drop:.2f}"
        + f"  yaw {pose.yaw:+.0f} pitch {pose.pitch:+.0f} roll {pose.roll:+.0f}"
        + note
    )


def run(args: argparse.Namespace) -> int:
    config = load(args)
    landmarker = load_landmarker(config)
    analyser = FrameAnalyser(landmarker, config)
    classifier = _load_classifier(config)
    camera = open_camera(config)
    print(f"camera: {camera.name}; press Ctrl-C to stop")
    start = last_report = time.monotonic()
    frames_since_report = 0
    try:
        with Pipeline(camera, analyser, classifier) as pipeline:
            while True:
                update = pipeline.next()
                frames_since_report += 1
                now = time.monotonic()
                if now - last_report >= 1.0:
                    fps = frames_since_report / (now - last_report)
                    line = _status_line(now - start, fps, camera.name, update.analysis)
                    print(line + _expression(update), flush=True)
                    last_report, frames_since_report = now, 0
                if args.seconds and now - start >= args.seconds:
                    return 0
    except CameraEnded as exc:
        print(f"{exc}; stopping")
        return 0

"""python -m device bench: how fast the live pipeline is, in figures.

Prints per-stage timings (median and p95), throughput, the latency from a
frame's capture to its result, dropped frames and peak memory; --baseline adds
the naive loop in the same process and the ratio; --soak holds the live
pipeline for a while and samples memory and queue sizes. The README records
the figures and the command.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from device.camera import open_camera
from device.camera.base import Camera
from device.commands.common import add_camera_option
from device.config import Config, load_config
from device.expression.classifier import ExpressionClassifier, classifier_from_config
from device.logs import setup_logging
from device.pipeline import benchmark
from device.pipeline.benchmark import RunFigures
from device.timing import Summary
from device.vision.analysis import FrameAnalyser, load_landmarker
from device.vision.model_files import ModelError

STAGE_ORDER = ("capture", "vision", "detect", "landmarks", "measures", "preprocess", "classify", "classify+preprocess")


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("bench", help="benchmark the live pipeline (timings, throughput, latency, memory)")
    add_camera_option(parser)
    parser.add_argument("--frames", type=int, default=600, help="frames for the throughput runs (default 600)")
    parser.add_argument("--live-seconds", type=float, default=20.0, help="length of the live run (default 20)")
    parser.add_argument("--baseline", action="store_true", help="also run the naive loop and print the ratio")
    parser.add_argument("--soak", type=float, default=0.0, metavar="SECONDS", help="then hold the live run this long")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.set_defaults(handler=run)


def _camera_factory(config: Config) -> benchmark.CameraFactory:
    def factory(paced: bool) -> Camera:
        # Throughput wants every frame as fast as it can be processed; the
        # live run wants the replay paced like a camera.
        return open_camera(config.with_overrides({"camera.replay_realtime": paced}))

    return factory


def _classifier(config: Config) -> ExpressionClassifier | None:
    try:
        return classifier_from_config(config)
    except ModelError as exc:
        print(f"warning: {exc}; benchmarking without the classifier", file=sys.stderr)
        return None


def run(args: argparse.Namespace) -> int:
    config = load_config(overrides={"camera.source": args.camera})
    setup_logging(config)
    landmarker = load_landmarker(config)
    classifier = _classifier(config)
    setup = benchmark.Setup(_camera_factory(config), landmarker, lambda: FrameAnalyser(landmarker, config), classifier)
    source = setup.open_camera(False)
    (width, height), (lores_width, lores_height) = source.size, source.lores_size
    description = f"{source.name} {width}x{height} (lores {lores_width}x{lores_height})"
    source.close()
    if not args.json:
        print(f"camera: {description}; classifier: {classifier.model_path.name if classifier else 'none'}")
    fast = benchmark.throughput(setup, args.frames)
    live = benchmark.live(setup, args.live_seconds)
    naive = benchmark.baseline(setup, args.frames) if args.baseline else None
    ratio = fast.fps / naive.fps if naive else None
    soak_samples: list[benchmark.SoakSample] = []
    if args.soak:
        report = None if args.json else _print_soak_sample
        if report is not None:
            print(f"\nsoak: {args.soak:.0f} s of the live run")
            print(f"{'t (s)':>8} {'RSS (MB)':>9} {'frames queued':>14} {'updates queued':>15} {'dropped':>8}")
        soak_samples = benchmark.soak(setup, args.soak, report=report)
    peak = benchmark.peak_rss_mb()
    if args.json:
        print(
            json.dumps(
                {
                    "camera": description,
                    "classifier": str(classifier.model_path) if classifier else None,
                    "throughput": benchmark.as_json(fast),
                    "live": benchmark.as_json(live),
                    "baseline": benchmark.as_json(naive),
                    "throughput_ratio": ratio,
                    "peak_rss_mb": peak,
                    "soak": [vars(s) for s in soak_samples],
                    "soak_drift_mb_per_min": benchmark.drift_mb_per_minute(soak_samples) if soak_samples else None,
                },
                indent=1,
            )
        )
        return 0
    _print_run("pipeline, unpaced replay (throughput)", fast)
    _print_run("pipeline, replay paced like a camera, consumer at 30 frames/s (latency)", live)
    if naive is not None and ratio is not None:
        _print_run("baseline: full-frame detection and synchronous classification on every frame", naive)
        print(f"\nthroughput: pipeline {fast.fps:.1f} frames/s, baseline {naive.fps:.1f} frames/s: {ratio:.1f}x")
    if soak_samples:
        print(f"soak: memory drift {benchmark.drift_mb_per_minute(soak_samples):+.2f} MB/min after the first minute")
    print(f"peak resident memory: {peak:.0f} MB")
    return 0


def _print_run(title: str, figures: RunFigures) -> None:
    print(f"\n{title}")
    rate = f"{figures.fps:.1f} frames/s"
    print(f"  {figures.frames} frames in {figures.seconds:.1f} s: {rate}, {figures.dropped} dropped")
    if figures.stages:
        print(f"  {'stage':<20} {'count':>6} {'median ms':>10} {'p95 ms':>8}")
        for name in sorted(figures.stages, key=lambda n: STAGE_ORDER.index(n) if n in STAGE_ORDER else 99):
            _print_summary(name, figures.stages[name])
    if figures.latency is not None:
        _print_summary("capture -> result", figures.latency)
    if figures.expression_latency is not None:
        _print_summary("capture -> expression", figures.expression_latency)
    if figures.expression_updates_per_s is not None:
        print(f"  new expression results: {figures.expression_updates_per_s:.1f} per second")
    if figures.consumer_fps is not None:
        print(f"  consumer: {figures.consumer_fps:.1f} draws per second")


def _print_summary(name: str, s: Summary) -> None:
    print(f"  {name:<22} {s.count:>6} {s.median_ms:>8.2f} {s.p95_ms:>8.2f}")


def _print_soak_sample(s: benchmark.SoakSample) -> None:
    print(f"{s.t:>8.0f} {s.rss_mb:>9.1f} {s.frames_waiting:>14} {s.updates_waiting:>15} {s.dropped:>8}", flush=True)

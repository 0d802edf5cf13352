"""python -m device assess --exercise ID --neutral REST TASK...: the photo-pair
assessment (as clinics make with Emotrics), per side, on the live practice's rules."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import cv2

from device.commands.common import load
from device.practice.assessment import PhotoAssessment, assess, check_assessable, turned_away
from device.practice.catalogue import Kind, catalogue, exercise
from device.practice.plan import Effort, Side
from device.vision.analysis import FaceAnalysis, load_landmarker
from device.vision.landmarks import STATUS_ADVICE, FaceLandmarker, FaceStatus
from device.vision.still_fit import analyse_still


def add_parser(sub: Any) -> None:
    movement_ids = [e.id for e in catalogue().values() if e.kind is Kind.MOVEMENT]
    parser = sub.add_parser(
        "assess",
        help="per-side movement, symmetry and eFACE-style grade from a rest photo and task photos",
        description="Compare photos of one exercise with a photo of the same face at rest, "
        "side by side, with the rules of the live practice.",
    )
    parser.add_argument("--exercise", required=True, metavar="ID", help=f"one of: {', '.join(movement_ids)}")
    parser.add_argument("--neutral", required=True, type=Path, metavar="REST_PHOTO", help="the face at rest")
    parser.add_argument("tasks", nargs="+", type=Path, metavar="TASK_PHOTO", help="the face doing the exercise")
    parser.add_argument(
        "--affected-side",
        choices=[s.value for s in Side],
        help="the patient's affected side: symmetry becomes affected / healthy",
    )
    parser.add_argument(
        "--effort",
        choices=[e.value for e in Effort],
        default=Effort.FULL.value,
        help="the effort the photos were taken at (default: full, as in a clinic)",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list, one object per task photo")
    parser.set_defaults(handler=run)


def _analyse(landmarker: FaceLandmarker, path: Path, min_face_px: int) -> FaceAnalysis | str:
    """The photo's face, or why it cannot be used."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR) if path.is_file() else None
    if image is None:
        return "does not exist" if not path.exists() else "cannot be read as an image (use a JPEG or PNG photo)"
    result = analyse_still(landmarker, image, min_face_px)  # a photo pair has one frame each: steady the fit
    if result.face.status is not FaceStatus.OK or result.measures is None:
        return STATUS_ADVICE.get(result.face.status, "no usable face fit")
    return result


def run(args: argparse.Namespace) -> int:
    config = load(args)
    target = exercise(args.exercise)  # CatalogueError: one line, listing the exercises
    check_assessable(target)
    affected = Side(args.affected_side) if args.affected_side else None
    landmarker = load_landmarker(config)
    min_face_px = config.vision.min_face_px
    rest = _analyse(landmarker, args.neutral, min_face_px)
    if isinstance(rest, str):
        print(f"error: rest photo {args.neutral}: {rest}", file=sys.stderr)
        return 1
    assert rest.pose is not None
    reports: list[dict[str, object]] = []
    failures = 0
    for path in args.tasks:
        task = _analyse(landmarker, path, min_face_px)
        problem = task if isinstance(task, str) else turned_away(rest.pose, task.pose) if task.pose else "no pose"
        if problem is not None or isinstance(task, str):
            print(f"error: {path}: {problem}", file=sys.stderr)
            reports.append({"image": str(path), "error": problem, "symmetry": None})
            failures += 1
            continue
        result = assess(target, rest, task, affected, Effort(args.effort))
        reports.append({"image": str(path), **result.as_dict()})
        if not args.json:
            _print_text(path, result)
    if args.json:
        json.dump(reports, sys.stdout, indent=1, ensure_ascii=False)
        print()
    return 1 if failures else 0


def _print_text(path: Path, result: PhotoAssessment) -> None:
    def number(value: float | None, digits: int) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    ratio_name = "affected/healthy" if result.affected_side else "weaker/stronger"
    print(f"{path}: {result.exercise_id}")
    print(f"  {'':<22}{'right':>8}{'left':>8}")
    print(f"  {'movement':<22}{result.right_movement:>8.3f}{result.left_movement:>8.3f}")
    print(f"  {'side score':<22}{result.right_score:>8.0f}{result.left_score:>8.0f}")
    weaker = f", weaker side: {result.weaker_side.value}" if result.weaker_side else ""
    print(f"  score {result.score:.0f}; symmetry ({ratio_name}) {number(result.symmetry, 2)}{weaker}")
    grade = f"{result.region} {number(result.subscore, 0)}" if result.region else "no eFACE region"
    synkinesis = f"; eye closure {100 * result.synkinesis:.0f}%" if result.synkinesis is not None else ""
    print(f"  eFACE-style subscore: {grade}{synkinesis}")
    if result.limit is not None:
        print(f"  not reliable: {result.limit['en']}")

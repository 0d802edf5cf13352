"""python -m device landmarks IMAGE...: face, 68 points, measures and pose per photo."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import cv2

from device.commands.common import load
from device.vision.analysis import FaceAnalysis, analyse_photo, load_landmarker
from device.vision.draw import draw_eye_line_frame, draw_landmarks
from device.vision.landmarks import STATUS_ADVICE, FaceStatus


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("landmarks", help="find the face, landmarks, measures and pose in photos")
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    parser.add_argument(
        "--draw",
        type=Path,
        metavar="OUT",
        help="write the photo with landmarks and the eye-line frame drawn: a .png file for "
        "one image, a folder for several",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    if args.draw and len(args.images) > 1 and args.draw.suffix:
        print(f"error: --draw {args.draw}: with several images, give a folder", file=sys.stderr)
        return 2
    landmarker = load_landmarker(config)
    min_face_px = config.vision.min_face_px
    reports: list[dict[str, object]] = []
    failures = 0
    for path in args.images:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR) if path.is_file() else None
        if image is None:
            problem = "does not exist" if not path.exists() else "cannot be read as an image (use a JPEG or PNG photo)"
            print(f"error: {path}: {problem}", file=sys.stderr)
            reports.append({"image": str(path), "status": "unreadable", "message": problem})
            failures += 1
            continue
        result = analyse_photo(landmarker, image, min_face_px)
        if result.face.status is not FaceStatus.OK:
            print(f"error: {path}: {STATUS_ADVICE[result.face.status]}", file=sys.stderr)
            failures += 1
        reports.append(_report(path, result))
        if not args.json:
            _print_text(path, result)
        if args.draw and result.face.points is not None:
            _draw(path, image, result, args.draw, several=len(args.images) > 1)
    if args.json:
        json.dump(reports, sys.stdout, indent=1)
        print()
    return 1 if failures else 0


def _report(path: Path, result: FaceAnalysis) -> dict[str, object]:
    face = result.face
    report: dict[str, object] = {
        "image": str(path),
        "status": face.status.value,
        "message": STATUS_ADVICE.get(face.status, "ok"),
        "faces_found": face.faces_found,
    }
    if face.box is not None and face.points is not None:
        report["box"] = asdict(face.box)
        report["score"] = face.score
        report["points"] = [[round(float(x), 1), round(float(y), 1)] for x, y in face.points]
    if result.measures is not None and result.pose is not None:
        report["measures"] = result.measures.as_dict()
        report["pose"] = asdict(result.pose)
    return report


def _print_text(path: Path, result: FaceAnalysis) -> None:
    face = result.face
    if face.box is None or result.measures is None or result.pose is None:
        return
    box = face.box
    print(
        f"{path}: {face.status.value}, {face.faces_found} face(s); face at ({box.left:.0f}, {box.top:.0f}) "
        f"{box.width:.0f}x{box.height:.0f} px, detector score {face.score:.2f}"
    )
    pose = result.pose
    print(f"  pose: roll {pose.roll:+.1f} deg, yaw {pose.yaw:+.1f} deg, pitch {pose.pitch:+.1f} deg")
    right, left = asdict(result.measures.right), asdict(result.measures.left)
    print(f"  {'measure (eye-line units)':<26}{'right':>8}{'left':>8}")
    for name in right:
        print(f"  {name.replace('_', ' '):<26}{right[name]:>8.3f}{left[name]:>8.3f}")


def _draw(path: Path, image: Any, result: FaceAnalysis, out: Path, several: bool) -> None:
    assert result.face.points is not None
    canvas = image.copy()
    thickness = max(1, round(max(image.shape[:2]) / 500))
    draw_landmarks(canvas, result.face.points, thickness)
    draw_eye_line_frame(canvas, result.face.points, thickness)
    if several or out.is_dir() or not out.suffix:
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"{path.stem}-landmarks.png"
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        target = out
    if not cv2.imwrite(str(target), canvas):
        raise OSError(f"could not write {target}")
    print(f"  drawn: {target}", file=sys.stderr)

"""prepare: a folder-per-class dataset -> landmarks for every image, cached.

    python -m model_export prepare --data ../shared/data/fer2013/train --out build/prepared/train.npz

Each face is stored as a canonical aligned crop (CANONICAL_PX square, a wider
span than the model input so that training can perturb the alignment) with
its landmarks in that crop, plus the source path and whether dlib's detector
found it. Images where no face is found, or that cannot be read, are counted
and listed next to the output (NAME.missing.txt), never silently dropped.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from tqdm import tqdm

from device.expression.dataset import DatasetError, find_face, list_samples, read_gray
from device.expression.preprocess import alignment, transform_points
from device.vision.landmarks import FaceLandmarker
from model_export.common import BUILD, command_line, content_hash, source_path, write_json

CANONICAL_PX = 128
CANONICAL_SPAN = 3.2  # eye-line units across the canonical crop (the model sees 2.5)


def canonical(gray: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    matrix = alignment(points, CANONICAL_PX, span=CANONICAL_SPAN, eye_line=0.5 - 0.14 * 2.5 / CANONICAL_SPAN)
    crop = cv2.warpAffine(
        gray, matrix, (CANONICAL_PX, CANONICAL_PX), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return crop, transform_points(points, matrix).astype(np.float32)


def prepare(data: Path, out: Path, classes: list[str] | None, limit: int | None) -> int:
    try:
        samples = list_samples(data, classes)
    except DatasetError as exc:
        raise SystemExit(f"error: {exc}") from exc
    if limit:
        per_class: Counter[str] = Counter()
        kept = []
        for sample in samples:
            if per_class[sample.label] < limit:
                per_class[sample.label] += 1
                kept.append(sample)
        samples = kept
    class_names = sorted({s.label for s in samples}, key=[s.label for s in samples].index)
    landmarker = FaceLandmarker()
    crops, points, labels, paths, detected = [], [], [], [], []
    missing: list[str] = []
    start = time.monotonic()
    for sample in tqdm(samples, desc=f"landmarks {data.name}", unit="img"):
        gray = read_gray(sample.path)
        if gray is None:
            missing.append(f"{sample.path}\tunreadable")
            continue
        face = find_face(landmarker, gray)
        if face.points is None:
            missing.append(f"{sample.path}\tno face")
            continue
        crop, crop_points = canonical(gray, face.points)
        crops.append(crop)
        points.append(crop_points)
        labels.append(class_names.index(sample.label))
        paths.append(str(sample.path))
        detected.append(face.detected)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        out,
        crops=np.array(crops, dtype=np.uint8),
        points=np.array(points, dtype=np.float32),
        labels=np.array(labels, dtype=np.int64),
        classes=np.array(class_names),
        paths=np.array(paths),
        detected=np.array(detected, dtype=bool),
    )
    # What this file was made from, for the model card: train copies it into
    # its run.json, so the record holds even if the file is prepared again.
    write_json(
        source_path(out),
        {
            "folder": str(data.resolve()),
            "files": len(samples),
            "sha256": content_hash(data, [s.path for s in samples]),
            "classes": class_names,
            "limit_per_class": limit,
            "faces_prepared": len(labels),
            "command": command_line(),
        },
    )
    missing_path = out.with_suffix(".missing.txt")
    missing_path.write_text("".join(line + "\n" for line in missing), encoding="utf-8")
    counts = Counter(class_names[i] for i in labels)
    found = int(np.sum(detected))
    print(f"prepared {len(labels)} of {len(samples)} images in {time.monotonic() - start:.0f} s -> {out}")
    print(f"  per class: {', '.join(f'{c} {counts[c]}' for c in class_names)}")
    print(f"  detector found the face in {found}; whole-image fallback for {len(labels) - found} small face crops")
    print(f"  no face or unreadable: {len(missing)} (listed in {missing_path})")
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("prepare", help="landmarks for every image of a folder-per-class dataset")
    parser.add_argument("--data", type=Path, required=True, metavar="DIR")
    parser.add_argument("--out", type=Path, default=None, help="output .npz (default build/prepared/<folder>.npz)")
    parser.add_argument("--classes", nargs="+", default=None, help="class folders to use (default: all)")
    parser.add_argument("--limit-per-class", type=int, default=None, help="use only the first N images per class")
    parser.set_defaults(
        handler=lambda a: prepare(
            a.data, a.out or BUILD / "prepared" / f"{a.data.name}.npz", a.classes, a.limit_per_class
        )
    )

"""Build the embedded demo replay (device/assets/demo.mp4) from one real photo.

    python -m model_export demo [--out device/assets/demo.mp4]

The photo is scikit-image's `astronaut` (Eileen Collins, NASA; public domain).
It is cropped around the face to the camera's 4:3 shape and warped along its
landmarks into a practice sequence: rest, smile, rest, brow raise, rest, eye
closure, rest, a right-sided smile, each movement held three seconds as the
exercise catalogue asks, so a headless practice session on the demo counts
reps. A slow sway of the head keeps the tracker honest, as a real patient
never holds perfectly still. MPEG-4 keeps it small (about 2 MB).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from skimage import data

from device.camera import DEMO_PATH
from device.vision.landmarks import FaceLandmarker
from model_export.face_warp import BROW_RAISE, RIGHT_SMILE, SMILE, Movement, eye_closure, warp_face

SIZE = (640, 480)
FPS = 15  # the video keeps its own rate
REST, RAMP, HOLD = 30, 6, 48  # frames: 2 s rest, 0.4 s ramps, a 3.2 s hold


def _segment(movement: Movement | None) -> list[tuple[Movement | None, float]]:
    if movement is None:
        return [(None, 0.0)] * REST
    up: list[tuple[Movement | None, float]] = [(movement, (i + 1) / RAMP) for i in range(RAMP)]
    return up + [(movement, 1.0)] * HOLD + list(reversed(up))


def build(out: Path) -> int:
    photo = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    landmarker = FaceLandmarker()
    found = landmarker.analyse(cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY))
    if found.box is None:
        raise SystemExit("the astronaut photo has no detectable face: is dlib working?")
    # Crop to 4:3 around the face so it fills about 30% of the frame width.
    cx = (found.box.left + found.box.right) / 2
    cy = (found.box.top + found.box.bottom) / 2 + 0.1 * found.box.height
    crop_w = found.box.width / 0.30
    crop_h = crop_w * SIZE[1] / SIZE[0]
    x0, y0 = round(cx - crop_w / 2), round(cy - crop_h / 2)
    crop = photo[max(0, y0) : y0 + round(crop_h), max(0, x0) : x0 + round(crop_w)]
    frame0 = cv2.resize(crop, SIZE, interpolation=cv2.INTER_CUBIC)
    points = landmarker.analyse(cv2.cvtColor(frame0, cv2.COLOR_BGR2GRAY)).points
    if points is None:
        raise SystemExit("no face in the cropped demo frame")

    closure = eye_closure(points, 0.8)
    plan = (
        _segment(None)
        + _segment(SMILE)
        + _segment(None)
        + _segment(BROW_RAISE)
        + _segment(None)
        + _segment(closure)
        + _segment(None)
        + _segment(RIGHT_SMILE)
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"mp4v"), float(FPS), SIZE)
    if not writer.isOpened():
        raise SystemExit(f"OpenCV cannot write MPEG-4 to {out}")
    for index, (movement, amount) in enumerate(plan):
        image = frame0 if movement is None else warp_face(frame0, points, movement, amount)
        # A gentle sway: a few pixels and about a degree, over a few seconds.
        phase = 2 * math.pi * index / (FPS * 6)
        sway = cv2.getRotationMatrix2D((SIZE[0] / 2, SIZE[1] / 2), 1.2 * math.sin(phase), 1.0)
        sway[:, 2] += np.array([6 * math.sin(phase), 3 * math.sin(2 * phase)])
        image = cv2.warpAffine(image, sway, SIZE, borderMode=cv2.BORDER_REFLECT)
        writer.write(image)
    writer.release()
    print(f"wrote {len(plan)} frames ({len(plan) / FPS:.0f} s) to {out}")
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("demo", help="build the embedded demo replay from the astronaut photo")
    parser.add_argument("--out", type=Path, default=DEMO_PATH)
    parser.set_defaults(handler=lambda args: build(args.out))

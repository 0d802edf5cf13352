"""Face detection, 68 landmarks, and tracking between detections.

dlib's HOG detector is the expensive step (about 4.5 ms on a 320x240 frame on
an x86 core, several times that on a Pi 4), while the 68-point predictor costs
under a millisecond. So the detector runs on the low-resolution stream every
`detect_every` frames, and in between the previous frame's landmarks give the
box the predictor starts from. The predictor always runs on the full-resolution
grayscale image, where the landmarks are most precise.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import dlib
import numpy as np

from device.timing import StageTimes
from device.vision.model_files import find_landmark_model, load_shape_predictor


class FaceStatus(StrEnum):
    OK = "ok"
    NO_FACE = "no_face"
    MULTIPLE_FACES = "multiple_faces"  # landmarks are for the largest face
    TOO_SMALL = "too_small"  # landmarks found, but too few pixels to measure well


@dataclass(frozen=True, slots=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def area(self) -> float:
        return self.width * self.height

    def scaled(self, factor: float) -> Box:
        return Box(self.left * factor, self.top * factor, self.right * factor, self.bottom * factor)

    def to_dlib(self) -> dlib.rectangle:
        return dlib.rectangle(round(self.left), round(self.top), round(self.right), round(self.bottom))

    @staticmethod
    def around(points: np.ndarray) -> Box:
        (left, top), (right, bottom) = points.min(axis=0), points.max(axis=0)
        return Box(float(left), float(top), float(right), float(bottom))


@dataclass(frozen=True, slots=True)
class Detection:
    box: Box
    score: float  # HOG detector confidence; above 0 is a detection, higher is surer


@dataclass(frozen=True, slots=True)
class FaceResult:
    status: FaceStatus
    faces_found: int  # at the last detection
    box: Box | None = None  # the box the landmarks were fitted in (full-resolution pixels)
    score: float | None = None  # detector score, when this frame ran the detector
    points: np.ndarray | None = None  # 68 x 2 float32, full-resolution pixels
    tracked: bool = False  # True when the box came from the previous landmarks


STATUS_ADVICE = {
    FaceStatus.NO_FACE: "no face found: face the camera, in good light",
    FaceStatus.MULTIPLE_FACES: "more than one face: only one person in front of the camera, please",
    FaceStatus.TOO_SMALL: "the face is too small: come closer to the camera",
}


class FaceLandmarker:
    """The dlib models, loaded once, and single-image detection and fitting."""

    def __init__(self, model_path: Path | None = None, threshold: float = 0.2) -> None:
        path = model_path if model_path is not None else find_landmark_model()
        self.model_path = path
        self.threshold = threshold
        self.detector = dlib.get_frontal_face_detector()
        self.predictor = load_shape_predictor(path)
        # Where detect() and fit() record how long they took (the live
        # pipeline's benchmark); None records nothing.
        self.times: StageTimes | None = None

    def detect(self, gray: np.ndarray, upsample: int = 0, threshold: float | None = None) -> list[Detection]:
        """All faces scoring above the threshold (by default the landmarker's)
        in a grayscale image, largest first."""
        start = time.perf_counter()
        rects, scores, _ = self.detector.run(gray, upsample, self.threshold if threshold is None else threshold)
        if self.times is not None:
            self.times.add("detect", time.perf_counter() - start)
        found = [
            Detection(Box(r.left(), r.top(), r.right(), r.bottom()), float(s))
            for r, s in zip(rects, scores, strict=True)
        ]
        return sorted(found, key=lambda d: d.box.area, reverse=True)

    def fit(self, gray: np.ndarray, box: Box) -> np.ndarray:
        """The 68 landmarks of the face in `box`, as a 68 x 2 float32 array."""
        start = time.perf_counter()
        shape = self.predictor(gray, box.to_dlib())
        points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)
        if self.times is not None:
            self.times.add("landmarks", time.perf_counter() - start)
        return points

    def analyse(self, gray: np.ndarray, min_face_px: int = 80) -> FaceResult:
        """Find and fit the largest face in a still image. Small images are
        upsampled once, since the detector misses faces under about 80 px."""
        detections = self.detect(gray, 0)
        if not detections and max(gray.shape) < 1000:
            detections = self.detect(gray, 1)
        return _result_from_detections(self, gray, detections, min_face_px)


def _result_from_detections(
    landmarker: FaceLandmarker, gray: np.ndarray, detections: list[Detection], min_face_px: int
) -> FaceResult:
    if not detections:
        return FaceResult(FaceStatus.NO_FACE, faces_found=0)
    best = detections[0]
    points = landmarker.fit(gray, best.box)
    status = face_status(len(detections), best.box, min_face_px)
    return FaceResult(status, len(detections), best.box, best.score, points, tracked=False)


def face_status(faces_found: int, box: Box, min_face_px: int) -> FaceStatus:
    """The status of a fitted face: the same rules for photos and streams."""
    if faces_found > 1:
        return FaceStatus.MULTIPLE_FACES
    if box.width < min_face_px:
        return FaceStatus.TOO_SMALL
    return FaceStatus.OK


class FaceTracker:
    """Landmarks for a stream of frames: detect on the lores stream now and then,
    track from the previous landmarks in between."""

    # A tracked fit whose size or position jumps by more than these fractions
    # of the face width has lost the face: detect again on the same frame.
    MAX_SIZE_CHANGE = 0.25
    MAX_SHIFT = 0.35

    def __init__(
        self,
        landmarker: FaceLandmarker,
        detect_every: int = 10,
        upsample: int = 0,
        min_face_px: int = 80,
    ) -> None:
        self.landmarker = landmarker
        self.detect_every = detect_every
        self.upsample = upsample
        self.min_face_px = min_face_px
        self._points: np.ndarray | None = None
        self._box_offsets: np.ndarray | None = None  # detector box relative to the landmarks' box
        self._since_detection = 0
        self._faces_found = 0
        self._misses = 0  # consecutive lores detections that found nothing

    def process(self, gray: np.ndarray, lores: np.ndarray) -> FaceResult:
        """Landmarks for one frame: `gray` is the full-resolution grayscale
        image, `lores` the low-resolution one of the same frame."""
        if self._points is not None and self._since_detection < self.detect_every:
            tracked = self._track(gray)
            if tracked is not None:
                self._since_detection += 1
                return tracked
        return self._detect(gray, lores)

    def _track(self, gray: np.ndarray) -> FaceResult | None:
        assert self._points is not None
        assert self._box_offsets is not None
        previous = Box.around(self._points)
        box = _apply_offsets(previous, self._box_offsets)
        points = self.landmarker.fit(gray, box)
        current = Box.around(points)
        size_change = abs(current.width - previous.width) / previous.width
        shift = (
            np.hypot(
                (current.left + current.right - previous.left - previous.right) / 2,
                (current.top + current.bottom - previous.top - previous.bottom) / 2,
            )
            / previous.width
        )
        if size_change > self.MAX_SIZE_CHANGE or shift > self.MAX_SHIFT:
            return None
        self._points = points
        status = face_status(self._faces_found, box, self.min_face_px)
        return FaceResult(status, self._faces_found, box, None, points, tracked=True)

    def _detect(self, gray: np.ndarray, lores: np.ndarray) -> FaceResult:
        self._since_detection = 1
        scale = gray.shape[1] / lores.shape[1]
        detections = [Detection(d.box.scaled(scale), d.score) for d in self.landmarker.detect(lores, self.upsample)]
        if not detections:
            self._misses += 1
            # Faces too small for the lores stream (far from the camera) are
            # still found at full resolution; look there now and then, so the
            # patient can be told to come closer rather than "no face".
            if self._misses % self.detect_every == 1:
                detections = self.landmarker.detect(gray, 0)
        else:
            self._misses = 0
        self._faces_found = len(detections)
        result = _result_from_detections(self.landmarker, gray, detections, self.min_face_px)
        self._points = result.points
        if result.points is not None and result.box is not None:
            self._box_offsets = _offsets(Box.around(result.points), result.box)
        return result


def _offsets(points_box: Box, detector_box: Box) -> np.ndarray:
    """Where the detector put its box, in units of the landmarks' box, so that
    tracking hands the predictor the kind of box it was trained on."""
    w, h = points_box.width, points_box.height
    return np.array(
        [
            (detector_box.left - points_box.left) / w,
            (detector_box.top - points_box.top) / h,
            (detector_box.right - points_box.right) / w,
            (detector_box.bottom - points_box.bottom) / h,
        ]
    )


def _apply_offsets(points_box: Box, offsets: np.ndarray) -> Box:
    w, h = points_box.width, points_box.height
    return Box(
        points_box.left + offsets[0] * w,
        points_box.top + offsets[1] * h,
        points_box.right + offsets[2] * w,
        points_box.bottom + offsets[3] * h,
    )

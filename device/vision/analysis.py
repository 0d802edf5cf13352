"""One frame (or photo) in, face + landmarks + measures + pose out."""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np

from device.camera.base import Frame
from device.config import Config
from device.vision.geometry import HeadPose, Measures, head_pose, measure
from device.vision.landmarks import FaceLandmarker, FaceResult, FaceTracker
from device.vision.model_files import find_landmark_model


@dataclass(frozen=True, slots=True)
class FaceAnalysis:
    face: FaceResult
    measures: Measures | None  # None when no face was fitted
    pose: HeadPose | None


def analyse_face(face: FaceResult, image_size: tuple[int, int]) -> FaceAnalysis:
    if face.points is None:
        return FaceAnalysis(face, None, None)
    return FaceAnalysis(face, measure(face.points), head_pose(face.points, image_size))


def analyse_photo(landmarker: FaceLandmarker, image: np.ndarray, min_face_px: int) -> FaceAnalysis:
    """A still BGR image: the largest face, its measures and pose."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    face = landmarker.analyse(gray, min_face_px)
    return analyse_face(face, (image.shape[1], image.shape[0]))


class FrameAnalyser:
    """Vision for a camera stream: tracking between detections, then measures."""

    def __init__(self, landmarker: FaceLandmarker, config: Config) -> None:
        self.tracker = FaceTracker(
            landmarker,
            detect_every=config.vision.detect_every,
            upsample=config.vision.detect_upsample,
            min_face_px=config.vision.min_face_px,
        )

    def analyse(self, frame: Frame) -> FaceAnalysis:
        face = self.tracker.process(frame.gray, frame.lores)
        start = time.perf_counter()
        analysis = analyse_face(face, (frame.image.shape[1], frame.image.shape[0]))
        times = self.tracker.landmarker.times
        if times is not None:
            times.add("measures", time.perf_counter() - start)
        return analysis


def load_landmarker(config: Config) -> FaceLandmarker:
    return FaceLandmarker(
        find_landmark_model(config.vision.landmark_model),
        threshold=config.vision.detect_threshold,
    )

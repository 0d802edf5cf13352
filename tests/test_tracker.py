"""Tracking between detections on the embedded demo replay."""

from __future__ import annotations

import cv2
import numpy as np

from device.camera import DEMO_PATH
from device.camera.replay import ReplayCamera
from device.vision.landmarks import FaceLandmarker, FaceStatus, FaceTracker


def demo_frames(count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    with ReplayCamera(DEMO_PATH, (640, 480), (320, 240), realtime=False) as camera:
        frames = [camera.read() for _ in range(count)]
    return [(f.gray, f.lores) for f in frames]


def test_detects_then_tracks_then_detects_again(landmarker: FaceLandmarker) -> None:
    tracker = FaceTracker(landmarker, detect_every=5)
    results = [tracker.process(gray, lores) for gray, lores in demo_frames(11)]
    assert all(r.status is FaceStatus.OK for r in results)
    assert [r.tracked for r in results] == [False, True, True, True, True] * 2 + [False]
    assert all(r.score is not None for r in results if not r.tracked)


def test_tracked_landmarks_match_a_fresh_detection(landmarker: FaceLandmarker) -> None:
    frames = demo_frames(40)
    tracker = FaceTracker(landmarker, detect_every=1000)  # never re-detect on schedule
    fresh = FaceTracker(landmarker, detect_every=1)  # detect on every frame
    errors = []
    for gray, lores in frames:
        tracked, detected = tracker.process(gray, lores), fresh.process(gray, lores)
        assert tracked.points is not None
        assert detected.points is not None
        errors.append(np.linalg.norm(tracked.points - detected.points, axis=1).mean())
    assert np.median(errors) < 2.0  # pixels, on a face about 190 px wide


def test_face_leaving_the_frame_is_noticed(landmarker: FaceLandmarker) -> None:
    detect_every = 5
    tracker = FaceTracker(landmarker, detect_every=detect_every)
    for gray, lores in demo_frames(3):
        assert tracker.process(gray, lores).status is FaceStatus.OK
    empty_gray, empty_lores = np.full((480, 640), 90, np.uint8), np.full((240, 320), 90, np.uint8)
    statuses = [tracker.process(empty_gray, empty_lores).status for _ in range(detect_every + 1)]
    # At worst the tracker holds on until its next scheduled detection.
    assert statuses[-1] is FaceStatus.NO_FACE


def test_far_face_is_found_at_full_resolution_and_called_too_small(landmarker: FaceLandmarker) -> None:
    gray, _ = demo_frames(1)[0]
    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)  # face about 95 px
    far = np.full_like(gray, int(np.median(gray)))
    far[120 : 120 + small.shape[0], 160 : 160 + small.shape[1]] = small
    lores = cv2.resize(far, (320, 240), interpolation=cv2.INTER_AREA)  # face about 48 px: below HOG's reach
    tracker = FaceTracker(landmarker, detect_every=10, min_face_px=120)
    result = tracker.process(far, lores)
    assert result.status is FaceStatus.TOO_SMALL
    assert result.points is not None

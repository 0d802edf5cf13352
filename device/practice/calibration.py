"""Neutral calibration: the patient's own resting face, the reference for
every movement measure of a session.

The patient relaxes for a couple of seconds. Frames that pass the quality
gate are collected; calibration is done once CALIBRATION_S of consecutive
steady frames are in hand (the head moved less than MAX_DRIFT eye-line
units). The reference is the median of each measure over
those frames, which a blink or a twitch does not move.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, fields

from device.vision.analysis import FaceAnalysis
from device.vision.geometry import HeadPose, Measures, SideMeasures, eye_line_frame

CALIBRATION_S = 2.0
MAX_DRIFT = 0.15  # eye-line units the eye midpoint may wander during calibration


@dataclass(frozen=True)
class Calibration:
    neutral: Measures
    pose: HeadPose
    frames: int


def _median_side(sides: list[SideMeasures]) -> SideMeasures:
    return SideMeasures(**{f.name: statistics.median(getattr(s, f.name) for s in sides) for f in fields(SideMeasures)})


class Calibrator:
    def __init__(self, seconds: float = CALIBRATION_S) -> None:
        self.seconds = seconds
        self._frames: list[tuple[float, FaceAnalysis]] = []

    def reset(self) -> None:
        self._frames.clear()

    @property
    def progress(self) -> float:
        """0-1, for the countdown on screen."""
        if len(self._frames) < 2:
            return 0.0
        return min(1.0, (self._frames[-1][0] - self._frames[0][0]) / self.seconds)

    def add(self, timestamp: float, analysis: FaceAnalysis, gated_ok: bool) -> Calibration | None:
        """Feed one frame; returns the calibration once it is complete. A frame
        that fails the gate, or a head that drifts, starts the count again."""
        if not gated_ok or analysis.face.points is None or analysis.measures is None:
            self.reset()
            return None
        if self._frames:
            first = self._frames[0][1].face.points
            assert first is not None
            start, now = eye_line_frame(first), eye_line_frame(analysis.face.points)
            if float(((now.origin - start.origin) ** 2).sum() ** 0.5) / start.unit > MAX_DRIFT:
                self._frames = []
        self._frames.append((timestamp, analysis))
        if self.progress < 1.0:
            return None
        analyses = [a for _, a in self._frames]
        measures = [a.measures for a in analyses if a.measures is not None]
        poses = [a.pose for a in analyses if a.pose is not None]
        neutral = Measures(
            right=_median_side([m.right for m in measures]),
            left=_median_side([m.left for m in measures]),
            right_smile_angle=statistics.median(m.right_smile_angle for m in measures),
            left_smile_angle=statistics.median(m.left_smile_angle for m in measures),
        )
        pose = HeadPose(
            roll=statistics.median(p.roll for p in poses),
            yaw=statistics.median(p.yaw for p in poses),
            pitch=statistics.median(p.pitch for p in poses),
        )
        return Calibration(neutral, pose, len(analyses))

"""Neutral calibration: the patient's own resting face, the reference for
every movement measure of a session.

The patient relaxes for a couple of seconds. Frames that pass the quality
gate are collected; calibration is done once CALIBRATION_S of consecutive
steady frames are in hand (the head moved less than MAX_DRIFT eye-line
units). The reference is the median of each measure over those frames, which
a blink or a twitch does not move.

A reference taken from a moving or expressive face would make every movement
after it read as none (a smile taken as neutral scores a whole session 0), so
the calibrator refuses, says why (Prompt.RELAX_FACE) and starts again when:
- a measure moved during the window (its 10th-90th percentile spread is above
  MAX_SPREAD; the eye opening is left out, since blinking is normal), or
- the expression classifier, where it has answered, reads a clear expression
  (a mean probability of a non-neutral class above MAX_EXPRESSION).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, fields

from device.practice.gating import Prompt
from device.vision.analysis import FaceAnalysis
from device.vision.geometry import HeadPose, Measures, SideMeasures, eye_line_frame

CALIBRATION_S = 2.0
MAX_DRIFT = 0.15  # eye-line units the eye midpoint may wander during calibration
MAX_SPREAD = 0.04  # eye-line units a measure may vary over the window (dlib's jitter is about 0.01)
MAX_EXPRESSION = 0.6  # mean classifier probability of happy or sad that refuses the reference
STEADY_MEASURES = ("brow_height", "mouth_corner_drop", "mouth_half_width", "nostril_drop", "upper_lip_drop")


@dataclass(frozen=True)
class Calibration:
    neutral: Measures
    pose: HeadPose
    frames: int


def _median_side(sides: list[SideMeasures]) -> SideMeasures:
    return SideMeasures(**{f.name: statistics.median(getattr(s, f.name) for s in sides) for f in fields(SideMeasures)})


def _spread(values: list[float]) -> float:
    """The 10th-90th percentile range: robust to a frame or two of bad fit."""
    if len(values) < 3:
        return 0.0
    deciles = statistics.quantiles(values, n=10)
    return deciles[-1] - deciles[0]


class Calibrator:
    def __init__(self, seconds: float = CALIBRATION_S) -> None:
        self.seconds = seconds
        self._frames: list[tuple[float, FaceAnalysis]] = []
        self._expressions: list[dict[str, float]] = []
        self.rejected = False  # the last attempt was refused: say why until the next one completes

    def reset(self) -> None:
        self._frames.clear()
        self._expressions.clear()

    @property
    def progress(self) -> float:
        """0-1, for the countdown on screen."""
        if len(self._frames) < 2:
            return 0.0
        return min(1.0, (self._frames[-1][0] - self._frames[0][0]) / self.seconds)

    @property
    def prompt(self) -> Prompt | None:
        return Prompt.RELAX_FACE if self.rejected else None

    def add(
        self,
        timestamp: float,
        analysis: FaceAnalysis,
        gated_ok: bool,
        probabilities: dict[str, float] | None = None,
    ) -> Calibration | None:
        """Feed one frame (with the classifier's recent answer, if any);
        returns the calibration once it is complete. A frame that fails the
        gate, or a head that drifts, starts the count again."""
        if not gated_ok or analysis.face.points is None or analysis.measures is None:
            self.reset()
            return None
        if self._frames:
            first = self._frames[0][1].face.points
            assert first is not None
            start, now = eye_line_frame(first), eye_line_frame(analysis.face.points)
            if float(((now.origin - start.origin) ** 2).sum() ** 0.5) / start.unit > MAX_DRIFT:
                self.reset()
        self._frames.append((timestamp, analysis))
        if probabilities is not None:
            self._expressions.append(probabilities)
        if self.progress < 1.0:
            return None
        analyses = [a for _, a in self._frames]
        measures = [a.measures for a in analyses if a.measures is not None]
        if not self._steady(measures) or self._expressive():
            self.rejected = True
            self.reset()
            return None
        self.rejected = False
        poses = [a.pose for a in analyses if a.pose is not None]
        neutral = Measures(
            right=_median_side([m.right for m in measures]),
            left=_median_side([m.left for m in measures]),
        )
        pose = HeadPose(
            roll=statistics.median(p.roll for p in poses),
            yaw=statistics.median(p.yaw for p in poses),
            pitch=statistics.median(p.pitch for p in poses),
        )
        return Calibration(neutral, pose, len(analyses))

    @staticmethod
    def _steady(measures: list[Measures]) -> bool:
        for side in ("right", "left"):
            for name in STEADY_MEASURES:
                if _spread([getattr(getattr(m, side), name) for m in measures]) > MAX_SPREAD:
                    return False
        return True

    def _expressive(self) -> bool:
        if not self._expressions:
            return False  # no classifier, or it has not answered: the geometry check stands alone
        classes = {c for p in self._expressions for c in p if c != "neutral"}
        return any(statistics.fmean(p.get(c, 0.0) for p in self._expressions) > MAX_EXPRESSION for c in classes)

"""Neutral calibration: the patient's own resting face, the reference for
every movement measure of a session.

The patient relaxes for a couple of seconds. Frames that pass the quality
gate are collected; calibration is done once CALIBRATION_S of consecutive
steady frames are in hand (the head moved less than MAX_DRIFT eye-line
units). The reference is the median of each measure over those frames, which
a blink or a twitch does not move.

Rest is judged by stillness of the patient's own face, not by how the
expression classifier reads it: a palsied face at rest droops, and the model
reads a drooping mouth as sad (71% on one such face), which is that patient's
rest. A reference taken from a moving face, or one held in a smile, would
make every movement after it read as none (a smile taken as neutral scores a
whole session 0), so the calibrator refuses a window, says why
(Prompt.RELAX_FACE) and measures again when:
- a measure moved during the window (its 10th-90th percentile spread is above
  MAX_SPREAD; the eye opening is left out, since blinking is normal), or
- the classifier, where it has answered, reads a smile (a mean happy
  probability above MAX_EXPRESSION): a smile is made, a droop is not.
After MAX_TRIES refused windows it accepts the stillest one it saw, marked
`fallback` (stored, and said on screen), so calibration always ends for a
patient who cannot relax into a face the checks would call neutral.
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
MAX_EXPRESSION = 0.6  # mean classifier probability of a smile that refuses the reference
SMILING_CLASSES = ("happy",)  # made on purpose; "sad" is left out: a drooping face at rest reads sad
MAX_TRIES = 2  # refused windows before the stillest one is accepted as the rest
STEADY_MEASURES = ("brow_height", "mouth_corner_drop", "mouth_half_width", "nostril_drop", "upper_lip_drop")


@dataclass(frozen=True)
class Calibration:
    neutral: Measures
    pose: HeadPose
    frames: int
    fallback: bool = False  # accepted after MAX_TRIES refusals: the stillest rest seen, not a relaxed one


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
        self.tries = 0  # windows refused so far
        self._stillest: tuple[float, Calibration] | None = None  # the stillest refused window: (spread, its rest)

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
        spread = self._largest_spread(measures)
        if spread <= MAX_SPREAD and not self._smiling():
            self.rejected = False
            return self._calibration(analyses, measures)
        self.tries += 1
        candidate = self._calibration(analyses, measures, fallback=True)
        if self._stillest is None or spread < self._stillest[0]:
            self._stillest = (spread, candidate)
        self.reset()
        if self.tries >= MAX_TRIES:
            self.rejected = False
            return self._stillest[1]
        self.rejected = True
        return None

    @staticmethod
    def _calibration(analyses: list[FaceAnalysis], measures: list[Measures], fallback: bool = False) -> Calibration:
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
        return Calibration(neutral, pose, len(analyses), fallback)

    @staticmethod
    def _largest_spread(measures: list[Measures]) -> float:
        """How much the face moved over the window: the largest spread of any steady measure."""
        return max(
            _spread([getattr(getattr(m, side), name) for m in measures])
            for side in ("right", "left")
            for name in STEADY_MEASURES
        )

    def _smiling(self) -> bool:
        if not self._expressions:
            return False  # no classifier, or it has not answered: the geometry check stands alone
        return any(statistics.fmean(p.get(c, 0.0) for p in self._expressions) > MAX_EXPRESSION for c in SMILING_CLASSES)

"""Whether a measure went up, down or stayed steady over the weeks shown, in
a way that holds up to one odd week.

The rule (also in the README, for therapists):
- at least MIN_WEEKS weeks with practice, or the trend is "too few to tell";
- the line through the weekly values is fitted by Theil-Sen (the median of
  the slopes between every two weeks), so one unusual session this week does
  not turn ten weeks of improvement into a decline;
- the week-to-week spread is the robust standard deviation of the weeks
  around that line (1.4826 x the median absolute deviation);
- the change over the window (the line's end minus its start) is called up or
  down only when it is larger than that spread and than a floor a therapist
  would notice (MIN_CHANGE); otherwise it is steady.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from enum import StrEnum

MIN_WEEKS = 3
MIN_CHANGE = {"symmetry": 0.03, "score": 3.0}


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    STEADY = "steady"
    TOO_FEW = "too_few"


@dataclass(frozen=True)
class Trend:
    direction: Direction
    start: float | None  # the fitted line at the first week with practice
    end: float | None  # ... and at the last
    spread: float | None  # week-to-week, around the line
    weeks: int  # from the first week with practice to the last, inclusive
    weeks_with_data: int


def trend(points: list[tuple[int, float]], measure: str) -> Trend:
    """`points`: (week number, weekly value) for the weeks with practice."""
    points = sorted(points)
    if len(points) < MIN_WEEKS:
        return Trend(Direction.TOO_FEW, None, None, None, 0, len(points))
    slopes = [(yb - ya) / (tb - ta) for i, (ta, ya) in enumerate(points) for tb, yb in points[i + 1 :] if tb != ta]
    slope = statistics.median(slopes)
    intercept = statistics.median(y - slope * t for t, y in points)
    residuals = [y - (intercept + slope * t) for t, y in points]
    centre = statistics.median(residuals)
    spread = 1.4826 * statistics.median(abs(r - centre) for r in residuals)
    first, last = points[0][0], points[-1][0]
    start, end = intercept + slope * first, intercept + slope * last
    change = end - start
    if abs(change) <= max(spread, MIN_CHANGE[measure]):
        direction = Direction.STEADY
    else:
        direction = Direction.UP if change > 0 else Direction.DOWN
    return Trend(direction, start, end, spread, last - first + 1, len(points))

"""The progress rules: where a measure stands now against where it was.

Two readers, one module: the kiosk tells the patient how today's session
compares with their recent ones (`encouragement_key`), and the dashboard and
the ward tell the therapist where each measure stands (the trend rule below).

**Better than last time** (the kiosk's summary): the new session's score
against the mean of the patient's last five completed sessions (the read
side's `earlier_scores`); within SAME_BAND points either way it is "as
steady", above it "better", below it "lower"; with no earlier session it is
the first.

**The trend rule** (the dashboard's trend sentences):

A therapist reads the sentence to decide whether to act, so it describes the
patient's present, not a line through the past (docs/caregiver.md has the
rule in plain words):

- the weekly values are the weeks with practice; fewer than MIN_WEEKS and the
  trend is "too few to tell";
- a *level* is the median of RECENT_WEEKS weeks with practice, so one odd
  week never moves it. The *recent* level is that of the last RECENT_WEEKS
  weeks with practice; the *start* level that of the first ones; the *before*
  level that of the weeks just before the recent ones; the *best* level the
  highest level of any run of weeks before the recent ones;
- a change counts only when it is larger than the week-to-week spread (the
  robust standard deviation of one week's change, 1.4826 x the median
  absolute deviation of the successive changes, over sqrt 2) and than a
  floor a therapist would notice (MIN_CHANGE);
- the recent level below the best (or below the level just before) is a
  decline, told from that level: a rise then a fall is a decline, never
  "steady"; the recent level above the level just before but still below
  the best is a recovery, told with the best; the recent level above the
  start is a rise; anything else is steady, with the reason it is (the
  spread, or the floor when the floor was the larger);
- the latest week alone, far from the recent level and against the sentence
  (lower when the level rose or held, higher when it fell or held), is told
  apart, as one week that is not yet a trend.

Every level is a median of measured weeks, so a sentence never quotes a value
beyond the range measured.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from device.i18n import Words

MIN_WEEKS = 4  # the recent level needs 3 weeks, and something before them to compare with
RECENT_WEEKS = 3
MIN_CHANGE = {"symmetry": 0.03, "score": 3.0}


class TrendDirection(StrEnum):
    UP = "up"  # above the start, and at its best now
    RECOVERING = "recovering"  # up from the weeks just before, still below the best
    DOWN = "down"
    STEADY = "steady"
    TOO_FEW = "too_few"


@dataclass(frozen=True)
class Trend:
    direction: TrendDirection
    now: float | None  # the recent level
    since: float | None  # the level the change is told from (start, best or before); for steady, the start
    best: float | None  # the highest level before the recent weeks
    weeks_since: int  # weeks from the end of the `since` level's weeks to the last week
    weeks: int  # from the first week with practice to the last, inclusive
    weeks_with_data: int
    spread: float | None  # week-to-week, see the module's text
    floor: float  # the smallest change that counts for this measure
    latest: float | None  # the last week's value where it alone differs from the recent level, else None

    @property
    def threshold(self) -> float:
        return max(self.spread or 0.0, self.floor)


def _level(values: Sequence[float]) -> float:
    return statistics.median(values)


def _spread(values: Sequence[float]) -> float:
    changes = [b - a for a, b in itertools.pairwise(values)]
    centre = statistics.median(changes)
    return 1.4826 * statistics.median(abs(c - centre) for c in changes) / math.sqrt(2)


def trend(points: list[tuple[int, float]], measure: str) -> Trend:
    """`points`: (week number, weekly value) for the weeks with practice."""
    points = sorted(points)
    floor = MIN_CHANGE[measure]
    if len(points) < MIN_WEEKS:
        return Trend(TrendDirection.TOO_FEW, None, None, None, 0, 0, len(points), None, floor, None)
    weeks = [t for t, _ in points]
    values = [v for _, v in points]
    recent_at = len(values) - RECENT_WEEKS  # the index of the first recent week
    earlier = values[:recent_at]
    now = _level(values[recent_at:])
    start = _level(values[: min(RECENT_WEEKS, recent_at)])
    before = _level(earlier[-RECENT_WEEKS:])
    window = min(RECENT_WEEKS, len(earlier))
    levels = [(_level(earlier[i - window + 1 : i + 1]), i) for i in range(window - 1, len(earlier))]
    best = max(level for level, _ in levels)
    spread = _spread(values)
    threshold = max(spread, floor)
    last = weeks[-1]
    span = last - weeks[0] + 1

    def result(direction: TrendDirection, since: float, since_index: int) -> Trend:
        # The last week alone, when the recent level's median leaves it out and it goes against the sentence.
        off = values[-1] - now
        against = off < -threshold and direction is not TrendDirection.DOWN
        against |= off > threshold and direction in {TrendDirection.DOWN, TrendDirection.STEADY}
        latest = values[-1] if against else None
        return Trend(direction, now, since, best, last - weeks[since_index], span, len(points), spread, floor, latest)

    before_index = recent_at - 1
    if now < best - threshold and now <= before + threshold:
        # Told from the last run of weeks that was still at its best, so a
        # relapse after a long plateau reads "in the last 3 weeks", not "since the plateau began".
        at_best = max(i for level, i in levels if level >= best - threshold)
        return result(TrendDirection.DOWN, best, at_best)
    if now < before - threshold:
        return result(TrendDirection.DOWN, before, before_index)
    if now > before + threshold and now < best - threshold:
        return result(TrendDirection.RECOVERING, before, before_index)
    if now > start + threshold:
        return result(TrendDirection.UP, start, 0)
    return result(TrendDirection.STEADY, start, 0)


def sentence(exercise: str, measure: str, found: Trend, words: Words) -> str:
    """One plain sentence, in the reader's language, about one exercise's trend."""
    name = words.exercise(exercise)
    if found.direction is TrendDirection.TOO_FEW:
        return words("trends.too_few", name=name, weeks_with_data=found.weeks_with_data, least=MIN_WEEKS)
    assert found.now is not None
    assert found.since is not None
    assert found.best is not None
    # Symmetry (0-1, the therapist's index in the CSV and the API) is told as
    # the one balance scale caregivers and patients read everywhere: 0-100.
    scale = 100.0 if measure == "symmetry" else 1.0

    def fmt(value: float) -> str:
        return f"{value * scale:.0f}"

    values = {
        "name": name,
        "measure": words(f"trends.measure_{measure}"),
        "now": fmt(found.now),
        "since": fmt(found.since),
        "best": fmt(found.best),
        "weeks": words.plural("count.weeks", found.weeks),
        "recent": words.plural("count.weeks", max(found.weeks_since, 1)),
        "spread": fmt(found.spread or 0.0),
        "floor": fmt(found.floor),
    }
    key = f"trends.{found.direction.value}"
    if found.direction is TrendDirection.STEADY:
        key += "_floor" if found.floor >= (found.spread or 0.0) else "_spread"
    text = words(key, **values)
    if found.latest is not None:
        lower = found.latest < found.now
        text += " " + words("trends.latest_lower" if lower else "trends.latest_higher", latest=fmt(found.latest))
    return text


SAME_BAND = 5.0  # points either side of the earlier mean that count as "as steady"


def encouragement_key(score: float, earlier: Sequence[float]) -> str:
    """The kiosk summary's sentence for `score` against the `earlier` scores (the catalogue key)."""
    if not earlier:
        return "summary.first"
    mean = statistics.fmean(earlier)
    if score > mean + SAME_BAND:
        return "summary.better"
    if score >= mean - SAME_BAND:
        return "summary.same"
    return "summary.worse"

"""The dashboard's trend rule on constructed histories: the ones that misled
a therapist before (a relapse told as a rise, a rise then a fall told as
steady, one bad week quoted beyond anything measured), and the plain ones."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

import pytest

from device.i18n import LANGUAGES
from device.progress import MIN_WEEKS, TrendDirection, trend
from device.web.language import WebWords
from device.web.reports import WeekPoint, trend_sentence

# Weekly symmetry, oldest first (None: a week without practice). Named for
# what a therapist should read in them.
RELAPSE = [0.72, 0.75, 0.70, 0.78, 0.74, 0.76, 0.73, 0.77, 0.75, 0.40, 0.38, 0.35]
RECOVERY = [0.40, 0.42, 0.41, 0.45, 0.52, 0.58, 0.63, 0.68, 0.72, 0.74]
RECOVERY_AFTER_RELAPSE = [0.75, 0.76, 0.74, 0.75, 0.40, 0.38, 0.41, 0.55, 0.62, 0.66]
PLATEAU = [0.80, 0.82, 0.81, 0.80, 0.83, 0.81, 0.82, 0.80]
SINGLE_BAD_WEEK = [round(0.68 + 0.019 * i, 3) for i in range(10)] + [0.30]  # ten weeks up, then one 0.30
UP_THEN_DOWN = [0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.72, 0.68, 0.65, 0.62, 0.59, 0.56]
TOO_FEW = [0.80, None, 0.70, 0.60]

# What each history reads, in both languages: the exact sentence a therapist
# sees ({name}: the exercise's name, which the exercise catalogue words).
READS = {
    "en": {
        "relapse": "{name}: balance down from about 76 to 38 in the last 3 weeks.",
        "recovery": "{name}: balance up from about 41 to 72 over 10 weeks.",
        "recovery_after_relapse": "{name}: balance up again from about 40 to 62 in the last 3 weeks, "
        "still below its best of about 75.",
        "plateau": "{name}: balance steady at about 81 over 8 weeks (changes smaller than ±3, too small to count).",
        "single_bad_week": "{name}: balance up from about 70 to 83 over 11 weeks. "
        "The latest week alone was lower (30): one week is not yet a trend.",
        "up_then_down": "{name}: balance down from about 72 to 59 in the last 4 weeks.",
        "too_few": "{name}: too few weeks of practice to tell a trend yet (3 of at least 4 weeks).",
    },
    "ko": {
        "relapse": "{name}: 좌우 균형이 최근 3주 동안 약 76에서 38까지 내려갔어요.",
        "recovery": "{name}: 좌우 균형이 10주 동안 약 41에서 72까지 올랐어요.",
        "recovery_after_relapse": "{name}: 좌우 균형이 최근 3주 동안 약 40에서 62까지 다시 올랐지만, "
        "가장 좋았던 약 75보다는 아직 낮아요.",
        "plateau": "{name}: 좌우 균형이 8주 동안 약 81 안팎으로 비슷해요 "
        "(변화가 ±3보다 작아 의미 있는 변화로 보지 않아요).",
        "single_bad_week": "{name}: 좌우 균형이 11주 동안 약 70에서 83까지 올랐어요. "
        "마지막 한 주만 낮았어요 (30). 한 주만으로는 아직 추세라고 할 수 없어요.",
        "up_then_down": "{name}: 좌우 균형이 최근 4주 동안 약 72에서 59까지 내려갔어요.",
        "too_few": "{name}: 아직 추이를 말하기에는 연습한 주가 적어요 (3주, 최소 4주 필요).",
    },
}
HISTORIES: dict[str, Sequence[float | None]] = {
    "relapse": RELAPSE,
    "recovery": RECOVERY,
    "recovery_after_relapse": RECOVERY_AFTER_RELAPSE,
    "plateau": PLATEAU,
    "single_bad_week": SINGLE_BAD_WEEK,
    "up_then_down": UP_THEN_DOWN,
    "too_few": TOO_FEW,
}


def weeks_of(values: Sequence[float | None], monday: date = date(2026, 9, 7)) -> list[WeekPoint]:
    return [
        WeekPoint(monday + timedelta(weeks=i), 60.0 if v is not None else None, v, 5, 5) for i, v in enumerate(values)
    ]


def points(values: Sequence[float | None]) -> list[tuple[int, float]]:
    return [(i, v) for i, v in enumerate(values) if v is not None]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("history", HISTORIES)
def test_each_history_reads_as_a_therapist_would_say_it(history: str, language: str) -> None:
    words = WebWords(language)
    expected = READS[language][history].format(name=words.exercise("closed_smile"))
    assert trend_sentence("closed_smile", weeks_of(HISTORIES[history]), words) == expected


@pytest.mark.parametrize("history", [h for h in HISTORIES if h != "too_few"])
def test_no_sentence_quotes_a_value_beyond_the_weeks_measured(history: str) -> None:
    measured = [v for v in HISTORIES[history] if v is not None]
    found = trend(points(HISTORIES[history]), "symmetry")
    for value in (found.now, found.since, found.best, found.latest):
        if value is not None:
            assert min(measured) <= value <= max(measured)


def test_a_relapse_after_a_plateau_is_a_decline_however_good_the_weeks_before() -> None:
    found = trend(points(RELAPSE), "symmetry")
    assert found.direction is TrendDirection.DOWN
    assert found.weeks_since == 3  # the fall is told over the weeks it took, not since the plateau began
    # The old line through the whole history called this "up to 0.81": make sure the fall wins however long the plateau.
    longer = [0.70 + 0.008 * i for i in range(20)] + [0.40, 0.38, 0.35]
    assert trend(points(longer), "symmetry").direction is TrendDirection.DOWN


def test_a_rise_then_a_fall_is_never_steady() -> None:
    found = trend(points(UP_THEN_DOWN), "symmetry")
    assert found.direction is TrendDirection.DOWN
    assert found.since == pytest.approx(0.72)  # from its best, not from the start it is still above
    # Ending back where it started still reads as the fall it is.
    back = [0.50, 0.58, 0.66, 0.74, 0.80, 0.74, 0.66, 0.58, 0.50]
    assert trend(points(back), "symmetry").direction is TrendDirection.DOWN


def test_one_bad_week_neither_hides_a_rise_nor_makes_a_decline() -> None:
    found = trend(points(SINGLE_BAD_WEEK), "symmetry")
    assert found.direction is TrendDirection.UP
    assert found.latest == pytest.approx(0.30)
    assert found.now is not None
    assert found.now <= max(SINGLE_BAD_WEEK)
    # Two bad weeks of the last three are a decline.
    assert trend(points([*SINGLE_BAD_WEEK, 0.31]), "symmetry").direction is TrendDirection.DOWN


def test_steady_names_the_spread_when_the_spread_made_it_steady() -> None:
    rng = random.Random(3)
    noisy = [0.6 + rng.uniform(-0.08, 0.08) for _ in range(12)]
    found = trend(points(noisy), "symmetry")
    assert found.direction is TrendDirection.STEADY
    assert found.spread is not None
    assert found.spread > found.floor
    sentence = trend_sentence("closed_smile", weeks_of(noisy), WebWords("en"))
    assert f"within the week-to-week spread of ±{100 * found.spread:.0f})" in sentence  # on the 0-100 balance scale
    assert "too small to count" in trend_sentence("closed_smile", weeks_of(PLATEAU), WebWords("en"))


def test_weeks_without_practice_are_left_out_and_counted_in_the_span() -> None:
    gappy: list[float | None] = [0.50, None, 0.55, None, None, 0.62, 0.66, 0.70]
    found = trend(points(gappy), "symmetry")
    assert found.direction is TrendDirection.UP
    assert found.weeks == 8
    assert found.weeks_with_data == 5


def test_scores_stand_in_where_there_is_no_symmetry() -> None:
    happy = [WeekPoint(date(2026, 9, 7) + timedelta(weeks=i), 40.0 + 5 * i, None, 5, 5) for i in range(5)]
    words = WebWords("en")
    expected = f"{words.exercise('happy')}: score up from about 42 to 55 over 5 weeks."
    assert trend_sentence("happy", happy, words) == expected


def test_fewer_weeks_than_the_rule_needs_are_too_few() -> None:
    assert MIN_WEEKS == 4
    assert trend([(0, 0.83), (5, 0.82), (6, 0.2)], "symmetry").direction is TrendDirection.TOO_FEW


def test_the_dashboard_catalogues_match() -> None:
    """Korean needs no singular forms; every other key is in both."""
    english = {k for k in WebWords.keys("en") if not k.endswith("_one")}
    assert WebWords.keys("ko") == english

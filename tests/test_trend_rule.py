"""The dashboard's trend rule on constructed histories, including the ones
that misled before: one odd session this week, and a change inside the
week-to-week spread."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from device.i18n import LANGUAGES
from device.web.language import WebWords
from device.web.reports import WeekPoint, trend_sentence
from device.web.trend_rule import Direction, trend


def weeks_of(values: list[float | None]) -> list[WeekPoint]:
    monday = date(2026, 9, 7)
    return [
        WeekPoint(monday + timedelta(weeks=i), 60.0 if v is not None else None, v, 5, 5) for i, v in enumerate(values)
    ]


def test_one_odd_session_this_week_does_not_turn_ten_weeks_of_improvement_into_a_decline() -> None:
    improving = [0.68 + 0.017 * i for i in range(11)]  # 0.68 -> 0.85 over ten weeks
    found = trend([(i, v) for i, v in enumerate([*improving, 0.48])], "symmetry")
    assert found.direction is Direction.UP
    assert found.start == pytest.approx(0.68, abs=0.02)
    assert found.end == pytest.approx(0.87, abs=0.03)
    sentence = trend_sentence("closed_smile", weeks_of([*improving, 0.48]), WebWords("en"))
    assert sentence.startswith("Closed smile: symmetry up from about 0.68 to")


def test_a_change_inside_the_week_to_week_spread_is_steady() -> None:
    assert trend([(0, 0.83), (1, 0.82), (2, 0.83), (3, 0.82)], "symmetry").direction is Direction.STEADY
    rng = random.Random(3)
    noisy = [(i, 0.6 + rng.uniform(-0.05, 0.05)) for i in range(12)]
    found = trend(noisy, "symmetry")
    assert found.direction is Direction.STEADY
    assert found.spread is not None
    assert 0.01 < found.spread < 0.08


def test_two_weeks_are_too_few_to_tell() -> None:
    found = trend([(0, 0.83), (5, 0.82)], "symmetry")
    assert found.direction is Direction.TOO_FEW
    assert trend_sentence("brow_raise", weeks_of([0.83, None, None, 0.82]), WebWords("en")) == (
        "Brow raise: too few weeks of practice to tell a trend yet (2 of at least 3 weeks)."
    )


def test_a_real_decline_is_called_down_and_scores_stand_in_where_there_is_no_symmetry() -> None:
    assert trend([(i, 0.8 - 0.03 * i) for i in range(6)], "symmetry").direction is Direction.DOWN
    happy = [WeekPoint(date(2026, 9, 7) + timedelta(weeks=i), 40.0 + 5 * i, None, 5, 5) for i in range(5)]
    assert "score up from about 40 to 60" in trend_sentence("happy", happy, WebWords("en"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sentence_exists_in_both_languages(language: str) -> None:
    words = WebWords(language)
    for direction in ("up", "down", "steady", "too_few"):
        assert words(f"trends.{direction}") != f"trends.{direction}"
    text = trend_sentence("closed_smile", weeks_of([0.5, 0.6, 0.7, 0.8]), words)
    assert ("입 다물고 미소" if language == "ko" else "Closed smile") in text


def test_the_dashboard_catalogues_match() -> None:
    """Korean needs no singular forms; every other key is in both."""
    english = {k for k in WebWords.keys("en") if not k.endswith("_one")}
    assert WebWords.keys("ko") == english

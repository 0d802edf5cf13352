"""Practice logic on its own: catalogue, plans, reps and holds, smoothing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from device.practice.catalogue import LANGUAGES, CatalogueError, Kind, catalogue, load_catalogue
from device.practice.plan import Effort, PlanError, Side, default_plan, make_plan
from device.practice.reps import GRACE_S, Phase, Rep, RepCounter, Sample
from device.practice.scoring import Smoother, symmetry


def test_catalogue_has_the_palsy_exercises_and_expressions_in_both_languages() -> None:
    exercises = catalogue()
    for ident in (
        "brow_raise", "gentle_eye_closure", "tight_eye_closure", "closed_smile",
        "open_smile", "lip_pucker", "nose_wrinkle", "happy", "sad", "neutral",
    ):  # fmt: skip
        assert ident in exercises
    for exercise in exercises.values():
        for language in LANGUAGES:
            assert exercise.name[language]
            assert exercise.instruction[language]
        if exercise.kind is Kind.MOVEMENT:
            assert exercise.measure
            assert exercise.full_movement
        else:
            assert exercise.expression_class
    assert exercises["closed_smile"].synkinesis
    assert not exercises["brow_raise"].synkinesis


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('measure = "ear_wiggle"', "unknown measure"),
        ("colour = 3", "unknown field"),
    ],
)
def test_a_broken_catalogue_is_rejected(tmp_path: Path, extra: str, message: str) -> None:
    path = tmp_path / "exercises.toml"
    base = (
        '[[exercise]]\nid = "x"\nkind = "movement"\ndirection = "increase"\nfull_movement = 0.1\n'
        "hold_s = 1.0\nreps = 1\nrest_s = 1.0\n"
        'name = { en = "X", ko = "X" }\ninstruction = { en = "X", ko = "X" }\n'
    )
    path.write_text(base + (extra if "measure" in extra else 'measure = "brow_height"\n' + extra) + "\n")
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(path)


def test_default_plan_is_gentle_and_valid() -> None:
    plan = default_plan()
    assert plan.effort is Effort.GENTLE
    assert plan.affected_side is None
    assert len(plan.items) >= 5
    assert all(item.reps >= 1 for item in plan.items)


@pytest.mark.parametrize(
    ("entries", "kwargs", "message"),
    [
        ([("closed_smile", 0)], {}, "reps must be between 1"),
        ([("wink", 3)], {}, "no exercise 'wink'"),
        ([], {}, "at least one exercise"),
        ([("closed_smile", 3)], {"effort": "maximal"}, "effort must be one of"),
        ([("closed_smile", 3)], {"affected_side": "middle"}, "affected side"),
    ],
)
def test_impossible_plans_are_rejected(
    entries: list[tuple[str, int | None]], kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(PlanError, match=message):
        make_plan(entries, **kwargs)


def test_negative_hold_is_rejected() -> None:
    from device.practice.plan import plan_item

    with pytest.raises(PlanError, match="hold must be"):
        plan_item("brow_raise", hold_s=-1.0)


def feed(counter: RepCounter, scores: Sequence[float | None], start: float = 0.0, step: float = 0.1) -> list[Rep]:
    completed: list[Rep] = []
    for i, score in enumerate(scores):
        now = start + i * step
        sample = None if score is None else Sample(now, score, right=score / 100, left=score / 200)
        rep = counter.update(now, sample)
        if rep is not None:
            completed.append(rep)
    return completed


def test_a_rep_counts_after_the_hold_time_then_rest_is_enforced() -> None:
    counter = RepCounter(reps=2, hold_s=1.0, rest_s=2.0)
    reps = feed(counter, [80.0] * 12)
    assert len(reps) == 1
    assert counter.phase is Phase.RESTING
    rep = counter.done[0]
    assert rep.peak_score == 80.0
    assert rep.right_movement == pytest.approx(0.8)
    assert rep.symmetry == pytest.approx(0.5)
    # During the rest a high score does not start a new hold.
    assert feed(counter, [90.0] * 5, start=1.2) == []
    assert counter.phase is Phase.RESTING
    reps = feed(counter, [90.0] * 15, start=3.2)
    assert len(reps) == 1
    assert counter.phase is Phase.DONE


def test_a_short_dip_or_gated_frames_do_not_break_a_hold() -> None:
    counter = RepCounter(reps=1, hold_s=1.0, rest_s=0.0)
    scores: list[float | None] = [80.0] * 4 + [30.0, None] + [80.0] * 6
    assert len(feed(counter, scores)) == 1


def test_letting_go_too_early_is_not_a_rep() -> None:
    counter = RepCounter(reps=1, hold_s=1.0, rest_s=0.0)
    dip_frames = int(GRACE_S / 0.1) + 2
    assert feed(counter, [80.0] * 5 + [20.0] * dip_frames) == []
    assert counter.phase is Phase.READY
    assert counter.done == []


def test_symmetry_rules() -> None:
    assert symmetry(0.10, 0.05) == pytest.approx(0.5)
    assert symmetry(0.05, 0.10) == pytest.approx(0.5)
    assert symmetry(0.03, 0.06, Side.RIGHT) == pytest.approx(0.5)  # affected / healthy
    assert symmetry(0.09, 0.06, Side.RIGHT) == pytest.approx(1.5)  # the affected side can move more
    assert symmetry(0.0, -0.01) is None  # nothing moved


def test_smoother_follows_a_step_within_its_time_constant_at_any_frame_rate() -> None:
    for fps in (10, 30):
        smoother = Smoother(time_constant=0.25)
        smoother.update(0.0, 0.0)
        value = 0.0
        for i in range(1, int(0.75 * fps) + 1):
            value = smoother.update(100.0, i / fps)
        assert 93 < value < 97  # three time constants: 95%

"""FER+ annotators' votes: reading the file, matching images, majority labels;
and the training targets made from them (model_export/vote_targets.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from device.expression.votes import (
    VOTE_COLUMNS,
    Votes,
    VotesError,
    class_votes,
    majority,
)
from model_export.__main__ import main
from model_export.vote_targets import not_a_face, soft_targets, strongest_class
from tests.helpers import EXPRESSIONS, FIXTURES, VOTES

CLASSES = ("neutral", "happy", "sad")


def row(**votes: int) -> np.ndarray:
    return np.array([votes.get(column, 0) for column in VOTE_COLUMNS])


def test_fixture_images_are_matched_by_class_folder_and_file_name() -> None:
    votes = Votes.load(VOTES)
    happy = sorted((EXPRESSIONS / "happy").glob("*.jpg"))
    table, found = votes.table(np.array([str(p) for p in happy]))
    assert found.all()
    assert (class_votes(table, CLASSES)[:, 1] >= 5).mean() > 0.8  # happy faces, mostly voted happy
    assert votes.of(Path("elsewhere/happy/not-in-fer.jpg")) is None


def test_majority_needs_a_strict_winner_among_the_classes() -> None:
    table = np.stack([
        row(neutral=6, sadness=4),  # neutral
        row(neutral=4, sadness=4, happiness=2),  # a tie: no label
        row(surprise=7, happiness=3),  # another expression wins: no label
        row(sadness=5, neutral=3, NF=2),  # sad
        row(),  # no votes
    ])  # fmt: skip
    found = np.array([True, True, True, True, False])
    assert majority(table, found, CLASSES).tolist() == [0, -1, -1, 2, -1]


def test_not_a_face_is_what_annotators_say_or_what_fer_plus_dropped() -> None:
    table = np.stack([row(NF=6, neutral=4), row(neutral=10), row()])
    assert not_a_face(table, np.array([True, True, False])).tolist() == [True, False, True]


def test_soft_targets_blend_the_folder_label_with_the_vote_shares_among_the_classes() -> None:
    table = np.stack([
        row(neutral=6, sadness=2, surprise=2),  # a sad-folder face most annotators read as neutral
        row(happiness=10),  # agrees with its folder
        row(surprise=8, NF=2),  # no votes for any of the three classes: keeps its folder label
    ])  # fmt: skip
    labels = np.array([2, 1, 0])
    targets = soft_targets(labels, table, CLASSES, 0.5)
    # shares among the three classes only (surprise's votes do not count): 0.75 neutral, 0.25 sad
    np.testing.assert_allclose(targets[0], [0.375, 0.0, 0.625])
    np.testing.assert_allclose(targets[1], [0.0, 1.0, 0.0])
    np.testing.assert_allclose(targets[2], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(targets.sum(axis=1), 1.0)
    np.testing.assert_array_equal(soft_targets(labels, table, CLASSES, 0.0), np.eye(3)[labels])
    with pytest.raises(VotesError, match="between 0 and 1"):
        soft_targets(labels, table, CLASSES, 1.5)


def test_each_face_counts_as_its_strongest_target_and_a_tie_keeps_the_folder() -> None:
    table = np.stack([
        row(neutral=10),  # a sad-folder face every annotator reads as neutral
        row(neutral=8, sadness=2),  # a happy-folder face read as neutral
        row(happiness=10),
    ])  # fmt: skip
    labels = np.array([2, 1, 1])
    # at weight 0.5 the folder still wins every face, the first only by a tie
    assert strongest_class(soft_targets(labels, table, CLASSES, 0.5), labels).tolist() == [2, 1, 1]
    # beyond a half, the annotators do
    assert strongest_class(soft_targets(labels, table, CLASSES, 0.7), labels).tolist() == [0, 0, 1]


def test_a_wrong_file_gives_one_clear_line(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("file,label\ntrain/sad/x.jpg,3\n", encoding="utf-8")
    with pytest.raises(VotesError, match="expected the columns"):
        Votes.load(other)
    with pytest.raises(VotesError, match="cannot be read"):
        Votes.load(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text((FIXTURES / "ferplus-votes.csv").read_text().splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(VotesError, match="holds no votes"):
        Votes.load(empty)


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--vote-share", "1.5", "1.5 is not a weight from 0 to 1"),
        ("--vote-share", "-0.1", "-0.1 is not a weight from 0 to 1"),
        ("--mixup", "-0.2", "-0.2 is negative: give 0 (no mixup) or more"),
    ],
)
def test_train_refuses_an_impossible_weight_at_once_in_one_line(
    option: str, value: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before any data is read or TensorFlow loaded: argparse's usage line, then the reason."""
    args = ["train", "--data", str(tmp_path / "missing.npz"), "--out", str(tmp_path / "run"), option, value]
    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.endswith(says)
    assert option in last
    assert not (tmp_path / "run").exists()  # nothing was started

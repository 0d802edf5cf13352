"""model_export's steps without training: what train says about classes and
its defaults, what prepare records of its source, convert's quiet output,
and the paths the card records. (The end-to-end run is test_model_export_smoke.py.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model_export.common import Prepared, command_line, content_hash, read_source, record_command
from model_export.publish import shown
from model_export.train import chosen_classes
from tests.helpers import EXPRESSIONS, ROOT, export


def four_classes() -> Prepared:
    labels = np.array([0, 1, 2, 3, 3, 1])
    return Prepared(
        crops=np.zeros((6, 8, 8), np.uint8),
        points=np.zeros((6, 68, 2), np.float32),
        labels=labels,
        classes=("happy", "neutral", "sad", "surprise"),
        paths=np.array([f"{i}.jpg" for i in range(6)]),
        detected=np.ones(6, bool),
    )


def test_train_says_which_classes_it_uses_and_which_it_leaves_out(capsys: pytest.CaptureFixture[str]) -> None:
    chosen = chosen_classes(four_classes(), ("neutral", "happy", "sad"))
    assert chosen.classes == ("neutral", "happy", "sad")
    assert len(chosen.labels) == 4
    assert capsys.readouterr().out == (
        "classes: neutral, happy, sad; left out: surprise (2 faces) (--classes names the classes to train on)\n"
    )
    chosen_classes(four_classes(), ("neutral", "happy", "sad", "surprise"))
    assert capsys.readouterr().out == "classes: neutral, happy, sad, surprise\n"


def test_train_help_shows_its_defaults() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "model_export", "train", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    text = " ".join(result.stdout.split())  # argparse wraps lines
    for default in ("(default: both)", "(default: 96)", "(default: 40)", "(default: 64)", "(default: ['neutral',"):
        assert default in text, default
    assert "docs/model-training.md" in text


def test_prepare_records_its_source_folder_files_and_content_hash(tmp_path: Path) -> None:
    data = tmp_path / "faces"
    for label in ("neutral", "happy"):
        shutil.copytree(EXPRESSIONS / label, data / label)
    out = tmp_path / "prepared" / "faces.npz"
    export("prepare", "--data", str(data), "--out", str(out), "--limit-per-class", "3")
    source = read_source(out)
    assert source is not None
    assert source["folder"] == str(data.resolve())
    assert source["files"] == 6
    assert source["limit_per_class"] == 3
    assert source["command"].startswith("python -m model_export prepare --data ")
    assert not (out.parent / "commands.txt").exists()  # no shared list of every prepare ever run
    used = [data / "happy" / p for p in sorted(os.listdir(data / "happy"))[:3]] + [
        data / "neutral" / p for p in sorted(os.listdir(data / "neutral"))[:3]
    ]
    assert source["sha256"] == content_hash(data, used)
    # One byte of one image changes the hash.
    used[0].write_bytes(used[0].read_bytes() + b"\0")
    assert content_hash(data, used) != source["sha256"]


def test_a_run_folder_trained_again_lists_only_its_own_commands(tmp_path: Path) -> None:
    record_command(tmp_path, first=True)
    record_command(tmp_path)
    record_command(tmp_path, first=True)  # trained again
    assert (tmp_path / "commands.txt").read_text(encoding="utf-8").splitlines() == [command_line()]


def test_output_to_sends_what_native_code_prints_to_the_log(tmp_path: Path) -> None:
    """Output written straight to file descriptors 1 and 2, as TensorFlow's
    C++ and its converter's prints are, goes to the log, not the terminal."""
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from model_export.common import output_to\n"
        f"with output_to(Path({str(tmp_path / 'convert.log')!r})):\n"
        "    os.write(1, b'TensorSpec dump\\n'); os.write(2, b'absl warning\\n'); print('python print')\n"
        "print('stage line')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout == "stage line\n"
    assert result.stderr == ""
    assert (tmp_path / "convert.log").read_text().splitlines() == ["TensorSpec dump", "absl warning", "python print"]


def test_the_card_records_any_path_relative_inside_the_checkout_absolute_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert shown(EXPRESSIONS) == "tests/fixtures/expressions"
    monkeypatch.chdir(tmp_path)
    assert shown(Path("elsewhere")) == str(tmp_path / "elsewhere")
    assert shown(Path("..") / "x") == str(tmp_path.parent / "x")

"""publish: which runs trained the model it ships."""

from __future__ import annotations

import json
from pathlib import Path

from model_export.publish import training_stages


def make_run(folder: Path, init: Path | None = None) -> Path:
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"init": str(init) if init else None}), encoding="utf-8")
    return folder


def test_a_continued_run_is_published_with_the_runs_it_continued(tmp_path: Path) -> None:
    first = make_run(tmp_path / "first")
    second = make_run(tmp_path / "second", init=first / "model.keras")
    third = make_run(tmp_path / "third", init=second / "model.keras")
    assert training_stages(third) == [first, second, third]
    assert training_stages(first) == [first]
    # a model from outside any run folder (no run.json beside it) starts the chain
    outside = make_run(tmp_path / "outside", init=tmp_path / "elsewhere" / "model.keras")
    assert training_stages(outside) == [outside]

"""publish: which runs trained the model it ships; installing a model is all
or nothing, gated against the installed one and reversible; a model's classes
are checked against the exercises that need them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from device.expression.install import install, previous_of, rollback
from device.expression.model_card import DEFAULT_MODEL, card_path_for
from device.practice.catalogue import CatalogueError, catalogue
from device.practice.model_fit import require_scorable, unscorable
from device.vision.model_files import ModelError
from model_export.publish import training_stages
from tests.helpers import EXPRESSIONS, ROOT, export, run_device

SHIPPED = DEFAULT_MODEL


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


def copy_model(source: Path, target: Path, classes: list[str] | None = None) -> Path:
    """A model and its card copied to `target` (the card's classes renamed if given)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    card = json.loads(card_path_for(source).read_text(encoding="utf-8"))
    if classes is not None:
        card["classes"] = classes
    card_path_for(target).write_text(json.dumps(card), encoding="utf-8")
    return target


def pair_bytes(model: Path) -> tuple[bytes, bytes]:
    return model.read_bytes(), card_path_for(model).read_bytes()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".partial"))


# -- installing and rolling back (no training needed) ---------------------------


def test_a_failed_install_leaves_the_installed_model_byte_identical(tmp_path: Path) -> None:
    target = copy_model(SHIPPED, tmp_path / "models" / "expression.tflite")
    before = pair_bytes(target)
    candidate = tmp_path / "run" / "model_int8.tflite"
    candidate.parent.mkdir()
    shutil.copyfile(SHIPPED, candidate)  # its card is missing: the copy fails half-way through the pair
    with pytest.raises(FileNotFoundError):
        install(candidate, target)
    assert pair_bytes(target) == before
    assert not previous_of(target).exists()
    assert leftovers(tmp_path / "models") == []


def test_install_keeps_the_previous_model_and_rollback_swaps_them(tmp_path: Path) -> None:
    target = copy_model(SHIPPED, tmp_path / "models" / "expression.tflite")
    shipped = pair_bytes(target)
    other = copy_model(SHIPPED, tmp_path / "run" / "model_int8.tflite", ["neutral", "happy", "surprise"])
    candidate = pair_bytes(other)
    assert install(other, target) == previous_of(target)
    assert pair_bytes(target) == candidate
    assert pair_bytes(previous_of(target)) == shipped
    assert rollback(target).classes == ("neutral", "happy", "sad")
    assert pair_bytes(target) == shipped
    assert pair_bytes(previous_of(target)) == candidate  # a second rollback would undo the first
    assert leftovers(tmp_path / "models") == []


def test_rollback_without_a_previous_model_changes_nothing(tmp_path: Path) -> None:
    target = copy_model(SHIPPED, tmp_path / "models" / "expression.tflite")
    before = pair_bytes(target)
    with pytest.raises(ModelError, match=r"no previous model .* nothing was changed"):
        rollback(target)
    # A damaged previous model is not put in place either.
    copy_model(SHIPPED, previous_of(target))
    previous_of(target).write_bytes(b"not a model")
    with pytest.raises(ModelError, match=r"cannot be restored .* nothing was changed"):
        rollback(target)
    assert pair_bytes(target) == before
    result = run_device("models", "--rollback", env={"KIOSK_EXPRESSION_MODEL": str(target)})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: the previous model cannot be restored (expression model {previous_of(target)} does not match "
        "its card (damaged or replaced): reinstall the software); nothing was changed"
    ]


# -- the model against the exercises ---------------------------------------------


def test_exercises_whose_class_the_model_lacks_are_named() -> None:
    exercises = catalogue().values()
    assert unscorable(("neutral", "happy", "sad"), exercises) == []
    assert [e.id for e in unscorable(("neutral", "happy", "surprise"), exercises)] == ["sad"]
    with pytest.raises(CatalogueError, match="'sad' needs class 'sad'; the expression model has only neutral, happy"):
        require_scorable(("neutral", "happy"), exercises)


def test_a_model_without_sad_has_the_sad_exercise_refused(tmp_path: Path) -> None:
    """The shipped model's card, copied with `sad` renamed: the device refuses
    the sad exercise by name (instead of scoring it 0) and doctor says why."""
    model = copy_model(SHIPPED, tmp_path / "models" / "expression.tflite", ["neutral", "happy", "surprise"])
    env = {"KIOSK_EXPRESSION_MODEL": str(model), "KIOSK_DATA_DIR": str(tmp_path / "data")}
    refused = run_device("practice", "--exercise", "sad", "--camera", "demo", "--seconds", "3", env=env)
    assert refused.returncode == 2
    last = refused.stderr.strip().splitlines()[-1]
    assert last.startswith("error: 'sad' needs class 'sad'; the expression model has only neutral, happy, surprise")
    assert "python -m device models --rollback" in last
    doctor = run_device("doctor", "--software", env=env)
    assert doctor.returncode != 0
    line = next(line for line in doctor.stdout.splitlines() if "model vs exercises" in line)
    assert line.startswith("[FAIL]")
    assert "'sad' needs class 'sad'" in line
    models = run_device("models", env=env)
    assert "warning: 'sad' needs class 'sad'" in models.stdout
    # The shipped model scores every exercise.
    shipped = run_device("doctor", "--software", env={"KIOSK_DATA_DIR": str(tmp_path / "data")})
    assert next(line for line in shipped.stdout.splitlines() if "model vs exercises" in line).startswith("[pass]")


# -- publish, end to end (the smoke run's model and a four-class run) -------------


def publish(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "model_export", "publish", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def four_class_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real four-class model (neutral, happy, sad, surprise), trained for
    one epoch on a few fixture faces; the surprise folder holds happy faces,
    as only the class set matters here."""
    work = tmp_path_factory.mktemp("four")
    data = work / "faces"
    for label in ("neutral", "happy", "sad"):
        (data / label).mkdir(parents=True)
        for face in sorted((EXPRESSIONS / label).glob("*.jpg"))[:6]:
            shutil.copyfile(face, data / label / face.name)
    (data / "surprise").mkdir()
    for face in sorted((EXPRESSIONS / "happy").glob("*.jpg"))[-6:]:
        shutil.copyfile(face, data / "surprise" / face.name)
    prepared, run = work / "prepared.npz", work / "run"
    export("prepare", "--data", str(data), "--out", str(prepared))
    export(
        "train", "--data", str(prepared), "--out", str(run), "--classes", "neutral", "happy", "sad", "surprise",
        "--epochs", "1", "--size", "32", "--batch", "8", "--val-fraction", "0.25", "--representation", "crop",
    )  # fmt: skip
    export("convert", "--run", str(run), "--data", str(prepared))
    export("evaluate", "--run", str(run), "--data", str(data))
    return run


@pytest.mark.slow
def test_a_four_class_model_the_fixtures_cannot_check_leaves_the_installed_model_byte_identical(
    four_class_run: Path, tmp_path: Path
) -> None:
    target = copy_model(SHIPPED, tmp_path / "models" / "expression.tflite")
    before = pair_bytes(target)
    result = publish("--run", str(four_class_run), "--target", str(target), "--data-terms", "our clinic's own faces")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1:] == [  # after LiteRT's own INFO line
        f"error: {EXPRESSIONS} has no folder for class(es) surprise; it has happy, neutral, sad (give --fixtures "
        f"and --held-out folders with every class of the model); nothing was published: {target} is unchanged"
    ]
    assert pair_bytes(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["expression.card.json", "expression.tflite"]
    # Own data without its terms is refused before anything else.
    unsaid = publish("--run", str(four_class_run), "--target", str(target))
    assert unsaid.returncode == 2
    assert "give --data-terms" in unsaid.stderr
    assert pair_bytes(target) == before


def test_a_worse_model_is_refused_then_forced_then_rolled_back(smoke_run: Path, tmp_path: Path) -> None:
    target = copy_model(SHIPPED, tmp_path / "models" / "expression.tflite")
    shipped = pair_bytes(target)
    refused = publish("--run", str(smoke_run), "--target", str(target))
    assert refused.returncode == 2
    message = refused.stderr.strip().splitlines()[-1]
    assert "points worse" in message
    assert "(--force publishes it anyway)" in message
    assert message.endswith(f"nothing was published: {target} is unchanged")
    assert pair_bytes(target) == shipped

    # Forced, from a fixture folder outside the checkout given as a relative path.
    fixtures = tmp_path / "held-out"
    shutil.copytree(EXPRESSIONS, fixtures)
    relative = Path("..") / fixtures.relative_to(tmp_path)
    forced = subprocess.run(
        [sys.executable, "-m", "model_export", "publish", "--run", str(smoke_run), "--target", str(target),
         "--fixtures", str(relative), "--force"],
        cwd=tmp_path / "models", env=os.environ | {"PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert forced.returncode == 0, forced.stderr
    assert "warning: the candidate is" in forced.stdout
    assert "points worse" in forced.stdout
    card = json.loads(card_path_for(target).read_text())
    check = card["publish_check"]
    assert check["forced"] is True
    assert check["accuracy"] < check["installed_accuracy"]
    assert check["held_out"] == card["metrics"]["fixture_set"]["data"] == str(fixtures)
    assert pair_bytes(previous_of(target)) == shipped
    assert pair_bytes(target) != shipped

    rolled = run_device("models", "--rollback", env={"KIOSK_EXPRESSION_MODEL": str(target)})
    assert rolled.returncode == 0, rolled.stderr
    assert rolled.stdout.startswith(f"restored {target}")
    assert pair_bytes(target) == shipped


def test_publish_refuses_a_model_without_a_class_an_exercise_needs(smoke_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(smoke_run, run, ignore=shutil.ignore_patterns("*.keras", "model_float*"))
    copy_model(smoke_run / "model_int8.tflite", run / "model_int8.tflite", ["neutral", "happy", "surprise"])
    target = copy_model(SHIPPED, tmp_path / "models" / "expression.tflite")
    before = pair_bytes(target)
    result = publish("--run", str(run), "--target", str(target))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1:] == [  # after LiteRT's own INFO line
        "error: 'sad' needs class 'sad'; the expression model has only neutral, happy, surprise: the kiosk would "
        f"refuse those exercises (--force publishes it anyway); nothing was published: {target} is unchanged"
    ]
    assert pair_bytes(target) == before

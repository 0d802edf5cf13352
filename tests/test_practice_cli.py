"""python -m device practice as the technician runs it: a whole session on a
replay of a real face, stored, and the bad inputs it must explain."""

from __future__ import annotations

import re
from pathlib import Path

from device.store.db import DB_NAME, open_database
from device.store.models import PracticeRecord, RepRecord, ScoreSample, SessionStatus
from tests.conftest import CLIP_FPS as FPS
from tests.conftest import run_device


def fast_replay_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"[camera]\nreplay_realtime = false\nreplay_loop = false\nreplay_fps = {FPS}\n")
    return path


def test_a_whole_session_is_run_scored_and_stored(tmp_path: Path, right_smile_clip: Path) -> None:
    env = {"KIOSK_DATA_DIR": str(tmp_path / "data"), "KIOSK_CONFIG": str(fast_replay_config(tmp_path))}
    result = run_device(
        "practice", "--exercise", "closed_smile", "--camera", f"replay:{right_smile_clip}",
        "--patient", "Kim", "--create-patient", env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "calibrating" in result.stdout
    assert "closed_smile: 5/5 reps" in result.stdout
    assert "(completed)" in result.stdout
    open_database(tmp_path / "data" / DB_NAME)
    [session] = PracticeRecord.select()
    assert session.status == SessionStatus.COMPLETED
    assert session.patient.name == "Kim"
    reps = list(RepRecord.select().order_by(RepRecord.number))
    assert [r.number for r in reps] == [1, 2, 3, 4, 5]
    for rep in reps:
        assert rep.right_movement is not None
        assert rep.left_movement is not None
        assert rep.symmetry is not None
        assert rep.right_movement > 3 * abs(rep.left_movement)  # only the right corner moved
        assert rep.symmetry < 0.35
        assert rep.ended_s - rep.started_s >= 3.0
    timeline = ScoreSample.select().where(ScoreSample.session == session)
    assert timeline.count() >= 30  # the 1 Hz timeline of a 38 s session


def test_unknown_exercise_is_one_line(tmp_path: Path) -> None:
    result = run_device("practice", "--exercise", "wink", "--camera", "demo", env={"KIOSK_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "no exercise 'wink'" in result.stderr
    assert "brow_raise" in result.stderr  # the valid names are listed
    assert "Traceback" not in result.stderr


def test_unknown_patient_is_one_line(tmp_path: Path) -> None:
    result = run_device("practice", "--patient", "Nobody", "--camera", "demo", env={"KIOSK_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "no patient named 'Nobody'" in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_database_still_runs_the_session(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    env = {"KIOSK_DATA_DIR": str(blocker), "KIOSK_CONFIG": str(fast_replay_config(tmp_path))}
    result = run_device("practice", "--exercise", "brow_raise", "--camera", "demo", env=env)
    assert result.returncode == 1
    assert "will not be saved" in result.stderr
    assert "File exists" in result.stderr
    assert re.search(r"brow_raise: \d/5 reps", result.stdout)  # the session ran and was summarised
    assert "Traceback" not in result.stderr

"""python -m device assess: the photo-pair assessment, run as a clinic would,
on a real photo warped into one-sided movements (model_export/face_warp.py)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from device.vision.landmarks import FaceLandmarker
from model_export.face_warp import one_sided_smile, warp_face
from tests.helpers import analyse_face, run_device

pytestmark = pytest.mark.slow  # runs the device as a user would: see the README's fast loop


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory, landmarker: FaceLandmarker, face_photo: np.ndarray) -> Path:
    """rest.png, a right-only smile, a smile whose left side moves half as
    much as its right, a two-sided smile, and bad inputs."""
    folder = tmp_path_factory.mktemp("assess")
    rest = analyse_face(landmarker, face_photo)
    assert rest.face.points is not None
    points = rest.face.points
    right, left = one_sided_smile("right"), one_sided_smile("left")
    half = {**right, **{i: (dx * 0.5, dy * 0.5) for i, (dx, dy) in one_sided_smile("left").items()}}
    both = {**right, **left}
    for index in (51, 57, 62, 66):
        both[index] = (0.0, -0.03)  # pulled both ways: the midline only rises
        half[index] = (0.0, -0.03)
    images = {
        "rest.png": face_photo,
        "right-only.png": warp_face(face_photo, points, right),
        "left-half.png": warp_face(face_photo, points, half),
        "both.png": warp_face(face_photo, points, both),
        "two-faces.png": np.hstack([face_photo, face_photo]),
        "blank.png": np.full_like(face_photo, 128),
    }
    centre = (face_photo.shape[1] / 2, face_photo.shape[0] / 2)
    tilt = cv2.getRotationMatrix2D(centre, 25, 1.0)
    images["tilted.png"] = cv2.warpAffine(
        images["both.png"], tilt, face_photo.shape[1::-1], borderMode=cv2.BORDER_REPLICATE
    )
    for name, image in images.items():
        assert cv2.imwrite(str(folder / name), image)
    (folder / "notes.png").write_text("not an image", encoding="utf-8")
    return folder


def assess(photos: Path, *args: str) -> tuple[int, list[dict[str, object]], str]:
    result = run_device("assess", "--json", "--neutral", str(photos / "rest.png"), *args)
    return result.returncode, json.loads(result.stdout) if result.stdout.strip() else [], result.stderr


def test_one_sided_and_two_sided_smiles_read_as_they_are(photos: Path) -> None:
    code, reports, stderr = assess(
        photos, "--exercise", "open_smile", *(str(photos / n) for n in ("right-only.png", "left-half.png", "both.png"))
    )
    assert code == 0, stderr
    right_only, left_half, both = reports
    for report in reports:
        assert isinstance(report["symmetry"], float)
        movement = report["movement"]
        assert isinstance(movement, dict)
        assert set(movement) == {"right", "left"}
    assert right_only["symmetry"] <= 0.5  # type: ignore[operator]
    assert right_only["weaker_side"] == "left"
    assert 0.3 <= left_half["symmetry"] <= 0.7  # type: ignore[operator]
    assert left_half["weaker_side"] == "left"
    assert both["symmetry"] >= 0.8  # type: ignore[operator]
    assert both["weaker_side"] is None
    # The score and the eFACE-style grade follow the weaker side.
    assert right_only["score"] < 50  # type: ignore[operator]
    assert both["score"] > right_only["score"]  # type: ignore[operator]
    assert right_only["region"] == "smile"
    assert right_only["subscore"] == pytest.approx(100 * right_only["symmetry"], abs=0.2)  # type: ignore[operator]
    assert right_only["synkinesis"] is not None


def test_the_affected_side_sets_the_ratio(photos: Path) -> None:
    """With the affected side named, symmetry is affected / healthy, and the
    score follows the affected side even when it is the stronger one."""
    args = ("--exercise", "open_smile", str(photos / "left-half.png"))
    _, (weaker_named,), _ = assess(photos, *args, "--affected-side", "left")
    _, (stronger_named,), _ = assess(photos, *args, "--affected-side", "right")
    movement = weaker_named["movement"]
    assert isinstance(movement, dict)
    assert weaker_named["symmetry"] == pytest.approx(movement["left"] / movement["right"], abs=0.002)
    assert stronger_named["symmetry"] > 1  # type: ignore[operator]
    assert stronger_named["score"] > weaker_named["score"]  # type: ignore[operator]


def test_text_report_names_each_side(photos: Path) -> None:
    result = run_device(
        "assess", "--exercise", "open_smile", "--neutral", str(photos / "rest.png"), str(photos / "right-only.png")
    )
    assert result.returncode == 0, result.stderr
    assert "weaker side: left" in result.stdout
    assert "smile" in result.stdout
    assert "symmetry (weaker/stronger)" in result.stdout


@pytest.mark.parametrize(
    ("photo", "message"),
    [
        ("missing.png", "does not exist"),
        ("notes.png", "cannot be read as an image"),
        ("blank.png", "no face found"),
        ("two-faces.png", "more than one face"),
        ("tilted.png", "turned"),
    ],
)
def test_each_bad_photo_is_one_line_and_the_rest_still_reported(photos: Path, photo: str, message: str) -> None:
    code, reports, stderr = assess(
        photos, "--exercise", "open_smile", str(photos / photo), str(photos / "right-only.png")
    )
    assert code == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert photo in lines[0]
    assert message in lines[0]
    assert "Traceback" not in stderr
    bad, good = reports
    assert bad["symmetry"] is None
    assert isinstance(good["symmetry"], float)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--exercise", "happy", "both.png"), "expression exercise"),
        (("--exercise", "wink", "both.png"), "no exercise 'wink'"),
        (("--exercise", "open_smile", "--neutral", "blank.png", "both.png"), "rest photo"),
    ],
)
def test_unusable_requests_are_one_line(photos: Path, args: tuple[str, ...], message: str) -> None:
    paths = [str(photos / a) if a.endswith(".png") else a for a in args]
    if "--neutral" not in args:
        paths = ["--neutral", str(photos / "rest.png"), *paths]
    result = run_device("assess", *paths)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert result.stdout == ""

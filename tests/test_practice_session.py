"""Whole practice sessions driven through the replay camera on real face
images: the astronaut photo at rest, and warped so that one side, both
sides, or the mouth and the eyes move. The scores, reps and symmetry that
come out are checked against the movement that was put in."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from device.camera import CameraEnded
from device.camera.replay import ReplayCamera
from device.config import Config
from device.practice.feedback import asymmetry_sentence
from device.practice.gating import Prompt
from device.practice.plan import Effort, Plan, Side, make_plan, plan_item
from device.practice.session import Session, SessionResult, Stage
from device.vision.analysis import FrameAnalyser
from device.vision.landmarks import FaceLandmarker
from model_export.face_warp import LEFT_SMILE, RIGHT_SMILE, SMILE, Movement, eye_closure, one_sided_smile, warp_face
from tests.helpers import write_clip

FPS = 10.0


@pytest.fixture(scope="module")
def rest_frame(landmarker: FaceLandmarker, demo_rest_frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A real 640x480 camera-sized frame (the demo's first) and its landmarks."""
    image = demo_rest_frame
    points = landmarker.analyse(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)).points
    assert points is not None
    return image, points


def run_session(
    clip: Path,
    plan: Plan,
    config: Config,
    landmarker: FaceLandmarker,
    probabilities: dict[str, float] | None = None,
) -> tuple[SessionResult, list[Stage], list[Prompt | None]]:
    """The session fed every frame of the clip, with the classifier's answer
    `probabilities` on each (None: no classifier)."""
    analyser = FrameAnalyser(landmarker, config)
    session = Session(plan, frame_width=640, intro_s=0.5)
    stages, prompts = [], []
    with ReplayCamera(clip, (640, 480), (320, 240), realtime=False, loop=False) as camera:
        while True:
            try:
                frame = camera.read()
            except CameraEnded:
                break
            state = session.feed(frame.index / FPS, analyser.analyse(frame), probabilities)
            stages.append(state.stage)
            prompts.append(state.prompt)
    return session.result(), stages, prompts


def short_plan(reps: int, affected: Side | None = None) -> Plan:
    """Closed smiles at full effort, with a 1 s hold and a 0.5 s rest."""
    return Plan((plan_item("closed_smile", reps=reps, hold_s=1.0, rest_s=0.5),), Effort.FULL, affected)


def exercise_clip(
    tmp_path: Path, rest_frame: tuple[np.ndarray, np.ndarray], movement: Movement, amount: float, reps: int
) -> Path:
    image, points = rest_frame
    moved = warp_face(image, points, movement, amount)
    segments = [(image, 3.0)]
    for _ in range(reps):
        segments += [(moved, 1.6), (image, 1.2)]
    return write_clip(tmp_path / "clip", segments, FPS)


def test_one_sided_smile_shows_asymmetry_and_scores_the_affected_side(
    tmp_path: Path, rest_frame: tuple[np.ndarray, np.ndarray], config: Config, landmarker: FaceLandmarker
) -> None:
    """Only the right side smiles and the plan names the left as affected:
    the score follows the left side, so no rep counts, and the movement per
    side and the symmetry show why."""
    clip = exercise_clip(tmp_path, rest_frame, RIGHT_SMILE, 1.5, reps=3)
    plan = short_plan(3, Side.LEFT)
    result, stages, _ = run_session(clip, plan, config, landmarker)
    assert Stage.EXERCISING in stages
    assert result.calibration is not None
    [exercise] = result.exercises
    assert exercise.reps == ()
    assert exercise.right_movement is not None
    assert exercise.left_movement is not None
    assert exercise.right_movement > 0.05  # the right corner was lifted
    assert exercise.right_movement > 3 * abs(exercise.left_movement)
    assert exercise.symmetry is not None
    assert exercise.symmetry < 0.35  # affected (left) / healthy (right)


def test_left_side_moving_half_as_much_is_shown_and_said(
    tmp_path: Path, rest_frame: tuple[np.ndarray, np.ndarray], config: Config, landmarker: FaceLandmarker
) -> None:
    """A face whose left side lifts half as far as its right: the reps count
    on the left side's movement, and the summary says which side and how much."""
    image, points = rest_frame
    half_left = {**RIGHT_SMILE, **{i: (dx * 0.5, dy * 0.5) for i, (dx, dy) in LEFT_SMILE.items()}}
    moved = warp_face(image, points, half_left, 2.0)
    segments = [(image, 3.0)]
    for _ in range(2):
        segments += [(moved, 1.8), (image, 1.2)]
    clip = write_clip(tmp_path / "clip", segments, FPS)
    result, _, _ = run_session(clip, short_plan(2), config, landmarker)
    [exercise] = result.exercises
    assert exercise.right_movement is not None
    assert exercise.left_movement is not None
    assert 0.3 < exercise.left_movement / exercise.right_movement < 0.75
    for rep in exercise.reps:
        assert rep.right_movement is not None
        assert rep.left_movement is not None
        assert rep.left_movement < rep.right_movement
    sentence = asymmetry_sentence(result, "en")
    assert sentence is not None
    assert sentence.startswith("Your left side moved about")
    assert "right side" in sentence
    korean = asymmetry_sentence(result, "ko")
    assert korean is not None
    assert "왼쪽" in korean.split("오른쪽")[0]  # the weaker side named first


def test_symmetric_smile_is_symmetric(
    tmp_path: Path, rest_frame: tuple[np.ndarray, np.ndarray], config: Config, landmarker: FaceLandmarker
) -> None:
    clip = exercise_clip(tmp_path, rest_frame, SMILE, 1.5, reps=2)
    plan = short_plan(2)
    result, _, _ = run_session(clip, plan, config, landmarker)
    [exercise] = result.exercises
    assert len(exercise.reps) == 2
    assert exercise.symmetry is not None
    assert exercise.symmetry > 0.6
    assert exercise.synkinesis is not None
    assert exercise.synkinesis < 0.2  # the eyes stayed open


def test_eye_closing_during_a_smile_is_reported_as_synkinesis(
    tmp_path: Path, rest_frame: tuple[np.ndarray, np.ndarray], config: Config, landmarker: FaceLandmarker
) -> None:
    _, points = rest_frame
    smile_and_squint = {**SMILE, **eye_closure(points, 0.6)}
    clip = exercise_clip(tmp_path, rest_frame, smile_and_squint, 1.5, reps=1)
    plan = short_plan(1)
    result, _, _ = run_session(clip, plan, config, landmarker)
    [exercise] = result.exercises
    assert len(exercise.reps) == 1
    assert exercise.synkinesis is not None
    assert exercise.synkinesis > 0.25


def test_no_movement_scores_no_reps(
    tmp_path: Path, rest_frame: tuple[np.ndarray, np.ndarray], config: Config, landmarker: FaceLandmarker
) -> None:
    image, _ = rest_frame
    clip = write_clip(tmp_path / "clip", [(image, 8.0)], FPS)
    plan = make_plan([("closed_smile", 2)])
    result, _, _ = run_session(clip, plan, config, landmarker)
    assert result.exercises[0].reps == ()
    assert result.exercises_done_in_full == 0
    assert result.score == 0.0


def test_lost_face_is_gated_and_prompted(
    tmp_path: Path, rest_frame: tuple[np.ndarray, np.ndarray], config: Config, landmarker: FaceLandmarker
) -> None:
    image, _ = rest_frame
    blank = np.full_like(image, 110)
    off_centre = np.full_like(image, 110)
    off_centre[:, :230] = image[:, 225:455]  # the face at the left edge
    clip = write_clip(tmp_path / "clip", [(blank, 1.0), (image, 3.0), (blank, 1.5), (off_centre, 1.0)], FPS)
    result, stages, prompts = run_session(clip, make_plan([("closed_smile", 2)]), config, landmarker)
    assert prompts[0] is Prompt.NO_FACE
    assert stages[9] is Stage.CALIBRATING  # no calibration without a face
    assert Stage.EXERCISING in stages
    assert result.prompts[Prompt.NO_FACE.value] >= 10
    assert result.prompts.get(Prompt.MOVE_TO_CENTRE.value, 0) >= 5
    assert result.exercises[0].frames_gated >= 15


def test_expression_exercise_scores_the_classifier_probability() -> None:
    from device.practice.scoring import expression_score

    assert expression_score({"happy": 0.8, "sad": 0.1, "neutral": 0.1}, "happy") == pytest.approx(80.0)
    assert expression_score({"happy": 0.8}, "surprise") == 0.0


READS_SAD = {"neutral": 0.25, "happy": 0.04, "sad": 0.71}  # how the model read a palsied face at rest


def test_a_drooping_face_that_reads_sad_at_rest_calibrates_at_once(
    tmp_path: Path, rest_frame: tuple[np.ndarray, np.ndarray], config: Config, landmarker: FaceLandmarker
) -> None:
    """A still face whose left mouth corner droops, read as sad by the
    classifier on every frame: rest is the patient's own still face, so
    calibration ends in one window, as a relaxed rest (not a fallback), with
    the droop in its reference (the left corner lower than on the even face)."""
    image, points = rest_frame
    droop = warp_face(image, points, one_sided_smile("left", -0.8))
    drooping = write_clip(tmp_path / "droop", [(droop, 4.0)], FPS)
    even = write_clip(tmp_path / "even", [(image, 4.0)], FPS)
    plan = short_plan(1)
    result, stages, prompts = run_session(drooping, plan, config, landmarker, READS_SAD)
    assert result.calibration is not None
    assert not result.calibration.fallback
    assert Prompt.RELAX_FACE not in prompts
    assert stages.index(Stage.INTRO) <= 2.5 * FPS  # the first 2 s window was taken
    even_result, _, _ = run_session(even, plan, config, landmarker, READS_SAD)
    assert even_result.calibration is not None
    drooped, level = result.calibration.neutral.left, even_result.calibration.neutral.left
    assert drooped.mouth_corner_drop > level.mouth_corner_drop + 0.02


def test_a_face_that_cannot_keep_still_is_accepted_after_two_tries_and_marked(
    tmp_path: Path, rest_frame: tuple[np.ndarray, np.ndarray], config: Config, landmarker: FaceLandmarker
) -> None:
    """The mouth twitches every 0.3 s: each window is refused with "relax your
    face" twice, then the stillest rest seen is accepted, marked as a fallback,
    and the plan goes on (it never loops)."""
    image, points = rest_frame
    twitch = warp_face(image, points, one_sided_smile("left", 0.8))
    clip = write_clip(tmp_path / "twitch", [(image, 0.3), (twitch, 0.3)] * 12, FPS)
    result, stages, prompts = run_session(clip, short_plan(1), config, landmarker, READS_SAD)
    assert Prompt.RELAX_FACE in prompts
    assert result.calibration is not None
    assert result.calibration.fallback
    assert Stage.INTRO in stages
    assert stages.index(Stage.INTRO) <= 5 * FPS  # two 2 s windows, then accepted


def test_a_smile_held_still_is_not_taken_for_rest(
    tmp_path: Path, rest_frame: tuple[np.ndarray, np.ndarray], config: Config, landmarker: FaceLandmarker
) -> None:
    """A smile is made, not a rest: a still face the classifier reads as
    happy is refused once, then accepted only as a fallback."""
    image, points = rest_frame
    smiling = warp_face(image, points, SMILE, 1.0)
    clip = write_clip(tmp_path / "smiling", [(smiling, 6.0)], FPS)
    happy = {"neutral": 0.1, "happy": 0.85, "sad": 0.05}
    result, _, prompts = run_session(clip, short_plan(1), config, landmarker, happy)
    assert Prompt.RELAX_FACE in prompts
    assert result.calibration is not None
    assert result.calibration.fallback

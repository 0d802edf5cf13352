"""python -m device practice: a whole practice session, headless.

Calibrates on the patient's neutral face, runs the exercise (or the
patient's plan), prints the live score once a second and the summary at the
end, and stores it. Ctrl-C (or --seconds) stops the session early; it is
stored as stopped. If the database cannot be written, the session still
runs and the summary still prints, with a line saying it was not saved.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from device.camera import CameraEnded, is_live, open_camera
from device.commands.common import add_camera_option, load
from device.config import Config
from device.expression.classifier import classifier_from_config
from device.i18n import Words
from device.pipeline import Pipeline
from device.practice.catalogue import Kind
from device.practice.feedback import asymmetry_sentence
from device.practice.live import LiveSession
from device.practice.model_fit import require_scorable
from device.practice.plan import Plan, PlanError, single_exercise_plan
from device.practice.recording import SessionEnd
from device.practice.session import ExerciseOutcome, LiveState, SessionResult, Stage
from device.store.db import DB_NAME, StoreError, UnknownPatientError, open_database
from device.store.models import Patient, SessionSource
from device.store.records import SessionRecorder, add_patient, current_plan, find_patient
from device.vision.analysis import FrameAnalyser, load_landmarker
from device.vision.model_files import ModelError


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got '{text}'")
    return value


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("practice", help="run a practice session headless and store it")
    parser.add_argument("--exercise", metavar="NAME", help="one exercise (default: the patient's plan)")
    parser.add_argument("--patient", metavar="NAME", help="who is practising (default: practice.default_patient)")
    parser.add_argument("--create-patient", action="store_true", help="add the patient if they are new")
    parser.add_argument("--seconds", type=_seconds, default=None, help="stop (as 'stopped') after this long")
    add_camera_option(parser)
    parser.set_defaults(handler=run)


def _patient(args: argparse.Namespace, config: Config) -> Patient:
    name = args.patient or config.practice.default_patient
    try:
        return find_patient(name)
    except UnknownPatientError:
        if args.create_patient or not args.patient:
            return add_patient(name)
        raise


def _line(t: float, state: LiveState, plan: Plan) -> str:
    step = f"{state.item_index + 1}/{len(plan.items)} "
    if state.stage is Stage.CALIBRATING:
        text = f"calibrating: relax your face ({state.calibration_progress:.0%})"
    elif state.stage is Stage.INTRO:
        exercise = plan.items[state.item_index].exercise
        text = (
            f"{step}next: {exercise.name['en']}: {exercise.instruction['en']} (starts in {state.intro_remaining:.0f} s)"
        )
    else:
        score = "  --" if state.score is None else f"{state.score:4.0f}"
        sides = ""
        if state.right_score is not None and state.left_score is not None:
            sides = f"  R {state.right_score:3.0f} L {state.left_score:3.0f}"
        phase = f"{state.phase.value if state.phase else ''}"
        if state.rest_remaining:
            phase += f" {state.rest_remaining:.0f}s"
        if state.weaker is not None:
            sides += f" (weaker: {state.weaker.value})"
        # The step goes last: the columns before it are read by scripts and tests.
        text = f"{state.exercise_id}  score {score}{sides}  reps {state.reps_done}/{state.reps_planned}  {phase}"
        text += f"  (exercise {step.strip()})"
    if state.prompt is not None:
        text += f"  [{Words('en')(f'prompt.{state.prompt}')}]"
    return f"{t:6.1f} s  {text}"


def _summary(result: SessionResult, end: str) -> str:
    # The session's status (`end`, as it is stored) and what was done in it, in one line.
    done = f"{result.exercises_done_in_full} of {len(result.exercises)} exercises done in full"
    lines = [f"session score {result.score:.0f}/100 ({end}: {done})"]
    for exercise in result.exercises:
        extra = ""
        if exercise.symmetry is not None:
            extra += f", symmetry {exercise.symmetry:.2f}"
        if exercise.synkinesis is not None:
            extra += f", eye closing {exercise.synkinesis:.0%}"
        if exercise.right_movement is not None and exercise.left_movement is not None:
            extra += f", movement R {exercise.right_movement:.3f} L {exercise.left_movement:.3f}"
        reps = f"{len(exercise.reps)}/{exercise.reps_planned} reps"
        ended = exercise.outcome
        outcome = "" if ended is ExerciseOutcome.COMPLETED else f" ({ended.value.replace('_', ' ')})"
        lines.append(f"  {exercise.exercise_id}: {reps}{outcome}, score {exercise.score:.0f}{extra}")
    sentence = asymmetry_sentence(result, "en")
    if sentence:
        lines.append("  " + sentence)
    if result.prompts:
        lines.append("  frames that could not score: " + ", ".join(f"{k} {v}" for k, v in result.prompts.items()))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    db_path = config.data_dir / DB_NAME
    store_error: StoreError | None = None
    try:
        open_database(db_path)
        patient = _patient(args, config)
        plan = current_plan(patient)
    except UnknownPatientError:
        raise
    except StoreError as exc:
        store_error, patient, plan = exc, None, None
        print(f"warning: {exc}; this session will not be saved", file=sys.stderr)
    try:
        if args.exercise:
            plan = single_exercise_plan(args.exercise, plan)
        elif plan is None:
            plan = single_exercise_plan("closed_smile")
    except PlanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return _practise(args, config, plan, patient, store_error)


def _loop(pipeline: Pipeline, live: LiveSession, plan: Plan, can_classify: bool, seconds: float | None) -> str:
    """Feed the session until it is done (completed) or `seconds` pass (stopped)."""
    last_print = -1.0
    while True:
        pipeline.classify = can_classify and live.wants_expressions
        state = live.feed(pipeline.next())
        if live.elapsed - last_print >= 1.0:
            print(_line(live.elapsed, state, plan), flush=True)
            last_print = live.elapsed
        if state.stage is Stage.DONE:
            return SessionEnd.COMPLETED
        if seconds is not None and live.elapsed >= seconds:
            return SessionEnd.STOPPED


def _practise(
    args: argparse.Namespace, config: Config, plan: Plan, patient: Patient | None, store_error: StoreError | None
) -> int:
    landmarker = load_landmarker(config)
    camera = open_camera(config)
    source = SessionSource.CAMERA if is_live(camera) else SessionSource.DEMO
    # Expression exercises need the classifier; on the patient's own camera it
    # also checks that the calibration face is neutral, where it can be loaded.
    classifier = None
    if any(i.exercise.kind is Kind.EXPRESSION for i in plan.items):
        classifier = classifier_from_config(config)
        # An exercise whose class the model lacks would score 0 throughout: refused, by name.
        require_scorable(classifier.classes, (i.exercise for i in plan.items))
    elif source == SessionSource.CAMERA:
        try:
            classifier = classifier_from_config(config)
        except ModelError as exc:
            print(f"warning: {exc}; the calibration cannot check for a neutral face", file=sys.stderr)
    analyser = FrameAnalyser(landmarker, config)
    db_path = config.data_dir / DB_NAME

    def open_recorder() -> SessionRecorder:
        assert patient is not None
        return SessionRecorder(db_path, patient, plan, source=source)

    pipeline = Pipeline(camera, analyser, classifier)
    live = LiveSession(
        plan,
        config.camera.width,
        open_recorder if patient is not None and store_error is None else None,
        intro_s=config.practice.intro_s,
        exercise_limit_s=config.practice.exercise_limit_s,
        check_neutral_expression=source == SessionSource.CAMERA,
    )
    who = patient.name if patient else "(not saved)"
    note = "" if source == SessionSource.CAMERA else " (demo or replay: kept apart from the patient's practice)"
    print(f"camera: {camera.name}; patient: {who}{note}; Ctrl-C stops")
    end = SessionEnd.STOPPED
    try:
        pipeline.start()
        end = _loop(pipeline, live, plan, classifier is not None, args.seconds)
    except CameraEnded:
        print("the replay ended before the session did")
    except KeyboardInterrupt:
        print("stopped")
    except Exception:
        end = SessionEnd.FAILED  # what was done is kept, and the session says it failed
        raise
    finally:
        pipeline.stop()
        result = live.finish(end)
        live.wait_saved()
    if live.started_at is None:
        print("the camera delivered no frames: nothing was recorded", file=sys.stderr)
        return 1
    if not live.face_seen:
        print("no face was seen: nothing was recorded (it is not practice)", file=sys.stderr)
        return 1
    print(_summary(result, end))
    saved_error = store_error or live.store_error
    if saved_error is not None:
        print(f"not saved: {saved_error}", file=sys.stderr)
        return 1
    session_id = live.recorder.session_id if live.recorder else "-"
    print(f"saved as session {session_id} ({end})")
    return 0

"""python -m device practice: a whole practice session, headless.

Calibrates on the patient's neutral face, runs the exercise (or the
patient's plan), prints the live score once a second and the summary at the
end, and stores it. Ctrl-C (or --seconds) stops the session early; it is
stored as stopped. If the database cannot be written, the session still
runs and the summary still prints, with a line saying it was not saved.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from device.camera import CameraEnded, open_camera
from device.commands.common import add_camera_option, load
from device.config import Config
from device.expression.classifier import classifier_from_config
from device.pipeline import Pipeline, Update
from device.practice.catalogue import Kind
from device.practice.gating import PROMPT_TEXT
from device.practice.plan import Plan, PlanError, single_exercise_plan
from device.practice.session import LiveState, PracticeSession, SessionResult, Stage
from device.store.db import DB_NAME, StoreError, UnknownPatientError, open_database
from device.store.models import Patient
from device.store.records import SessionRecorder, add_patient, current_plan, find_patient
from device.vision.analysis import FrameAnalyser, load_landmarker


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("practice", help="run a practice session headless and store it")
    parser.add_argument("--exercise", metavar="NAME", help="one exercise (default: the patient's plan)")
    parser.add_argument("--patient", metavar="NAME", help="who is practising (default: practice.default_patient)")
    parser.add_argument("--create-patient", action="store_true", help="add the patient if they are new")
    parser.add_argument("--seconds", type=float, default=0.0, help="stop (as 'stopped') after this long")
    add_camera_option(parser)
    parser.set_defaults(handler=run)


def _patient(args: argparse.Namespace, config: Config) -> Patient:
    name = args.patient or config.get_str("practice.default_patient")
    try:
        return find_patient(name)
    except UnknownPatientError:
        if args.create_patient or not args.patient:
            return add_patient(name)
        raise


def _line(t: float, state: LiveState) -> str:
    if state.stage is Stage.CALIBRATING:
        text = f"calibrating: relax your face ({state.calibration_progress:.0%})"
    else:
        score = "  --" if state.score is None else f"{state.score:4.0f}"
        sides = ""
        if state.right_score is not None and state.left_score is not None:
            sides = f"  R {state.right_score:3.0f} L {state.left_score:3.0f}"
        phase = f"{state.phase.value if state.phase else ''}"
        if state.rest_remaining:
            phase += f" {state.rest_remaining:.0f}s"
        text = f"{state.exercise_id}  score {score}{sides}  reps {state.reps_done}/{state.reps_planned}  {phase}"
    if state.prompt is not None:
        text += f"  [{PROMPT_TEXT[state.prompt]['en']}]"
    return f"{t:6.1f} s  {text}"


def _summary(result: SessionResult) -> str:
    lines = [f"session score {result.score:.0f}/100 ({'completed' if result.completed else 'not completed'})"]
    for exercise in result.exercises:
        extra = ""
        if exercise.symmetry is not None:
            extra += f", symmetry {exercise.symmetry:.2f}"
        if exercise.synkinesis is not None:
            extra += f", eye closing {exercise.synkinesis:.0%}"
        reps = f"{len(exercise.reps)}/{exercise.reps_planned} reps"
        lines.append(f"  {exercise.exercise_id}: {reps}, score {exercise.score:.0f}{extra}")
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


# An expression result older than this (relative to the frame being scored)
# describes a face that may have changed: the frame is scored without one.
MAX_EXPRESSION_AGE = 0.5


def _probabilities(update: Update) -> dict[str, float] | None:
    """The classifier's newest answer, if it is recent and there is a face."""
    expression = update.expression
    if expression is None or update.analysis.face.points is None:
        return None
    if update.frame.timestamp - expression.frame_timestamp > MAX_EXPRESSION_AGE:
        return None
    return expression.probabilities


def _record(
    recorder: SessionRecorder, session: PracticeSession, state: LiveState, t: float, was_calibrating: bool
) -> None:
    if was_calibrating and session.calibration is not None:
        recorder.calibration(session.calibration)
    if session.last_rep is not None:
        recorder.rep(*session.last_rep)
    recorder.sample(t, state)


def _practise(
    args: argparse.Namespace, config: Config, plan: Plan, patient: Patient | None, store_error: StoreError | None
) -> int:
    landmarker = load_landmarker(config)
    needs_classifier = any(i.exercise.kind is Kind.EXPRESSION for i in plan.items)
    classifier = classifier_from_config(config) if needs_classifier else None
    analyser = FrameAnalyser(landmarker, config)
    camera = open_camera(config)
    pipeline = Pipeline(camera, analyser, classifier)
    recorder = SessionRecorder(config.data_dir / DB_NAME, patient, plan) if patient is not None else None
    session = PracticeSession(plan, frame_width=config.get_int("camera.width"))
    print(f"camera: {camera.name}; patient: {patient.name if patient else '(not saved)'}; Ctrl-C stops")
    start: float | None = None
    last_print = -1.0
    stopped = True
    try:
        pipeline.start()
        while True:
            pipeline.classify = classifier is not None and session.item.exercise.kind is Kind.EXPRESSION
            update = pipeline.next()
            start = update.frame.timestamp if start is None else start
            t = update.frame.timestamp - start
            was_calibrating = session.stage is Stage.CALIBRATING
            probabilities = _probabilities(update) if pipeline.classify else None
            state = session.feed(t, update.analysis, probabilities)
            if recorder is not None:
                _record(recorder, session, state, t, was_calibrating)
            if t - last_print >= 1.0:
                print(_line(t, state), flush=True)
                last_print = t
            if state.stage is Stage.DONE:
                stopped = False
                break
            if args.seconds and t >= args.seconds:
                break
    except CameraEnded:
        print("the replay ended before the session did")
    except KeyboardInterrupt:
        print("stopped")
    finally:
        pipeline.stop()
    result = session.result()
    if recorder is not None:
        recorder.finish(result, stopped=stopped)
    print(_summary(result))
    saved_error = store_error or (recorder.error if recorder is not None else None)
    if saved_error is not None:
        print(f"not saved: {saved_error}", file=sys.stderr)
        return 1
    print(f"saved as session {recorder.session_id if recorder else '-'} ({'stopped' if stopped else 'completed'})")
    return 0

"""Writing and reading practice data: patients, plans, and a session
recorder that commits as it goes, so a power cut loses at most the last second.

Every write goes through the process's writer thread (writer.py): the
recorder hands its writes over and returns at once, so the kiosk draws on
while the SD card syncs. The recorder never stops a session: if the database
fails (read-only, locked, full disk), it keeps the first error, stops
writing, and the session goes on in memory; the caller shows `error`.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from device.names import NameProblem, clean_name, name_problem
from device.practice.calibration import Calibration
from device.practice.grading import grade
from device.practice.plan import Plan, PlanError, default_plan, make_plan
from device.practice.reps import Rep
from device.practice.session import LiveState, SessionResult
from device.store.db import StoreError, UnknownPatientError, explain, translated_errors
from device.store.models import (
    CalibrationRecord,
    ExerciseRecord,
    NoteRecord,
    Patient,
    PlanRecord,
    PracticeRecord,
    RepRecord,
    ScoreSample,
    SessionSource,
    SessionStatus,
    database,
)
from device.store.writer import writer

log = logging.getLogger(__name__)


def find_patient(name: str) -> Patient:
    patient = Patient.get_or_none(Patient.name == name)
    if patient is None:
        known = [p.name for p in Patient.select().where(~Patient.archived).order_by(Patient.name)]
        listing = ", ".join(known) if known else "none yet"
        raise UnknownPatientError(f"no patient named '{name}' (patients: {listing}); add one with --create-patient")
    return patient


class PatientNameError(StoreError):
    """A name that cannot be a patient's (device/names.py); `problem.reason` says why."""

    def __init__(self, problem: NameProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class DuplicateNameError(StoreError):
    """Another patient already has this name."""


def valid_name(name: str, patient: Patient | None = None) -> str:
    """The name cleaned and checked by the one rule (device/names.py), and free
    (`patient`: the one being renamed, who may keep their own name)."""
    name = clean_name(name)
    if problem := name_problem(name):
        raise PatientNameError(problem)
    other = Patient.get_or_none(Patient.name == name)
    if other is not None and (patient is None or other.id != patient.id):
        raise DuplicateNameError(f"there is already a patient named '{name}'")
    return name


def add_patient(name: str) -> Patient:
    name = valid_name(name)
    return writer().call(lambda: Patient.create(name=name))


def rename_patient(patient: Patient, name: str) -> None:
    patient.name = valid_name(name, patient)
    writer().call(patient.save)


MAX_WARD_IDENTITY = 40
# A hospital number as people type it: letters and digits, with - . / between them; no spaces inside.
_WARD_IDENTITY = re.compile(r"[^\W_](?:[\w\-./]*[^\W_])?")


class WardIdentityError(StoreError):
    """Not a ward identity; the message says why."""


def valid_ward_identity(text: str) -> str | None:
    """The hospital number as typed, trimmed and in one Unicode form; None
    for an empty field (no number). The ward holds numbers to the same rule (ward/identity.py)."""
    value = unicodedata.normalize("NFKC", text).strip()
    if not value:
        return None
    if len(value) > MAX_WARD_IDENTITY or not _WARD_IDENTITY.fullmatch(value):
        raise WardIdentityError(
            f"a hospital number is up to {MAX_WARD_IDENTITY} letters and digits (and - . / between them)"
        )
    return value


def set_ward_identity(patient: Patient, text: str) -> None:
    """Give the patient their hospital number (empty: none); their newest
    session goes to the ward again, carrying it (migration 10)."""
    patient.ward_identity = valid_ward_identity(text)
    writer().call(patient.save)


def archive_patient(patient: Patient, archived: bool) -> None:
    """Archived patients leave the kiosk's list and the calendar tabs; their data stays."""
    patient.archived = archived
    writer().call(patient.save)


MAX_NOTE = 2000  # characters: a note, not a report


class NoteError(StoreError):
    """A note that cannot be kept; `reason` ("length" or "characters") says why, for the dashboard's words."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def add_note(patient: Patient, text: str) -> NoteRecord:
    text = text.strip()
    if not text or len(text) > MAX_NOTE:
        raise NoteError("length", f"a note must have 1 to {MAX_NOTE} characters")
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise NoteError("characters", "a note cannot hold control characters")
    return writer().call(lambda: NoteRecord.create(patient=patient, text=text))


def notes_of(patient: Patient) -> list[NoteRecord]:
    """Newest first."""
    return list(NoteRecord.select().where(NoteRecord.patient == patient).order_by(NoteRecord.created.desc()))


def plan_history(patient: Patient) -> list[PlanRecord]:
    """Every plan the patient has had, newest first: by when it was made, not
    when it arrived (a plan made on the ward reaches the device later)."""
    return list(
        PlanRecord.select()
        .where(PlanRecord.patient == patient)
        .order_by(PlanRecord.created.desc(), PlanRecord.id.desc())
    )


def plan_to_json(plan: Plan) -> str:
    return json.dumps(
        [{"exercise": i.exercise.id, "reps": i.reps, "hold_s": i.hold_s, "rest_s": i.rest_s} for i in plan.items]
    )


def save_plan(patient: Patient, plan: Plan, created: datetime | None = None) -> PlanRecord:
    """A plan made on this device (its dashboard), dated `created` (the caller's clock; now if not given)."""
    return writer().call(
        lambda: PlanRecord.create(
            patient=patient,
            items=plan_to_json(plan),
            effort=plan.effort.value,
            affected_side=plan.affected_side.value if plan.affected_side else None,
            created=created or datetime.now(),
        )
    )


def current_plan(patient: Patient) -> Plan:
    """The patient's newest plan (by when it was made), or the default plan if they have none."""
    record = (
        PlanRecord.select()
        .where(PlanRecord.patient == patient)
        .order_by(PlanRecord.created.desc(), PlanRecord.id.desc())
        .first()
    )
    if record is None:
        return default_plan()
    try:
        items = json.loads(record.items)
        return make_plan([(i["exercise"], i["reps"]) for i in items], record.effort, record.affected_side)
    except (PlanError, ValueError, KeyError) as exc:
        log.warning("plan %s of %s is unusable (%s); using the default plan", record.id, patient.name, exc)
        return default_plan()


class SessionRecorder:
    """Records one session as it happens (device/practice/recording.py's
    Recorder). `source` says whether the frames came from the patient's own
    camera or from the demo or a replay, which never count as their practice."""

    def __init__(
        self,
        path: Path,
        patient: Patient,
        plan: Plan,
        started: datetime | None = None,
        source: str = SessionSource.CAMERA,
    ) -> None:
        self.path = path
        self._writer = writer()
        self.error: StoreError | None = None
        self.started = started or datetime.now()
        self._record: PracticeRecord | None = None
        self._last_sample_t: float | None = None

        def create() -> None:
            self._record = PracticeRecord.create(
                patient=patient, plan=plan_to_json(plan), started=self.started, source=source
            )

        self._write(create)

    @property
    def saving(self) -> bool:
        return self.error is None and self._record is not None

    @property
    def session_id(self) -> int | None:
        return int(self._record.id) if self._record is not None else None

    def _write(self, action: Callable[[], object]) -> None:
        """Hand `action` to the writer thread; it runs after the writes before it."""
        if self.error is None:
            self._writer.submit(lambda: self._run(action))

    def _run(self, action: Callable[[], object]) -> None:
        """On the writer thread: one write, or nothing once one has failed."""
        if self.error is not None:
            return
        try:
            with translated_errors(self.path):
                action()
        except StoreError as exc:
            self.error = exc
            log.error("%s; the session continues without saving", exc)
        except Exception as exc:  # peewee wraps some sqlite errors differently
            self.error = explain(exc, self.path)
            log.error("%s; the session continues without saving", self.error)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything handed over is written (headless practice
        does before it reports; the kiosk never waits)."""
        return self._writer.flush(timeout)

    def sample(self, t_s: float, state: LiveState) -> None:
        """Store the live state at most once a second."""
        if self._last_sample_t is not None and t_s - self._last_sample_t < 1.0:
            return
        self._last_sample_t = t_s
        self._write(
            lambda: ScoreSample.create(
                session=self._record,
                t_s=round(t_s, 2),
                exercise=state.exercise_id,
                score=state.score,
                right_score=state.right_score,
                left_score=state.left_score,
            )
        )

    def calibration(self, calibration: Calibration) -> None:
        self._write(
            lambda: CalibrationRecord.create(
                session=self._record,
                neutral=json.dumps(calibration.neutral.as_dict()),
                pose=json.dumps(asdict(calibration.pose)),
                frames=calibration.frames,
                fallback=calibration.fallback,
            )
        )

    def rep(self, exercise_id: str, rep: Rep) -> None:
        """A completed rep; its times are seconds from the session's start."""
        self._write(
            lambda: RepRecord.create(
                session=self._record,
                exercise=exercise_id,
                number=rep.number,
                started_s=rep.started,
                ended_s=rep.ended,
                peak_score=rep.peak_score,
                mean_score=rep.mean_score,
                right_movement=rep.right_movement,
                left_movement=rep.left_movement,
                symmetry=rep.symmetry,
                synkinesis=rep.synkinesis,
            )
        )

    def finish(self, result: SessionResult, status: str) -> None:
        """The result and the final status (completed, stopped or failed), in
        one transaction. If saving failed, the session is closed as
        save_failed where the database still allows it, never left running."""
        self._writer.submit(lambda: self._finish(result, status))

    def _finish(self, result: SessionResult, status: str) -> None:
        """On the writer thread."""
        if self.error is not None:
            self._close_after_error()
            return

        def action() -> None:
            assert self._record is not None
            with database.atomic():
                for position, exercise in enumerate(result.exercises):
                    ExerciseRecord.create(
                        session=self._record,
                        exercise=exercise.exercise_id,
                        position=position,
                        reps_planned=exercise.reps_planned,
                        reps_done=len(exercise.reps),
                        score=exercise.score,
                        symmetry=exercise.symmetry,
                        synkinesis=exercise.synkinesis,
                        outcome=exercise.outcome.value,
                        right_movement=exercise.right_movement,
                        left_movement=exercise.left_movement,
                    )
                self._record.status = status
                self._record.ended = datetime.now()
                self._record.score = result.score
                self._record.grading = json.dumps(grade(result).as_dict())
                self._record.save()

        self._run(action)
        if self.error is not None:
            self._close_after_error()

    def _close_after_error(self) -> None:
        if self._record is None:
            return
        try:
            with translated_errors(self.path):
                PracticeRecord.update(status=SessionStatus.SAVE_FAILED, ended=datetime.now()).where(
                    (PracticeRecord.id == self._record.id) & (PracticeRecord.status == SessionStatus.RUNNING)
                ).execute()
        except Exception as exc:  # the database is unusable: the next start closes it as interrupted
            log.warning("could not close session %s after a saving error: %s", self._record.id, exc)

"""Tables. Several sessions a day are all kept; daily and weekly figures are
queries over them (queries.py), never stored copies."""

from __future__ import annotations

from datetime import datetime

from peewee import (
    AutoField,
    BooleanField,
    DatabaseProxy,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from device.practice.recording import SessionEnd

database = DatabaseProxy()


class BaseModel(Model):
    id = AutoField()

    class Meta:
        database = database


class Patient(BaseModel):
    name = TextField(unique=True)
    created = DateTimeField(default=datetime.now)
    archived = BooleanField(default=False)


class PlanRecord(BaseModel):
    """A patient's plan; the newest active one is used."""

    patient = ForeignKeyField(Patient, backref="plans", on_delete="CASCADE")
    items = TextField()  # JSON: [{"exercise": id, "reps": n, "hold_s": s, "rest_s": s}, ...]
    effort = TextField()
    affected_side = TextField(null=True)
    created = DateTimeField(default=datetime.now)

    class Meta:
        table_name = "plan"


class SessionStatus:
    RUNNING = "running"
    COMPLETED = SessionEnd.COMPLETED
    STOPPED = SessionEnd.STOPPED  # the patient ended it early
    FAILED = SessionEnd.FAILED  # an error ended it; what was done before is kept
    INTERRUPTED = "interrupted"  # the process died (power cut, crash): closed at the next start
    SAVE_FAILED = "save_failed"  # the database failed part-way; what was saved before is kept


class SessionSource:
    """Where a session's frames came from. Only the patient's own camera is
    their practice: demo and replay sessions are kept apart from it."""

    CAMERA = "camera"
    DEMO = "demo"  # the embedded demo face, or a replayed video or folder


class PracticeRecord(BaseModel):
    """One practice session."""

    patient = ForeignKeyField(Patient, backref="sessions", on_delete="CASCADE")
    plan = TextField()  # JSON snapshot of the plan it ran
    started = DateTimeField(index=True)
    ended = DateTimeField(null=True)
    status = TextField(default=SessionStatus.RUNNING, index=True)
    score = FloatField(null=True)
    source = TextField(default=SessionSource.CAMERA, index=True)
    grading = TextField(null=True)  # JSON: eFACE-style subscores by region (device/practice/grading.py)

    class Meta:
        table_name = "session"


class CalibrationRecord(BaseModel):
    session = ForeignKeyField(PracticeRecord, backref="calibrations", on_delete="CASCADE")
    neutral = TextField()  # JSON of the neutral measures
    pose = TextField()  # JSON of the neutral head pose
    frames = IntegerField()
    fallback = BooleanField(default=False)  # the stillest of refused tries, not a relaxed rest

    class Meta:
        table_name = "calibration"


class ExerciseRecord(BaseModel):
    session = ForeignKeyField(PracticeRecord, backref="exercises", on_delete="CASCADE")
    exercise = TextField()
    position = IntegerField()
    reps_planned = IntegerField()
    reps_done = IntegerField()
    score = FloatField()
    symmetry = FloatField(null=True)
    synkinesis = FloatField(null=True)
    outcome = TextField(default="completed")  # device/practice/session.py Outcome
    right_movement = FloatField(null=True)
    left_movement = FloatField(null=True)

    class Meta:
        table_name = "exercise_result"


class RepRecord(BaseModel):
    session = ForeignKeyField(PracticeRecord, backref="reps", on_delete="CASCADE")
    exercise = TextField()
    number = IntegerField()
    started_s = FloatField()  # seconds from the session's start
    ended_s = FloatField()
    peak_score = FloatField()
    mean_score = FloatField()
    right_movement = FloatField(null=True)
    left_movement = FloatField(null=True)
    symmetry = FloatField(null=True)
    synkinesis = FloatField(null=True)

    class Meta:
        table_name = "rep"


class ScoreSample(BaseModel):
    """The 1 Hz score timeline of a session."""

    session = ForeignKeyField(PracticeRecord, backref="samples", on_delete="CASCADE")
    t_s = FloatField()  # seconds from the session's start
    exercise = TextField(null=True)
    score = FloatField(null=True)
    right_score = FloatField(null=True)
    left_score = FloatField(null=True)

    class Meta:
        table_name = "score_sample"


class NoteRecord(BaseModel):
    """A therapist's note about a patient, with its date."""

    patient = ForeignKeyField(Patient, backref="notes", on_delete="CASCADE")
    created = DateTimeField(default=datetime.now)
    text = TextField()

    class Meta:
        table_name = "note"


TABLES = [Patient, PlanRecord, PracticeRecord, CalibrationRecord, ExerciseRecord, RepRecord, ScoreSample, NoteRecord]

"""Tables. Several sessions a day are all kept; daily figures are queries over
them (queries.py). What a closed session adds to its week is kept in
ExerciseWeek and RegionWeek by triggers (migration_week_rows.py), so the
trends and the report read a few rows a week, whatever the history's length."""

from __future__ import annotations

from datetime import datetime

from peewee import (
    AutoField,
    BooleanField,
    DatabaseProxy,
    DateField,
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
    ward_identity = TextField(null=True)  # the hospital's patient number (records.valid_ward_identity), for the ward


class PlanRecord(BaseModel):
    """A patient's plan; the newest active one is used."""

    patient = ForeignKeyField(Patient, backref="plans", on_delete="CASCADE")
    items = TextField()  # JSON: [{"exercise": id, "reps": n, "hold_s": s, "rest_s": s}, ...]
    effort = TextField()
    affected_side = TextField(null=True)
    created = DateTimeField(default=datetime.now)
    author = TextField(null=True)  # the therapist who made it on the ward; None: this device's dashboard
    ward_id = IntegerField(null=True, unique=True)  # the ward's id of a plan made there
    sent = DateTimeField(null=True)  # when a plan made here reached the ward
    refused = TextField(null=True)  # the ward's answer when it refused a plan made here (when: `sent`)

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
        indexes = ((("patient", "started"), False),)  # every page reads a date range of one patient


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


class ExerciseWeek(BaseModel):
    """One exercise in one week (Monday to Sunday) of a patient's counted
    sessions (queries.counted): sums and counts, so a week's mean is
    sum / count. Written only by the triggers of migration 5."""

    patient = ForeignKeyField(Patient, on_delete="CASCADE", index=False)
    monday = DateField()
    exercise = TextField()
    sessions = IntegerField()
    score_sum = FloatField()
    score_count = IntegerField()
    symmetry_sum = FloatField()
    symmetry_count = IntegerField()
    reps_done = IntegerField()
    reps_planned = IntegerField()

    class Meta:
        table_name = "exercise_week"
        indexes = ((("patient", "monday", "exercise"), True),)


class RegionWeek(BaseModel):
    """One eFACE-style region in one week of a patient's counted, graded
    sessions: the sum of its subscores, and its first and latest subscore of
    the week. Written only by the triggers of migration 5."""

    patient = ForeignKeyField(Patient, on_delete="CASCADE", index=False)
    monday = DateField()
    region = TextField()
    sessions = IntegerField()
    subscore_sum = FloatField()
    first_started = DateTimeField()
    first_subscore = FloatField()
    latest_started = DateTimeField()
    latest_subscore = FloatField()

    class Meta:
        table_name = "region_week"
        indexes = ((("patient", "monday", "region"), True), (("patient", "region", "monday"), False))


class PracticeDay(BaseModel):
    """A day on which a patient practised (any session on their own camera,
    queries.practice_of), with the first day of the run of consecutive
    practice days it belongs to: the streak is one look-up. Written only by
    the triggers of migration 7."""

    patient = ForeignKeyField(Patient, on_delete="CASCADE", index=False)
    day = DateField()
    sessions = IntegerField()
    run_start = DateField()

    class Meta:
        table_name = "practice_day"
        indexes = ((("patient", "day"), True), (("patient", "run_start"), False))


class StoreIdentity(BaseModel):
    """The store's own random id (one row, made by migration 6): with a
    session's local id, its global id on the ward (device/ward_link.py)."""

    store = TextField()

    class Meta:
        table_name = "store_identity"


class OutboxRecord(BaseModel):
    """A closed session waiting for the ward, queued by migration 6's trigger
    in the transaction that closes or changes it. `delivered` is set only
    when the ward confirmed it; `refused` when the ward refused its content
    (it stays here, and doctor says so)."""

    session = ForeignKeyField(PracticeRecord, on_delete="CASCADE")
    queued = DateTimeField()
    delivered = DateTimeField(null=True)
    attempts = IntegerField(default=0)
    last_error = TextField(null=True)
    refused = BooleanField(default=False)

    class Meta:
        table_name = "outbox"
        indexes = ((("delivered", "id"), False),)


TABLES = [
    Patient,
    PlanRecord,
    PracticeRecord,
    CalibrationRecord,
    ExerciseRecord,
    RepRecord,
    ScoreSample,
    NoteRecord,
    ExerciseWeek,
    RegionWeek,
    PracticeDay,
    StoreIdentity,
    OutboxRecord,
]

"""The ward's tables (ward/migrations.py creates them). A device is known by
its enrolment; a patient by the store that sent them and their id there; a
session by its global id (store id and local id), stored once."""

from __future__ import annotations

from peewee import (
    AutoField,
    BooleanField,
    DatabaseProxy,
    DateField,
    DateTimeField,
    DoubleField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

database = DatabaseProxy()


class BaseModel(Model):
    id = AutoField()

    class Meta:
        database = database


class Device(BaseModel):
    """An enrolled kiosk. Only the SHA-256 of its token is kept (the token is
    32 random bytes: a slow hash adds nothing against guessing)."""

    name = TextField(unique=True)
    token_hash = TextField(unique=True)
    enrolled = DateTimeField()
    revoked = DateTimeField(null=True)
    last_contact = DateTimeField(null=True)
    clock_skew_s = DoubleField(null=True)  # the device's clock minus the ward's, at the last contact
    backlog = IntegerField(null=True)  # sessions waiting in its outbox, as it said at the last contact
    software = TextField(null=True)  # its software version, as it said


class DeviceStore(BaseModel):
    """A device's database (a new SD card is a new store): bound to the first
    device that sends from it, so no other device can write its sessions."""

    store = TextField(unique=True)
    device = ForeignKeyField(Device, on_delete="CASCADE")

    class Meta:
        table_name = "device_store"


class WardPatient(BaseModel):
    device = ForeignKeyField(Device, on_delete="CASCADE")
    local_id = IntegerField()
    store = TextField()
    name = TextField()
    identity = TextField(null=True, index=True)  # the ward identity (hospital number): ward/identity.py
    identity_by = TextField(null=True)  # the therapist who gave it on the ward; None: sent by the device
    identity_set = DateTimeField(null=True)  # when the ward took it, by the ward's clock

    class Meta:
        table_name = "patient"
        indexes = ((("store", "local_id"), True),)


class WardSession(BaseModel):
    global_id = TextField(unique=True)  # "<store>-<local id>"
    device = ForeignKeyField(Device, on_delete="CASCADE")
    patient = ForeignKeyField(WardPatient, on_delete="CASCADE")
    local_id = IntegerField()
    started = DateTimeField()  # the device's own clock, as it recorded the session
    ended = DateTimeField(null=True)
    status = TextField()
    source = TextField()
    score = DoubleField(null=True)
    grading = TextField(null=True)  # JSON, as the device graded it
    plan = TextField()  # JSON
    digest = TextField()  # SHA-256 of the body: a resent, unchanged session stores nothing
    received = DateTimeField()
    updated = DateTimeField()

    class Meta:
        table_name = "session"
        indexes = ((("patient", "started"), False),)


class WardExercise(BaseModel):
    session = ForeignKeyField(WardSession, on_delete="CASCADE")
    exercise = TextField()
    position = IntegerField()
    reps_planned = IntegerField()
    reps_done = IntegerField()
    score = DoubleField()
    symmetry = DoubleField(null=True)
    synkinesis = DoubleField(null=True)
    outcome = TextField()
    right_movement = DoubleField(null=True)
    left_movement = DoubleField(null=True)

    class Meta:
        table_name = "exercise"


class WardRep(BaseModel):
    session = ForeignKeyField(WardSession, on_delete="CASCADE")
    exercise = TextField()
    number = IntegerField()
    started_s = DoubleField()
    ended_s = DoubleField()
    peak_score = DoubleField()
    mean_score = DoubleField()
    right_movement = DoubleField(null=True)
    left_movement = DoubleField(null=True)
    symmetry = DoubleField(null=True)
    synkinesis = DoubleField(null=True)

    class Meta:
        table_name = "rep"


class Therapist(BaseModel):
    """A named ward account (python -m ward user add NAME)."""

    name = TextField(unique=True)
    password_hash = TextField()
    created = DateTimeField()
    disabled = BooleanField()


class LoginEvent(BaseModel):
    """Who logged in, when."""

    therapist = ForeignKeyField(Therapist, on_delete="CASCADE")
    at = DateTimeField()

    class Meta:
        table_name = "login_event"


class PatientDay(BaseModel):
    """A patient's practice on one of their device's calendar days, kept in
    the ingest's transaction (ward/day_rows.py) and back-filled by migration
    3: what the overview reads instead of grouping every session per request.
    Only the patient's own practice (the device's rule: their camera)."""

    patient = ForeignKeyField(WardPatient, on_delete="CASCADE")
    day = DateField()
    sessions = IntegerField()  # any status: a day with a session is a day practised
    completed = IntegerField()  # the counted sessions (device/store/queries.py: COUNTED_STATUS)
    cut_off = IntegerField()  # interrupted, failed or save_failed (device/web/alerts.py: CUT_OFF)
    score_sum = DoubleField()  # over the counted sessions with a score
    score_count = IntegerField()

    class Meta:
        table_name = "patient_day"
        indexes = ((("patient", "day"), True),)


class PatientExerciseWeek(BaseModel):
    """An exercise's counted sessions of one week (Monday to Sunday), per
    patient: the device's ExerciseWeek, from which the trend rule finds a
    decline. Kept and back-filled as PatientDay."""

    patient = ForeignKeyField(WardPatient, on_delete="CASCADE")
    exercise = TextField()
    monday = DateField()
    sessions = IntegerField()
    score_sum = DoubleField()
    score_count = IntegerField()
    symmetry_sum = DoubleField()
    symmetry_count = IntegerField()
    reps_done = IntegerField()
    reps_planned = IntegerField()

    class Meta:
        table_name = "patient_exercise_week"
        indexes = ((("patient", "monday", "exercise"), True),)


class WardPlan(BaseModel):
    """A patient's plan (ward/plans.py), as the device keeps it (device/store
    PlanRecord): made on the ward by a therapist (`therapist` set; the device
    picks it up on its next contact), or made on the device and sent here
    (`device_plan_id` set). The newest by `created` is in force on both sides."""

    patient = ForeignKeyField(WardPatient, on_delete="CASCADE")
    items = TextField()  # JSON: [{"exercise": id, "reps": n, "hold_s": s, "rest_s": s}, ...]
    effort = TextField()
    affected_side = TextField(null=True)
    created = DateTimeField()  # when it was made, by the clock of the side that made it
    author = TextField(null=True)  # the therapist's name; None: the device's dashboard
    therapist = ForeignKeyField(Therapist, null=True, on_delete="SET NULL")
    device_plan_id = IntegerField(null=True)  # its id on the device, for a plan made there
    received = DateTimeField()  # when the ward stored it
    picked_up = DateTimeField(null=True)  # when the device took a plan made here

    class Meta:
        table_name = "plan"
        indexes = ((("patient", "device_plan_id"), True),)


TABLES = [
    Device,
    DeviceStore,
    WardPatient,
    WardSession,
    WardExercise,
    WardRep,
    Therapist,
    LoginEvent,
    PatientDay,
    PatientExerciseWeek,
    WardPlan,
]

"""A realistic, made-up practice history: for the dashboard's tests, its
benchmark and a demonstration on a fresh device. Never mixed into a real
patient's data: it goes into the database it is given, for patients it
creates.

Each day a patient may practise one to several times (some days not at all);
scores and symmetry improve slowly with noise; a few sessions are stopped
early or interrupted; every session has its exercises, reps and a 1 Hz score
timeline.
"""

from __future__ import annotations

import json
import math
import random
from datetime import date, datetime, timedelta

from device.practice.grading import region_of, subscore
from device.practice.reps import Rep
from device.store.models import (
    ExerciseRecord,
    Patient,
    PracticeRecord,
    RepRecord,
    SessionStatus,
    database,
)

EXERCISES = ("closed_smile", "brow_raise", "gentle_eye_closure", "happy")  # ids from the catalogue


def seed_history(
    patient_name: str,
    first: date,
    last: date,
    *,
    sessions_per_day: tuple[int, int] = (0, 3),
    seconds_per_session: int = 120,
    seed: int = 0,
) -> Patient:
    """Sessions for every day first..last (a random count in the range per day)."""
    rng = random.Random(seed)
    patient = Patient.get_or_none(Patient.name == patient_name) or Patient.create(name=patient_name)
    plan = json.dumps([{"exercise": e, "reps": 5, "hold_s": 3.0, "rest_s": 2.0} for e in EXERCISES])
    total_days = max(1, (last - first).days)
    day = first
    with database.atomic():
        while day <= last:
            progress = (day - first).days / total_days  # 0 -> 1 over the period
            for number in range(rng.randint(*sessions_per_day)):
                started = datetime.combine(day, datetime.min.time()) + timedelta(
                    hours=9 + 4 * number, minutes=rng.randint(0, 50)
                )
                _session(patient, plan, started, (progress, seconds_per_session), rng)
            day += timedelta(days=1)
    return patient


def _session(patient: Patient, plan: str, started: datetime, shape: tuple[float, int], rng: random.Random) -> None:
    """One session written as the recorder does: created running, its timeline
    and results added, then closed in one update (which fills its week's rows)."""
    progress, seconds = shape
    roll = rng.random()
    status = (
        SessionStatus.INTERRUPTED if roll < 0.03 else SessionStatus.STOPPED if roll < 0.1 else SessionStatus.COMPLETED
    )
    length = seconds if status == SessionStatus.COMPLETED else rng.randint(10, seconds - 1)
    base = 45 + 30 * progress
    record = PracticeRecord.create(patient=patient, plan=plan, started=started)
    # The bulk of the history (a row a second): plain executemany, as peewee
    # would build one statement of every row's values in Python.
    database.cursor().executemany(
        'INSERT INTO "score_sample" ("session_id", "t_s", "exercise", "score") VALUES (?, ?, ?, ?)',
        [
            (
                record.id,
                float(t),
                EXERCISES[min(len(EXERCISES) - 1, t * len(EXERCISES) // seconds)],
                max(0.0, min(100.0, base + 25 * math.sin(t / 3) + rng.gauss(0, 5))),
            )
            for t in range(length)
        ],
    )
    ended = started + timedelta(seconds=length)
    if status == SessionStatus.INTERRUPTED:  # cut off: no results were written
        PracticeRecord.update(status=status, ended=ended).where(PracticeRecord.id == record.id).execute()
        return
    scores = []
    subscores: dict[str, float] = {}
    exercises, reps = [], []
    for position, exercise in enumerate(EXERCISES):
        reps_done = 5 if status == SessionStatus.COMPLETED else rng.randint(0, 4)
        symmetry = min(1.0, 0.55 + 0.3 * progress + rng.gauss(0, 0.04)) if exercise != "happy" else None
        score = max(0.0, min(100.0, base + rng.gauss(0, 8))) * reps_done / 5
        scores.append(score)
        region = region_of(exercise)
        if region is not None and symmetry is not None:
            subscores[region] = round(subscore(symmetry), 1)
        exercises.append(
            {"session": record.id, "exercise": exercise, "position": position, "reps_planned": 5,
             "reps_done": reps_done, "score": score, "symmetry": symmetry, "synkinesis": None}
        )  # fmt: skip
        for rep in range(1, reps_done + 1):
            right = 0.8 + rng.gauss(0, 0.05)
            reps.append(
                {"session": record.id, "exercise": exercise, "number": rep, "started_s": rep * 5.0,
                 "ended_s": rep * 5.0 + 3, "peak_score": min(100.0, score + 10), "mean_score": score,
                 "right_movement": right if symmetry is not None else None,
                 "left_movement": right * symmetry if symmetry is not None else None,
                 "symmetry": symmetry, "synkinesis": None}
            )  # fmt: skip
    ExerciseRecord.insert_many(exercises).execute()
    if reps:
        RepRecord.insert_many(reps).execute()
    PracticeRecord.update(
        status=status,
        ended=ended,
        score=sum(scores) / len(scores),
        grading=json.dumps({"subscores": subscores, "ocular_synkinesis": None}),
    ).where(PracticeRecord.id == record.id).execute()


def a_rep(**fields: object) -> Rep:
    """A completed rep; give only what the test is about."""
    number = int(fields.get("number", 1))  # type: ignore[call-overload]
    defaults: dict[str, object] = {
        "number": number, "started": float(number), "ended": number + 1.0, "peak_score": 90.0,
        "mean_score": 75.0, "right_movement": 0.08, "left_movement": 0.04, "symmetry": 0.5, "synkinesis": 0.1,
    }  # fmt: skip
    return Rep(**(defaults | fields))  # type: ignore[arg-type]

"""The device's link to the ward server (ward/, docs/ward.md): a sender that
delivers the outbox (closed sessions, queued by store migration 6's trigger
in the transaction that closes them) over HTTP, and marks a row delivered
only when the ward has confirmed it.

The practice never waits on it: it runs on its own thread, reads with its
own connection, and hands its small writes (delivered, refused, the last
error) to the store's writer like every other write. While the ward or the
network is down it retries with a doubling back-off (5 s up to 10 min),
timed by a monotonic clock the caller passes, so tests drive it without
sleeping. A summary the ward refuses for its content (4xx) stays in the
outbox, marked refused with the ward's reason, and is not retried.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import requests
from peewee import fn

from device.store.models import (
    ExerciseRecord,
    OutboxRecord,
    PracticeRecord,
    RepRecord,
    StoreIdentity,
)
from device.store.writer import writer
from device.ward_address import check_url

log = logging.getLogger(__name__)

SCHEMA = 1
FIRST_DELAY_S = 5.0
MAX_DELAY_S = 600.0
BATCH = 50  # sessions per pass: a long backlog drains in passes, each one short
REFUSALS = (400, 403, 413, 415, 422)  # the ward will never take this body: keep it, do not retry


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def store_id() -> str:
    return str(StoreIdentity.select(StoreIdentity.store).scalar())


def summary(session_id: int, store: str) -> dict[str, Any]:
    """What the ward gets of one closed session (ward/schema.py, version 1):
    the session, its patient, exercises, reps and grading; no images, no
    1 Hz samples."""
    session = PracticeRecord.get_by_id(session_id)
    exercises = ExerciseRecord.select().where(ExerciseRecord.session == session_id).order_by(ExerciseRecord.position)
    reps = RepRecord.select().where(RepRecord.session == session_id).order_by(RepRecord.id)
    return {
        "schema": SCHEMA,
        "store": store,
        "patient": {"id": session.patient.id, "name": session.patient.name},
        "session": {
            "id": session.id,
            "started": _iso(session.started),
            "ended": _iso(session.ended),
            "status": session.status,
            "source": session.source,
            "score": session.score,
            "grading": json.loads(session.grading) if session.grading else None,
            "plan": json.loads(session.plan),
        },
        "exercises": [
            {
                "exercise": e.exercise,
                "position": e.position,
                "reps_planned": e.reps_planned,
                "reps_done": e.reps_done,
                "score": e.score,
                "symmetry": e.symmetry,
                "synkinesis": e.synkinesis,
                "outcome": e.outcome,
                "right_movement": e.right_movement,
                "left_movement": e.left_movement,
            }
            for e in exercises
        ],
        "reps": [
            {
                "exercise": r.exercise,
                "number": r.number,
                "started_s": r.started_s,
                "ended_s": r.ended_s,
                "peak_score": r.peak_score,
                "mean_score": r.mean_score,
                "right_movement": r.right_movement,
                "left_movement": r.left_movement,
                "symmetry": r.symmetry,
                "synkinesis": r.synkinesis,
            }
            for r in reps
        ],
    }


def pending(limit: int = BATCH) -> list[tuple[int, int]]:
    """(session id, newest outbox row id) of sessions waiting, oldest first.
    A session queued twice (closed, then re-graded) is sent once, as it is now."""
    waiting = (OutboxRecord.delivered.is_null()) & (~OutboxRecord.refused)
    query = (
        OutboxRecord.select(OutboxRecord.session, fn.MAX(OutboxRecord.id))
        .where(waiting)
        .group_by(OutboxRecord.session)
        .order_by(fn.MIN(OutboxRecord.id))
        .limit(limit)
        .tuples()
    )
    rows = cast(list[tuple[int, int]], list(query))
    return [(int(session), int(newest)) for session, newest in rows]


def backlog() -> int:
    """Sessions waiting for the ward (doctor shows it)."""
    return int(
        OutboxRecord.select(fn.COUNT(fn.DISTINCT(OutboxRecord.session)))
        .where(OutboxRecord.delivered.is_null() & ~OutboxRecord.refused)
        .scalar()
        or 0
    )


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer (network down, timeout)
    reason: str


Post = Callable[[str, bytes, dict[str, str]], Answer]


def http_post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    try:
        response = requests.post(url, data=body, headers=headers, timeout=10)
    except requests.RequestException as exc:
        return Answer(0, f"no answer from the ward ({type(exc).__name__})")
    try:
        reason = str(response.json().get("error") or response.json().get("result") or "")
    except ValueError:
        reason = response.text[:200]
    return Answer(response.status_code, reason)


class WardLink:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        post: Post = http_post,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.endpoint = check_url(url) + "/api/v1/sessions"
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self._monotonic = monotonic
        self._post = post
        self._now = now
        self.delay_s = 0.0  # the current back-off; 0 while the ward answers
        self.next_try = 0.0  # monotonic seconds
        self.last_delivery: datetime | None = None
        self.last_error: str | None = None

    def seconds_until_due(self) -> float:
        return max(0.0, self.next_try - self._monotonic())

    def _back_off(self, reason: str) -> None:
        self.delay_s = FIRST_DELAY_S if self.delay_s == 0 else min(self.delay_s * 2, MAX_DELAY_S)
        self.next_try = self._monotonic() + self.delay_s
        self.last_error = reason

    def deliver_due(self) -> int:
        """One pass, if the back-off allows it: send what is waiting until the
        ward stops answering. Returns how many sessions it confirmed."""
        if self._monotonic() < self.next_try:
            return 0
        store = store_id()
        confirmed = 0
        for session_id, newest in pending():
            body = json.dumps(summary(session_id, store)).encode()
            answer = self._post(self.endpoint, body, self._headers)
            if answer.status in (200, 201):
                self._mark(session_id, newest, delivered=True, error=None)
                confirmed += 1
                self.last_delivery = self._now()
            elif answer.status in REFUSALS:
                log.warning("the ward refused session %s: %s", session_id, answer.reason)
                self._mark(session_id, newest, delivered=False, error=f"{answer.status} {answer.reason}")
            else:  # down, unreachable, restarting, or our token is not (or no longer) good
                self._mark(session_id, newest, delivered=False, error=f"{answer.status} {answer.reason}", retry=True)
                self._back_off(f"{answer.status} {answer.reason}".strip())
                return confirmed
        self.delay_s, self.next_try = 0.0, 0.0
        self.last_error = None
        return confirmed

    def _mark(self, session_id: int, newest: int, *, delivered: bool, error: str | None, retry: bool = False) -> None:
        rows = (OutboxRecord.session == session_id) & (OutboxRecord.id <= newest) & OutboxRecord.delivered.is_null()
        if delivered:
            values: dict[Any, Any] = {OutboxRecord.delivered: self._now(), OutboxRecord.last_error: None}
        elif retry:
            values = {OutboxRecord.last_error: error}
        else:
            values = {OutboxRecord.refused: True, OutboxRecord.last_error: error}
        values[OutboxRecord.attempts] = OutboxRecord.attempts + 1
        writer().call(lambda: OutboxRecord.update(values).where(rows).execute())

    def run(self, stop: threading.Event, idle_s: float = 2.0) -> None:
        """Deliver until `stop` is set: a finished session leaves within `idle_s`
        while the ward answers."""
        while not stop.is_set():
            try:
                self.deliver_due()
            except Exception as exc:  # the store is busy or gone: try again, never take the kiosk down
                log.warning("ward link: %s", exc)
                self._back_off(str(exc))
            stop.wait(max(idle_s, self.seconds_until_due()))

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop,), name="ward-link", daemon=True)
        thread.start()
        return thread

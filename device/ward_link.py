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
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import requests
from peewee import fn
from requests.adapters import HTTPAdapter

from device.config import Config
from device.store.models import (
    ExerciseRecord,
    OutboxRecord,
    PracticeRecord,
    RepRecord,
    StoreIdentity,
)
from device.store.writer import writer
from device.ward_address import WardLinkError, check_url, normal_pin
from device.ward_plans import mark_sent, plan_body, take_ward_plan, unsent_plans

log = logging.getLogger(__name__)

SCHEMA = 1
FIRST_DELAY_S = 5.0
MAX_DELAY_S = 600.0
BATCH = 50  # sessions per pass: a long backlog drains in passes, each one short
REFUSALS = (400, 403, 413, 415, 422)  # the ward will never take this body: keep it, do not retry
# What the device says of itself with each request (the ward's devices page; ward/devices.py reads them).
CLOCK_HEADER = "X-Device-Clock"
BACKLOG_HEADER = "X-Outbox-Backlog"
SOFTWARE_HEADER = "X-Device-Software"


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
        "patient": {
            "id": session.patient.id,
            "name": session.patient.name,
            # The hospital number only where one is set: a ward that predates it takes the summary as before.
            **({"identity": session.patient.ward_identity} if session.patient.ward_identity else {}),
        },
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
class OutboxState:
    """What doctor shows of the link, read from the store (the sender runs in another process)."""

    backlog: int
    last_delivery: datetime | None
    refused: int
    refused_reason: str | None  # the newest refusal's
    last_error: str | None  # the newest waiting row's, while the ward does not answer


def outbox_state() -> OutboxState:
    refused = OutboxRecord.select().where(OutboxRecord.refused).order_by(OutboxRecord.id.desc())
    waiting = (
        OutboxRecord.select(OutboxRecord.last_error)
        .where(OutboxRecord.delivered.is_null() & ~OutboxRecord.refused & OutboxRecord.last_error.is_null(False))
        .order_by(OutboxRecord.id.desc())
        .limit(1)
        .scalar()
    )
    newest_refusal = refused.first()
    last = (
        OutboxRecord.select()
        .where(OutboxRecord.delivered.is_null(False))
        .order_by(OutboxRecord.delivered.desc())
        .first()
    )
    return OutboxState(
        backlog=backlog(),
        last_delivery=last.delivered if last is not None else None,
        refused=refused.count(),
        refused_reason=newest_refusal.last_error if newest_refusal is not None else None,
        last_error=waiting,
    )


def read_token(path: Path) -> str:
    """The device's ward token from its file (install.sh writes it from WARD_TOKEN)."""
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise WardLinkError(
            f"cannot read the ward token {path} ({exc.strerror}): run install.sh with WARD_TOKEN"
        ) from exc
    if not token:
        raise WardLinkError(f"the ward token file {path} is empty: run install.sh with WARD_TOKEN")
    return token


def configured(config: Config) -> tuple[str, str, str] | None:
    """(address, token, certificate pin) when the device's config names a ward;
    None when it names none. WardLinkError when it names one that cannot be used."""
    url, token_file = config.ward.url, config.ward.token_file
    if not url and not token_file:
        return None
    if not url or not token_file:
        raise WardLinkError(
            "ward.url and ward.token_file go together: set both (install.sh with WARD_URL and WARD_TOKEN)"
        )
    return check_url(url), read_token(Path(token_file)), normal_pin(config.ward.pin)


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer (network down, timeout)
    reason: str


PIN_MISMATCH = "the ward's certificate is not the one pinned at enrolment (ward.pin)"


class _PinnedAdapter(HTTPAdapter):
    """https that trusts exactly one certificate: the ward's, by its SHA-256
    fingerprint (urllib3 checks it after the handshake, before a byte is sent)."""

    def __init__(self, pin: str) -> None:
        self._pin = pin
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["assert_fingerprint"] = self._pin
        super().init_poolmanager(*args, **kwargs)


def ward_http(pin: str) -> requests.Session:
    """The HTTP session every request to the ward goes through: with a pin,
    https to the certificate of that fingerprint only (the ward's own,
    self-signed: no certificate authority vouches for it, the pin does);
    without one, the system's certificate authorities."""
    http = requests.Session()
    if pin:
        http.mount("https://", _PinnedAdapter(pin))
        http.verify = False  # the pin, not a certificate authority, says which certificate is the ward's
        http.trust_env = False  # else REQUESTS_CA_BUNDLE in the environment would turn authority checks back on
    return http


def _no_answer(exc: requests.RequestException) -> Answer:
    """Why the ward did not answer, in one line: the pin first, since it is not the network's fault."""
    if isinstance(exc, requests.exceptions.SSLError):
        shown = re.search(r'got "?([0-9a-fA-F:]{64,95})', str(exc))
        if shown or "Fingerprints did not match" in str(exc):
            # As `python -m ward enrol` prints a pin, so a technician can compare the two.
            digits = shown.group(1).replace(":", "").upper() if shown else ""
            seen = ":".join(digits[i : i + 2] for i in range(0, len(digits), 2)) or "another"
            return Answer(0, f"{PIN_MISMATCH}: it shows {seen}")
        return Answer(0, f"no secure connection to the ward: {str(exc).splitlines()[0][:200]}")
    return Answer(0, f"no answer from the ward ({type(exc).__name__})")


def _answer(response: requests.Response) -> Answer:
    try:
        said = response.json()
        reason = str(said.get("error") or said.get("result") or said.get("device") or "")
    except (ValueError, AttributeError):
        reason = response.text[:200]
    return Answer(response.status_code, reason)


def exchange(
    http: requests.Session, method: str, url: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[Answer, Any]:
    """One request to the ward: its answer, and the JSON it sent (None if none)."""
    try:
        response = http.request(method, url, data=body, headers=headers, timeout=10)
    except requests.RequestException as exc:
        return _no_answer(exc), None
    try:
        said = response.json()
    except ValueError:
        said = None
    return _answer(response), said


def ask_ward(url: str, token: str, now: datetime, pin: str = "", timeout_s: float = 5.0) -> Answer:
    """Which device the ward takes this token for (GET /api/v1/device): doctor's check.
    200 with the device's name, 401 for a token it does not take, 0 for no
    answer (the reason says when the certificate is not the pinned one)."""
    headers = {"Authorization": f"Bearer {token}", CLOCK_HEADER: now.isoformat(timespec="seconds")}
    try:
        return _answer(ward_http(pin).get(check_url(url) + "/api/v1/device", headers=headers, timeout=timeout_s))
    except requests.RequestException as exc:
        return _no_answer(exc)


class WardLink:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        pin: str = "",
        now: Callable[[], datetime] = datetime.now,
        software: str = "",
    ) -> None:
        self.base = check_url(url) + "/api/v1"
        self.endpoint = self.base + "/sessions"
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if software:
            self._headers[SOFTWARE_HEADER] = software
        self._monotonic = monotonic
        self._http = ward_http(pin)
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
        waiting = backlog()
        number = 0
        while batch := pending():
            for session_id, newest in batch:
                # The backlog the ward shows is what waits behind this one: 0 once it has the last.
                delivered = self._send(session_id, newest, store, max(0, waiting - number - 1))
                if delivered is None:
                    return confirmed
                number += 1
                confirmed += delivered
        if not self.exchange_plans():
            return confirmed
        self.delay_s, self.next_try = 0.0, 0.0
        self.last_error = None
        return confirmed

    def _send(self, session_id: int, newest: int, store: str, waiting: int) -> bool | None:
        """Send one session and mark its rows by the answer: True delivered,
        False refused, None when the ward did not take it (the pass stops and backs off)."""
        body = json.dumps(summary(session_id, store)).encode()
        # The ward flags a device whose clock is off, and shows its backlog.
        said = {CLOCK_HEADER: self._now().isoformat(timespec="seconds"), BACKLOG_HEADER: str(waiting)}
        answer, _ = exchange(self._http, "POST", self.endpoint, self._headers | said, body)
        if answer.status in (200, 201):
            self._mark(session_id, newest, delivered=True, error=None)
            self.last_delivery = self._now()
            return True
        if answer.status in REFUSALS:
            log.warning("the ward refused session %s: %s", session_id, answer.reason)
            self._mark(session_id, newest, delivered=False, error=f"{answer.status} {answer.reason}")
            return False
        # down, unreachable, restarting, or our token is not (or no longer) good
        self._mark(session_id, newest, delivered=False, error=f"{answer.status} {answer.reason}", retry=True)
        self._back_off(f"{answer.status} {answer.reason}".strip())
        return None

    def exchange_plans(self) -> bool:
        """Send the plans made here, take the plans made on the ward (docs/ward.md,
        "Plans"). False when the ward did not answer (the pass backs off)."""
        said = {CLOCK_HEADER: self._now().isoformat(timespec="seconds")}
        store = store_id()
        for record in unsent_plans():
            body = json.dumps(plan_body(record, store)).encode()
            answer, _ = exchange(self._http, "POST", self.base + "/plans", self._headers | said, body)
            refused = None
            if answer.status in REFUSALS:
                # Never taken as it is: kept here, in force here, with the ward's reason (doctor shows it).
                refused = f"{answer.status} {answer.reason}".strip()
                log.warning("the ward refused plan %s: %s", record.id, refused)
            elif answer.status not in (200, 201):
                self._back_off(f"{answer.status} {answer.reason}".strip())
                return False
            mark_sent(record.id, self._now(), refused)
        answer, offered = exchange(self._http, "GET", self.base + "/plans", self._headers | said)
        if answer.status != 200 or not isinstance(offered, dict):
            self._back_off(f"{answer.status} {answer.reason}".strip())
            return False
        taken = [int(entry["id"]) for entry in offered.get("plans", []) if take_ward_plan(entry, self._now())]
        if taken:
            body = json.dumps({"ids": taken}).encode()
            answer, _ = exchange(self._http, "POST", self.base + "/plans/picked-up", self._headers | said, body)
            if answer.status != 200:  # taken here all the same; the ward offers them again, stored once
                self._back_off(f"{answer.status} {answer.reason}".strip())
                return False
        return True

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

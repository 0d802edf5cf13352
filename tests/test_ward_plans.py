"""Plans flow both ways between a device and its ward (ward/plans.py,
device/ward_plans.py), end to end: a real device store and its dashboard, the
real sender, the real ward on the throwaway PostgreSQL under waitress, and
clocks the test sets on both sides. A therapist's plan made on the ward is
picked up on the device's next contact; a caregiver's later change on the
device stays in force, both are kept, and each side's page says who changed
what, when, and which is in force."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from device.__main__ import main as device_main
from device.clock import FixedClock
from device.commands import doctor_cmd
from device.config import Config, load_config
from device.doctor import Check, Outcome, check_ward_plans
from device.practice.plan import Effort
from device.store.db import DB_NAME, open_database
from device.store.models import Patient, PlanRecord
from device.store.records import current_plan, plan_history
from device.ward_link import FIRST_DELAY_S, WardLink
from device.ward_plans import take_ward_plan
from device.web import create_app as create_dashboard
from device.web.security import set_password
from tests.test_ward import Clock, Ward, _login, a_day_of_practice, ward_url  # noqa: F401  (fixtures)
from tests.ward_postgres import PostgresServer, postgres  # noqa: F401  (the session's cluster)
from ward.db import connect_url
from ward.devices import enrol
from ward.models import Therapist, WardPatient, WardPlan
from ward.therapists import add_therapist

DEVICE_PASSWORD = "blue heron 42"
THERAPIST, THERAPIST_PASSWORD = "Park Jiwoo", "ward rounds 7"


def text(html: str) -> str:
    """What a reader sees: the words, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def plan_form(csrf: str | None, reps: dict[str, int], effort: str = "gentle", side: str = "") -> dict[str, str]:
    form = {"effort": effort, "affected_side": side}
    if csrf is not None:
        form["csrf_token"] = csrf
    for exercise, count in reps.items():
        form[f"use_{exercise}"], form[f"reps_{exercise}"] = "on", str(count)
    return form


@pytest.fixture
def ward_clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 19, 9))


@pytest.fixture
def served(ward_url: str, ward_clock: FixedClock) -> Iterator[Ward]:  # noqa: F811
    db = connect_url(ward_url)
    ward = Ward(db, ward_clock)
    yield ward
    ward.stop()
    db.close()


class Bedside:
    """One device: its store, its dashboard (logged in), its sender, and its clock."""

    def __init__(self, folder: Path, config: Config, ward: Ward, token: str, clock: FixedClock) -> None:
        from device.ward_link import WardLink

        self.path = folder / DB_NAME
        a_day_of_practice(self.path, "Ana")
        set_password(folder, DEVICE_PASSWORD)
        self.clock = clock
        overrides = {"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
        config = config.with_overrides({"kiosk.language": "en", "device.data_dir": str(folder)})
        self.app = create_dashboard(config, open_database(self.path, recover=False), clock=clock, overrides=overrides)
        self.client = self.app.test_client()
        assert self.client.post("/login", data={"password": DEVICE_PASSWORD}).status_code == 302
        self.link = WardLink(ward.url, token, monotonic=Clock(), now=clock.now)
        self.patient = Patient.get(Patient.name == "Ana")

    def save_plan(self, at: datetime, reps: dict[str, int]) -> None:
        """A caregiver saves a plan on the device's dashboard at `at` (the device's clock)."""
        self.clock.at = at
        saved = self.client.post(f"/patients/{self.patient.id}/plan", data=plan_form(None, reps))
        assert saved.status_code == 302, saved.get_data(as_text=True)

    def contact(self, at: datetime) -> None:
        """The sender's next pass, at `at` by the device's clock."""
        self.clock.at = at
        self.link.deliver_due()
        assert self.link.last_error is None, self.link.last_error

    def plan_page(self) -> str:
        return text(self.client.get(f"/patients/{self.patient.id}/plan").get_data(as_text=True))


def therapist_saves(client: FlaskClient, patient_id: int, reps: dict[str, int], effort: str = "gentle") -> str:
    page = client.get(f"/patients/{patient_id}/plan?lang=en").get_data(as_text=True)
    saved = client.post(f"/patients/{patient_id}/plan?lang=en", data=plan_form(csrf_of(page), reps, effort))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    return text(client.get(saved.headers["Location"]).get_data(as_text=True))


@pytest.mark.slow
def test_a_therapist_plan_reaches_the_device_and_a_later_bedside_change_stays_in_force(
    served: Ward, ward_clock: FixedClock, tmp_path: Path, config: Config
) -> None:
    token = enrol("kiosk-bed-4", datetime(2026, 11, 19, 8))
    add_therapist(THERAPIST, THERAPIST_PASSWORD, datetime(2026, 11, 19, 8))
    device = Bedside(tmp_path, config, served, token, FixedClock(datetime(2026, 11, 19, 8)))

    # 08:00 on the device: a caregiver's first plan. The next contact brings it, and the sessions, to the ward.
    device.save_plan(datetime(2026, 11, 19, 8), {"closed_smile": 3, "brow_raise": 3})
    device.contact(datetime(2026, 11, 19, 8, 1))
    [ward_patient] = WardPatient.select()
    [from_device] = WardPlan.select()
    assert (from_device.author, from_device.created) == (None, datetime(2026, 11, 19, 8))
    assert PlanRecord.get().sent == datetime(2026, 11, 19, 8, 1)
    device.contact(datetime(2026, 11, 19, 8, 2))
    assert WardPlan.select().count() == 1  # sent once

    ward = served.app.test_client()
    assert ward.get(f"/patients/{ward_patient.id}/plan").status_code == 302  # behind the named login
    assert _login(ward, THERAPIST, THERAPIST_PASSWORD, "en") == 302
    page = text(ward.get(f"/patients/{ward_patient.id}/plan?lang=en").get_data(as_text=True))
    assert "In force: the change made on the device's dashboard, Thu 19 November 2026 8:00 am." in page

    # 10:00 on the ward: the therapist's plan, with the device's rules (a bad count is refused, nothing saved).
    ward_clock.at = datetime(2026, 11, 19, 10)
    form_page = ward.get(f"/patients/{ward_patient.id}/plan?lang=en").get_data(as_text=True)
    bad = ward.post(
        f"/patients/{ward_patient.id}/plan?lang=en", data=plan_form(csrf_of(form_page), {"closed_smile": 31})
    )
    assert bad.status_code == 400
    assert "Reps for Closed smile must be a whole number from 1 to 30." in text(bad.get_data(as_text=True))
    page = therapist_saves(ward, ward_patient.id, {"closed_smile": 5, "lip_pucker": 4}, effort="moderate")
    assert "In force: the plan Park Jiwoo made on the ward, Thu 19 November 2026 10:00 am." in page
    assert "The device has not picked up Park Jiwoo's plan of Thu 19 November 2026 10:00 am yet" in page
    assert "(by Park Jiwoo, on the ward · not yet on the device · in force)" in page
    assert "(on the device's dashboard)" in page

    # The device's next contact picks it up: in force there from the next session, with its author.
    ward_clock.at = datetime(2026, 11, 19, 10, 5)
    device.contact(datetime(2026, 11, 19, 10, 5))
    in_force = current_plan(device.patient)
    assert {i.exercise.id: i.reps for i in in_force.items} == {"closed_smile": 5, "lip_pucker": 4}
    assert in_force.effort is Effort.MODERATE
    newest = plan_history(device.patient)[0]
    assert (newest.author, newest.created) == (THERAPIST, datetime(2026, 11, 19, 10))
    bedside = device.plan_page()
    assert "(by Park Jiwoo, on the ward · in force)" in bedside
    assert "(on this device's dashboard)" in bedside
    page = text(ward.get(f"/patients/{ward_patient.id}/plan?lang=en").get_data(as_text=True))
    assert "picked up by the device at 10:05 am" in page
    assert "has not picked up" not in page

    # 11:00 the therapist changes it again; at 11:30, before the device's next contact, a caregiver changes it there.
    ward_clock.at = datetime(2026, 11, 19, 11)
    therapist_saves(ward, ward_patient.id, {"closed_smile": 6})
    device.save_plan(datetime(2026, 11, 19, 11, 30), {"happy": 2, "brow_raise": 4})
    ward_clock.at = datetime(2026, 11, 19, 11, 35)
    device.contact(datetime(2026, 11, 19, 11, 35))

    # Both are kept on both sides; the newer (the caregiver's) is in force on both.
    assert {i.exercise.id: i.reps for i in current_plan(device.patient).items} == {"happy": 2, "brow_raise": 4}
    history = plan_history(device.patient)
    assert [(p.created.hour, p.created.minute, p.author) for p in history] == [
        (11, 30, None),
        (11, 0, THERAPIST),
        (10, 0, THERAPIST),
        (8, 0, None),
    ]
    assert WardPlan.select().count() == 4
    page = text(ward.get(f"/patients/{ward_patient.id}/plan?lang=en").get_data(as_text=True))
    assert "In force: the change made on the device's dashboard, Thu 19 November 2026 11:30 am." in page
    assert (
        "Park Jiwoo's plan of Thu 19 November 2026 11:00 am was followed by a newer change on the device's "
        "dashboard, which is in force. Both are kept in the history below."
    ) in page
    newest_line = (
        "11:30 am added Brow raise ×4, Happy face ×2 · removed Closed smile (on the device's dashboard · in force)"
    )
    assert newest_line in page
    korean = text(ward.get(f"/patients/{ward_patient.id}/plan?lang=ko").get_data(as_text=True))
    assert "지금 적용 중: 기기의 대시보드에서 바꾼 계획" in korean
    assert "병동에서 Park Jiwoo 작성" in korean
    bedside = device.plan_page()
    assert bedside.index("(on this device's dashboard · in force)") < bedside.index("(by Park Jiwoo, on the ward)")


@pytest.mark.slow
def test_a_plan_is_picked_up_once_and_only_by_its_own_device(served: Ward, tmp_path: Path, config: Config) -> None:
    """A device that stores a plan and dies before saying so is offered it
    again and stores it once; another device's token sees none of it; a
    device's plan that breaks the device's rules is refused with the reason."""
    token = enrol("kiosk-bed-5", datetime(2026, 11, 19, 8))
    other = enrol("kiosk-bed-6", datetime(2026, 11, 19, 8))
    therapist = add_therapist(THERAPIST, THERAPIST_PASSWORD, datetime(2026, 11, 19, 8))
    device = Bedside(tmp_path, config, served, token, FixedClock(datetime(2026, 11, 19, 8)))
    device.contact(datetime(2026, 11, 19, 8, 1))
    [ward_patient] = WardPatient.select()
    from device.practice.plan import make_plan
    from ward.plans import save_ward_plan

    plan = save_ward_plan(ward_patient, make_plan([("closed_smile", 7)]), Therapist.get_by_id(therapist.id),
                          datetime(2026, 11, 19, 9))  # fmt: skip
    api = f"{served.url}/api/v1/plans"
    offered = requests.get(api, headers={"Authorization": f"Bearer {token}"}, timeout=10).json()["plans"]
    assert [p["id"] for p in offered] == [plan.id]
    assert requests.get(api, headers={"Authorization": f"Bearer {other}"}, timeout=10).json() == {"plans": []}
    assert requests.get(api, headers={"Authorization": "Bearer nope"}, timeout=10).status_code == 401
    # Taken, then the power goes before the device says so: offered again, stored once.
    assert take_ward_plan(offered[0], datetime(2026, 11, 19, 9, 1))
    device.contact(datetime(2026, 11, 19, 9, 2))
    assert PlanRecord.select().where(PlanRecord.ward_id == plan.id).count() == 1
    assert WardPlan.get_by_id(plan.id).picked_up is not None
    assert requests.get(api, headers={"Authorization": f"Bearer {token}"}, timeout=10).json() == {"plans": []}
    # Another device cannot mark it, nor send plans for this device's store.
    marked = requests.post(f"{api}/picked-up", json={"ids": [plan.id]}, headers={"Authorization": f"Bearer {other}"},
                           timeout=10)  # fmt: skip
    assert marked.json() == {"picked_up": 0}
    from device.ward_link import store_id

    body: dict[str, Any] = {
        "schema": 1,
        "store": store_id(),
        "patient": {"id": device.patient.id, "name": "Ana"},
        "plan": {"id": 99, "created": "2026-11-19T09:00:00", "items": [{"exercise": "closed_smile", "reps": 3}],
                 "effort": "gentle", "affected_side": None},
    }  # fmt: skip
    stolen = requests.post(api, json=body, headers={"Authorization": f"Bearer {other}"}, timeout=10)
    assert (stolen.status_code, stolen.json()["error"]) == (403, "this store's plans belong to another device")
    too_many = body | {"plan": body["plan"] | {"items": [{"exercise": "closed_smile", "reps": 31}]}}
    refused = requests.post(api, json=too_many, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert refused.status_code == 422
    assert "reps must be between 1 and 30" in refused.json()["error"]
    unknown = body | {"plan": body["plan"] | {"items": [{"exercise": "juggling", "reps": 3}]}}
    assert requests.post(api, json=unknown, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 422
    assert WardPlan.select().count() == 1  # none of those stored anything


def doctor_config(folder: Path, url: str, token: str) -> Config:
    """The device's config naming the ward, its token in a file of its own (as install.sh writes them)."""
    token_file = folder / "ward-token"
    token_file.write_text(token + "\n")
    path = folder / "config.toml"
    path.write_text(f'[device]\ndata_dir = "{folder / "data"}"\n[ward]\nurl = "{url}"\ntoken_file = "{token_file}"\n')
    return load_config(path=path, env={})


@pytest.mark.slow
def test_doctor_names_a_plan_the_ward_refused_until_a_later_one_is_taken(
    served: Ward, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The card moves to a bed enrolled under another name: the ward refuses
    the plan a caregiver saves there (403), the device keeps it in force with
    the ward's answer and doctor names the patient and the reason; a ward that
    does not answer is no refusal (the plan waits and is retried); back in its
    own bed, the next plan the ward takes clears it."""
    token = enrol("kiosk-bed-7", datetime(2026, 11, 19, 8))
    device = Bedside(tmp_path / "data", config, served, token, FixedClock(datetime(2026, 11, 19, 8)))
    own_bed = doctor_config(tmp_path, served.url, token)
    assert check_ward_plans(own_bed) == Check(
        "ward plans", Outcome.PASS, "the ward has refused none of the plans made on this device"
    )
    device.contact(datetime(2026, 11, 19, 8, 1))  # the sessions bind this store to kiosk-bed-7 on the ward

    moved = enrol("kiosk-bed-8", datetime(2026, 11, 19, 8))
    device.link = WardLink(served.url, moved, monotonic=Clock(), now=device.clock.now)
    device.save_plan(datetime(2026, 11, 19, 9), {"closed_smile": 4})
    device.contact(datetime(2026, 11, 19, 9, 5))  # a refusal is no link failure: the pass goes on, no back-off
    refusal = "403 this store's plans belong to another device"
    [plan] = PlanRecord.select()
    assert (plan.sent, plan.refused) == (datetime(2026, 11, 19, 9, 5), refusal)
    assert WardPlan.select().count() == 0
    assert {i.exercise.id: i.reps for i in current_plan(device.patient).items} == {"closed_smile": 4}  # in force here
    refused = check_ward_plans(doctor_config(tmp_path, served.url, moved))
    assert refused.outcome is Outcome.FAIL
    assert refused.detail == (
        f"the ward refused 1 patient(s)' plan, in force here only: Ana's plan of 2026-11-19 09:00, "
        f"refused 2026-11-19 09:05: {refusal}"
    )
    assert "save the plan again" in refused.advice
    # The caregiver sees it where the plan is made, in the dashboard's language, with the ward's own words.
    page = device.plan_page()
    assert "The ward did not take the plan saved here (Thu 19 November 2026 9:05 am)" in page
    assert f"it is in force on this device only. Ask the ward's therapist to check it. The ward said: {refusal}" in page
    device.client.post("/language/ko", data={"next": "/"})
    korean = device.plan_page()
    assert "여기서 저장한 계획을 병동이 받지 않았어요(2026년 11월 19일 (목) 오전 9:05)." in korean, korean
    device.client.post("/language/en", data={"next": "/"})
    device.contact(datetime(2026, 11, 19, 9, 10))  # not sent again
    assert PlanRecord.get_by_id(plan.id).sent == datetime(2026, 11, 19, 9, 5)

    # doctor --json carries it (the ward's two checks only: the camera, display and sound are not here).
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setattr(doctor_cmd, "CHECKS", (check_ward_plans,))
    assert device_main(["doctor", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["checks"] == [
        {"name": "ward plans", "outcome": "FAIL", "detail": refused.detail, "advice": refused.advice}
    ]

    # Back in its own bed, the ward down: the caregiver's new plan waits (no answer is no refusal).
    monotonic = Clock()
    device.link = WardLink(served.url, token, monotonic=monotonic, now=device.clock.now)
    device.save_plan(datetime(2026, 11, 19, 10), {"closed_smile": 5, "brow_raise": 3})
    served.stop()
    device.clock.at = datetime(2026, 11, 19, 10, 1)
    device.link.deliver_due()
    assert "no answer from the ward" in str(device.link.last_error)
    newer = PlanRecord.get(PlanRecord.id != plan.id)
    assert (newer.sent, newer.refused) == (None, None)
    assert check_ward_plans(own_bed).outcome is Outcome.FAIL  # still the 09:00 refusal: nothing newer was answered

    # The ward is back; the retry delivers the new plan, which the ward takes: the disagreement is over.
    served.start()
    monotonic.t += FIRST_DELAY_S  # the sender's back-off has passed
    device.contact(datetime(2026, 11, 19, 10, 30))
    assert PlanRecord.get_by_id(newer.id).sent == datetime(2026, 11, 19, 10, 30)
    assert [(p.created, p.author) for p in WardPlan.select()] == [(datetime(2026, 11, 19, 10), None)]
    assert check_ward_plans(own_bed) == Check(
        "ward plans", Outcome.PASS, "the ward has refused none of the plans made on this device"
    )
    assert PlanRecord.get_by_id(plan.id).refused == refusal  # the history keeps what the ward said
    assert "did not take" not in device.plan_page()

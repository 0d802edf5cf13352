"""One patient across beds: a ward identity (the hospital's patient number)
joins the patients that devices know separately into one history. A patient
without one stays on their own device's list, labelled with that device."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peewee import JOIN

from device.store.records import WardIdentityError, valid_ward_identity
from ward.models import Device, WardPatient

# One rule for a hospital number, on the device's patients page and on the ward.
IdentityError = WardIdentityError
clean_identity = valid_ward_identity


@dataclass(frozen=True)
class History:
    """The patients of one history: all who share a ward identity, or one without."""

    key: str  # names the history in the patient-history cache
    identity: str | None
    members: tuple[WardPatient, ...]  # newest-named last: ordered by id

    @property
    def name(self) -> str:
        """The name the newest device gave the patient."""
        return self.members[-1].name

    @property
    def devices(self) -> tuple[str, ...]:
        return tuple(sorted({m.device.name for m in self.members}))

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(m.id for m in self.members)

    @property
    def facts(self) -> tuple[tuple[object, ...], ...]:
        """What a page shows of the members, as plain values: a kept page is
        rebuilt when any of them changes (a name, a bed, who gave the number)."""
        return tuple((m.id, m.name, m.device.name, m.identity, m.identity_by, m.identity_set) for m in self.members)

    @property
    def identity_given(self) -> WardPatient | None:
        """The member whose number was given last, to say by whom and when (None: no one recorded it)."""
        dated = [m for m in self.members if m.identity is not None and m.identity_set is not None]
        return max(dated, key=lambda m: m.identity_set or datetime.min) if dated else None


def _with_devices(where: object) -> list[WardPatient]:
    query = WardPatient.select(WardPatient, Device).join(Device, JOIN.INNER).where(where).order_by(WardPatient.id)
    return list(query)


def history_of(patient_id: int) -> History | None:
    """The history ward patient `patient_id` belongs to (None: no such patient)."""
    found = _with_devices(WardPatient.id == patient_id)
    if not found:
        return None
    patient = found[0]
    if patient.identity is None:
        return History(f"patient:{patient.id}", None, (patient,))
    members = _with_devices(WardPatient.identity == patient.identity)
    return History(f"identity:{patient.identity}", patient.identity, tuple(members))


def histories() -> list[History]:
    """Every history on the ward: one per ward identity, one per patient without."""
    by_key: dict[str, list[WardPatient]] = {}
    for patient in _with_devices(True):
        key = f"identity:{patient.identity}" if patient.identity is not None else f"patient:{patient.id}"
        by_key.setdefault(key, []).append(patient)
    return [History(key, members[0].identity, tuple(members)) for key, members in by_key.items()]


def assign(patient_id: int, identity: str | None, *, by: str | None = None, when: datetime | None = None) -> None:
    """Give ward patient `patient_id` the identity (None: take it away, back
    to their device's list), recording who gave it (a therapist's name; None:
    the device) and when, by the ward's clock."""
    changes = {WardPatient.identity: identity, WardPatient.identity_by: by, WardPatient.identity_set: when}
    WardPatient.update(changes).where(WardPatient.id == patient_id).execute()

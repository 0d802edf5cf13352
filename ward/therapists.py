"""Named therapist accounts (python -m ward user add NAME) and their logins."""

from __future__ import annotations

from datetime import datetime

from werkzeug.security import check_password_hash, generate_password_hash

from device.names import clean_name, name_problem
from device.passwords import password_problem
from ward.models import LoginEvent, Therapist


class AccountError(Exception):
    """The account cannot be made; the message says why."""


def add_therapist(name: str, password: str, now: datetime) -> Therapist:
    name = clean_name(name)
    if problem := name_problem(name):
        raise AccountError(problem.message)
    if problem_text := password_problem(password):
        raise AccountError(problem_text)
    if Therapist.get_or_none(Therapist.name == name) is not None:
        raise AccountError(f"there is already an account named '{name}'")
    return Therapist.create(name=name, password_hash=generate_password_hash(password), created=now, disabled=False)


def log_in(name: str, password: str, now: datetime) -> Therapist | None:
    """The therapist if the password is theirs (the login is recorded), else None."""
    therapist = Therapist.get_or_none((Therapist.name == clean_name(name)) & ~Therapist.disabled)
    if therapist is None or not check_password_hash(therapist.password_hash, password):
        return None
    LoginEvent.create(therapist=therapist, at=now)
    return therapist

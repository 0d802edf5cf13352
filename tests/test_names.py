"""One rule for a patient's name (device/names.py), kept by the store for
the dashboard, the kiosk and the command line alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from device.names import MAX_NAME, clean_name, name_problem
from device.store.db import DB_NAME, StoreError, open_database
from device.store.records import DuplicateNameError, PatientNameError, add_patient, rename_patient

REFUSED = {
    "a\x00b": "characters",  # pygame refuses a NUL: the kiosk's home screen failed on it
    "Ana\r\nB": "characters",
    "Ana\tB": "characters",
    "\u202eanA": "characters",  # a right-to-left override turns the name around on screen
    "An\u200ba": "characters",  # zero-width space: two names that look alike
    "A\u2028B": "characters",  # a line separator
    "\u0301": "letter",  # a lone combining mark drew an empty button
    "\u0301\u0308": "letter",
    "...": "letter",
    "": "length",
    "   ": "length",
    "x" * (MAX_NAME + 1): "length",
}
ACCEPTED = ["김민아", "Anne-Marie O'Neil", "Jun 2", "이 서연", "Zoë", "x" * MAX_NAME]


@pytest.mark.parametrize("name", REFUSED, ids=ascii)
def test_a_name_no_one_can_read_is_refused_with_its_reason(name: str) -> None:
    problem = name_problem(clean_name(name))
    assert problem is not None
    assert problem.reason == REFUSED[name]
    assert "\n" not in problem.message


@pytest.mark.parametrize("name", ACCEPTED)
def test_ordinary_names_in_both_scripts_are_accepted(name: str) -> None:
    assert name_problem(clean_name(name)) is None


def test_a_name_is_stored_composed_and_trimmed() -> None:
    assert clean_name("  Zoe\u0308 ") == "Zoë"  # typed with a combining mark: the same name as the composed one


def test_the_store_keeps_the_rule_for_every_caller(tmp_path: Path) -> None:
    """add_patient and rename_patient are what the kiosk, the CLI and the dashboard call."""
    open_database(tmp_path / DB_NAME)
    ana = add_patient(" Ana ")
    assert ana.name == "Ana"
    with pytest.raises(PatientNameError) as refused:
        add_patient("a\x00b")
    assert refused.value.problem.reason == "characters"
    assert isinstance(refused.value, StoreError)  # the kiosk and the CLI already handle a StoreError in one line
    with pytest.raises(PatientNameError):
        rename_patient(ana, "\u202eanA")
    zoe = add_patient("Zoë")
    with pytest.raises(DuplicateNameError):
        add_patient("Zoe\u0308")  # the same name typed with a combining mark
    with pytest.raises(DuplicateNameError):
        rename_patient(ana, "Zoë")
    rename_patient(zoe, "Zoë")  # keeping one's own name is no clash

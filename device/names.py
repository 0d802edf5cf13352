"""What a patient's name may be: one rule for the dashboard, the kiosk and the
command line, with no web framework or database loaded.

A name is shown on the kiosk's buttons (pygame refuses a NUL), in the
dashboard's pages and reports, and in file names of exports, so it must be
text a person can read: printable characters only (no control, bidi
override, zero-width or line-separator characters), at least one letter or
digit (a lone combining mark draws as an empty button), and at most MAX_NAME
characters once spaces at either end are trimmed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_NAME = 80


@dataclass(frozen=True)
class NameProblem:
    """Why a name cannot be used: `reason` is one of REASONS (the dashboard
    words it in the reader's language), `message` the English line the
    command line and the log show."""

    reason: str
    message: str


REASONS = ("length", "characters", "letter")


def clean_name(text: str) -> str:
    """The name as stored: composed (NFC, so a name typed on two keyboards is
    one name) and without spaces at either end."""
    return unicodedata.normalize("NFC", text).strip()


def name_problem(name: str) -> NameProblem | None:
    """What is wrong with a cleaned name, or None."""
    if not 1 <= len(name) <= MAX_NAME:
        return NameProblem("length", f"a patient's name must have 1 to {MAX_NAME} characters")
    # isprintable() is False for control (Cc), format (Cf: bidi overrides,
    # zero-width joiners), separators other than the space, and unassigned code points.
    if not name.isprintable():
        return NameProblem(
            "characters", "a patient's name can hold only printable characters (no control or direction marks)"
        )
    if not any(unicodedata.category(c)[0] in "LN" for c in name):
        return NameProblem("letter", "a patient's name needs at least one letter or digit")
    return None

"""Which exercises an expression model can score.

An expression exercise is scored as the model's probability of its class
(exercises.toml's `class`). A model trained without that class would score
it 0 on every frame, which looks to the patient like failing; so such an
exercise is refused, by name, wherever a model meets the catalogue: when the
model is published, at start-up, in `practice --exercise` and in doctor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from device.practice.catalogue import CatalogueError, Exercise, Kind


def unscorable(classes: Sequence[str], exercises: Iterable[Exercise]) -> list[Exercise]:
    """The expression exercises among `exercises` whose class is not one of the model's `classes`."""
    return [e for e in exercises if e.kind is Kind.EXPRESSION and e.expression_class not in classes]


def describe(missing: Sequence[Exercise], classes: Sequence[str]) -> str:
    """One line naming the exercises and the classes they need that the model lacks."""
    needs = ", ".join(f"'{e.id}' needs class '{e.expression_class}'" for e in missing)
    return f"{needs}; the expression model has only {', '.join(classes)}"


def require_scorable(classes: Sequence[str], exercises: Iterable[Exercise]) -> None:
    """CatalogueError naming every exercise the model cannot score, if any."""
    missing = unscorable(classes, exercises)
    if missing:
        raise CatalogueError(
            f"{describe(missing, classes)}: the exercise cannot be scored with this model "
            "(install a model with that class, or python -m device models --rollback)"
        )

"""The exercise catalogue (exercises.toml), loaded and checked once."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from enum import StrEnum
from functools import cache
from pathlib import Path

from device.errors import KioskError
from device.vision.geometry import SideMeasures

CATALOGUE_PATH = Path(__file__).with_name("exercises.toml")
LANGUAGES = ("en", "ko")


class CatalogueError(KioskError):
    """The catalogue or a reference to it is wrong; the message names what."""


class Kind(StrEnum):
    MOVEMENT = "movement"
    EXPRESSION = "expression"


class MeasureDirection(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    CLOSURE = "closure"  # (rest - task) / rest


MEASURES = tuple(f.name for f in fields(SideMeasures))


@dataclass(frozen=True)
class Exercise:
    id: str
    kind: Kind
    name: dict[str, str]
    instruction: dict[str, str]
    hold_s: float
    reps: int
    rest_s: float
    measure: str | None = None  # movement exercises
    direction: MeasureDirection | None = None
    full_movement: float | None = None
    expression_class: str | None = None  # expression exercises
    synkinesis: bool = False
    # Why dlib's 68 landmarks cannot carry this movement's per-side symmetry
    # (by language), or None: `assess` reports its movements but does not
    # grade them (docs/measures.md; tests/test_measures_validated.py).
    landmark_limit: dict[str, str] | None = None


_ALLOWED = {
    "id", "kind", "name", "instruction", "hold_s", "reps", "rest_s",
    "measure", "direction", "full_movement", "class", "synkinesis", "landmark_limit",
}  # fmt: skip


def _number(raw: dict[str, object], key: str) -> float:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number, got {value!r}")
    return float(value)


def _languages(raw: dict[str, object], key: str) -> dict[str, str] | None:
    """An optional text given in every language, or None when absent."""
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, dict) or any(not value.get(language) for language in LANGUAGES):
        raise ValueError(f"{key} must be a table with text in {', '.join(LANGUAGES)}")
    return {str(k): str(v) for k, v in value.items()}


def _parse(raw: dict[str, object]) -> Exercise:
    ident = str(raw.get("id", "?"))
    unknown = set(raw) - _ALLOWED
    if unknown:
        raise CatalogueError(f"exercise '{ident}': unknown field(s) {', '.join(sorted(unknown))}")
    try:
        kind = Kind(str(raw["kind"]))
        name, instruction = raw["name"], raw["instruction"]
        if not isinstance(name, dict) or not isinstance(instruction, dict):
            raise CatalogueError(f"exercise '{ident}': name and instruction must be tables of languages")
        for language in LANGUAGES:
            if not name.get(language) or not instruction.get(language):
                raise CatalogueError(f"exercise '{ident}': name or instruction missing in '{language}'")
        exercise = Exercise(
            id=ident,
            kind=kind,
            name={str(k): str(v) for k, v in name.items()},
            instruction={str(k): str(v) for k, v in instruction.items()},
            hold_s=_number(raw, "hold_s"),
            reps=int(_number(raw, "reps")),
            rest_s=_number(raw, "rest_s"),
            measure=str(raw["measure"]) if kind is Kind.MOVEMENT else None,
            direction=MeasureDirection(str(raw["direction"])) if kind is Kind.MOVEMENT else None,
            full_movement=_number(raw, "full_movement") if kind is Kind.MOVEMENT else None,
            expression_class=str(raw["class"]) if kind is Kind.EXPRESSION else None,
            synkinesis=bool(raw.get("synkinesis", False)),
            landmark_limit=_languages(raw, "landmark_limit"),
        )
    except KeyError as exc:
        raise CatalogueError(f"exercise '{ident}': missing field {exc}") from exc
    except ValueError as exc:
        raise CatalogueError(f"exercise '{ident}': {exc}") from exc
    if exercise.measure is not None and exercise.measure not in MEASURES:
        raise CatalogueError(f"exercise '{ident}': unknown measure '{exercise.measure}' (one of {', '.join(MEASURES)})")
    if exercise.full_movement is not None and exercise.full_movement <= 0:
        raise CatalogueError(f"exercise '{ident}': full_movement must be positive")
    if exercise.hold_s <= 0 or exercise.reps < 1 or exercise.rest_s < 0:
        raise CatalogueError(f"exercise '{ident}': hold_s and reps must be positive, rest_s not negative")
    return exercise


def load_catalogue(path: Path = CATALOGUE_PATH) -> dict[str, Exercise]:
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    exercises = [_parse(raw) for raw in document.get("exercise", [])]
    catalogue = {e.id: e for e in exercises}
    if len(catalogue) != len(exercises):
        raise CatalogueError(f"{path}: an exercise id appears twice")
    return catalogue


@cache
def catalogue() -> dict[str, Exercise]:
    """The shipped catalogue, loaded once."""
    return load_catalogue()


def exercise(exercise_id: str) -> Exercise:
    known = catalogue()
    if exercise_id not in known:
        raise CatalogueError(f"no exercise '{exercise_id}'; the exercises are: {', '.join(known)}")
    return known[exercise_id]

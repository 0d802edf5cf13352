"""The JSON schema of a session summary as a device sends it
(POST /api/v1/sessions; device/ward_link.py builds it). Version 1 carries
the session, its patient, exercises, reps and grading, and no images and no
1 Hz score samples (docs/ward.md says why)."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

MAX_BODY_BYTES = 256 * 1024  # a long session is about 20 KB; 10 MB is refused before it is read

_NUMBER = {"type": ["number", "null"]}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 100}
# The device's own local time, as it recorded the session (no zone: the ward shows the day the device saw).
_TIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$"}

SESSION_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["schema", "store", "patient", "session", "exercises", "reps"],
    "properties": {
        "schema": {"const": 1},
        "store": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
        "software": {"type": "string", "maxLength": 100},
        "patient": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "name"],
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "name": {"type": "string", "maxLength": 200},
                # The hospital number set on the device (ward/identity.py); absent where none is set there.
                "identity": {"type": "string", "minLength": 1, "maxLength": 40},
            },
        },
        "session": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "started", "ended", "status", "source", "score", "grading", "plan"],
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "started": _TIME,
                "ended": {"anyOf": [_TIME, {"type": "null"}]},
                "status": {"enum": ["completed", "stopped", "failed", "interrupted", "save_failed"]},
                "source": _TEXT,
                "score": _NUMBER,
                "grading": {"type": ["object", "null"]},
                "plan": {"type": "array", "maxItems": 50},
            },
        },
        "exercises": {
            "type": "array",
            "maxItems": 50,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["exercise", "position", "reps_planned", "reps_done", "score", "outcome"],
                "properties": {
                    "exercise": _TEXT,
                    "position": {"type": "integer", "minimum": 0},
                    "reps_planned": {"type": "integer", "minimum": 0},
                    "reps_done": {"type": "integer", "minimum": 0},
                    "score": {"type": "number"},
                    "symmetry": _NUMBER,
                    "synkinesis": _NUMBER,
                    "outcome": _TEXT,
                    "right_movement": _NUMBER,
                    "left_movement": _NUMBER,
                },
            },
        },
        "reps": {
            "type": "array",
            "maxItems": 1000,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["exercise", "number", "started_s", "ended_s", "peak_score", "mean_score"],
                "properties": {
                    "exercise": _TEXT,
                    "number": {"type": "integer", "minimum": 0},
                    "started_s": {"type": "number"},
                    "ended_s": {"type": "number"},
                    "peak_score": {"type": "number"},
                    "mean_score": {"type": "number"},
                    "right_movement": _NUMBER,
                    "left_movement": _NUMBER,
                    "symmetry": _NUMBER,
                    "synkinesis": _NUMBER,
                },
            },
        },
    },
}

_VALIDATOR = Draft202012Validator(SESSION_SCHEMA)


def schema_problem(body: object) -> str | None:
    """The first thing wrong with `body`, in one line naming where, or None."""
    for error in sorted(_VALIDATOR.iter_errors(body), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(part) for part in error.absolute_path) or "the body"
        return f"{where}: {error.message[:200]}"
    return None

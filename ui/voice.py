"""Spoken prompts in the patient's language: each exercise's instruction when
it is introduced, "hold" and "relax", the count of holds done, and the end of
the session, so the eye exercises can be followed with the eyes closed.

The sentences live in the kiosk's word catalogues (strings/*.toml, [voice])
and the exercise catalogue (each exercise's instruction); they are rendered
once, offline, to Ogg files (tools/render_voice.py) that ship with the kiosk.
The camera-position prompts (the catalogue's [prompt]) are spoken too.

A clinic can replace any prompt with a recording of a native speaker: a file
named after the prompt's key (`hold.ogg`, `exercise_brow_raise.wav`, ...) in
`<data dir>/voice/<language>/` is played instead of the rendered one.
"""

from __future__ import annotations

from pathlib import Path

from device.practice.catalogue import catalogue
from ui.i18n import KioskWords, keys

VOICE_DIR = Path(__file__).resolve().parent / "assets" / "voice"
MAX_COUNT = 10  # counts above this are not spoken (plans rarely have more reps)


def exercise_key(exercise_id: str) -> str:
    return f"exercise_{exercise_id}"


def count_key(count: int) -> str | None:
    return f"count_{count}" if 1 <= count <= MAX_COUNT else None


def prompt_key(prompt: str) -> str:
    """The spoken file of a camera-position prompt (device.practice.gating.Prompt's value)."""
    return f"prompt_{prompt}"


def phrases(language: str) -> dict[str, str]:
    """Every spoken prompt of `language`: file key -> sentence."""
    words = KioskWords(language)
    spoken = {key.removeprefix("voice."): words(key) for key in sorted(keys(language)) if key.startswith("voice.")}
    for key in sorted(k for k in keys(language) if k.startswith("prompt.")):
        spoken[prompt_key(key.removeprefix("prompt."))] = words(key)
    for exercise in catalogue().values():
        spoken[exercise_key(exercise.id)] = exercise.instruction[language]
    return spoken


RECORDED_TYPES = (".ogg", ".wav")  # what a clinic's recording may be (pygame plays both)


def voice_file(language: str, key: str, recorded: Path | None = None) -> Path:
    """The file that speaks `key`: a clinic's recording in `recorded`/<language>/
    when there is one, else the shipped rendering."""
    if recorded is not None:
        for suffix in RECORDED_TYPES:
            found = recorded / language / f"{key}{suffix}"
            if found.is_file():
                return found
    return VOICE_DIR / language / f"{key}.ogg"

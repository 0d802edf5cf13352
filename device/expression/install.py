"""Putting an expression model in place, keeping the one it replaces, and
putting that one back.

A model is two files the device checks against each other (the .tflite and
its card), so neither is ever written where the device reads it: each new
file is first copied next to its destination under a temporary name, and
only when every copy is complete are they renamed into place (a rename on
one file system is atomic). A copy that fails leaves the installed pair as
it was.

The model replaced is kept in `previous/` beside it, so
`python -m device models --rollback` can restore it; a rollback swaps the
two, so a second rollback undoes the first.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from device.expression.model_card import ModelCard, card_path_for
from device.vision.model_files import ModelError

PREVIOUS = "previous"


def previous_of(target: Path) -> Path:
    """Where the model installed before `target` is kept."""
    return target.parent / PREVIOUS / target.name


def _pair(model: Path) -> tuple[Path, Path]:
    return model, card_path_for(model)


def _staged(destination: Path) -> Path:
    return destination.with_name(f".{destination.name}.partial")


def _place(moves: list[tuple[Path, Path]]) -> None:
    """Copy each source to its destination, all or none: every copy is
    written and flushed under a temporary name first, then all are renamed.
    Sources are read before any destination changes, so a pair may swap."""
    staged: list[tuple[Path, Path]] = []
    try:
        for source, destination in moves:
            destination.parent.mkdir(parents=True, exist_ok=True)
            partial = _staged(destination)
            shutil.copyfile(source, partial)
            with partial.open("rb+") as handle:
                os.fsync(handle.fileno())
            staged.append((partial, destination))
    except OSError:
        for partial, _ in staged:
            partial.unlink(missing_ok=True)
        raise
    # The card is renamed last: until it is, the device still reads the old
    # card, and a model and card that disagree are refused, never misread.
    for partial, destination in sorted(staged, key=lambda move: move[1].suffix == ".json"):
        os.replace(partial, destination)


def install(model: Path, target: Path) -> Path | None:
    """Install `model` and its card as `target`, keeping the model installed
    there (if any) in previous/. Returns where the previous one was kept."""
    moves = list(zip(_pair(model), _pair(target), strict=True))
    kept = None
    if target.exists() and card_path_for(target).exists():
        kept = previous_of(target)
        moves = list(zip(_pair(target), _pair(kept), strict=True)) + moves
    _place(moves)
    return kept


def rollback(target: Path) -> ModelCard:
    """Put the previous model back as `target`, keeping the one it replaces
    as the new previous. ModelError (nothing changed) when there is none, or
    it is not a whole model."""
    kept = previous_of(target)
    if not kept.exists() or not card_path_for(kept).exists():
        raise ModelError(f"there is no previous model in {kept.parent} to restore; nothing was changed")
    card = ModelCard.load(card_path_for(kept))
    try:
        card.check(kept)
    except ModelError as exc:
        raise ModelError(f"the previous model cannot be restored ({exc}); nothing was changed") from exc
    moves = list(zip(_pair(kept), _pair(target), strict=True))
    if target.exists() and card_path_for(target).exists():
        moves += list(zip(_pair(target), _pair(kept), strict=True))
    _place(moves)
    return card

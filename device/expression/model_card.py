"""The model card: what the shipped classifier is, read by the device.

The card sits next to the .tflite file as JSON. The device checks the file's
hash and the preprocessing version against it before using the model, so a
corrupt or mismatched model is refused with a clear message instead of
producing wrong scores.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from device.expression.preprocess import EYE_LINE, PREPROCESSING_VERSION, SPAN, InputSpec, Representation
from device.vision.model_files import ModelError

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
DEFAULT_MODEL = MODELS_DIR / "expression.tflite"


def card_path_for(model_path: Path) -> Path:
    return model_path.with_suffix(".card.json")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _class_bias(raw: dict[str, Any]) -> tuple[float, ...] | None:
    bias = raw.get("decision", {}).get("class_bias")
    if bias is None:
        return None
    if len(bias) != len(raw["classes"]):
        raise ValueError(f"decision.class_bias has {len(bias)} values for {len(raw['classes'])} classes")
    return tuple(float(b) for b in bias)


def _input_spec(raw: dict[str, Any]) -> InputSpec:
    """The card's input; a card without a view (span, eye_line) uses training's."""
    span, eye_line = float(raw.get("span", SPAN)), float(raw.get("eye_line", EYE_LINE))
    if not (1.5 <= span <= 3.2 and 0.2 <= eye_line <= 0.5):
        raise ValueError(f"input view span {span}, eye_line {eye_line} is outside any crop the model was made for")
    return InputSpec(
        int(raw["size"]),
        Representation(raw["representation"]),
        None if raw.get("detail_px") is None else int(raw["detail_px"]),
        span,
        eye_line,
    )


def input_record(spec: InputSpec) -> dict[str, Any]:
    """The card's `input` for a model taking `spec` (what _input_spec reads back)."""
    return {
        "size": spec.size,
        "channels": spec.representation.channels,
        "representation": spec.representation.value,
        "detail_px": spec.detail,
        "span": spec.span,
        "eye_line": spec.eye_line,
    }


@dataclass(frozen=True)
class ModelCard:
    classes: tuple[str, ...]
    input_spec: InputSpec  # size, representation, the crop's detail and its view
    preprocessing_version: int
    sha256: str
    class_bias: tuple[float, ...] | None  # log-probability offsets per class, set on validation (see convert)
    raw: dict[str, Any]  # everything else the card says (metrics, training, commands)

    @staticmethod
    def load(path: Path) -> ModelCard:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return ModelCard(
                classes=tuple(raw["classes"]),
                input_spec=_input_spec(raw["input"]),
                preprocessing_version=int(raw["preprocessing_version"]),
                sha256=str(raw["file"]["sha256"]),
                class_bias=_class_bias(raw),
                raw=raw,
            )
        except FileNotFoundError as exc:
            raise ModelError(f"model card {path} is missing: the model cannot be checked") from exc
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"model card {path} is unreadable or incomplete ({exc})") from exc

    @property
    def input_size(self) -> int:
        return self.input_spec.size

    @property
    def representation(self) -> Representation:
        return self.input_spec.representation

    def check(self, model_path: Path) -> None:
        """Raise ModelError unless `model_path` is the file this card describes."""
        if not model_path.is_file():
            raise ModelError(f"expression model {model_path} is missing: reinstall the software")
        if sha256_of(model_path) != self.sha256:
            raise ModelError(
                f"expression model {model_path} does not match its card (damaged or replaced): reinstall the software"
            )
        if self.preprocessing_version != PREPROCESSING_VERSION:
            raise ModelError(
                f"expression model {model_path} was made for preprocessing version "
                f"{self.preprocessing_version}, this software has {PREPROCESSING_VERSION}: rebuild it with model_export"
            )

"""Finding and loading dlib's 68-point landmark model.

The model is not in this repo and is never downloaded at run time: it comes
from Debian's libdlib-data package or from PyPI's face-recognition-models
(which setup.sh installs where apt cannot be used). Its training data, iBUG
300-W, forbids commercial use: see the README's licences section.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import dlib

from device.errors import KioskError

MODEL_NAME = "shape_predictor_68_face_landmarks.dat"
DEBIAN_PATH = Path("/usr/share/dlib") / MODEL_NAME


class ModelError(KioskError):
    """A model file is missing or unusable; the message says what to do."""


def _pip_package_path() -> Path | None:
    # find_spec locates the package without running its __init__, which imports
    # the removed pkg_resources module on current setuptools.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "models" / MODEL_NAME


def find_landmark_model(setting: str = "auto") -> Path:
    if setting != "auto":
        path = Path(setting).expanduser()
        if not path.is_file():
            raise ModelError(f"landmark model {path} (vision.landmark_model) does not exist")
        return path
    candidates = [DEBIAN_PATH]
    pip_path = _pip_package_path()
    if pip_path is not None:
        candidates.append(pip_path)
    for path in candidates:
        if path.is_file():
            return path
    raise ModelError(
        f"the 68-point landmark model ({MODEL_NAME}) is not installed: run ./setup.sh, "
        "or 'apt-get install libdlib-data'"
    )


def load_shape_predictor(path: Path) -> dlib.shape_predictor:
    try:
        return dlib.shape_predictor(str(path))
    except RuntimeError as exc:
        raise ModelError(
            f"landmark model {path} is damaged and cannot be loaded ({exc}); reinstall it "
            "('apt-get install --reinstall libdlib-data')"
        ) from exc

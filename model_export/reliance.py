"""How much a model's decision rests on dlib's landmark fit rather than on the face's pixels.

A model that takes the landmark drawing (representation "drawing" or
"both") can be shown each face's own crop with the drawing of one neutral
face instead of its own. What it still gets right then, it read from the
pixels; what it loses, it read from the landmark fit. That matters because
the fit is what changes most between FER2013's blurry 48 px faces (where
dlib's fit stays close to its mean shape) and a sharp camera frame or studio
photo, while the pixels are what the peers that do well on posed photos read
(the `fer` package's model and the HOG baseline take the crop alone).
"""

from __future__ import annotations

import numpy as np

from device.expression.classifier import ExpressionClassifier
from device.expression.evaluate import Predictor
from device.expression.preprocess import Representation, landmark_drawing
from model_export.common import Prepared


def neutral_shape(train: Prepared) -> np.ndarray:
    """The mean landmarks of the neutral training faces (the prepared crops
    are aligned alike, so their points average to one face's shape)."""
    return train.points[train.labels == train.classes.index("neutral")].mean(axis=0)


def with_drawing_of(classifier: ExpressionClassifier, shape: np.ndarray) -> Predictor | None:
    """The classifier seeing each face's pixels with the drawing of `shape`
    instead of the face's own landmarks; None for a model that takes no drawing."""
    spec = classifier.card.input_spec
    if spec.representation is Representation.CROP:
        return None
    drawing = landmark_drawing(shape, spec)  # aligned by its own eyes: the same for every face
    channel = 0 if spec.representation is Representation.DRAWING else 1

    def predict(gray: np.ndarray, points: np.ndarray) -> np.ndarray:
        x = classifier.model_input(gray, points)
        x[..., channel] = drawing
        return classifier.predict_input(x)

    return predict

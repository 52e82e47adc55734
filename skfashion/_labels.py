"""Class labels of any type as the network's one-hot targets, and back."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

__all__ = ["LabelEncoder"]


class LabelEncoder(TransformerMixin, BaseEstimator):
    """Encode class labels of any type as one-hot rows, and decode scores.

    Parameters
    ----------
    classes : array-like, default=None
        All the classes; by default those found in ``y`` at fit.
    """

    def __init__(self, classes=None):
        self.classes = classes

    def fit(self, y):
        classes = np.unique(y if self.classes is None else self.classes)
        if len(classes) < 2:
            raise ValueError(
                "A classifier needs at least 2 classes to train; the labels "
                f"hold only one class: {classes.tolist()}."
            )
        self.classes_ = classes
        return self

    def transform(self, y):
        y = np.asarray(y)
        codes = np.searchsorted(self.classes_, y).clip(0, len(self.classes_) - 1)
        unknown = self.classes_[codes] != y
        if unknown.any():
            raise ValueError(
                f"y holds labels {np.unique(y[unknown]).tolist()} that are not "
                f"among the classes {self.classes_.tolist()}; pass all classes "
                "with `classes=` on the first call to partial_fit."
            )
        # One-hot rows: Keras' label smoothing needs them.
        return np.eye(len(self.classes_), dtype=np.float32)[codes]

    def inverse_transform(self, proba):
        return self.classes_[np.argmax(proba, axis=1)]

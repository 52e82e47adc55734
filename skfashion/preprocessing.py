"""Scaling of 8-bit pixel values to the unit interval."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import validate_data

from ._param_validation import Constraint, check_parameters

__all__ = ["MinMax255"]

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class _FloatDtype(Constraint):
    """float32 or float64, as a NumPy type, dtype or name (not None)."""

    def is_satisfied_by(self, value) -> bool:
        if value is None:  # np.dtype(None) would be float64
            return False
        try:
            return np.dtype(value) in _FLOAT_DTYPES
        except (TypeError, ValueError):
            return False

    def __str__(self) -> str:
        return "np.float32 or np.float64 (the type, its dtype or its name)"


class MinMax255(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Scale 8-bit pixel values from [0, 255] to [0, 1].

    A stateless transformer: it divides by 255, which is what the images'
    fixed range calls for (a fitted :class:`~sklearn.preprocessing.MinMaxScaler`
    would instead stretch each pixel by the range seen in the training data,
    and blow up the border pixels that are almost always 0). It needs no
    fitting, so it works unfitted inside a :class:`~sklearn.pipeline.Pipeline`.

    Parameters
    ----------
    dtype : {np.float32, np.float64}, default=np.float32
        The floating point type of the output. float32 is what Keras computes
        in and halves the memory of float64.
    clip : bool, default=False
        What values outside [0, 255] get. If False they raise a ``ValueError``,
        since they usually mean the data was already scaled, or is not 8-bit
        pixel data. If True they are clipped to 0 and 255 first.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during ``fit``. Set only by ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when ``X`` has feature
        names that are all strings. Set only by ``fit``.

    See Also
    --------
    sklearn.preprocessing.MinMaxScaler : Scales each feature by its own range.

    Examples
    --------
    >>> import numpy as np
    >>> from skfashion import MinMax255
    >>> MinMax255().transform(np.array([[0, 51, 255]], dtype=np.uint8))
    array([[0. , 0.2, 1. ]], dtype=float32)
    """

    _parameter_constraints: dict = {"dtype": [_FloatDtype()], "clip": ["boolean"]}

    def __init__(self, dtype=np.float32, clip: bool = False):
        self.dtype = dtype
        self.clip = clip

    def _check_params(self) -> None:
        check_parameters(self)

    def _validate(self, X, *, reset: bool) -> np.ndarray:
        # The parameters first, on every call: transform needs no fit.
        self._check_params()
        return validate_data(self, X, reset=reset, dtype=np.dtype(self.dtype))

    def _check_range(self, X: np.ndarray) -> None:
        if self.clip or not X.size:
            return
        low, high = X.min(), X.max()
        if low < 0 or high > 255:
            # "Negative values in data" is scikit-learn's wording for this.
            what = "Negative values" if low < 0 else "Values above 255"
            raise ValueError(
                f"{what} in data passed to MinMax255 (from {low} to {high}); it "
                "expects pixel values in [0, 255]. If the data is already "
                "scaled, drop MinMax255; to clip outliers, use MinMax255(clip=True)."
            )

    def fit(self, X, y=None):
        """Check ``X`` and record its number of features; nothing is learned.

        Calling ``fit`` is optional: ``transform`` works without it, only it
        then cannot check that the number of features stays the same.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Pixel values in [0, 255].
        y : None
            Ignored.

        Returns
        -------
        self : MinMax255
            The transformer.
        """
        self._check_range(self._validate(X, reset=True))
        return self

    def transform(self, X):
        """Scale ``X`` from [0, 255] to [0, 1].

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Pixel values in [0, 255], of any numeric dtype.

        Returns
        -------
        X_scaled : ndarray of shape (n_samples, n_features)
            ``X / 255`` in ``dtype``, a new array.

        Raises
        ------
        ValueError
            If ``X`` holds NaN or infinity, or values outside [0, 255] while
            ``clip=False``.
        """
        # Not fitted: there is nothing to compare the number of features with.
        X = self._validate(X, reset=False)
        self._check_range(X)
        return (np.clip(X, 0, 255) if self.clip else X) / 255

    def inverse_transform(self, X):
        """Scale ``X`` from [0, 1] back to [0, 255].

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Scaled values.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            ``X * 255`` in ``dtype`` (not rounded).
        """
        return self._validate(X, reset=False) * 255

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.positive_only = not self.clip
        # Tags are read before fit validates the parameters: no error here.
        if _FloatDtype().is_satisfied_by(self.dtype):
            tags.transformer_tags.preserves_dtype = [np.dtype(self.dtype).name]
        return tags

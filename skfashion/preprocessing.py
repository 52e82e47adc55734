"""Scaling of 8-bit pixel values to the unit interval."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_array, validate_data

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

    It divides by 255, the scale the images' fixed range calls for (a fitted
    :class:`~sklearn.preprocessing.MinMaxScaler` would instead stretch each
    pixel by the range seen in the training data, and blow up the border
    pixels that are almost always 0). It needs no fitting, so it works
    unfitted inside a :class:`~sklearn.pipeline.Pipeline`.

    It takes rows of pixels, shape (n_samples, n_features), or images of
    shape (n, height, width) or (n, height, width, channels) as the
    classifiers do, and returns the same shape.

    Once fitted on pixel values (some above 1), as a fitted Pipeline's
    MinMax255 is, it refuses data scaled to [0, 1] already with a
    ``ValueError``, whatever ``clip``: dividing it by 255 again would make
    every image nearly black and the predictions silently wrong. Such data
    has all its values in [0, 1] and some strictly between 0 and 1, which
    8-bit pixel values (whole numbers) never are; all-black images and
    data of only 0s and 1s pass. ``fit`` accepts any values in [0, 255],
    and an unfitted MinMax255 cannot tell scaled data from dark images.

    Parameters
    ----------
    dtype : {np.float32, np.float64}, default=np.float32
        The floating point type of the output. float32 is what Keras computes
        in and halves the memory of float64.
    clip : bool, default=False
        What values outside [0, 255] get. If False they raise a ``ValueError``,
        since they usually mean the data was standardized, or is not 8-bit
        pixel data. If True they are clipped to 0 and 255 first.

    Attributes
    ----------
    data_max_ : float
        The largest value seen during ``fit``. Above 1, the transformer
        refuses data scaled to [0, 1] already.
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

    def _check_not_scaled(self, X: np.ndarray) -> None:
        """Refuse pixels divided by 255 already, once fitted on pixel values.

        They are in [0, 255] too, and would be divided again. Unfitted, or
        fitted on data in [0, 1] (as scikit-learn's checks fit), it cannot
        tell them from dark images.
        """
        if getattr(self, "data_max_", 0) <= 1 or not X.size:
            return
        low, high = X.min(), X.max()
        if 0 <= low and high <= 1 and np.any((0 < X) & (X < 1)):
            raise ValueError(
                f"The data passed to MinMax255 is already scaled: its values lie "
                f"in [0, 1] (from {low} to {high}), some between 0 and 1, but it "
                f"was fitted on pixel values up to {self.data_max_:g}. Dividing "
                "them by 255 again would make the images nearly black. Pass the "
                "pixels as they are (0-255), or drop MinMax255 for data scaled "
                "already."
            )

    def fit(self, X, y=None):
        """Check ``X`` and record its number of features and largest value.

        Calling ``fit`` is optional: ``transform`` works without it, only it
        then cannot check that the number of features stays the same, nor
        tell data scaled already. A ``fit`` that raises leaves the
        transformer as it was.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Pixel values in [0, 255]; images of shape (n, height, width) or
            (n, height, width, channels) count as rows of their pixels.
        y : None
            Ignored.

        Returns
        -------
        self : MinMax255
            The transformer.
        """
        self._check_params()
        rows, _ = _as_rows(X)
        checked = check_array(rows, dtype=np.dtype(self.dtype), estimator=self)
        self._check_range(checked)
        # Set only now, X checked: a fit that fails changes nothing.
        validate_data(self, rows, reset=True, skip_check_array=True)
        self.data_max_ = float(checked.max())
        return self

    def transform(self, X):
        """Scale ``X`` from [0, 255] to [0, 1].

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Pixel values in [0, 255], of any numeric dtype; or images of
            shape (n, height, width) or (n, height, width, channels).

        Returns
        -------
        X_scaled : ndarray of shape (n_samples, n_features)
            ``X / 255`` in ``dtype``, a new array of the shape of ``X``.

        Raises
        ------
        ValueError
            If ``X`` holds NaN or infinity, values outside [0, 255] while
            ``clip=False``, or values already scaled to [0, 1] while the
            transformer is fitted on pixel values.
        """
        self._check_params()  # on every call: transform needs no fit
        rows, shape = _as_rows(X)
        # Not fitted: there is nothing to compare the number of features with.
        rows = validate_data(self, rows, reset=False, dtype=np.dtype(self.dtype))
        self._check_range(rows)
        self._check_not_scaled(rows)
        scaled = (np.clip(rows, 0, 255) if self.clip else rows) / 255
        return scaled if shape is None else scaled.reshape(shape)

    def inverse_transform(self, X):
        """Scale ``X`` from [0, 1] back to [0, 255].

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Scaled values; or images of shape (n, height, width) or
            (n, height, width, channels).

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            ``X * 255`` in ``dtype`` (not rounded), of the shape of ``X``.
        """
        self._check_params()
        rows, shape = _as_rows(X)
        original = validate_data(self, rows, reset=False, dtype=np.dtype(self.dtype))
        original = original * 255
        return original if shape is None else original.reshape(shape)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.positive_only = not self.clip
        # Tags are read before fit validates the parameters: no error here.
        if _FloatDtype().is_satisfied_by(self.dtype):
            tags.transformer_tags.preserves_dtype = [np.dtype(self.dtype).name]
        return tags


def _as_rows(X) -> tuple:
    """(X as rows of pixels, the shape of the images or None if X is rows).

    Image arrays (n, height, width[, channels]) become (n, pixels) views, as
    the classifiers flatten them.
    """
    if getattr(X, "ndim", 2) > 2:
        return np.reshape(X, (X.shape[0], -1)), X.shape
    return X, None

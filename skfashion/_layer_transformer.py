"""A trained network's layer outputs as features for other estimators."""

from __future__ import annotations

import math

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    check_X_y,
    validate_data,
)

from . import _inspect
from ._inference import PREDICT_BATCH_SIZE
from ._param_validation import Constraint, check_parameters, validated_fit

__all__ = ["LayerTransformer"]


class _SkfashionClassifier(Constraint):
    """A skfashion classifier, or a Pipeline ending in one (fitted or not)."""

    def is_satisfied_by(self, value) -> bool:
        try:
            _inspect.final_estimator(value, fitted=False)
        except TypeError:
            return False
        return True

    def __str__(self) -> str:
        return (
            "a skfashion classifier (ANNClassifier, CNNClassifier) or a Pipeline "
            "ending in one"
        )


class LayerTransformer(TransformerMixin, BaseEstimator):
    """The outputs of a layer of a trained network, as features.

    Turns a skfashion classifier into a transformer: ``transform`` returns
    what one layer of its network computes for each image, flattened to
    one row per image, so that any scikit-learn estimator can learn from
    the network's representation instead of from the pixels (a
    :class:`~sklearn.linear_model.LogisticRegression` or
    :class:`~sklearn.neighbors.KNeighborsClassifier` on a CNN's features, a
    :class:`~sklearn.manifold.TSNE` map of them).

    By default the layer is the one whose output the softmax receives,
    dropout skipped (dropout changes nothing at inference): the features
    the network's own last layer classifies. That is ``dense_1`` for
    :class:`~skfashion.CNNClassifier` with one dense layer (after its ReLU)
    and the last hidden block's activation for
    :class:`~skfashion.ANNClassifier` (``relu_2`` for the default one).
    Any other layer may be named, for example ``"pool2"`` or ``"softmax"``;
    the names are those of ``estimator_[-1].model_.summary()``.

    Parameters
    ----------
    estimator : ANNClassifier, CNNClassifier or Pipeline
        A skfashion classifier, or a :class:`~sklearn.pipeline.Pipeline`
        ending in one, such as ``make_pipeline(MinMax255(), CNNClassifier())``:
        ``X`` then goes through the pipeline's earlier steps before the
        network.
    layer : str or None, default=None
        The name of the layer whose outputs are the features; None takes
        the layer feeding the softmax, as described above. An unknown name
        is reported by ``fit``, once the network is built, with the names
        there are.
    prefit : bool, default=False
        If False, ``fit`` fits a clone of ``estimator`` on ``(X, y)``, and
        ``estimator`` itself is left as it is. If True, ``estimator`` must be
        fitted already; ``fit`` then only checks ``X`` against it and records
        the fitted attributes, without training, and the transformer uses
        ``estimator`` itself (not a copy), which it never changes. Clones of
        the transformer (:func:`~sklearn.base.clone`, as cross-validation
        and grid searches make) then share that fitted estimator, as
        :class:`~sklearn.frozen.FrozenEstimator` does, so a search over the
        steps after it does not train the network again.

    Attributes
    ----------
    estimator_ : ANNClassifier, CNNClassifier or Pipeline
        The fitted estimator: the clone fitted by ``fit``, or ``estimator``
        with ``prefit=True``.
    layer_ : str
        The name of the layer read.
    n_features_out_ : int
        The number of features ``transform`` returns: the size of the
        layer's output for one image (height x width x channels for an
        image-shaped output).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when ``X`` has feature names
        that are all strings.

    See Also
    --------
    skfashion.plotting.plot_feature_maps : The same layers' outputs, drawn.
    sklearn.feature_selection.SelectFromModel : Another transformer built
        on a fitted (or prefit) estimator.

    Notes
    -----
    The outputs are computed in inference mode (dropout off, batch
    normalization with its learned statistics) as float32, whatever the
    input's type. Feature ``i`` of a layer with image-shaped output
    (height, width, channels) is the value at position ``i`` of the output
    flattened in C order: channels vary fastest.

    Examples
    --------
    Sixty random 28x28 images of three classes and one epoch, to show the
    API.

    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from skfashion import CNNClassifier, LayerTransformer, MinMax255
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(60, 784))  # pixels 0-255, one row per image
    >>> y = np.arange(60) % 3
    >>> cnn = make_pipeline(
    ...     MinMax255(),
    ...     CNNClassifier(filters=(4, 8), dense_units=(16,), epochs=1, random_state=0),
    ... )
    >>> features = LayerTransformer(cnn).fit(X, y)  # trains a clone of cnn
    >>> features.layer_
    'dense_1'
    >>> features.transform(X[:5]).shape
    (5, 16)
    >>> features.get_feature_names_out()[:3]
    array(['dense_1_0', 'dense_1_1', 'dense_1_2'], dtype=object)

    The trained network's features, for a logistic regression (``prefit``:
    no second training):

    >>> trained = features.estimator_
    >>> model = make_pipeline(
    ...     LayerTransformer(trained, prefit=True), LogisticRegression()
    ... )
    >>> model.fit(X, y).predict(X[:4]).shape
    (4,)
    """

    _parameter_constraints: dict = {
        "estimator": [_SkfashionClassifier()],
        "layer": [str, None],
        "prefit": ["boolean"],
    }

    def __init__(self, estimator, layer=None, prefit=False):
        self.estimator = estimator
        self.layer = layer
        self.prefit = prefit

    def _check_params(self) -> None:
        check_parameters(self)

    def _input_checks(self) -> dict:
        """What ``validate_data`` needs to check ``X`` as the estimator would."""
        allow_nan = get_tags(self).input_tags.allow_nan
        return {
            "accept_sparse": False,
            "ensure_all_finite": "allow-nan" if allow_nan else True,
        }

    @validated_fit
    def fit(self, X, y=None, **fit_params) -> LayerTransformer:
        """Fit a clone of the estimator, or check the prefit one; find the layer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training images, one row each, as ``estimator`` takes them.
        y : array-like of shape (n_samples,), default=None
            Class labels; required unless ``prefit=True``.
        **fit_params : dict
            Passed to the estimator's ``fit``, for example ``sample_weight``
            (``cnnclassifier__sample_weight`` for a pipeline). With
            ``prefit=True`` there is no fit to pass them to: none may be given.

        Returns
        -------
        self : LayerTransformer
            The fitted transformer.

        Raises
        ------
        InvalidParameterError
            If ``estimator`` is not a skfashion classifier or a Pipeline
            ending in one, or ``layer`` or ``prefit`` has a wrong type.
        sklearn.exceptions.NotFittedError
            If ``prefit=True`` and ``estimator`` is not fitted.
        ValueError
            If ``layer`` is not a layer of the network (the message lists
            those there are), or ``X`` does not fit the prefit estimator.
        """
        checks = self._input_checks()
        if self.prefit:
            estimator = self._prefit_estimator(X, checks, fit_params)
        else:
            check_X_y(X, y, estimator=self, **checks)
            estimator = clone(self.estimator).fit(X, y, **fit_params)
        model = _inspect.final_estimator(estimator).model_
        layer = _inspect.features_layer(model) if self.layer is None else self.layer
        _inspect.check_layer_names(model, [layer])
        # Set only now, with the estimator fitted: a failed fit leaves the
        # transformer as it was.
        validate_data(self, X, reset=True, skip_check_array=True)
        self.estimator_ = estimator
        self.layer_ = layer
        self.n_features_out_ = math.prod(model.get_layer(layer).output.shape[1:])
        return self

    def _prefit_estimator(self, X, checks: dict, fit_params: dict):
        """``estimator``, checked fitted and fit for ``X``."""
        if fit_params:
            raise ValueError(
                f"LayerTransformer(prefit=True) does not fit its estimator, so it "
                f"takes no fit parameters; got {sorted(fit_params)}."
            )
        classifier = _inspect.final_estimator(self.estimator, fitted=False)
        try:
            check_is_fitted(classifier)
        except NotFittedError as error:
            raise NotFittedError(
                "LayerTransformer(prefit=True) needs a fitted estimator, but this "
                f"{type(classifier).__name__} is not fitted. Fit it first, or pass "
                "prefit=False to have LayerTransformer fit a clone of it."
            ) from error
        X = check_array(X, estimator=self, **checks)
        expected = getattr(self.estimator, "n_features_in_", classifier.n_features_in_)
        if X.shape[1] != expected:
            raise ValueError(
                f"X has {X.shape[1]} features, but the prefit "
                f"{type(self.estimator).__name__} was fitted on {expected} features."
            )
        return self.estimator

    def transform(self, X) -> np.ndarray:
        """The layer's outputs for ``X``, one flattened row per image.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Images, one row each, as ``estimator`` takes them.

        Returns
        -------
        X_features : ndarray of shape (n_samples, `n_features_out_`)
            The outputs of ``layer_``, float32.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, **self._input_checks())
        model, rows = _inspect.model_and_input(self.estimator_, X)
        outputs = _inspect.activations(
            model, rows, [self.layer_], batch_size=PREDICT_BATCH_SIZE
        )[self.layer_]
        return outputs.reshape(len(outputs), -1).astype(np.float32, copy=False)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The names of the output features: ``<layer>_<index>``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the input features seen in ``fit``; the
            output names do not depend on them.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``layer_`` followed by ``_0``, ``_1``, ... ``n_features_out_ - 1``,
            for example ``dense_1_0``.
        """
        check_is_fitted(self)
        if input_features is not None:
            input_features = np.asarray(input_features, dtype=object)
            names_in = getattr(self, "feature_names_in_", None)
            if names_in is not None and not np.array_equal(names_in, input_features):
                raise ValueError("input_features is not equal to feature_names_in_")
            if len(input_features) != self.n_features_in_:
                raise ValueError(
                    "input_features should have length equal to number of "
                    f"features ({self.n_features_in_}), got {len(input_features)}"
                )
        names = [f"{self.layer_}_{i}" for i in range(self.n_features_out_)]
        return np.asarray(names, dtype=object)

    def __sklearn_clone__(self) -> LayerTransformer:
        clone_ = super().__sklearn_clone__()
        if self.prefit:
            # A clone of the fitted estimator would be unfitted; prefit only
            # reads it, so the clones share it.
            clone_.estimator = self.estimator
        return clone_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # X is checked as the estimator's first step checks it (a Pipeline
        # may start with an imputer); the network takes no sparse input.
        # Tags are read before fit validates the parameters: no error here.
        if _SkfashionClassifier().is_satisfied_by(self.estimator):
            inner = get_tags(self.estimator).input_tags
            tags.input_tags.allow_nan = inner.allow_nan
            tags.input_tags.positive_only = inner.positive_only
        tags.input_tags.sparse = False
        tags.target_tags.required = not self.prefit
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

"""The one place that adapts scikeras to current scikit-learn and Keras 3.

scikeras 0.13 (its last release) predates scikit-learn 1.6. Used as it is,
``KerasClassifier`` fails a quarter of ``check_estimator``, ``is_classifier``
is False (so ``cross_val_score`` does not stratify), and ``random_state``
switches on TensorFlow's process-wide op determinism. :class:`ScikerasClassifier`
fixes that by building on :class:`scikeras.wrappers.BaseWrapper` (its
training loop, history, warm start, ``partial_fit`` bookkeeping and routed
parameters) and replacing the parts that are out of date:

- the classifier mixin comes *before* the base class, and tags come from
  ``__sklearn_tags__`` (scikeras only has the removed ``_more_tags``);
- input is checked by :func:`sklearn.utils.validation.validate_data`, which
  gives scikit-learn's errors and sets ``n_features_in_`` and
  ``feature_names_in_``; images of shape (n, h, w) or (n, h, w, c) are
  flattened first, so every model takes (n, n_features) rows;
- scikeras' random-state handling (process-wide seeds and op determinism)
  is bypassed: skfashion seeds every random layer and the shuffle itself;
- training gets tf.data pipelines without tf.data's autotuner
  (:mod:`skfashion._pipeline`), whose thread otherwise stalls every epoch;
- labels of any type are encoded by a small encoder, and
  ``class_weight="balanced"`` is turned into sample weights by the
  estimator rather than by Keras.

Every use of a private API of another library lives here, each with a
comment naming the public API it stands in for: scikeras' underscore hooks
(``_validate_data``, ``_initialize``, ``_fit_keras_model``,
``_fit_kwargs``, ``target_encoder``/``feature_encoder``, which scikeras
documents for subclasses but names privately) and the patch of a Keras
optimizer instance. The estimator itself
(:class:`skfashion._estimator.KerasClassifierBase`) uses public APIs only.
Moving to another wrapper library later should touch this module only.
"""

from __future__ import annotations

from collections import defaultdict

import keras
import numpy as np
import tensorflow as tf
from scikeras.wrappers import BaseWrapper
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils import ClassifierTags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from ._pipeline import array_dataset, epoch_batches, split_off_validation

__all__ = [
    "LabelEncoder",
    "ScikerasClassifier",
    "without_single_replica_all_reduce",
]


class LabelEncoder(TransformerMixin, BaseEstimator):
    """Encode class labels of any type as 0..n_classes-1, and decode scores.

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

    def get_metadata(self):
        """What scikeras copies onto the estimator after fitting."""
        return {"classes_": self.classes_, "n_classes_": len(self.classes_)}


def _flatten_images(X):
    """(n, h, w[, c]) arrays to (n, h*w*c) rows; other input unchanged."""
    if getattr(X, "ndim", 2) > 2:
        return np.reshape(X, (X.shape[0], -1))
    return X


def _flatten_images(X):
    """(n, h, w[, c]) arrays to (n, h*w*c) rows; other input unchanged."""
    if getattr(X, "ndim", 2) > 2:
        return np.reshape(X, (X.shape[0], -1))
    return X


def without_single_replica_all_reduce(optimizer):
    """Skip the optimizer's gradient all-reduce when there is one replica.

    Keras' TensorFlow optimizer sums the gradients over the replicas with
    ``ReplicaContext.all_reduce`` even without a distribution strategy. In a
    traced train step that goes through ``tf.custom_gradient``, which
    registers a gradient function in TensorFlow's process-wide registry; the
    registry keeps the traced graph, and with it the captured variables,
    alive for ever. Every fit then leaks about four times the size of the
    network's weights (measured in tests/test_classifiers.py's memory test;
    TensorFlow issue 61791, keras-team/keras issue 17458). With a
    single replica the sum is the identity, so this optimizer instance (and
    no other: nothing in Keras is patched) returns the gradients unchanged.
    Private API: Keras has no public switch for this all-reduce; the public
    way, ``keras.optimizers.Optimizer.apply_gradients``, always does it.
    """
    if (
        keras.backend.backend() == "tensorflow"
        and hasattr(optimizer, "_all_reduce_sum_gradients")
        and tf.distribute.get_strategy().num_replicas_in_sync == 1
    ):
        optimizer._all_reduce_sum_gradients = _identity
    return optimizer


def _identity(grads_and_vars):
    return grads_and_vars


class _ScikerasTags:
    """scikeras' legacy ``_more_tags``, restated as ``__sklearn_tags__``.

    Only scikit-learn 1.6 needs this. Seeing scikeras' ``_more_tags``, it
    merges the tags class by class, keeping of each ``__sklearn_tags__`` only
    what differs from the class before it; so skfashion's own tags, which
    undo scikeras' ``multioutput`` and ``poor_score``, must come right after
    a class that sets them, or they are lost.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.classifier_tags = ClassifierTags(poor_score=True)
        return tags


class ScikerasClassifier(ClassifierMixin, _ScikerasTags, BaseWrapper):
    """scikeras' ``BaseWrapper`` made current: the base of skfashion's classifiers.

    It answers scikeras' hooks; the estimator built on it
    (:class:`skfashion._estimator.KerasClassifierBase`) provides
    ``_build_keras_model()`` (a compiled network for the data of
    ``_initialize``), ``_routed(prefix)``, ``_batch_size()``,
    ``_seed(offset)`` and the ``validation_split`` and ``shuffle``
    parameters.
    """

    # scikeras reads these; skfashion models come from _build_keras_model,
    # not from a `model` or `build_fn` parameter, and are never given one.
    model = None
    build_fn = None

    @property
    def _fit_kwargs(self):
        # scikeras' hook: the fit keyword arguments it forwards to Keras.
        # Not class_weight: the estimator turns it into sample weights, where
        # "balanced" is understood; Keras only knows dictionaries.
        return BaseWrapper._fit_kwargs - {"class_weight"}

    # ---------------------------------------------------------------- tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        tags.target_tags.single_output = True
        tags.classifier_tags.poor_score = False
        tags.classifier_tags.multi_label = False
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.non_deterministic = False  # given a random_state, on the CPU
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model_")

    # ------------------------------------------------------------ validation
    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        """scikeras' validation hook, answered by scikit-learn's validation."""
        if X is not None:
            if reset:
                self._input_ndim = getattr(X, "ndim", 2)
                self._input_image_shape = getattr(X, "shape", (0,))[1:]
            X = _flatten_images(X)
        if X is not None and (y is not None or reset):
            # With reset (fitting), y=None gets scikit-learn's "requires y".
            X, y = validate_data(self, X, y, reset=reset, dtype=np.float32)
        elif X is not None:
            X = validate_data(self, X, reset=reset, dtype=np.float32)
        if y is not None:
            check_classification_targets(y)
        return X, y

    @property
    def target_encoder(self):
        # scikeras' documented hook for encoding labels.
        return LabelEncoder(classes=getattr(self, "_partial_fit_classes", None))

    def _initialize(self, X, y=None):
        # scikeras' own _initialize, less its random-state handling: with
        # _random_state None, scikeras never enters its global determinism
        # context; every random layer and the shuffle get seeds of their own.
        self._random_state = None
        X, y = self._validate_data(X, y, reset=True)
        self.target_encoder_ = self.target_encoder.fit(y)
        vars(self).update(self.target_encoder_.get_metadata())
        self.feature_encoder_ = self.feature_encoder.fit(X)
        self._n_train_rows = len(X)
        self.model_ = self._build_keras_model()
        return X, y

    def _scikeras_fit(self, X, y, sample_weight, *, partial: bool, **kwargs):
        """scikeras' ``fit`` or ``partial_fit``: validation, building, training."""
        if partial:
            BaseWrapper.partial_fit(self, X, y, sample_weight, **kwargs)
        else:
            BaseWrapper.fit(self, X, y, sample_weight, **kwargs)

    def _validation_dataset(self, validation_data, batch_size: int):
        """``(X, y[, sample_weight])`` given for validation, as a pipeline.

        Checked and encoded like the training data: images flattened, the
        number of features checked, the labels one-hot encoded.
        """
        if len(validation_data) not in (2, 3):
            raise ValueError(
                "validation_data must be (X, y) or (X, y, sample_weight), got "
                f"a sequence of {len(validation_data)} items."
            )
        X, y, *weights = validation_data
        X, y = self._validate_data(X, y)
        arrays = (X, self.target_encoder_.transform(y))
        arrays += tuple(np.asarray(w, dtype=np.float32) for w in weights)
        return array_dataset(arrays, batch_size)

    def _fit_keras_model(
        self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs
    ):
        """scikeras' call of ``keras.Model.fit``, given tf.data pipelines.

        The arrays go into pipelines from :mod:`skfashion._pipeline`, which
        do what Keras does with arrays (shuffle every epoch, hold out the
        last ``validation_split`` of the rows) without the autotuner's stall
        between epochs.
        """
        routed = {**self._routed("fit"), **kwargs}
        batch_size = kwargs.get("batch_size", self._batch_size())
        arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
        # validation_data given to fit wins over validation_split, as in
        # Keras; it is checked and encoded as the training data are.
        validation_data = routed.get("validation_data")
        if isinstance(validation_data, (tuple, list)):
            kwargs["validation_data"] = self._validation_dataset(
                validation_data, batch_size
            )
        elif validation_data is None and self.validation_split:
            arrays, held_out = split_off_validation(arrays, self.validation_split)
            kwargs["validation_data"] = array_dataset(held_out, batch_size)
        # Each fit, partial_fit and warm start (a new initial epoch) draws
        # new orders; the same random_state draws the same ones.
        train, steps_per_epoch = epoch_batches(
            arrays,
            batch_size,
            shuffle=bool(self.shuffle),
            seed=self._seed(offset=initial_epoch),
        )
        # Batching, shuffling and the split are done by the pipelines now.
        kwargs.update(
            batch_size=None,
            shuffle=False,
            validation_split=0.0,
            steps_per_epoch=steps_per_epoch,
        )
        return super()._fit_keras_model(
            train, None, None, warm_start, epochs, initial_epoch, **kwargs
        )

    # ---------------------------------------------------------------- pickling
    def __getstate__(self):
        # Callbacks of a fit hold the model and open writers: never pickled.
        state = super().__getstate__()
        state["_fit_callbacks"] = []
        state["_predict_callbacks"] = []
        return state

    def __repr__(self, N_CHAR_MAX=700):
        # scikit-learn's repr (only non-default parameters), not scikeras'.
        return BaseEstimator.__repr__(self, N_CHAR_MAX)

    # ---------------------------------------------------------- construction
    @classmethod
    def _from_fitted(
        cls,
        model: keras.Model,
        *,
        classes,
        n_features_in: int,
        image_shape: tuple[int, ...] | None = None,
        history: dict | None = None,
        params: dict | None = None,
    ):
        """An estimator fitted already: ``model`` trained on ``classes``.

        Sets the fitted attributes that ``fit`` sets (``model_``,
        ``classes_``, ``n_classes_``, ``n_features_in_``, the label and
        feature encoders, ``history_`` and, if given, ``image_shape_``) the
        way ``fit`` sets them, so that predicting and scoring work as after
        ``fit``; :mod:`skfashion._saving` loads a saved model with it and
        never builds scikeras' encoders itself. The network is used as it
        is: compiling it again is left to a later ``fit``.

        Parameters
        ----------
        model : keras.Model
            The trained network, taking ``n_features_in`` inputs and giving
            ``len(classes)`` probabilities.
        classes : array-like of shape (n_classes,)
            The class labels, in the order of the network's outputs.
        n_features_in : int
            The number of features (pixels) of an input row.
        image_shape : tuple of int, default=None
            The ``image_shape_`` of a CNN; None for an ANN.
        history : dict of str to list of float, default=None
            The training history (``history_``); empty by default.
        params : dict, default=None
            The estimator's parameters; the defaults where left out.

        Returns
        -------
        estimator : KerasClassifierBase
            A fitted instance of ``cls``.
        """
        estimator = cls(**(params or {}))
        n_features_in = int(n_features_in)
        estimator.target_encoder_ = estimator.target_encoder.fit(np.asarray(classes))
        vars(estimator).update(estimator.target_encoder_.get_metadata())
        # scikeras' feature encoder is an identity; fit sees rows like these.
        estimator.feature_encoder_ = estimator.feature_encoder.fit(
            np.zeros((1, n_features_in), dtype=np.float32)
        )
        estimator.n_features_in_ = n_features_in
        if image_shape is not None:
            estimator.image_shape_ = tuple(int(d) for d in image_shape)
        estimator.history_ = defaultdict(list, history or {})
        estimator.model_ = model
        return estimator

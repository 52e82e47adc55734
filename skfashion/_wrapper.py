"""The one place that adapts scikeras to current scikit-learn and Keras 3.

scikeras 0.13 (its last release) predates scikit-learn 1.6. Used as it is,
``KerasClassifier`` fails a quarter of ``check_estimator``, ``is_classifier``
is False (so ``cross_val_score`` does not stratify), and ``random_state``
switches on TensorFlow's process-wide op determinism. This module fixes that
by building on :class:`scikeras.wrappers.BaseWrapper` (its training loop,
history, warm start, ``partial_fit`` bookkeeping and routed parameters) and
replacing the parts that are out of date:

- the classifier mixin comes *before* the base class, and tags come from
  ``__sklearn_tags__`` (scikeras only has the removed ``_more_tags``);
- input is checked by :func:`sklearn.utils.validation.validate_data`, which
  gives scikit-learn's errors and sets ``n_features_in_`` and
  ``feature_names_in_``; images of shape (n, h, w) or (n, h, w, c) are
  flattened first, so every model takes (n, n_features) rows;
- ``random_state`` seeds Python, NumPy, TensorFlow and Keras only for the
  duration of ``fit`` and restores all of them afterwards (op determinism is
  not needed on the CPU and is never switched on);
- training and large predictions get tf.data pipelines without tf.data's
  autotuner (:mod:`skfashion._pipeline`), whose thread otherwise stalls
  every epoch; small inputs are predicted by calling the model directly,
  without the overhead of ``keras.Model.predict``;
- labels of any type are encoded by a small encoder, and
  ``class_weight="balanced"`` is turned into sample weights.

Moving to another wrapper library later should touch this module only.
"""

from __future__ import annotations

import copy
import inspect
import random
import time
import uuid
import weakref
from contextlib import contextmanager

import keras
import numpy as np
import tensorflow as tf
from scikeras.wrappers import BaseWrapper
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils import ClassifierTags, check_random_state
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._pipeline import array_dataset, n_training_rows, split_off_validation

__all__ = ["KerasClassifierBase"]

# Up to this many rows, predict calls the model once, directly: about 10x
# faster for one image than keras.Model.predict, which builds a data pipeline
# and a progress loop on every call. Larger inputs keep Keras' batched loop.
FAST_PREDICT_MAX_ROWS = 2048


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


@contextmanager
def _seeded(seed: int | None):
    """Seed Python, NumPy, TensorFlow and Keras, and restore them on exit.

    ``keras.utils.set_random_seed`` is what makes a Keras fit reproducible:
    layers without a seed draw theirs from Python's ``random``, and the
    training data are shuffled by an unseeded ``tf.random.shuffle`` that
    follows TensorFlow's global seed. All of it is process-wide, so it is
    put back as it was, and ``seed=None`` touches nothing.
    """
    if seed is None:
        yield
        return
    # Keras keeps its global seed in private state; there is no public getter.
    from keras.src.backend.common import global_state
    from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR
    from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED
    from tensorflow.python.eager import context

    saved = (
        random.getstate(),
        np.random.get_state(),
        context.global_seed(),
        global_state.get_global_attribute(GLOBAL_RANDOM_SEED),
        global_state.get_global_attribute(GLOBAL_SEED_GENERATOR),
    )
    try:
        keras.utils.set_random_seed(seed)
        yield
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
        tf.random.set_seed(saved[2])
        global_state.set_global_attribute(GLOBAL_RANDOM_SEED, saved[3])
        global_state.set_global_attribute(GLOBAL_SEED_GENERATOR, saved[4])


# model -> its traced inference function. Kept outside the estimator so that
# predict leaves the estimator unchanged and pickles never hold it; an entry
# goes when its model is garbage collected.
_PREDICT_FUNCTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class _Inference:
    """``model(x, training=False)``, through a weak reference to the model.

    A callable object rather than a lambda: TensorFlow counts traces per
    Python code object, so one lambda shared by every fitted model would
    look like a function retraced on every fit and log a retracing warning
    after a few fits of a grid search. A weak reference, or the traced
    function would keep its own key in ``_PREDICT_FUNCTIONS`` alive.
    """

    def __init__(self, model: keras.Model):
        self._model = weakref.ref(model)

    def __call__(self, x):
        return self._model()(x, training=False)


def _predict_function(model: keras.Model):
    function = _PREDICT_FUNCTIONS.get(model)
    if function is None:
        function = tf.function(_Inference(model), reduce_retracing=True)
        _PREDICT_FUNCTIONS[model] = function
    return function


def _without_single_replica_all_reduce(optimizer):
    """Skip the optimizer's gradient all-reduce when there is one replica.

    Keras' TensorFlow optimizer sums the gradients over the replicas with
    ``ReplicaContext.all_reduce`` even without a distribution strategy. In a
    traced train step that goes through ``tf.custom_gradient``, which
    registers a gradient function in TensorFlow's process-wide registry; the
    registry keeps the traced graph, and with it the captured variables,
    alive for ever. Every fit then leaks about one copy of the network's
    weights (TensorFlow issue 61791, keras-team/keras issue 17458). With a
    single replica the sum is the identity, so this optimizer instance (and
    no other: nothing in Keras is patched) returns the gradients unchanged.
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


class KerasClassifierBase(ClassifierMixin, _ScikerasTags, BaseWrapper):
    """Base class of skfashion's classifiers: scikeras made current.

    Subclasses define ``__init__`` with explicit hyperparameters (stored as
    given) and ``_build_model()``, which returns an uncompiled Keras model
    taking (n, ``n_features_in_``) inputs and giving ``n_classes_`` softmax
    probabilities. This class compiles it, trains it and predicts with it.

    Routed parameters (scikeras' ``optimizer__<name>``, ``fit__<name>``,
    ``predict__<name>``, ``model__<name>``) are accepted as keyword arguments
    and by ``set_params``, so a grid search can tune them.
    """

    # scikeras reads these; skfashion models come from _build_model, not from
    # a `model` or `build_fn` parameter, and are never given one.
    model = None
    build_fn = None

    def __init__(
        self,
        *,
        optimizer,
        learning_rate,
        lr_schedule,
        weight_decay,
        label_smoothing,
        epochs,
        batch_size,
        validation_split,
        early_stopping,
        class_weight,
        shuffle,
        warm_start,
        random_state,
        verbose,
        callbacks,
        **kwargs,
    ):
        # Not BaseWrapper.__init__: it would add scikeras parameters (model,
        # loss, metrics, ...) that skfashion's classifiers do not have.
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.weight_decay = weight_decay
        self.label_smoothing = label_smoothing
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.class_weight = class_weight
        self.shuffle = shuffle
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        # Routed parameters are stored as attributes, as scikeras does, so
        # that get_params and set_params see them. They are checked in fit.
        vars(self).update(kwargs)

    @property
    def _fit_kwargs(self):
        # class_weight is turned into sample weights here, where "balanced"
        # is understood; Keras only knows dictionaries.
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
        return LabelEncoder(classes=getattr(self, "_partial_fit_classes", None))

    # --------------------------------------------------------------- building
    def _build_model(self) -> keras.Model:  # pragma: no cover - abstract
        raise NotImplementedError

    def _routed(self, prefix: str) -> dict:
        """The ``<prefix>__<name>`` parameters, as ``{name: value}``."""
        start = prefix + "__"
        return {
            key[len(start) :]: value
            for key, value in self.get_params().items()
            if key.startswith(start) and key != start + "callbacks"
        }

    def _make_optimizer(self, steps_per_epoch: int) -> keras.optimizers.Optimizer:
        """A new optimizer for each fit (an instance passed in is copied)."""
        config = {
            "learning_rate": self._learning_rate(steps_per_epoch),
            "weight_decay": self.weight_decay or None,
        }
        config.update(self._routed("optimizer"))
        optimizer = self.optimizer
        if isinstance(optimizer, keras.optimizers.Optimizer):
            config = {**optimizer.get_config(), **config}
            optimizer = type(optimizer).from_config(config)
        elif isinstance(optimizer, type):
            optimizer = optimizer(**config)
        else:
            # A name such as "adam": keras.optimizers.get knows the aliases.
            optimizer = type(keras.optimizers.get(optimizer))(**config)
        return _without_single_replica_all_reduce(optimizer)

    def _learning_rate(self, steps_per_epoch: int):
        if self.lr_schedule == "constant":
            return self.learning_rate
        if self.lr_schedule == "cosine":
            return keras.optimizers.schedules.CosineDecay(
                self.learning_rate, decay_steps=max(1, self.epochs * steps_per_epoch)
            )
        raise ValueError(
            f"lr_schedule must be 'cosine' or 'constant', got {self.lr_schedule!r}."
        )

    def _compile(self, model: keras.Model, n_rows: int) -> keras.Model:
        # The validation rows are held out before batching: the schedule
        # must span the steps actually taken, or it never reaches its end.
        n_train = n_training_rows(n_rows, self.validation_split)
        steps_per_epoch = -(-max(1, n_train) // (self.batch_size or 32))
        model.compile(
            optimizer=self._make_optimizer(steps_per_epoch),
            loss=keras.losses.CategoricalCrossentropy(
                label_smoothing=self.label_smoothing
            ),
            metrics=["accuracy"],
        )
        return model

    def _build_keras_model(self) -> keras.Model:
        seed = self._seed()
        self._layer_seeds = None if seed is None else random.Random(seed)
        try:
            model = self._build_model(**self._routed("model"))
        finally:
            del self._layer_seeds
        return self._compile(model, self._n_train_rows)

    def _layer_seed(self) -> int | None:
        """The seed of the next random layer or initializer ``_build_model`` makes.

        Keras draws the seed of an unseeded layer from Python's global
        ``random``, which any other thread of the process can advance
        between the seeding and the building (a Dask worker's event loop
        does, several times a second): the weights would then differ from
        run to run. These seeds come from a generator of the estimator's
        own, seeded like Keras' (so the weights are the same as with
        Keras' draws in a quiet process). ``None`` without a
        ``random_state``: Keras then draws as usual.
        """
        rng = getattr(self, "_layer_seeds", None)
        return None if rng is None else rng.randint(1, int(1e9))

    def _softmax(self, x):
        """The output layer of ``_build_model``: a softmax over the classes.

        Named ``softmax``: the callbacks and plots find it by that name.
        """
        return keras.layers.Dense(
            self.n_classes_,
            "softmax",
            kernel_initializer=self._glorot(),
            name="softmax",
        )(x)

    def _glorot(self) -> keras.initializers.Initializer:
        """Keras' default kernel initializer, seeded by :meth:`_layer_seed`."""
        return keras.initializers.GlorotUniform(seed=self._layer_seed())

    def _initialize(self, X, y=None):
        # scikeras' own _initialize, less its random-state handling: with
        # _random_state None, scikeras never enters its global determinism
        # context; seeding is done by _seeded() around the whole fit.
        self._random_state = None
        X, y = self._validate_data(X, y, reset=True)
        self.target_encoder_ = self.target_encoder.fit(y)
        vars(self).update(self.target_encoder_.get_metadata())
        self.feature_encoder_ = self.feature_encoder.fit(X)
        self._n_train_rows = len(X)
        self.model_ = self._build_keras_model()
        return X, y

    def _check_routed_params(self) -> None:
        prefixes = ("optimizer", "model", "fit", "predict")
        own = inspect.signature(type(self)).parameters
        for name in self.get_params():
            if name.split("__")[0] not in prefixes and name not in own:
                raise ValueError(
                    f"{type(self).__name__} got an unknown parameter {name!r}. "
                    "Routed parameters start with "
                    f"{', '.join(p + '__' for p in prefixes)}; see "
                    "get_params() for the others."
                )

    def _make_callbacks(self, X, y, *, resume: bool = False) -> list:
        """Fresh copies of the callbacks, so fit never changes the parameter.

        Copies with a ``set_fit_context`` method (skfashion's callbacks) are
        given this estimator and the training data; the protocol is described
        in :mod:`skfashion.callbacks._base`. The run id drawn here names the
        fit's run folder, the same for all callbacks; training that
        continues (``resume``) keeps it, so its logs go on in the same run.
        """
        if not (resume and getattr(self, "_run_id", None)):
            self._run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        callbacks = []
        for callback in self.callbacks or []:
            if isinstance(callback, type):
                callback = callback()
            elif not isinstance(callback, keras.callbacks.Callback):
                raise TypeError(
                    "callbacks must be a list of keras.callbacks.Callback "
                    f"instances or classes, got {callback!r}."
                )
            else:
                callback = copy.deepcopy(callback)
            if hasattr(callback, "set_fit_context"):
                callback.set_fit_context(self, X, y)
            callbacks.append(callback)
        if self.early_stopping:
            monitor = "val_loss" if self.validation_split else "loss"
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor=monitor,
                    patience=int(self.early_stopping),
                    restore_best_weights=True,
                )
            )
        return callbacks

    # ---------------------------------------------------------------- fitting
    def _seed(self, offset: int = 0) -> int | None:
        if self.random_state is None:
            return None
        if isinstance(self.random_state, np.random.RandomState):
            # Draw from a copy, so the parameter is never changed by fit.
            rng = copy.deepcopy(self.random_state)
        else:
            rng = check_random_state(self.random_state)
        return int(rng.randint(np.iinfo(np.int32).max)) + offset

    def _sample_weight(self, y, sample_weight):
        if self.class_weight is None:
            return sample_weight
        weights = compute_sample_weight(self.class_weight, np.asarray(y))
        if sample_weight is not None:
            weights = weights * np.asarray(sample_weight, dtype=np.float64)
        return weights

    def _train(self, X, y, sample_weight, *, partial: bool, **kwargs):
        """Train within the seeded context; leave no half-fitted state behind."""
        self._check_routed_params()
        warm = partial or self.warm_start
        epoch = self.current_epoch if (warm and self.__sklearn_is_fitted__()) else 0
        self._fit_callbacks = self._make_callbacks(X, y, resume=epoch > 0)
        self._predict_callbacks = []
        sample_weight = self._sample_weight(y, sample_weight)
        if self.warm_start and not partial and epoch:
            # Continue from the current weights with a fresh optimizer, whose
            # schedule spans this fit's epochs, and append to history_.
            kwargs.setdefault("initial_epoch", epoch)
            self._compile(self.model_, len(X))
        try:
            with _seeded(self._seed(offset=epoch)):
                if partial:
                    BaseWrapper.partial_fit(self, X, y, sample_weight, **kwargs)
                else:
                    BaseWrapper.fit(self, X, y, sample_weight, **kwargs)
        except BaseException:
            if not warm or epoch == 0:
                self._forget_fit()
            raise
        finally:
            # Callbacks hold the model and, for TensorBoard, open writers:
            # they are not part of the fitted state to pickle or clone. Keras
            # skips on_train_end when training fails; this closes the writers.
            for callback in self._fit_callbacks:
                if hasattr(callback, "clear_fit_context"):
                    callback.clear_fit_context()
            self._fit_callbacks = []
        return self

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
        batch_size = routed.get("batch_size") or self.batch_size or 32
        arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
        # validation_data given to fit wins over validation_split, as in
        # Keras; it is passed on as it is.
        if self.validation_split and routed.get("validation_data") is None:
            arrays, held_out = split_off_validation(arrays, self.validation_split)
            kwargs["validation_data"] = array_dataset(held_out, batch_size)
        train = array_dataset(arrays, batch_size, shuffle=bool(self.shuffle))
        # Batching, shuffling and the split are done by the pipelines now.
        kwargs.update(batch_size=None, shuffle=False, validation_split=0.0)
        return super()._fit_keras_model(
            train, None, None, warm_start, epochs, initial_epoch, **kwargs
        )

    def _forget_fit(self):
        for name in [k for k in vars(self) if k.endswith("_") and not k.endswith("__")]:
            delattr(self, name)

    def fit(self, X, y, sample_weight=None, **kwargs):
        """Train the network on ``(X, y)`` for ``epochs`` epochs.

        A new network is built unless ``warm_start`` is True and the
        estimator is already fitted.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples, h, w) \
                or (n_samples, h, w, c)
            Training images, one flattened row each, or as image arrays.
        y : array-like of shape (n_samples,)
            Class labels: integers or strings.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights, multiplied with ``class_weight``'s.
        **kwargs : dict
            Passed on to ``keras.Model.fit``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self.__dict__.pop("_partial_fit_classes", None)
        return self._train(X, y, sample_weight, partial=False, **kwargs)

    def partial_fit(self, X, y, classes=None, sample_weight=None, **kwargs):
        """Train for one epoch on ``(X, y)``, keeping the network's state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples, h, w) \
                or (n_samples, h, w, c)
            Training images.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All the classes; required on the first call if a batch may miss
            some of them, ignored afterwards.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.
        **kwargs : dict
            Passed on to ``keras.Model.fit``.

        Returns
        -------
        self : object
            The estimator.
        """
        if not self.__sklearn_is_fitted__():
            self._partial_fit_classes = classes
        return self._train(X, y, sample_weight, partial=True, **kwargs)

    # ------------------------------------------------------------- predicting
    def _predict_raw(self, X):
        check_is_fitted(self)
        X, _ = self._validate_data(X)
        if len(X) > FAST_PREDICT_MAX_ROWS:
            batch_size = self._routed("predict").get("batch_size", 1024)
            return self.model_.predict(array_dataset((X,), batch_size), verbose=0)
        return keras.ops.convert_to_numpy(_predict_function(self.model_)(X))

    def predict_proba(self, X):
        """Class probabilities for ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples, h, w) \
                or (n_samples, h, w, c)
            Images.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The softmax output; columns follow ``classes_``.
        """
        return np.asarray(self._predict_raw(X), dtype=np.float64)

    def predict(self, X):
        """Predicted class labels for ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples, h, w) \
                or (n_samples, h, w, c)
            Images.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            One of ``classes_`` per image.
        """
        proba = self._predict_raw(X)
        return self.target_encoder_.inverse_transform(proba)

    # ---------------------------------------------------------------- pickling
    def __getstate__(self):
        state = super().__getstate__()
        state["_fit_callbacks"] = []
        state["_predict_callbacks"] = []
        return state

    def __repr__(self, N_CHAR_MAX=700):
        # scikit-learn's repr (only non-default parameters), not scikeras'.
        return BaseEstimator.__repr__(self, N_CHAR_MAX)

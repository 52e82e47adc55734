"""The base class of skfashion's classifiers: a Keras network as an estimator.

:class:`KerasClassifierBase` holds what the ANN and the CNN share: the
training parameters and their constraints, the optimizer, learning-rate
schedule and loss, the seeds of the random layers, the callbacks of a fit,
and predicting. It stands on :class:`skfashion._wrapper.ScikerasClassifier`,
which answers scikeras' hooks; everything here uses public APIs.
"""

from __future__ import annotations

import copy
import inspect
import random
import time
import uuid
from numbers import Integral, Real

import keras
import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import check_is_fitted

from ._inference import predict_rows
from ._param_validation import (
    Hint,
    InstanceOf,
    Interval,
    MappingOf,
    NameOf,
    SequenceOf,
    StrOptions,
    SubclassOf,
    check_parameters,
    validate_parameter_constraints,
    validated_fit,
)
from ._pipeline import n_training_rows
from ._wrapper import ScikerasClassifier, without_single_replica_all_reduce

__all__ = ["KerasClassifierBase"]


class KerasClassifierBase(ScikerasClassifier):
    """Base class of skfashion's classifiers: scikeras made current.

    Subclasses define ``__init__`` with explicit hyperparameters (stored as
    given) and ``_build_model()``, which returns an uncompiled Keras model
    taking (n, ``n_features_in_``) inputs and giving ``n_classes_`` softmax
    probabilities. This class compiles it, trains it and predicts with it.
    Subclasses add the constraints of their own parameters to
    ``_parameter_constraints``, which ``fit`` and ``partial_fit`` check
    before anything else (see :mod:`skfashion._param_validation`).

    Routed parameters (scikeras' ``optimizer__<name>``, ``fit__<name>``,
    ``predict__<name>``, ``model__<name>``) are accepted as keyword arguments
    and by ``set_params``, so a grid search can tune them.
    """

    # The training parameters'; each classifier adds its architecture's.
    _parameter_constraints: dict = {
        "optimizer": [
            NameOf(keras.optimizers.get, "a Keras optimizer ('adamw', 'sgd', ...)"),
            SubclassOf(keras.optimizers.Optimizer, "keras.optimizers.Optimizer"),
            InstanceOf(keras.optimizers.Optimizer, "keras.optimizers.Optimizer"),
        ],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions(["cosine", "constant"])],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": [
            None,
            Interval(Integral, 1, None, closed="left"),
            Hint(
                "boolean",
                "Pass the patience as an integer: the number of epochs without "
                "improvement after which training stops, for example "
                "early_stopping=5.",
            ),
        ],
        "class_weight": [
            MappingOf(Interval(Real, 0, None, closed="left")),
            StrOptions(["balanced"]),
            None,
        ],
        "shuffle": ["boolean"],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": [Interval(Integral, 0, 2, closed="both"), "boolean"],
        "callbacks": [
            None,
            SequenceOf(
                [
                    InstanceOf(keras.callbacks.Callback, "keras.callbacks.Callback"),
                    SubclassOf(keras.callbacks.Callback, "keras.callbacks.Callback"),
                ]
            ),
        ],
    }

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

    def _make_optimizer(self, decay_steps: int) -> keras.optimizers.Optimizer:
        """A new optimizer for each fit (an instance passed in is copied)."""
        config = {
            "learning_rate": self._learning_rate(decay_steps),
            # 0 disables the decay. Not None, Keras' other spelling of "no
            # decay": AdamW, the default, requires a float.
            "weight_decay": float(self.weight_decay),
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
        return without_single_replica_all_reduce(optimizer)

    def _learning_rate(self, decay_steps: int):
        if self.lr_schedule == "constant":
            return self.learning_rate
        # "cosine", the only other value _parameter_constraints allows.
        return keras.optimizers.schedules.CosineDecay(
            self.learning_rate, decay_steps=max(1, decay_steps)
        )

    def _batch_size(self) -> int:
        """The batch size of training: ``fit__batch_size``, else ``batch_size``."""
        return self._routed("fit").get("batch_size", self.batch_size)

    def _decay_steps(
        self, n_rows: int, *, partial: bool = False, fit_kwargs: dict | None = None
    ) -> int:
        """The optimizer steps of a fit on ``n_rows`` rows: the schedule's span.

        The schedule must span the steps actually taken, or it ends early or
        never reaches its end: the epochs and batch size given to ``fit``
        (or routed as ``fit__epochs``, ``fit__batch_size``) win over the
        parameters, as they do for Keras; the last ``validation_split`` of
        the rows is held out unless ``validation_data`` is given. With
        ``partial_fit``, each call is one epoch and the schedule spans
        ``epochs`` calls.
        """
        given = {**self._routed("fit"), **(fit_kwargs or {})}
        epochs = self.epochs if partial else given.get("epochs", self.epochs)
        batch_size = given.get("batch_size", self.batch_size)
        n_train = n_rows
        if self.validation_split and given.get("validation_data") is None:
            n_train = n_training_rows(n_rows, self.validation_split)
        return epochs * -(-max(1, n_train) // batch_size)

    def _compile(
        self,
        model: keras.Model,
        n_rows: int,
        *,
        partial: bool = False,
        fit_kwargs: dict | None = None,
    ) -> keras.Model:
        """Compile ``model`` for a fit on ``n_rows`` rows (see _decay_steps)."""
        decay_steps = self._decay_steps(n_rows, partial=partial, fit_kwargs=fit_kwargs)
        model.compile(
            optimizer=self._make_optimizer(decay_steps),
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
        # The call being trained for, as _train records it; a bare
        # initialize() (scikeras' public method) compiles for a plain fit.
        partial, fit_kwargs = self.__dict__.get("_fit_call", (False, {}))
        return self._compile(
            model, self._n_train_rows, partial=partial, fit_kwargs=fit_kwargs
        )

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

    def _validate_params(self) -> None:
        """Check every parameter; ``fit`` and ``partial_fit`` call this first.

        The parameters against ``_parameter_constraints``, the routed ones
        with :meth:`_check_routed_params`, and the parameters of callbacks
        that declare their own ``_parameter_constraints`` (skfashion's): a
        bad value is reported before the data are checked or a model built.
        """
        params = self.get_params(deep=False)
        name = type(self).__name__
        validate_parameter_constraints(self._parameter_constraints, params, name)
        self._check_routed_params(params)
        for callback in self.callbacks or []:
            if not isinstance(callback, type) and hasattr(
                callback, "_parameter_constraints"
            ):
                check_parameters(callback)

    def _check_routed_params(self, params: dict) -> None:
        """Routed parameters: a known prefix, and valid where they override.

        ``model__<name>`` must be an argument of ``_build_model``. It, and
        ``fit__<name>`` and ``predict__<name>``, are checked against the
        constraints of the parameter ``<name>`` if it has any: for example
        ``fit__batch_size`` as ``batch_size``. ``optimizer__<name>`` values
        go to the optimizer unchecked: Keras checks them.
        """
        prefixes = ("optimizer", "model", "fit", "predict")
        own = inspect.signature(type(self)).parameters
        architecture = inspect.signature(self._build_model).parameters
        for name, value in params.items():
            if name in own:
                continue
            prefix, _, target = name.partition("__")
            if prefix not in prefixes:
                raise ValueError(
                    f"{type(self).__name__} got an unknown parameter {name!r}. "
                    "Routed parameters start with "
                    f"{', '.join(p + '__' for p in prefixes)}; see "
                    "get_params() for the others."
                )
            if prefix == "model" and target not in architecture:
                raise ValueError(
                    f"{type(self).__name__} got an unknown parameter {name!r}: "
                    "model__<name> overrides an architecture parameter, one of "
                    f"{', '.join(architecture)}."
                )
            if prefix != "optimizer" and target in self._parameter_constraints:
                validate_parameter_constraints(
                    {name: self._parameter_constraints[target]},
                    {name: value},
                    type(self).__name__,
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
            # Instances or classes: _parameter_constraints allows no other.
            if isinstance(callback, type):
                callback = callback()
            else:
                callback = copy.deepcopy(callback)
            if hasattr(callback, "set_fit_context"):
                callback.set_fit_context(self, X, y, run_id=self._run_id)
            callbacks.append(callback)
        if self.early_stopping is not None:
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
        """Train; leave no half-fitted state behind."""
        warm = partial or self.warm_start
        epoch = self.current_epoch if (warm and self.__sklearn_is_fitted__()) else 0
        self._fit_callbacks = self._make_callbacks(X, y, resume=epoch > 0)
        self._predict_callbacks = []
        sample_weight = self._sample_weight(y, sample_weight)
        if self.warm_start and not partial and epoch:
            # Continue from the current weights with a fresh optimizer, whose
            # schedule spans this fit's epochs, and append to history_.
            kwargs.setdefault("initial_epoch", epoch)
            self._compile(self.model_, len(X), fit_kwargs=kwargs)
        self._fit_call = (partial, kwargs)
        try:
            self._scikeras_fit(X, y, sample_weight, partial=partial, **kwargs)
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
            del self._fit_call
        return self

    def _forget_fit(self):
        for name in [k for k in vars(self) if k.endswith("_") and not k.endswith("__")]:
            delattr(self, name)

    @validated_fit
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

    @validated_fit
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
        batch_size = self._routed("predict").get("batch_size", 1024)
        return self._network_output(X, batch_size)

    def _network_output(self, X, batch_size):
        """The network's output for validated rows ``X``; a subclass may
        average it over transformed copies of the rows (test-time
        augmentation)."""
        return predict_rows(self.model_, X, batch_size=batch_size)

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

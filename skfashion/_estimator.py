"""The base class of skfashion's classifiers: a Keras network as an estimator.

:class:`KerasClassifierBase` holds what the ANN and the CNN share: the
training parameters and their constraints, the fit (plan, build, compile,
train), the optimizer, learning-rate schedule and loss, the callbacks of a
fit, and predicting. It stands on :class:`skfashion._wrapper.ScikerasClassifier`
(scikeras' ``BaseWrapper`` made current); everything here uses public APIs.

How a fit runs (CONTRIBUTING.md, "How a fit runs", walks through it):
``fit`` -> :func:`skfashion._fit_plan.plan_fit` (every decision, into a
``FitPlan``) -> ``_build_network`` -> ``_compile`` -> ``_train`` ->
``keras.Model.fit``.
"""

from __future__ import annotations

import copy
import inspect
from collections import defaultdict
from numbers import Integral, Real

import keras
import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._batch_norm import BatchNormStatistics, set_batch_norm_statistics
from ._fit_plan import AutoBudget, FitPlan, check_rows, plan_fit, routed
from ._inference import PREDICT_BATCH_SIZE, predict_rows
from ._labels import LabelEncoder
from ._layers import LayerSeeds
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
from ._pipeline import array_dataset, epoch_batches
from ._schedules import Triangular
from ._wrapper import ScikerasClassifier, without_single_replica_all_reduce

__all__ = ["KerasClassifierBase", "check_rows", "from_fitted"]

# Routed parameters whose constraints are not their namesake's.
_ROUTED_CONSTRAINTS = {
    # No "auto": the batch size of predicting is a number of rows.
    "predict__batch_size": [Interval(Integral, 1, None, closed="left")],
    # Keras takes any number here; a negative rate or decay is never right.
    "optimizer__learning_rate": [
        Interval(Real, 0, None, closed="neither"),
        InstanceOf(
            keras.optimizers.schedules.LearningRateSchedule,
            "keras.optimizers.schedules.LearningRateSchedule",
        ),
    ],
    "optimizer__weight_decay": [Interval(Real, 0, None, closed="left"), None],
}


class KerasClassifierBase(ScikerasClassifier):
    """Base class of skfashion's classifiers: scikeras made current.

    Subclasses define ``__init__`` with explicit hyperparameters (stored as
    given), ``_architecture_parameters`` (those ``model__<name>`` may
    override) and ``_build_model(architecture, n_features, n_classes,
    seeds)``, which returns an uncompiled Keras model taking (n,
    ``n_features_in_``) inputs and giving ``n_classes_`` softmax
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
        "lr_schedule": [StrOptions(["cosine", "constant", "triangular"])],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left"), StrOptions(["auto"])],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions(["auto"]),
        ],
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
    # The architecture parameters, which model__<name> may override; each
    # classifier lists its own, in the order of _build_model's arguments.
    _architecture_parameters: tuple[str, ...] = ()
    # What epochs="auto" and batch_size="auto" mean (_fit_plan.AutoBudget).
    _auto_budget: AutoBudget

    def _build_model(
        self, architecture: dict, *, n_features: int, n_classes: int, seeds
    ) -> keras.Model:  # pragma: no cover - abstract
        raise NotImplementedError

    def _routed(self, prefix: str) -> dict:
        """The ``<prefix>__<name>`` parameters, as ``{name: value}``."""
        return routed(self.get_params(), prefix)

    def _architecture(
        self, overrides: dict, input_shape: tuple[int, ...], n_features: int
    ) -> dict:
        """``_build_model``'s architecture: the parameters, or their overrides.

        ``overrides`` are the routed ``model__<name>`` parameters; one that is
        None leaves the parameter as it is. A subclass adds what the data
        decide (the CNN: the image shape, from ``input_shape``, the shape of
        one input as given, and ``n_features``).
        """
        return {
            name: getattr(self, name)
            if overrides.get(name) is None
            else overrides[name]
            for name in self._architecture_parameters
        }

    def _build_network(self, plan: FitPlan) -> keras.Model:
        """A new, uncompiled network for ``plan``."""
        return self._build_model(
            plan.architecture,
            n_features=plan.n_features_in,
            n_classes=len(plan.labels.classes_),
            seeds=LayerSeeds(plan.layer_seed),
        )

    def _make_optimizer(self, schedule_steps: int) -> keras.optimizers.Optimizer:
        """A new optimizer for each fit (an instance passed in is copied)."""
        config = {
            "learning_rate": self._learning_rate(schedule_steps),
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

    def _learning_rate(self, schedule_steps: int):
        if self.lr_schedule == "constant":
            return self.learning_rate
        if self.lr_schedule == "triangular":
            return Triangular(self.learning_rate, total_steps=schedule_steps)
        # "cosine", the only other value _parameter_constraints allows.
        return keras.optimizers.schedules.CosineDecay(
            self.learning_rate, decay_steps=max(1, schedule_steps)
        )

    def _compile(self, model: keras.Model, plan: FitPlan) -> None:
        """Give ``model`` a new optimizer whose schedule spans the plan's steps."""
        model.compile(
            optimizer=self._make_optimizer(plan.budget.schedule_steps),
            loss=keras.losses.CategoricalCrossentropy(
                label_smoothing=self.label_smoothing
            ),
            metrics=["accuracy"],
        )

    # ------------------------------------------------------------- parameters
    def _check_params(self) -> None:
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

        ``model__<name>`` must be an architecture parameter. It, and
        ``fit__<name>`` and ``predict__<name>``, are checked against the
        constraints of the parameter ``<name>`` if it has any: for example
        ``fit__batch_size`` as ``batch_size``. ``optimizer__<name>`` values
        go to the optimizer as they are (Keras checks them), except
        ``optimizer__learning_rate`` and ``optimizer__weight_decay``, which
        must not be negative.
        """
        prefixes = ("optimizer", "model", "fit", "predict")
        own = inspect.signature(type(self)).parameters
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
            if prefix == "model" and target not in self._architecture_parameters:
                raise ValueError(
                    f"{type(self).__name__} got an unknown parameter {name!r}: "
                    "model__<name> overrides an architecture parameter, one of "
                    f"{', '.join(self._architecture_parameters)}."
                )
            constraints = _ROUTED_CONSTRAINTS.get(name)
            if constraints is None and prefix != "optimizer":
                constraints = self._parameter_constraints.get(target)
            if constraints is not None:
                validate_parameter_constraints(
                    {name: constraints}, {name: value}, type(self).__name__
                )

    # ---------------------------------------------------------------- fitting
    def _make_callbacks(self, plan: FitPlan, X, y) -> list:
        """Fresh copies of the callbacks, so fit never changes the parameter.

        Copies with a ``set_fit_context`` method (skfashion's callbacks) are
        given this estimator, the training data as given and the plan's run
        id, which names the fit's run folder; the protocol is described in
        :mod:`skfashion.callbacks._base`.
        """
        callbacks = []
        for callback in self.callbacks or []:
            # Instances or classes: _parameter_constraints allows no other.
            if isinstance(callback, type):
                callback = callback()
            else:
                callback = copy.deepcopy(callback)
            if hasattr(callback, "set_fit_context"):
                callback.set_fit_context(self, X, y, run_id=plan.run_id)
            callbacks.append(callback)
        if self.early_stopping is not None:
            monitor = "val_loss" if plan.validation is not None else "loss"
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor=monitor,
                    patience=int(self.early_stopping),
                    restore_best_weights=True,
                )
            )
        return callbacks

    def _train(self, plan: FitPlan, X, y):
        """Build or continue the network, train it, and set the fitted state.

        The fitted attributes are set when training starts (the callbacks
        read them); if training fails, the estimator gets back the fitted
        state it had before the call, unless training continued a fitted
        network, which then keeps the epochs it finished.
        """
        model = self.model_ if plan.continues else self._build_network(plan)
        if plan.compile:
            self._compile(model, plan)
        callbacks = self._make_callbacks(plan, X, y)
        before = self._fitted_state()
        if not plan.continues:
            self._set_fitted(
                model=model,
                labels=plan.labels,
                n_features_in=plan.n_features_in,
                feature_names_in=plan.feature_names_in,
                architecture=plan.architecture,
            )
            self._run_id = plan.run_id
        arrays = (plan.X, plan.y)
        if plan.sample_weight is not None:
            arrays += (plan.sample_weight,)
        budget = plan.budget
        train, steps_per_epoch = epoch_batches(
            arrays,
            budget.batch_size,
            shuffle=bool(self.shuffle),
            seed=plan.shuffle_seed,
        )
        validation = plan.validation
        if isinstance(validation, tuple):
            validation = array_dataset(validation, budget.batch_size)
        if plan.validation is not None or self.callbacks:
            # The validation figures of history_ and the callbacks see the
            # statistics that predict will use (_batch_norm's docstring).
            callbacks.insert(0, BatchNormStatistics(plan.X, steps_per_epoch))
        divergence = _StopOnNonFiniteLoss()
        callbacks.insert(0, divergence)
        try:
            history = model.fit(
                train,
                epochs=plan.initial_epoch + budget.epochs,
                initial_epoch=plan.initial_epoch,
                steps_per_epoch=steps_per_epoch,
                validation_data=validation,
                # The pipeline shuffles; Keras would warn that it cannot.
                shuffle=False,
                callbacks=callbacks,
                **plan.keras_args,
            )
            set_batch_norm_statistics(model, plan.X)
            divergence.check(self, model)
        except BaseException:
            if not plan.continues:
                self._restore_fitted_state(before)
            raise
        finally:
            # Callbacks hold the model and, for TensorBoard, open writers:
            # they are not part of the fitted state to pickle or clone. Keras
            # skips on_train_end when training fails; this closes the writers.
            for callback in callbacks:
                if hasattr(callback, "clear_fit_context"):
                    callback.clear_fit_context()
        if not plan.continues:
            self.history_ = defaultdict(list)
        for key, values in history.history.items():
            self.history_[key] += values
        # Early stopping may end the fit before its last epoch.
        epochs = len(history.history.get("loss", ()))
        self.batch_size_ = budget.batch_size
        self.n_iter_ = self._count("n_iter_", plan) + epochs
        self.n_steps_ = self._count("n_steps_", plan) + epochs * steps_per_epoch
        self.t_ = self._count("t_", plan) + epochs * len(plan.X)
        return self

    def _count(self, name: str, plan: FitPlan) -> int:
        """A count of the network's training so far: 0 for a new network."""
        return getattr(self, name, 0) if plan.continues else 0

    def _set_fitted(
        self,
        *,
        model: keras.Model,
        labels: LabelEncoder,
        n_features_in: int,
        feature_names_in: np.ndarray | None,
        architecture: dict,
    ) -> None:
        """Set the fitted attributes of a new network; a subclass adds its own."""
        self.model_ = model
        self.target_encoder_ = labels
        self.classes_ = labels.classes_
        self.n_classes_ = len(labels.classes_)
        self.n_features_in_ = n_features_in
        if feature_names_in is None:
            self.__dict__.pop("feature_names_in_", None)
        else:
            self.feature_names_in_ = feature_names_in

    def _fitted_state(self) -> dict:
        return {
            name: value
            for name, value in vars(self).items()
            if (name.endswith("_") and not name.endswith("__")) or name == "_run_id"
        }

    def _restore_fitted_state(self, state: dict) -> None:
        for name in self._fitted_state():
            delattr(self, name)
        vars(self).update(state)

    @validated_fit
    def fit(self, X, y, sample_weight=None, **kwargs):
        """Train the network on ``(X, y)`` for ``epochs`` epochs.

        A new network is built unless ``warm_start`` is True and the
        estimator is already fitted. If ``fit`` fails, the estimator keeps
        the fitted state it had.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples, h, w) \
                or (n_samples, h, w, c)
            Training images, one flattened row each, or as image arrays.
        y : array-like of shape (n_samples,)
            Class labels: integers or strings.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights (>= 0), multiplied with ``class_weight``'s.
        **kwargs : dict
            Passed on to ``keras.Model.fit``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        plan = plan_fit(
            self,
            X,
            y,
            sample_weight=sample_weight,
            fit_kwargs=kwargs,
            architecture=self._architecture,
            auto_budget=self._auto_budget,
            run_id=self.__dict__.get("_run_id"),
        )
        return self._train(plan, X, y)

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
            Per-sample weights (>= 0).
        **kwargs : dict
            Passed on to ``keras.Model.fit``.

        Returns
        -------
        self : object
            The estimator.
        """
        plan = plan_fit(
            self,
            X,
            y,
            sample_weight=sample_weight,
            classes=classes,
            fit_kwargs=kwargs,
            partial=True,
            architecture=self._architecture,
            auto_budget=self._auto_budget,
            run_id=self.__dict__.get("_run_id"),
        )
        return self._train(plan, X, y)

    @validated_fit
    def initialize(self, X, y):
        """Build and compile a new network for ``(X, y)`` without training it.

        scikeras' method: the estimator is then fitted, with the network's
        initial weights (the same as a ``fit`` with the same ``random_state``
        starts from) and an empty ``history_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples, h, w) \
                or (n_samples, h, w, c)
            Training images.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
            The estimator.
        """
        plan = plan_fit(
            self,
            X,
            y,
            fresh=True,
            architecture=self._architecture,
            auto_budget=self._auto_budget,
            run_id=self.__dict__.get("_run_id"),
        )
        model = self._build_network(plan)
        self._compile(model, plan)
        self._set_fitted(
            model=model,
            labels=plan.labels,
            n_features_in=plan.n_features_in,
            feature_names_in=plan.feature_names_in,
            architecture=plan.architecture,
        )
        self.history_ = defaultdict(list)
        return self

    # ------------------------------------------------------------- predicting
    def _network_proba(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = check_rows(self, X)
        batch_size = self._routed("predict").get("batch_size", PREDICT_BATCH_SIZE)
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
        return np.asarray(self._network_proba(X), dtype=np.float64)

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
        proba = self._network_proba(X)
        return self.target_encoder_.inverse_transform(proba)


def from_fitted(
    cls,
    model: keras.Model,
    *,
    classes,
    n_features_in: int,
    image_shape: tuple[int, ...] | None = None,
    history: dict | None = None,
    params: dict | None = None,
) -> KerasClassifierBase:
    """An estimator fitted already: ``model`` trained on ``classes``.

    Sets the fitted attributes that ``fit`` sets, the way ``fit`` sets
    them, so that predicting and scoring work as after ``fit``;
    :mod:`skfashion._saving` loads a saved model with it. The network is
    used as it is: compiling it again is left to a later ``fit``.

    Parameters
    ----------
    cls : type
        ``ANNClassifier`` or ``CNNClassifier``.
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
    architecture = {}
    if image_shape is not None:
        architecture["image_shape"] = tuple(int(d) for d in image_shape)
    estimator._set_fitted(
        model=model,
        labels=LabelEncoder().fit(np.asarray(classes)),
        n_features_in=int(n_features_in),
        feature_names_in=None,
        architecture=architecture,
    )
    estimator.history_ = defaultdict(list, history or {})
    return estimator


class _StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Stop at the end of an epoch whose loss is NaN or infinite, and say why.

    A network whose loss or weights diverged predicts NaN probabilities (and
    class 0 for every image); scikit-learn's MLPClassifier raises in that
    case too.
    """

    def __init__(self):
        super().__init__()
        self.epoch, self.loss = None, None

    def on_epoch_end(self, epoch, logs=None):
        loss = float((logs or {}).get("loss", 0.0))
        if not np.isfinite(loss):
            self.epoch, self.loss = epoch, loss
            self.model.stop_training = True

    def check(self, estimator, model: keras.Model) -> None:
        """Raise a ValueError naming the likely causes if training diverged."""
        if self.epoch is not None:
            what = f"the loss became {self.loss} in epoch {self.epoch + 1}"
        elif not all(np.isfinite(w).all() for w in model.get_weights()):
            what = "the network's weights or statistics overflowed"
        else:
            return
        raise ValueError(
            f"Training diverged: {what}, so the network predicts nothing "
            "useful; the estimator keeps the state it had before this fit. The "
            "learning rate is likely too high (learning_rate="
            f"{estimator.learning_rate!r}): lower it. Also check that the "
            "pixels are scaled to [0, 1] (MinMax255) and hold no huge values."
        )

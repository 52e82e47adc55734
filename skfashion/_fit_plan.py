"""The fit plan: everything a fit decides before training, decided once.

``fit`` and ``partial_fit`` start with :func:`plan_fit`, which checks the
data, encodes the labels, weighs the samples, holds out the validation rows,
resolves the architecture, draws the seeds and sets the training budget, and
returns all of it as one :class:`FitPlan`. The estimator then builds,
compiles and trains the network from the plan alone; it changes nothing on
itself before training starts, so a fit that fails its checks leaves a
fitted estimator as it was.
"""

from __future__ import annotations

import copy
import time
import uuid
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from ._labels import LabelEncoder
from ._pipeline import split_off_validation

__all__ = [
    "AutoBudget",
    "Budget",
    "FitPlan",
    "check_rows",
    "plan_fit",
    "routed",
    "seed_of",
    "training_budget",
]

# Arguments of keras.Model.fit that the plan decides; the others given to
# fit (or routed as fit__<name>) go to Keras as they are.
_PLANNED = frozenset(
    {
        "batch_size",
        "callbacks",
        "epochs",
        "initial_epoch",
        "sample_weight",
        "shuffle",
        "validation_data",
        "validation_split",
    }
)


@dataclass(frozen=True)
class Budget:
    """How long one call of ``fit`` or ``partial_fit`` trains."""

    #: Rows per optimizer step.
    batch_size: int
    #: Epochs this call trains (1 for ``partial_fit``).
    epochs: int
    #: Optimizer steps per epoch; an epoch's last batch holds the rest.
    steps_per_epoch: int
    #: The optimizer steps the learning-rate schedule spans.
    schedule_steps: int


@dataclass(frozen=True)
class AutoBudget:
    """What ``epochs="auto"`` and ``batch_size="auto"`` mean for a classifier.

    On large data, ``epochs`` epochs in batches of ``batch_size``. On
    smaller data, a batch holds at most 1/``MIN_STEPS_PER_EPOCH`` of the
    training rows (``MIN_BATCH_SIZE`` at least), and there are as many
    epochs as make ``min_steps`` optimizer steps. Chosen on the validation
    split of the learning-curve benchmark (docs/benchmarks.rst).
    """

    epochs: int
    batch_size: int
    min_steps: int


#: An "auto" batch holds at most this fraction of the training rows ...
MIN_STEPS_PER_EPOCH = 16
#: ... but at least this many rows.
MIN_BATCH_SIZE = 16


def training_budget(
    n_train: int,
    *,
    batch_size: int | str,
    epochs: int | str,
    auto: AutoBudget,
    partial: bool = False,
    schedule_epochs: int | str | None = None,
) -> Budget:
    """The budget of a call that trains on ``n_train`` rows.

    The one place where a fit's batch size, epochs and optimizer steps are
    decided.

    Parameters
    ----------
    n_train : int
        The training rows (validation rows held out).
    batch_size : int or "auto"
        Rows per optimizer step; "auto" follows ``auto`` (see AutoBudget).
    epochs : int or "auto"
        The epochs of a ``fit``; "auto" follows ``auto``.
    auto : AutoBudget
        The classifier's meaning of "auto".
    partial : bool, default=False
        A ``partial_fit`` call: it trains one epoch, and the learning-rate
        schedule spans ``epochs`` calls.
    schedule_epochs : int, "auto" or None, default=None
        With ``partial``, the estimator's ``epochs`` (the calls the schedule
        spans); ignored otherwise.

    Returns
    -------
    budget : Budget
    """
    n_train = max(1, n_train)
    if batch_size == "auto":
        batch_size = min(
            auto.batch_size, max(MIN_BATCH_SIZE, n_train // MIN_STEPS_PER_EPOCH)
        )
    steps_per_epoch = -(-n_train // batch_size)
    if epochs == "auto":
        epochs = max(auto.epochs, -(-auto.min_steps // steps_per_epoch))
    if partial:
        schedule_epochs = epochs if schedule_epochs is None else schedule_epochs
        span = training_budget(
            n_train, batch_size=batch_size, epochs=schedule_epochs, auto=auto
        )
        epochs = 1
    else:
        span = None
    return Budget(
        batch_size=batch_size,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        schedule_steps=(span.epochs if span else epochs) * steps_per_epoch,
    )


@dataclass(frozen=True)
class FitPlan:
    """What one call of ``fit`` or ``partial_fit`` trains, and how."""

    #: The training rows (float32), without the validation rows and the
    #: rows of zero weight.
    X: np.ndarray
    #: Their labels, one-hot encoded (float32).
    y: np.ndarray
    #: Their weights (float32), or None.
    sample_weight: np.ndarray | None
    #: The validation rows ``(X, y[, sample_weight])`` encoded like the
    #: training rows, a validation set given to Keras as it is, or None.
    validation: object
    #: The label encoder: the fitted one when training continues.
    labels: LabelEncoder
    #: The number of features of a row, and their names if X had any.
    n_features_in: int
    feature_names_in: np.ndarray | None
    #: Train the fitted network further (warm start, partial_fit) rather
    #: than a new one.
    continues: bool
    #: Give the network a new optimizer (a new network, or warm start's fit).
    compile: bool
    #: The arguments of the classifier's ``_build_model``: its architecture
    #: parameters, ``model__`` overrides applied, and what the data decide
    #: (the CNN's image shape). Empty when training continues.
    architecture: dict
    #: The seed of the network's random layers, and of the rows' order.
    layer_seed: int | None
    shuffle_seed: int | None
    budget: Budget
    #: The first epoch of this call (Keras' ``initial_epoch``).
    initial_epoch: int
    #: The id of the run folder that the callbacks write into.
    run_id: str
    #: The other arguments of ``keras.Model.fit`` (``verbose`` and those
    #: passed through).
    keras_args: dict = field(default_factory=dict)


def plan_fit(
    estimator,
    X,
    y,
    *,
    sample_weight=None,
    classes=None,
    fit_kwargs: dict | None = None,
    partial: bool = False,
    fresh: bool = False,
    architecture=None,
    auto_budget: AutoBudget | None = None,
    run_id: str | None = None,
) -> FitPlan:
    """Check the data and decide everything a fit needs, changing nothing.

    Parameters
    ----------
    estimator : KerasClassifierBase
        The classifier to fit; its parameters are checked already.
    X, y : array-like
        The training data, as given to ``fit``.
    sample_weight : array-like of shape (n_samples,), default=None
        Per-sample weights, multiplied with ``class_weight``'s.
    classes : array-like, default=None
        All the classes (``partial_fit``'s first call).
    fit_kwargs : dict, default=None
        The keyword arguments given to ``fit``, for ``keras.Model.fit``.
    partial : bool, default=False
        A ``partial_fit`` call: one epoch, training continues.
    fresh : bool, default=False
        Build a new network even if the estimator could continue
        (``initialize``).
    architecture : callable, default=None
        The classifier's ``_architecture(overrides, input_shape,
        n_features)``: its architecture parameters with the ``model__``
        overrides, and what the data decide. Called for a new network only.
    auto_budget : AutoBudget, default=None
        What ``"auto"`` epochs and batch size mean for the classifier.
    run_id : str, default=None
        The run id of the fit that training continues, if any: its logs go
        on in the same run folder.

    Returns
    -------
    plan : FitPlan
    """
    fit_kwargs = dict(fit_kwargs or {})
    if partial:
        for name in ("epochs", "initial_epoch"):
            if name in fit_kwargs:
                raise TypeError(
                    f"partial_fit got {name}={fit_kwargs[name]!r}: partial_fit "
                    "always trains one epoch, from the current one; use fit "
                    "for more."
                )
    continues = (
        not fresh
        and estimator.__sklearn_is_fitted__()
        and bool(partial or estimator.warm_start)
    )
    params = estimator.get_params()
    given = {**routed(params, "fit"), **fit_kwargs}

    # Checked on a blank instance of the estimator's class when the fit
    # starts afresh: validate_data records n_features_in_ and
    # feature_names_in_ on the estimator it is given.
    checker = estimator if continues else object.__new__(type(estimator))
    input_shape = tuple(getattr(X, "shape", (0, 0))[1:])
    X, y = _validated(checker, X, y, reset=not continues)
    if continues:
        labels = estimator.target_encoder_
    else:
        labels = LabelEncoder(classes=classes if partial else None).fit(y)
    weights = _sample_weight(estimator.class_weight, y, sample_weight, labels)
    if weights is not None:
        if not weights.any():
            raise ValueError(
                "No training samples had any weight; only zeros were passed in "
                "sample_weight (times class_weight): there is nothing to train on."
            )
        # As scikit-learn's estimators: rows of weight 0 are not trained on.
        kept = weights != 0
        X, y, weights = X[kept], y[kept], weights[kept]
    arrays = (X, labels.transform(y))
    if weights is not None:
        arrays += (weights,)

    # validation_data given to fit wins over validation_split, as in Keras.
    validation = given.get("validation_data")
    if isinstance(validation, (tuple, list)):
        validation = _validation_arrays(checker, labels, validation)
    elif validation is None and estimator.validation_split:
        arrays, validation = split_off_validation(arrays, estimator.validation_split)

    current_epoch = estimator.current_epoch if continues else 0
    initial_epoch = current_epoch if partial else given.get("initial_epoch", 0)
    if continues and not partial:
        initial_epoch = given.get("initial_epoch", current_epoch)
    if partial:
        budget = training_budget(
            len(arrays[0]),
            batch_size=given.get("batch_size", estimator.batch_size),
            epochs=1,
            auto=auto_budget,
            partial=True,
            schedule_epochs=estimator.epochs,
        )
    else:
        budget = training_budget(
            len(arrays[0]),
            batch_size=given.get("batch_size", estimator.batch_size),
            epochs=given.get("epochs", estimator.epochs),
            auto=auto_budget,
        )
    keras_args = {"verbose": estimator.verbose}
    keras_args.update({k: v for k, v in given.items() if k not in _PLANNED})

    if not (continues and current_epoch > 0 and run_id):
        run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    return FitPlan(
        X=arrays[0],
        y=arrays[1],
        sample_weight=arrays[2] if len(arrays) > 2 else None,
        validation=validation,
        labels=labels,
        n_features_in=checker.n_features_in_,
        feature_names_in=getattr(checker, "feature_names_in_", None),
        continues=continues,
        compile=not continues or not partial,
        architecture=(
            {}
            if continues
            else architecture(
                routed(params, "model"), input_shape, checker.n_features_in_
            )
        ),
        layer_seed=seed_of(estimator.random_state),
        shuffle_seed=seed_of(estimator.random_state, offset=initial_epoch),
        budget=budget,
        initial_epoch=initial_epoch,
        run_id=run_id,
        keras_args=keras_args,
    )


def routed(params: dict, prefix: str) -> dict:
    """The routed parameters ``<prefix>__<name>`` of ``params``, as ``{name: value}``.

    ``<prefix>__callbacks`` is left out: scikeras routes callbacks, skfashion
    takes them from ``callbacks`` only.
    """
    start = prefix + "__"
    return {
        key[len(start) :]: value
        for key, value in params.items()
        if key.startswith(start) and key != start + "callbacks"
    }


def seed_of(random_state, offset: int = 0) -> int | None:
    """The int seed that ``random_state`` stands for, plus ``offset``.

    None stays None (unseeded). A RandomState instance is drawn from in a
    copy, so the parameter is never changed by fit, and the same instance
    gives the same seed at every fit.
    """
    if random_state is None:
        return None
    if isinstance(random_state, np.random.RandomState):
        rng = copy.deepcopy(random_state)
    else:
        rng = check_random_state(random_state)
    return int(rng.randint(np.iinfo(np.int32).max)) + offset


def check_rows(estimator, X) -> np.ndarray:
    """``X`` as the fitted ``estimator``'s network takes it: float32 rows.

    Images of shape (n, h, w) or (n, h, w, c) are flattened; the rest is
    scikit-learn's validation (the number of features, feature names, NaN).
    """
    return validate_data(estimator, _flatten_images(X), reset=False, dtype=np.float32)


def _validated(checker, X, y, *, reset: bool):
    """scikit-learn's checks of the training data; images flattened first."""
    # With reset (fitting), y=None gets scikit-learn's "requires y".
    X, y = validate_data(checker, _flatten_images(X), y, reset=reset, dtype=np.float32)
    check_classification_targets(y)
    return X, y


def _flatten_images(X):
    """(n, h, w[, c]) arrays to (n, h*w*c) rows; other input unchanged."""
    if getattr(X, "ndim", 2) > 2:
        return np.reshape(X, (X.shape[0], -1))
    return X


def _validation_arrays(checker, labels: LabelEncoder, validation_data) -> tuple:
    """``(X, y[, sample_weight])`` given for validation, checked and encoded."""
    if len(validation_data) not in (2, 3):
        raise ValueError(
            "validation_data must be (X, y) or (X, y, sample_weight), got "
            f"a sequence of {len(validation_data)} items."
        )
    X, y, *weights = validation_data
    X, y = _validated(checker, X, y, reset=False)
    arrays = (X, labels.transform(y))
    return arrays + tuple(np.asarray(w, dtype=np.float32) for w in weights)


def _sample_weight(class_weight, y, sample_weight, labels) -> np.ndarray | None:
    """The rows' weights: ``sample_weight`` times ``class_weight``'s, or None."""
    if class_weight is None and sample_weight is None:
        return None
    weights = np.ones(len(y))
    if sample_weight is not None:
        weights = _checked_sample_weight(sample_weight, len(y))
    if class_weight == "balanced":
        weights = weights * compute_sample_weight("balanced", np.asarray(y))
    elif class_weight is not None:
        unknown = [key for key in class_weight if key not in set(labels.classes_)]
        if unknown:
            raise ValueError(
                f"class_weight has keys {unknown} that are not classes of y "
                f"{labels.classes_.tolist()}: use the labels themselves as keys "
                "(of the same type). A class left out of class_weight weighs 1."
            )
        weights = (
            weights
            * np.array([class_weight.get(c, 1.0) for c in labels.classes_])[
                np.searchsorted(labels.classes_, y)
            ]
        )
    return np.asarray(weights, dtype=np.float32)


def _checked_sample_weight(sample_weight, n_rows: int) -> np.ndarray:
    """``sample_weight`` as float64 weights, one >= 0 per row."""
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"sample_weight must be numbers, one per training image: {exc}"
        ) from None
    if weights.ndim == 0:  # one weight for every row, as scikit-learn allows
        weights = np.full(n_rows, float(weights))
    if weights.shape != (n_rows,):
        raise ValueError(
            f"sample_weight has shape {weights.shape}, but X has {n_rows} rows: "
            f"pass one weight per training image, shape ({n_rows},)."
        )
    if not np.isfinite(weights).all():
        raise ValueError(
            "sample_weight holds NaN or infinite values: pass finite weights >= 0."
        )
    if (weights < 0).any():
        raise ValueError(
            f"sample_weight holds {int((weights < 0).sum())} negative weights "
            f"(the smallest is {weights.min():g}): a negative weight would "
            "reward the network for misclassifying its image. Pass weights >= 0."
        )
    return weights

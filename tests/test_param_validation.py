"""Parameter validation: the module itself, and every public class and fetcher.

Validation comes before any data check and before any model is built, so
these tests train nothing (but one, for warm-start continuation): the bad
parameters go with data that would fail its own check, and the estimators
must come out with no fitted attribute at all.
"""

import inspect
import re
from numbers import Integral, Real

import keras
import numpy as np
import pytest

from skfashion import ANNClassifier, CNNClassifier, MinMax255, fetch_fashion_mnist
from skfashion._param_validation import (
    Hint,
    InstanceOf,
    Interval,
    InvalidParameterError,
    MappingOf,
    NameOf,
    Options,
    SequenceOf,
    StrOptions,
    SubclassOf,
    check_parameters,
    make_constraint,
    validate_parameter_constraints,
    validate_params,
    validated_fit,
)
from skfashion.callbacks import EmbeddingProjector, FeatureMapLogger, TensorBoard

CLASSIFIERS = [ANNClassifier, CNNClassifier]
CALLBACKS = [TensorBoard, FeatureMapLogger, EmbeddingProjector]

# 20 images of 784 random pixels; NaN-filled, they fail the data check,
# which the parameter check must come before.
RNG = np.random.RandomState(0)
X = RNG.rand(20, 784).astype(np.float32)
X_NAN = np.full((20, 784), np.nan)
Y = np.arange(20) % 2


class BadType:
    """A value no constraint accepts (scikit-learn's check_param_validation)."""

    def __repr__(self):
        return "BadType()"


def _message(param, owner, allowed, value):
    """The exact message, as a regular expression."""
    return re.escape(
        f"The {param!r} parameter of {owner} must be {allowed}. Got {value!r} instead."
    )


def _id(value) -> str:
    """A short, stable test id for a value."""
    text = repr(value)
    return type(value).__name__ if len(text) > 30 or " at 0x" in text else text


def _fitted_attributes(estimator) -> list[str]:
    return [k for k in vars(estimator) if k.endswith("_") and not k.endswith("__")]


# ===================================================================== module
def test_message_error_type_and_wording():
    constraints = {"dropout": [Interval(Real, 0, 1, closed="left")]}
    with pytest.raises(InvalidParameterError) as info:
        validate_parameter_constraints(constraints, {"dropout": 1.5}, "CNNClassifier")
    assert str(info.value) == (
        "The 'dropout' parameter of CNNClassifier must be a float in the range "
        "[0.0, 1.0). Got 1.5 instead."
    )
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)
    # Alternatives are listed as "a, b or c"; parameters without an entry
    # are not checked.
    constraints = {
        "x": [None, StrOptions(["a", "b"]), Interval(Integral, 1, 3, closed="both")]
    }
    with pytest.raises(
        ValueError,
        match=_message(
            "x", "f", "None, a str among {'a', 'b'} or an int in the range [1, 3]", 0
        ),
    ):
        validate_parameter_constraints(
            constraints, {"x": 0, "unchecked": BadType()}, "f"
        )
    validate_parameter_constraints(
        constraints, {"x": None, "unchecked": BadType()}, "f"
    )


@pytest.mark.parametrize(
    "closed, text, left_in, right_in",
    [
        ("left", "[0.0, 1.0)", True, False),
        ("right", "(0.0, 1.0]", False, True),
        ("both", "[0.0, 1.0]", True, True),
        ("neither", "(0.0, 1.0)", False, False),
    ],
)
def test_interval_ends(closed, text, left_in, right_in):
    interval = Interval(Real, 0, 1, closed=closed)
    assert str(interval) == f"a float in the range {text}"
    assert interval.is_satisfied_by(0) is left_in
    assert interval.is_satisfied_by(1.0) is right_in
    assert interval.is_satisfied_by(0.5)
    assert not interval.is_satisfied_by(-1e-9) and not interval.is_satisfied_by(
        1.0 + 1e-9
    )


def test_interval_infinite_ends():
    assert (
        str(Interval(Integral, 1, None, closed="left"))
        == "an int in the range [1, inf)"
    )
    assert (
        str(Interval(Real, None, 0, closed="right"))
        == "a float in the range (-inf, 0.0]"
    )
    half_open = Interval(Real, 0, None, closed="left")
    assert half_open.is_satisfied_by(1e300) and not half_open.is_satisfied_by(np.inf)
    assert Interval(Real, 0, None, closed="both").is_satisfied_by(np.inf)
    assert not Interval(Real, None, None, closed="neither").is_satisfied_by(-np.inf)


def test_bool_is_not_a_number_but_numpy_numbers_are():
    ints = Interval(Integral, 0, None, closed="left")
    floats = Interval(Real, 0, None, closed="left")
    for value in (True, False, np.True_, np.False_):
        assert not ints.is_satisfied_by(value)
        assert not floats.is_satisfied_by(value)
    for value in (3, np.int8(3), np.int64(3), np.uint32(3)):
        assert ints.is_satisfied_by(value) and floats.is_satisfied_by(value)
    for value in (3.0, np.float32(3), np.float64(3)):
        assert not ints.is_satisfied_by(value) and floats.is_satisfied_by(value)
    assert not floats.is_satisfied_by(np.nan)
    assert not ints.is_satisfied_by("3") and not floats.is_satisfied_by("3")
    boolean = make_constraint("boolean")
    assert boolean.is_satisfied_by(True) and boolean.is_satisfied_by(np.False_)
    assert not boolean.is_satisfied_by(1) and not boolean.is_satisfied_by(None)
    assert str(boolean) == "a bool"


def test_interval_refuses_bad_definitions():
    with pytest.raises(ValueError, match="numbers.Integral or numbers.Real"):
        Interval(int, 0, 1, closed="left")
    with pytest.raises(ValueError, match="closed must be"):
        Interval(Real, 0, 1, closed="open")
    with pytest.raises(ValueError, match="right must be greater than left"):
        Interval(Real, 1, 1, closed="both")


def test_options_keep_their_order_and_sets_are_sorted():
    assert (
        str(StrOptions(["cosine", "constant"])) == "a str among {'cosine', 'constant'}"
    )
    assert str(StrOptions({"b", "c", "a"})) == "a str among {'a', 'b', 'c'}"
    options = Options(int, [1, 2])
    assert options.is_satisfied_by(2) and not options.is_satisfied_by(3)
    assert not StrOptions(["a"]).is_satisfied_by(["a"])  # unhashable: no error


def test_sequences_mappings_and_types():
    sizes = SequenceOf(Interval(Integral, 1, None, closed="left"), min_length=1)
    assert (
        str(sizes)
        == "a non-empty tuple or list, each item an int in the range [1, inf)"
    )
    assert sizes.is_satisfied_by((3,)) and sizes.is_satisfied_by([2, np.int64(5)])
    for value in ((), (0,), (2, 2.0), (True,), 3, "12", np.array([1, 2])):
        assert not sizes.is_satisfied_by(value), value
    shape = SequenceOf(Interval(Integral, 1, None, closed="left"), lengths=(2, 3))
    assert str(shape).startswith("a tuple or list of 2 or 3 items, each an int")
    assert shape.is_satisfied_by((28, 28)) and not shape.is_satisfied_by((28,))
    assert str(SequenceOf(str)) == "a tuple or list, each item an instance of 'str'"
    assert SequenceOf(str).is_satisfied_by([])

    weights = MappingOf(Interval(Real, 0, None, closed="left"))
    assert weights.is_satisfied_by({0: 1, "a": 0.5}) and weights.is_satisfied_by({})
    assert not weights.is_satisfied_by({0: -1}) and not weights.is_satisfied_by([1])

    assert str(InstanceOf(keras.callbacks.Callback, "keras.callbacks.Callback")) == (
        "an instance of 'keras.callbacks.Callback'"
    )
    assert str(make_constraint(np.random.RandomState)) == (
        "an instance of 'numpy.random.mtrand.RandomState'"
    )
    subclass = SubclassOf(keras.optimizers.Optimizer, "keras.optimizers.Optimizer")
    assert subclass.is_satisfied_by(keras.optimizers.SGD)
    assert not subclass.is_satisfied_by(keras.optimizers.SGD())
    assert not subclass.is_satisfied_by(keras.layers.Dense)


def test_keywords_none_and_array_like():
    random_state = make_constraint("random_state")
    for value in (None, 0, 2**32 - 1, np.int64(7), np.random.RandomState(0)):
        assert random_state.is_satisfied_by(value)
    for value in (-1, 2**32, True, 1.0, "0", np.random.default_rng(0)):
        assert not random_state.is_satisfied_by(value)
    array_like = make_constraint("array-like")
    for value in ([1], (1, 2), np.zeros((2, 2)), {"a": 1}):
        assert array_like.is_satisfied_by(value)
    for value in ("abc", 1, 1.0, None):
        assert not array_like.is_satisfied_by(value)
    assert make_constraint(None).is_satisfied_by(None)
    assert not make_constraint(None).is_satisfied_by(0)
    with pytest.raises(ValueError, match="Unknown constraint"):
        make_constraint("boolean-ish")


def test_name_lookup_remembers_only_known_names():
    calls = []

    def lookup(name):
        calls.append(name)
        if name != "adam":
            raise ValueError(name)

    names = NameOf(lookup, "an optimizer ('adam', ...)")
    assert str(names) == "a str naming an optimizer ('adam', ...)"
    assert names.is_satisfied_by("adam") and names.is_satisfied_by("adam")
    assert not names.is_satisfied_by("adamm") and not names.is_satisfied_by("adamm")
    assert not names.is_satisfied_by(3)
    # A known name is looked up once; an unknown one every time (it may be
    # registered later).
    assert calls == ["adam", "adamm", "adamm"]


def test_hint_is_added_only_for_its_values_and_never_listed():
    constraints = {
        "patience": [
            None,
            Interval(Integral, 1, None, closed="left"),
            Hint("boolean", "Pass an int."),
        ]
    }
    allowed = "None or an int in the range [1, inf)"
    with pytest.raises(ValueError) as info:
        validate_parameter_constraints(constraints, {"patience": True}, "f")
    assert str(info.value) == (
        f"The 'patience' parameter of f must be {allowed}. Got True instead. "
        "Pass an int."
    )
    with pytest.raises(ValueError) as info:
        validate_parameter_constraints(constraints, {"patience": 0}, "f")
    assert str(info.value).endswith("Got 0 instead.")


def test_validate_params_decorator():
    @validate_params({"n": [Interval(Integral, 0, None, closed="left")], "name": [str]})
    def function(n, *args, name="x", **kwargs):
        return n, name

    assert function(1, 2, 3, name="y", other=BadType()) == (1, "y")
    with pytest.raises(
        ValueError,
        match=_message("n", function.__qualname__, "an int in the range [0, inf)", -1),
    ):
        function(-1)
    with pytest.raises(ValueError, match="'name' parameter"):
        function(1, name=None)
    assert set(function._parameter_constraints) == {"n", "name"}
    assert list(inspect.signature(function).parameters) == [
        "n",
        "args",
        "name",
        "kwargs",
    ]
    with pytest.raises(ValueError, match=r"\['m'\], which are not arguments"):
        validate_params({"m": [None]})(lambda n: n)


def test_check_parameters_and_validated_fit():
    class Estimator:
        _parameter_constraints = {"alpha": [Interval(Real, 0, None, closed="left")]}

        def __init__(self, alpha=1.0):
            self.alpha = alpha

        def _check_params(self):
            check_parameters(self)

        @validated_fit
        def fit(self, X):
            self.fitted_ = X
            return self

    assert Estimator().fit(1).fitted_ == 1
    estimator = Estimator(alpha=-1)
    with pytest.raises(
        ValueError,
        match=_message("alpha", "Estimator", "a float in the range [0.0, inf)", -1),
    ):
        estimator.fit(1)
    assert not hasattr(estimator, "fitted_")
    assert Estimator.fit.__name__ == "fit"


# ================================================================ classifiers
# (parameter, bad value, the allowed values as the message states them)
TRAINING_CASES = [
    ("dropout", 1.5, "a float in the range [0.0, 1.0)"),
    ("dropout", -0.1, "a float in the range [0.0, 1.0)"),
    ("dropout", True, "a float in the range [0.0, 1.0)"),
    ("epochs", 0, "an int in the range [1, inf) or a str among {'auto'}"),
    ("epochs", 2.5, "an int in the range [1, inf) or a str among {'auto'}"),
    ("epochs", 2.0, "an int in the range [1, inf) or a str among {'auto'}"),
    ("epochs", True, "an int in the range [1, inf) or a str among {'auto'}"),
    ("batch_size", 0, "an int in the range [1, inf) or a str among {'auto'}"),
    ("batch_size", None, "an int in the range [1, inf) or a str among {'auto'}"),
    ("learning_rate", 0, "a float in the range (0.0, inf)"),
    ("learning_rate", -1e-3, "a float in the range (0.0, inf)"),
    ("learning_rate", np.inf, "a float in the range (0.0, inf)"),
    ("learning_rate", "fast", "a float in the range (0.0, inf)"),
    ("weight_decay", -1e-4, "a float in the range [0.0, inf)"),
    ("weight_decay", None, "a float in the range [0.0, inf)"),
    ("label_smoothing", 1.0, "a float in the range [0.0, 1.0)"),
    ("label_smoothing", -0.1, "a float in the range [0.0, 1.0)"),
    ("validation_split", 1.0, "a float in the range [0.0, 1.0)"),
    ("validation_split", -0.1, "a float in the range [0.0, 1.0)"),
    ("early_stopping", 0, "None or an int in the range [1, inf)"),
    ("early_stopping", True, "None or an int in the range [1, inf)"),
    ("early_stopping", False, "None or an int in the range [1, inf)"),
    ("early_stopping", 2.5, "None or an int in the range [1, inf)"),
    (
        "class_weight",
        "bogus",
        "a dict with each value a float in the range [0.0, inf), a str among "
        "{'balanced'} or None",
    ),
    (
        "class_weight",
        {0: -1.0, 1: 1.0},
        "a dict with each value a float in the range [0.0, inf), a str among "
        "{'balanced'} or None",
    ),
    ("lr_schedule", "linear", "a str among {'cosine', 'constant', 'triangular'}"),
    *[
        (
            "optimizer",
            value,
            "a str naming a Keras optimizer ('adamw', 'sgd', ...), a subclass of "
            "'keras.optimizers.Optimizer' or an instance of "
            "'keras.optimizers.Optimizer'",
        )
        for value in ("adamm", 42, keras.layers.Dense, {"class_name": "Adam"})
    ],
    ("verbose", -1, "an int in the range [0, 2] or a bool"),
    ("verbose", 3, "an int in the range [0, 2] or a bool"),
    ("shuffle", 1, "a bool"),
    ("shuffle", "yes", "a bool"),
    ("warm_start", None, "a bool"),
    ("batch_normalization", 0, "a bool"),
    *[
        (
            "random_state",
            value,
            "an int in the range [0, 4294967295], an instance of "
            "'numpy.random.RandomState' or None",
        )
        for value in (-1, True, "seed", 1.5)
    ],
    *[
        (
            "callbacks",
            value,
            "None or a tuple or list, each item an instance of "
            "'keras.callbacks.Callback' or a subclass of 'keras.callbacks.Callback'",
        )
        for value in (TensorBoard(), [object()], "tensorboard", [TensorBoard, dict])
    ],
]
SIZES = "a non-empty tuple or list, each item an int in the range [1, inf)"
ANN_CASES = [
    ("hidden_layer_sizes", (0,), SIZES),
    ("hidden_layer_sizes", (), SIZES),
    ("hidden_layer_sizes", (64, 32.0), SIZES),
    ("hidden_layer_sizes", 64, SIZES),
    ("hidden_layer_sizes", "64", SIZES),
    ("activation", "relux", "a str naming a Keras activation ('relu', 'gelu', ...)"),
    ("activation", None, "a str naming a Keras activation ('relu', 'gelu', ...)"),
]
POSITIVE = "an int in the range [1, inf)"
POSITIVE_OR_AUTO = "an int in the range [1, inf) or a str among {'auto'}"
CNN_CASES = [
    ("filters", (), SIZES),
    ("filters", (8, 0), SIZES),
    ("dense_units", (), SIZES),
    ("dense_units", (-1,), SIZES),
    ("convs_per_block", 0, POSITIVE),
    ("kernel_size", 0, POSITIVE),
    ("kernel_size", (3, 3), POSITIVE),
    ("pool_size", 0, POSITIVE),
    ("pool_size", 2.0, POSITIVE),
    ("augmentation", None, "a bool"),
    ("test_time_augmentation", "yes", "a bool"),
    ("pool_first", 1, "a bool"),
    (
        "image_shape",
        (28,),
        "None or a tuple or list of 2 or 3 items, each an int in the range [1, inf)",
    ),
    (
        "image_shape",
        (28, 0, 1),
        "None or a tuple or list of 2 or 3 items, each an int in the range [1, inf)",
    ),
]
CASES = [
    *[
        pytest.param(cls, *case, id=f"{cls.__name__}-{case[0]}={_id(case[1])}")
        for cls in CLASSIFIERS
        for case in TRAINING_CASES
    ],
    *[
        pytest.param(ANNClassifier, *case, id=f"ANNClassifier-{case[0]}={_id(case[1])}")
        for case in ANN_CASES
    ],
    *[
        pytest.param(CNNClassifier, *case, id=f"CNNClassifier-{case[0]}={_id(case[1])}")
        for case in CNN_CASES
    ],
]


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("cls, param, value, allowed", CASES)
def test_classifier_rejects_before_data_check_and_build(
    cls, param, value, allowed, method
):
    estimator = cls(**{param: value})
    with pytest.raises(ValueError, match=_message(param, cls.__name__, allowed, value)):
        getattr(estimator, method)(X_NAN, Y)
    assert _fitted_attributes(estimator) == []
    assert estimator.get_params()[param] is value  # stored as given, unchanged


def test_early_stopping_bool_says_to_pass_the_patience():
    for value in (True, False):
        with pytest.raises(
            ValueError,
            match=r"Got (True|False) instead\. Pass the patience as an integer",
        ):
            CNNClassifier(early_stopping=value).fit(X, Y)


@pytest.mark.parametrize(
    "cls, params, message",
    [
        (
            ANNClassifier,
            {"model__dropout": 2.0},
            _message(
                "model__dropout",
                "ANNClassifier",
                "a float in the range [0.0, 1.0)",
                2.0,
            ),
        ),
        (
            CNNClassifier,
            {"model__filters": ()},
            _message("model__filters", "CNNClassifier", SIZES, ()),
        ),
        (
            CNNClassifier,
            {"fit__batch_size": 0},
            _message("fit__batch_size", "CNNClassifier", POSITIVE_OR_AUTO, 0),
        ),
        (
            ANNClassifier,
            {"fit__epochs": 0},
            _message("fit__epochs", "ANNClassifier", POSITIVE_OR_AUTO, 0),
        ),
        (
            ANNClassifier,
            {"predict__batch_size": None},
            _message("predict__batch_size", "ANNClassifier", POSITIVE, None),
        ),
        (
            CNNClassifier,
            {"predict__batch_size": "auto"},
            _message("predict__batch_size", "CNNClassifier", POSITIVE, "auto"),
        ),
        (
            ANNClassifier,
            {"model__filters": (8,)},
            r"unknown parameter 'model__filters': model__<name> overrides an "
            "architecture parameter, one of hidden_layer_sizes, activation",
        ),
        (
            CNNClassifier,
            {"optimiser__lr": 0.1},
            r"unknown parameter 'optimiser__lr'\. Routed parameters start with "
            "optimizer__, model__, fit__, predict__",
        ),
    ],
)
def test_routed_parameters_are_checked_in_the_same_step(cls, params, message):
    estimator = cls(**params)
    with pytest.raises(ValueError, match=message):
        estimator.fit(X_NAN, Y)
    assert _fitted_attributes(estimator) == []


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_valid_edge_values_are_accepted(cls):
    architecture = (
        {"hidden_layer_sizes": [4, np.int64(3)], "activation": "gelu", "dropout": 0}
        if cls is ANNClassifier
        else {
            "filters": [np.int32(2)],
            "kernel_size": np.int64(1),
            "image_shape": [28, 28],
        }
    )
    estimator = cls(
        **architecture,
        epochs=np.int64(2),
        batch_size=np.int32(8),
        learning_rate=1,
        weight_decay=0,
        label_smoothing=0,
        validation_split=np.float32(0.5),
        early_stopping=np.int64(3),
        class_weight={0: 1, 1: np.float64(2.5)},
        shuffle=np.False_,
        random_state=np.random.RandomState(0),
        verbose=True,
        callbacks=(TensorBoard, TensorBoard(histogram_freq=0)),
        fit__batch_size=np.int64(4),
        optimizer__beta_1=0.5,
    )
    for optimizer in ("Adam", "sgd", keras.optimizers.RMSprop, keras.optimizers.SGD()):
        estimator.set_params(optimizer=optimizer)._check_params()
    estimator.set_params(early_stopping=None, class_weight="balanced", callbacks=[])
    estimator._check_params()


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_every_parameter_has_a_constraint_that_refuses_a_bad_type(cls):
    # scikit-learn's check_param_validation, which parametrize_with_checks
    # does not run.
    own = [p for p in inspect.signature(cls).parameters if p != "kwargs"]
    assert sorted(cls._parameter_constraints) == sorted(own)
    for param in own:
        estimator = cls(**{param: BadType()})
        with pytest.raises(
            ValueError,
            match=rf"The '{param}' parameter of {cls.__name__} must be .* "
            r"Got BadType\(\) instead\.",
        ):
            estimator.fit(X_NAN, Y)
        assert _fitted_attributes(estimator) == []


def test_fitted_estimator_keeps_its_model_on_a_bad_parameter():
    # warm_start and partial_fit continue from the fitted network: a bad
    # parameter must leave it as it was. (The one test that trains: the
    # check is the base class's, the same for both classifiers.)
    estimator = ANNClassifier(
        hidden_layer_sizes=(4,), epochs=1, batch_size=10, random_state=0
    ).fit(X, Y)
    model, history = estimator.model_, dict(estimator.history_)
    weights = [w.copy() for w in model.get_weights()]
    for param, value in [("epochs", 0), ("batch_size", 0), ("dropout", 1.0)]:
        default = estimator.get_params()[param]
        estimator.set_params(warm_start=True, **{param: value})
        for method in (estimator.fit, estimator.partial_fit):
            with pytest.raises(ValueError, match=f"The '{param}' parameter"):
                method(X, Y)
        estimator.set_params(**{param: default})
    assert estimator.model_ is model and estimator.history_ == history
    for before, after in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)


# ================================================================== callbacks
LAYER_NAMES = (
    "None, an instance of 'str' or a non-empty tuple or list, each item an "
    "instance of 'str'"
)
CALLBACK_CASES = [
    (TensorBoard, "histogram_freq", -1, "an int in the range [0, inf)"),
    (TensorBoard, "histogram_freq", 1.0, "an int in the range [0, inf)"),
    (TensorBoard, "histogram_freq", True, "an int in the range [0, inf)"),
    (
        TensorBoard,
        "update_freq",
        "epochs",
        "a str among {'epoch', 'batch'} or an int in the range [1, inf)",
    ),
    (
        TensorBoard,
        "update_freq",
        0,
        "a str among {'epoch', 'batch'} or an int in the range [1, inf)",
    ),
    (TensorBoard, "write_graph", "yes", "a bool"),
    (
        TensorBoard,
        "log_dir",
        None,
        "an instance of 'str' or an instance of 'os.PathLike'",
    ),
    (FeatureMapLogger, "n_images", 0, POSITIVE),
    (FeatureMapLogger, "every_n_epochs", 0, POSITIVE),
    (FeatureMapLogger, "max_maps", 0, "an int in the range [1, inf) or None"),
    (
        FeatureMapLogger,
        "layers",
        [],
        LAYER_NAMES,
    ),
    (
        FeatureMapLogger,
        "layers",
        1,
        LAYER_NAMES,
    ),
    (FeatureMapLogger, "probe", "images", "None or an array-like"),
    (EmbeddingProjector, "n_probe", 0, POSITIVE),
    (EmbeddingProjector, "n_probe", None, POSITIVE),
    (EmbeddingProjector, "layer", None, "an instance of 'str'"),
    (EmbeddingProjector, "every_n_epochs", 0, "an int in the range [1, inf) or None"),
    (EmbeddingProjector, "every_n_batches", 0, "an int in the range [1, inf) or None"),
    (
        EmbeddingProjector,
        "probe",
        (X,),
        "None or a tuple or list of 2 items, each an array-like",
    ),
    (
        EmbeddingProjector,
        "target_names",
        "abc",
        "None, an array-like or an instance of 'dict'",
    ),
    (EmbeddingProjector, "sprite", None, "a bool"),
]


@pytest.mark.parametrize(
    "cls, param, value, allowed",
    [
        pytest.param(*case, id=f"{case[0].__name__}-{case[1]}={_id(case[2])}")
        for case in CALLBACK_CASES
    ],
)
def test_callback_rejects_in_keras_and_before_the_classifier_builds(
    cls, param, value, allowed
):
    callback = cls(**{param: value})
    message = _message(param, cls.__name__, allowed, value)
    # Used directly in Keras: checked first thing in on_train_begin, before
    # the model (none here) is looked at.
    with pytest.raises(ValueError, match=message):
        callback.on_train_begin()
    # A classifier's callback: checked with the classifier's parameters.
    estimator = ANNClassifier(callbacks=[callback])
    with pytest.raises(ValueError, match=message):
        estimator.fit(X_NAN, Y)
    assert _fitted_attributes(estimator) == []


def test_projector_probe_array_gets_a_hint():
    with pytest.raises(
        ValueError,
        match=r"(?s)Got array\(.*\) instead\. Pass the images with their labels: "
        r"probe=\(X, y\)\.",
    ):
        EmbeddingProjector(probe=X).on_train_begin()


@pytest.mark.parametrize("cls", CALLBACKS)
def test_every_callback_parameter_has_a_constraint(cls):
    own = list(inspect.signature(cls).parameters)
    assert sorted(cls._parameter_constraints) == sorted(own)
    for param in own:
        with pytest.raises(
            ValueError,
            match=rf"The '{param}' parameter of {cls.__name__} must be .* "
            r"Got BadType\(\) instead\.",
        ):
            cls(**{param: BadType()}).on_train_begin()
    check_parameters(cls())  # the defaults are valid


# ================================================================== MinMax255
@pytest.mark.parametrize(
    "param, value, allowed",
    [
        (
            "dtype",
            np.int32,
            "np.float32 or np.float64 (the type, its dtype or its name)",
        ),
        ("dtype", "int8", "np.float32 or np.float64 (the type, its dtype or its name)"),
        ("dtype", None, "np.float32 or np.float64 (the type, its dtype or its name)"),
        (
            "dtype",
            "bogus",
            "np.float32 or np.float64 (the type, its dtype or its name)",
        ),
        ("clip", 1, "a bool"),
        ("clip", "yes", "a bool"),
    ],
)
def test_minmax255_rejects_in_fit_and_in_unfitted_transform(param, value, allowed):
    scaler = MinMax255(**{param: value})
    message = _message(param, "MinMax255", allowed, value)
    with pytest.raises(ValueError, match=message):
        scaler.fit(X_NAN)
    assert _fitted_attributes(scaler) == []
    with pytest.raises(ValueError, match=message):
        scaler.transform(X)  # stateless: transform works, and checks, unfitted
    scaler.__sklearn_tags__()  # tags stay readable


def test_minmax255_dtype_forms():
    for dtype in (np.float32, "float64", np.dtype("float32"), "f8"):
        MinMax255(dtype=dtype)._check_params()
    assert sorted(MinMax255._parameter_constraints) == ["clip", "dtype"]


# ========================================================= fetch_fashion_mnist
@pytest.mark.parametrize(
    "param, value, allowed",
    [
        ("subset", "validation", "a str among {'train', 'test', 'all'}"),
        ("subset", None, "a str among {'train', 'test', 'all'}"),
        ("data_home", 3, "an instance of 'str', an instance of 'os.PathLike' or None"),
        ("download_if_missing", "no", "a bool"),
        ("return_X_y", 1, "a bool"),
        (
            "mirrors",
            "https://example.org/",
            "None or a non-empty tuple or list, each item an instance of 'str'",
        ),
        (
            "mirrors",
            [],
            "None or a non-empty tuple or list, each item an instance of 'str'",
        ),
        (
            "mirrors",
            [None],
            "None or a non-empty tuple or list, each item an instance of 'str'",
        ),
        ("n_retries", -1, "an int in the range [0, inf)"),
        ("n_retries", 1.5, "an int in the range [0, inf)"),
        ("n_retries", True, "an int in the range [0, inf)"),
        ("delay", -1.0, "a float in the range [0.0, inf)"),
        ("delay", "1", "a float in the range [0.0, inf)"),
        ("delay", np.nan, "a float in the range [0.0, inf)"),
    ],
)
def test_fetch_rejects_before_touching_the_cache(tmp_path, param, value, allowed):
    home = tmp_path / "home"
    kwargs = {"data_home": home, "download_if_missing": False, param: value}
    with pytest.raises(
        ValueError, match=_message(param, "fetch_fashion_mnist", allowed, value)
    ):
        fetch_fashion_mnist(**kwargs)
    assert not home.exists()


def test_fetch_keeps_its_signature_and_one_table():
    params = inspect.signature(fetch_fashion_mnist).parameters
    assert sorted(fetch_fashion_mnist._parameter_constraints) == sorted(params)
    assert all(p.kind is p.KEYWORD_ONLY for p in params.values())


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"optimizer__learning_rate": -1},
            _message(
                "optimizer__learning_rate",
                "ANNClassifier",
                "a float in the range (0.0, inf) or an instance of "
                "'keras.optimizers.schedules.LearningRateSchedule'",
                -1,
            ),
        ),
        (
            {"optimizer__weight_decay": -0.1},
            _message(
                "optimizer__weight_decay",
                "ANNClassifier",
                "a float in the range [0.0, inf) or None",
                -0.1,
            ),
        ),
    ],
)
def test_a_negative_routed_learning_rate_or_decay_is_refused(params, message):
    X, y = np.zeros((6, 4)), np.arange(6) % 2
    with pytest.raises(InvalidParameterError, match=message):
        ANNClassifier(**params).fit(X, y)
    # Other optimizer arguments are Keras' to check; a schedule is welcome.
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-3, 10, 0.9)
    ANNClassifier(
        hidden_layer_sizes=(4,), epochs=1, optimizer__learning_rate=schedule
    ).fit(X, y)

"""A fit that fails leaves a fitted classifier as it was, and says why."""

import keras
import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skfashion import ANNClassifier, CNNClassifier

SMALL = {
    ANNClassifier: {"hidden_layer_sizes": (16,)},
    CNNClassifier: {"filters": (4,), "dense_units": (8,)},
}


def _blobs(n=60, n_features=16):
    rng = np.random.RandomState(0)
    y = np.arange(n) % 3
    X = rng.rand(n, n_features).astype(np.float32) * 0.2 + y[:, None] * 0.4
    return X, y


@pytest.fixture(params=[ANNClassifier, CNNClassifier], ids=["ann", "cnn"])
def fitted(request):
    X, y = _blobs()
    cls = request.param
    est = cls(epochs=2, batch_size=16, random_state=0, **SMALL[cls]).fit(X, y)
    return est, X, y


class Boom(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        raise RuntimeError("boom")


def _nan(X):
    X = X.copy()
    X[3, 2] = np.nan
    return X


X0, Y0 = _blobs()
# (what to change, what fit is given, the error and its message)
FAILURES = {
    "nan": ({}, (_nan(X0), Y0), ValueError, "Input X contains NaN"),
    "one class": ({}, (X0, np.zeros(60)), ValueError, "at least 2 classes"),
    "lengths": ({}, (X0, Y0[:50]), ValueError, "inconsistent numbers"),
    "bad parameter": ({"epochs": 0}, (X0, Y0), ValueError, "'epochs' parameter"),
    "negative weights": (
        {},
        (X0, Y0, -np.ones(60)),
        ValueError,
        r"sample_weight holds 60 negative weights \(the smallest is -1\)",
    ),
    "weights of another length": (
        {"class_weight": "balanced"},
        (X0, Y0, np.ones(59)),
        ValueError,
        r"sample_weight has shape \(59,\), but X has 60 rows",
    ),
    "unknown class weight": (
        {"class_weight": {0: 2.0, 99: 5.0}},
        (X0, Y0),
        ValueError,
        r"class_weight has keys \[99\] that are not classes of y \[0, 1, 2\]",
    ),
    "class weight of another type": (
        {"class_weight": {"0": 5.0}},
        (X0, Y0),
        ValueError,
        r"class_weight has keys \['0'\] that are not classes",
    ),
    "diverged": (
        {"learning_rate": 1e6, "epochs": 3},
        (X0 * 1000, Y0),
        ValueError,
        "Training diverged: .* learning rate is likely too high",
    ),
    "interrupted": ({"callbacks": [Boom()]}, (X0, Y0), RuntimeError, "boom"),
}


@pytest.mark.parametrize("case", FAILURES, ids=list(FAILURES))
def test_a_failed_fit_keeps_the_fitted_state(fitted, case):
    est, X, _ = fitted
    proba = est.predict_proba(X)
    state = {k: v for k, v in vars(est).items() if k.endswith("_")}
    changes, args, error, message = FAILURES[case]
    est.set_params(**changes)
    with pytest.raises(error, match=message):
        est.fit(*args)
    after = {k: v for k, v in vars(est).items() if k.endswith("_")}
    assert after.keys() == state.keys()
    assert all(after[k] is state[k] for k in state), case
    assert_array_equal(est.predict_proba(X), proba)


def test_a_failed_warm_or_partial_fit_keeps_the_network(fitted):
    est, X, y = fitted
    proba = est.predict_proba(X)
    est.set_params(warm_start=True)
    with pytest.raises(ValueError, match="X has 10 features, but .* expecting 16"):
        est.fit(X[:, :10], y)
    with pytest.raises(ValueError, match=r"labels \[7\] that are not among"):
        est.partial_fit(X[:3], [7, 7, 7])
    with pytest.raises(TypeError, match="partial_fit always trains one epoch"):
        est.partial_fit(X, y, epochs=3)
    assert_array_equal(est.predict_proba(X), proba)
    assert est.n_iter_ == 2 and len(est.history_["loss"]) == 2

"""Batch-normalization statistics: those of the training data, after every fit."""

import keras
import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.metrics import accuracy_score

from skfashion import ANNClassifier, CNNClassifier, MinMax255, fetch_fashion_mnist
from skfashion._batch_norm import MAX_ROWS, statistics_rows

SMALL = {
    ANNClassifier: {"hidden_layer_sizes": (32, 16)},
    # Batch normalization is off by default in the CNN.
    CNNClassifier: {
        "filters": (8, 16),
        "dense_units": (32,),
        "batch_normalization": True,
    },
}


@pytest.fixture(scope="module")
def fashion(fashion_home):
    """600 training and 1,000 test images of the real data, scaled to [0, 1]."""
    X, y = fetch_fashion_mnist(data_home=fashion_home, return_X_y=True)
    X_test, y_test = fetch_fashion_mnist(
        subset="test", data_home=fashion_home, return_X_y=True
    )
    scale = MinMax255().transform
    return scale(X[:600]), y[:600], scale(X_test[:1000]), y_test[:1000]


def _direct_statistics(model, rows) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Each BN layer's input mean and variance over ``rows``, computed directly."""
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            inputs = keras.Model(model.inputs, layer.input).predict(rows, verbose=0)
            inputs = inputs.reshape(-1, inputs.shape[-1]).astype(np.float64)
            found.append((layer.name, inputs.mean(axis=0), inputs.var(axis=0)))
    return found


def _assert_statistics_of(model, rows):
    direct = _direct_statistics(model, rows)
    assert len(direct) == 2  # both small networks have two BN layers
    for name, mean, variance in direct:
        layer = model.get_layer(name)
        assert_allclose(layer.moving_mean.numpy(), mean, rtol=1e-5, atol=1e-6)
        assert_allclose(layer.moving_variance.numpy(), variance, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", [ANNClassifier, CNNClassifier], ids=["ann", "cnn"])
def test_statistics_are_the_training_datas_after_fit(cls, fashion):
    X, y, _, _ = fashion
    # Three optimizer steps: Keras' moving averages (momentum 0.99) would
    # still be near their initial 0 and 1.
    est = cls(epochs=1, batch_size=200, random_state=0, **SMALL[cls]).fit(X, y)
    _assert_statistics_of(est.model_, X)


def test_statistics_follow_the_training_rows_of_every_kind_of_fit(fashion):
    X, y, _, _ = fashion
    small = ANNClassifier(
        epochs=1, batch_size=100, random_state=0, **SMALL[ANNClassifier]
    )
    # The validation rows (the last quarter) are not training rows.
    held_out = clone(small).set_params(validation_split=0.25).fit(X, y)
    _assert_statistics_of(held_out.model_, X[:450])
    # Rows of weight 0 are not trained on.
    weights = np.r_[np.ones(300), np.zeros(300)]
    weighted = clone(small).fit(X, y, sample_weight=weights)
    _assert_statistics_of(weighted.model_, X[:300])
    # partial_fit and warm start: the rows of the last call.
    partial = clone(small).partial_fit(X[:300], y[:300], classes=np.arange(10))
    partial.partial_fit(X[300:], y[300:])
    _assert_statistics_of(partial.model_, X[300:])
    warm = clone(small).set_params(warm_start=True).fit(X[:300], y[:300])
    warm.fit(X[300:], y[300:])
    _assert_statistics_of(warm.model_, X[300:])


def test_validation_figures_are_measured_as_predict_measures(fashion):
    X, y, X_test, y_test = fashion
    est = CNNClassifier(
        epochs=2, batch_size=100, random_state=0, **SMALL[CNNClassifier]
    )
    est.fit(X, y, validation_data=(X_test, y_test))
    # Keras evaluates in batches, predict in one call: the same statistics,
    # up to float rounding (at most one image's argmax in 1,000).
    predicted = accuracy_score(y_test, est.predict(X_test))
    assert abs(est.history_["val_accuracy"][-1] - predicted) <= 1 / len(y_test)
    assert est.history_["val_accuracy"][-1] > 0.4  # a network that learned


@pytest.mark.parametrize("cls", [ANNClassifier, CNNClassifier], ids=["ann", "cnn"])
def test_a_small_fit_scores_like_a_working_network(cls, fashion):
    # 600 real images and 10 epochs of 64 (100 optimizer steps): before the
    # statistics pass, the CNN scored about 30% here and the ANN about 60%.
    X, y, X_test, y_test = fashion
    est = cls(epochs=10, batch_size=64, batch_normalization=True, random_state=0)
    est.fit(X, y)
    assert est.score(X_test, y_test) > 0.75


def test_statistics_rows_are_an_even_sample_of_large_data():
    X = np.arange(3 * MAX_ROWS + 5, dtype=np.float32)[:, None]
    rows = statistics_rows(X)
    assert MAX_ROWS // 2 < len(rows) <= MAX_ROWS
    assert rows[0, 0] == 0 and np.ptp(np.diff(rows[:, 0])) == 0
    small = X[:100]
    assert statistics_rows(small) is small

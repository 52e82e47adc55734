"""The tf.data pipelines that feed the networks (skfashion._pipeline)."""

import numpy as np
import pytest
import tensorflow as tf

from skfashion import ANNClassifier, MinMax255, fetch_fashion_mnist
from skfashion._pipeline import array_dataset, split_off_validation


def _passes(dataset, n_passes):
    return [
        [tuple(t.numpy() for t in batch) for batch in dataset] for _ in range(n_passes)
    ]


def test_batches_hold_every_row_once_in_order():
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    (batches,) = _passes(array_dataset((X, y), batch_size=4), 1)
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), X)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)


def test_shuffling_draws_a_new_order_each_pass_and_keeps_rows_together():
    X = np.arange(100, dtype=np.float32)[:, None] * [1, 10]
    y = np.arange(100)
    tf.random.set_seed(0)
    first, second = _passes(array_dataset((X, y), 32, shuffle=True), 2)
    orders = []
    for batches in (first, second):
        rows = np.concatenate([b[0] for b in batches])
        labels = np.concatenate([b[1] for b in batches])
        np.testing.assert_array_equal(rows[:, 0], labels)  # rows stay whole
        np.testing.assert_array_equal(np.sort(labels), y)  # every row once
        orders.append(labels)
    assert not np.array_equal(orders[0], y)
    assert not np.array_equal(orders[0], orders[1])


def test_shuffled_order_follows_the_global_seed():
    y = np.arange(50)
    orders = []
    for _ in range(2):
        tf.random.set_seed(7)
        (batches,) = _passes(array_dataset((y,), 50, shuffle=True), 1)
        orders.append(batches[0][0])
    np.testing.assert_array_equal(*orders)


def test_autotuner_is_off():
    # Its thread is what stalled Keras between epochs; see _pipeline's docstring.
    dataset = array_dataset((np.zeros((3, 2), np.float32),), 2, shuffle=True)
    assert dataset.options().autotune.enabled is False


def test_validation_split_takes_the_last_rows_as_keras_does():
    X = np.arange(10)
    y = np.arange(10) * 2
    (X_train, y_train), (X_val, y_val) = split_off_validation((X, y), 0.25)
    # Keras: split_at = floor(10 * 0.75) = 7
    np.testing.assert_array_equal(X_train, np.arange(7))
    np.testing.assert_array_equal(y_train, np.arange(7) * 2)
    np.testing.assert_array_equal(X_val, [7, 8, 9])
    np.testing.assert_array_equal(y_val, [14, 16, 18])
    with pytest.raises(ValueError, match="leaves no rows for training or for val"):
        split_off_validation((X, y), 0.95)


def test_estimator_validates_on_the_last_rows(fashion_home):
    X, y = fetch_fashion_mnist(data_home=fashion_home, return_X_y=True)
    X, y = MinMax255().transform(X[:400]), y[:400]
    est = ANNClassifier(
        hidden_layer_sizes=(16,), epochs=1, validation_split=0.25, random_state=0
    ).fit(X, y)
    split_at = int(np.floor(len(X) * 0.75))
    # After the last epoch the weights are those the validation pass used.
    accuracy = np.mean(est.predict(X[split_at:]) == y[split_at:])
    assert est.history_["val_accuracy"][-1] == pytest.approx(accuracy, abs=1e-6)
    # and the training rows only were used for the steps taken
    steps = int(np.ceil(split_at / est.batch_size))
    assert int(est.model_.optimizer.iterations.numpy()) == steps

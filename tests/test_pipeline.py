"""The tf.data pipelines that feed the networks (skfashion._pipeline)."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.base import clone

from skfashion import ANNClassifier, MinMax255, fetch_fashion_mnist
from skfashion._pipeline import array_dataset, epoch_batches, split_off_validation


def _epochs(dataset, steps_per_epoch, n_epochs):
    """The batches of ``n_epochs`` epochs, read from one iterator as Keras does."""
    batches = iter(dataset)
    return [
        [tuple(t.numpy() for t in next(batches)) for _ in range(steps_per_epoch)]
        for _ in range(n_epochs)
    ]


def test_batches_hold_every_row_once_in_order():
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    batches = [tuple(t.numpy() for t in b) for b in array_dataset((X, y), 4)]
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), X)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)


def test_unshuffled_epochs_repeat_the_rows_in_order():
    y = np.arange(10)
    dataset, steps = epoch_batches((y,), 4, shuffle=False)
    assert steps == 3
    for batches in _epochs(dataset, steps, 2):
        assert [len(b[0]) for b in batches] == [4, 4, 2]  # no batch spans epochs
        np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), y)


def test_shuffling_draws_a_new_order_each_epoch_and_keeps_rows_together():
    X = np.arange(100, dtype=np.float32)[:, None] * [1, 10]
    y = np.arange(100)
    dataset, steps = epoch_batches((X, y), 32, shuffle=True, seed=0)
    orders = []
    for batches in _epochs(dataset, steps, 2):
        assert [len(b[0]) for b in batches] == [32, 32, 32, 4]
        rows = np.concatenate([b[0] for b in batches])
        labels = np.concatenate([b[1] for b in batches])
        np.testing.assert_array_equal(rows[:, 0], labels)  # rows stay whole
        np.testing.assert_array_equal(np.sort(labels), y)  # every row once
        orders.append(labels)
    assert not np.array_equal(orders[0], y)
    assert not np.array_equal(orders[0], orders[1])


def test_shuffled_orders_follow_the_seed_alone():
    y = np.arange(50)

    def orders(seed):
        dataset, steps = epoch_batches((y,), 50, shuffle=True, seed=seed)
        return [batches[0][0] for batches in _epochs(dataset, steps, 3)]

    tf.random.set_seed(1)
    first = orders(7)
    tf.random.set_seed(2)  # TensorFlow's global seed plays no part
    np.testing.assert_array_equal(orders(7), first)
    assert not np.array_equal(orders(8)[0], first[0])


def test_autotuner_is_off():
    # Its thread is what stalled Keras between epochs; see _pipeline's docstring.
    rows = (np.zeros((3, 2), np.float32),)
    training, _ = epoch_batches(rows, 2, shuffle=True, seed=0)
    for dataset in (training, array_dataset(rows, 2)):
        assert dataset.options().autotune.enabled is False


def test_fit_ignores_the_global_random_state():
    X = np.random.default_rng(0).random((120, 784), dtype=np.float32)
    y = np.arange(120) % 3
    est = ANNClassifier(hidden_layer_sizes=(8,), epochs=2, random_state=0)
    tf.random.set_seed(1)
    keras.utils.set_random_seed(1)
    first = clone(est).fit(X, y).predict_proba(X)
    tf.random.set_seed(2)
    keras.utils.set_random_seed(2)
    np.testing.assert_array_equal(clone(est).fit(X, y).predict_proba(X), first)


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
    steps = int(np.ceil(split_at / est.batch_size_))
    assert int(est.model_.optimizer.iterations.numpy()) == steps

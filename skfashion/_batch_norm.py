"""Batch-normalization statistics computed over the training data.

In training, a batch-normalization layer normalizes with the statistics of
each batch, and keeps a moving average of them (Keras' momentum: 0.99) for
predicting. After few optimizer steps (a few hundred images, a grid search's
folds, a quick look) that average is still close to its initial value, and
the trained network predicts badly: on 500 Fashion-MNIST images, 30% test
accuracy where the same weights score 80% with the right statistics.

So after training, skfashion sets every layer's ``moving_mean`` and
``moving_variance`` to the mean and variance of its input over the training
images, the network's layers before it in inference mode ("precise BN",
Wu and Johnson, 2021): what the layer sees at predict time, whatever the
number of steps. Layers are done in order, each with the statistics of the
layers before it already set. Above :data:`MAX_ROWS` training rows, an
evenly spaced sample of that many rows is used: the statistics of 10,000
images are as good as those of 60,000, at a sixth of the cost.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ._inference import PREDICT_BATCH_SIZE

__all__ = ["MAX_ROWS", "BatchNormStatistics", "set_batch_norm_statistics"]

#: At most this many training rows are used (an evenly spaced sample).
MAX_ROWS = 10_000


def statistics_rows(X: np.ndarray) -> np.ndarray:
    """The training rows the statistics are computed over: at most MAX_ROWS."""
    if len(X) <= MAX_ROWS:
        return X
    return X[:: -(-len(X) // MAX_ROWS)]


class _LayerInputs:
    """The inputs of a model's batch-normalization layers, one traced pass each."""

    def __init__(self, model: keras.Model):
        self.layers = [
            layer
            for layer in model.layers
            if isinstance(layer, keras.layers.BatchNormalization)
        ]
        self._moments = [
            tf.function(
                _Moments(keras.Model(model.inputs, layer.input), layer.axis),
                reduce_retracing=True,
            )
            for layer in self.layers
        ]

    def set_statistics(self, X: np.ndarray) -> None:
        rows = statistics_rows(X)
        for layer, moments in zip(self.layers, self._moments, strict=True):
            mean, variance = _merged(
                moments(rows[start : start + PREDICT_BATCH_SIZE])
                for start in range(0, len(rows), PREDICT_BATCH_SIZE)
            )
            # A diverged network's statistics may not fit in float32: they
            # become inf, which the estimator then reports.
            with np.errstate(over="ignore"):
                layer.moving_mean.assign(mean.astype(np.float32))
                layer.moving_variance.assign(variance.astype(np.float32))


class _Moments:
    """(rows, mean, variance) of a probe's output, per channel of ``axis``."""

    def __init__(self, probe: keras.Model, axis: int):
        self._probe, self._axis = probe, axis

    def __call__(self, x):
        # In float64: a float32 sum over a million values loses 4 digits.
        output = tf.cast(self._probe(x, training=False), tf.float64)
        axis = self._axis % len(output.shape)
        axes = [i for i in range(len(output.shape)) if i != axis]
        mean, variance = tf.nn.moments(output, axes)
        count = tf.size(output) // tf.shape(output)[axis]
        return count, mean, variance


def _merged(parts) -> tuple[np.ndarray, np.ndarray]:
    """The mean and variance of all the parts (Chan et al.'s pairwise update)."""
    n, mean, m2 = 0, 0.0, 0.0
    for count, part_mean, part_variance in parts:
        count = int(count)
        part_mean = np.asarray(part_mean, dtype=np.float64)
        delta = part_mean - mean
        total = n + count
        mean = mean + delta * (count / total)
        m2 = m2 + np.asarray(part_variance, np.float64) * count
        m2 = m2 + delta**2 * (n * count / total)
        n = total
    return np.asarray(mean), np.asarray(m2 / n)


def set_batch_norm_statistics(model: keras.Model, X: np.ndarray) -> None:
    """Set the statistics of every batch-normalization layer of ``model`` from ``X``.

    Parameters
    ----------
    model : keras.Model
        A functional network; one without batch normalization is left alone.
    X : ndarray of shape (n_samples, n_features)
        The training rows.
    """
    inputs = _LayerInputs(model)
    if inputs.layers:
        inputs.set_statistics(X)


class BatchNormStatistics(keras.callbacks.Callback):
    """Set the statistics at the end of every epoch's last training step.

    Keras evaluates the validation data right after an epoch's last step, and
    callbacks see the network in inference mode at the epoch's end: with
    this callback, both see the statistics ``predict`` will use.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The training rows.
    steps_per_epoch : int
        The optimizer steps of an epoch.
    """

    def __init__(self, X: np.ndarray, steps_per_epoch: int):
        super().__init__()
        self._X, self._steps_per_epoch = X, steps_per_epoch
        self._inputs = None

    def on_train_begin(self, logs=None):
        self._inputs = _LayerInputs(self.model)

    def on_train_batch_end(self, batch, logs=None):
        if batch + 1 == self._steps_per_epoch and self._inputs.layers:
            self._inputs.set_statistics(self._X)

    def on_train_end(self, logs=None):
        self._inputs = None

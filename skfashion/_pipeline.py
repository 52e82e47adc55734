"""tf.data pipelines for in-memory arrays, without tf.data's autotuner.

Given NumPy arrays, ``keras.Model.fit``, ``evaluate`` and ``predict`` build
a tf.data pipeline whose prefetching is autotuned. The autotuner runs in a
background thread that wakes up at doubling intervals, up to a minute apart.
Keras drops each epoch's iterator and makes a new one, and the iterator's
destructor waits for that thread's next wake-up. Measured on a 2-core CPU
with the 60,000 training images: between epochs, the process sat idle for
up to 17 s (all threads waiting; the main thread in
``RootDataset::Iterator::~Iterator``), which made the stronger CNN's epochs
take 129 s where the training itself took 104 s.

Arrays in memory need no tuning: a batch is one gather. The pipelines here
switch the autotuner off (a per-dataset option; nothing global is changed)
and otherwise follow Keras' own pipeline for arrays: the data enter the
pipeline once, each epoch draws a permutation of the row indices, and each
batch is gathered by index. The training pipeline is endless (Keras is told
the steps per epoch, and keeps one iterator for the whole fit), and its
permutations come from a stateless shuffle seeded by the estimator, so that
they do not depend on TensorFlow's process-wide seed.
"""

from __future__ import annotations

import math
import secrets

import numpy as np
import tensorflow as tf

__all__ = ["array_dataset", "epoch_batches", "n_training_rows", "split_off_validation"]


def array_dataset(arrays: tuple[np.ndarray, ...], batch_size: int) -> tf.data.Dataset:
    """One pass over ``arrays`` in order, in batches: for validation and predict.

    Parameters
    ----------
    arrays : tuple of ndarray
        For example ``(X,)`` or ``(X, y)``, the same number of rows each; each
        element of the dataset is a tuple of batches in that order.
    batch_size : int
        Rows per batch; the last batch holds the rest.

    Returns
    -------
    dataset : tf.data.Dataset
        Finite: one pass over the rows.
    """
    indices = tf.data.Dataset.range(len(arrays[0])).batch(batch_size)
    return _gathered(indices, arrays)


def epoch_batches(
    arrays: tuple[np.ndarray, ...],
    batch_size: int,
    *,
    shuffle: bool,
    seed: int | None = None,
) -> tuple[tf.data.Dataset, int]:
    """Endless epochs of batches of ``arrays``, for ``keras.Model.fit``.

    Give Keras the number of steps per epoch with the dataset: Keras then
    keeps one iterator for the whole fit, where a finite dataset would get a
    new iterator every epoch. No batch spans two epochs.

    Parameters
    ----------
    arrays : tuple of ndarray
        For example ``(X, y)`` or ``(X, y, sample_weight)``, the same number
        of rows each.
    batch_size : int
        Rows per batch; each epoch's last batch holds the rest.
    shuffle : bool
        Draw a new order of the rows for every epoch.
    seed : int or None, default=None
        The seed of the orders: epoch ``e`` is shuffled by a stateless
        shuffle seeded with ``(seed, e)``, so the orders depend on ``seed``
        alone, not on TensorFlow's global seed. ``None`` draws a seed.

    Returns
    -------
    dataset : tf.data.Dataset
        Infinite.
    steps_per_epoch : int
        The number of batches of one epoch.
    """
    n_rows = len(arrays[0])
    steps_per_epoch = -(-n_rows // batch_size)
    if not shuffle:
        indices = tf.data.Dataset.range(n_rows).batch(batch_size).repeat()
        return _gathered(indices, arrays), steps_per_epoch
    if seed is None:
        seed = secrets.randbelow(2**31)
    rows = tf.range(n_rows, dtype=tf.int64)

    def epoch_order(epoch):
        seed_pair = tf.stack([tf.constant(seed, tf.int64), epoch])
        order = tf.random.experimental.stateless_shuffle(rows, seed=seed_pair)
        return tf.data.Dataset.from_tensor_slices(order).batch(batch_size)

    indices = tf.data.Dataset.counter().flat_map(epoch_order)
    return _gathered(indices, arrays), steps_per_epoch


def _gathered(indices: tf.data.Dataset, arrays) -> tf.data.Dataset:
    """The rows of ``arrays`` that each element of ``indices`` names."""
    tensors = tuple(tf.convert_to_tensor(array) for array in arrays)
    # The arrays enter once, as one repeated element, rather than being
    # captured by the map function, which would copy them into its graph.
    data = tf.data.Dataset.from_tensors(tensors).repeat()
    dataset = tf.data.Dataset.zip((indices, data)).map(_gather)
    options = tf.data.Options()
    options.autotune.enabled = False
    # As in Keras: static optimizations only cost a graph rewrite here, and
    # a multi-worker strategy shards by batch.
    options.experimental_optimization.apply_default_optimizations = False
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA
    )
    # One batch is prepared while the model trains on the one before.
    return dataset.prefetch(1).with_options(options)


def _gather(indices, tensors):
    return tuple(tf.gather(tensor, indices) for tensor in tensors)


def n_training_rows(n_rows: int, validation_split: float | None) -> int:
    """How many of ``n_rows`` rows remain for training: Keras' formula."""
    if not validation_split:
        return n_rows
    return math.floor(n_rows * (1.0 - validation_split))


def split_off_validation(
    arrays: tuple[np.ndarray, ...], validation_split: float
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """The training rows and the last ``validation_split`` of the rows.

    The same split as ``keras.Model.fit(validation_split=...)``: the
    validation rows are the last ones, taken before any shuffling.
    """
    split_at = n_training_rows(len(arrays[0]), validation_split)
    if not 0 < split_at < len(arrays[0]):
        raise ValueError(
            f"validation_split={validation_split} leaves no rows for training "
            f"or for validation out of {len(arrays[0])}; use a fraction that "
            "keeps at least one row on each side, or more data."
        )
    return (
        tuple(array[:split_at] for array in arrays),
        tuple(array[split_at:] for array in arrays),
    )

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
batch is gathered by index.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

__all__ = ["array_dataset", "n_training_rows", "split_off_validation"]


def array_dataset(
    arrays: tuple[np.ndarray, ...], batch_size: int, *, shuffle: bool = False
) -> tf.data.Dataset:
    """Batches of ``arrays`` (same number of rows each), as a tf.data pipeline.

    Parameters
    ----------
    arrays : tuple of ndarray
        For example ``(X, y)`` or ``(X, y, sample_weight)``; each element of
        the dataset is a tuple of batches in that order.
    batch_size : int
        Rows per batch; the last batch holds the rest.
    shuffle : bool, default=False
        Draw a new order of the rows for every pass over the data (every
        epoch). The order follows TensorFlow's global seed, as Keras' does.

    Returns
    -------
    dataset : tf.data.Dataset
        Finite; one pass is one epoch.
    """
    n_rows = len(arrays[0])
    tensors = tuple(tf.convert_to_tensor(array) for array in arrays)
    indices = tf.data.Dataset.range(n_rows)
    if shuffle:
        indices = indices.shuffle(n_rows, reshuffle_each_iteration=True)
    # The arrays enter once, as one repeated element, rather than being
    # captured by the map function, which would copy them into its graph.
    data = tf.data.Dataset.from_tensors(tensors).repeat()
    dataset = tf.data.Dataset.zip((indices.batch(batch_size), data)).map(_gather)
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

"""Running a trained network on rows of pixels: fast for few, batched for many."""

from __future__ import annotations

import weakref

import keras
import numpy as np
import tensorflow as tf

from ._pipeline import array_dataset

__all__ = ["FAST_PREDICT_MAX_ROWS", "PREDICT_BATCH_SIZE", "predict_rows"]

# Up to this many rows, predict calls the model once, directly: about 10x
# faster for one image than keras.Model.predict, which builds a data pipeline
# and a progress loop on every call. Larger inputs keep Keras' batched loop.
FAST_PREDICT_MAX_ROWS = 2048
# The rows of one forward pass in predictions on more rows (a classifier's
# predict__batch_size overrides it), in LayerTransformer and in the
# batch-normalization statistics: it bounds the memory of the layers' maps
# (a default CNN's first convolution holds 16 values per pixel).
PREDICT_BATCH_SIZE = 1024

# model -> its traced inference function. Kept outside the estimator so that
# predict leaves the estimator unchanged and pickles never hold it; an entry
# goes when its model is garbage collected.
_PREDICT_FUNCTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def predict_rows(model: keras.Model, X: np.ndarray, *, batch_size: int) -> np.ndarray:
    """The network's output for the rows ``X``, in inference mode.

    Parameters
    ----------
    model : keras.Model
        The network.
    X : ndarray of shape (n_samples, n_features)
        The rows, validated already.
    batch_size : int
        Rows per batch when there are more than ``FAST_PREDICT_MAX_ROWS``.

    Returns
    -------
    output : ndarray of shape (n_samples, n_outputs)
        The network's output.
    """
    if len(X) > FAST_PREDICT_MAX_ROWS:
        return model.predict(array_dataset((X,), batch_size), verbose=0)
    return keras.ops.convert_to_numpy(_predict_function(model)(X))


class _Inference:
    """``model(x, training=False)``, through a weak reference to the model.

    A callable object rather than a lambda: TensorFlow counts traces per
    Python code object, so one lambda shared by every fitted model would
    look like a function retraced on every fit and log a retracing warning
    after a few fits of a grid search. A weak reference, or the traced
    function would keep its own key in ``_PREDICT_FUNCTIONS`` alive.
    """

    def __init__(self, model: keras.Model):
        self._model = weakref.ref(model)

    def __call__(self, x):
        return self._model()(x, training=False)


def _predict_function(model: keras.Model):
    function = _PREDICT_FUNCTIONS.get(model)
    if function is None:
        function = tf.function(_Inference(model), reduce_retracing=True)
        _PREDICT_FUNCTIONS[model] = function
    return function

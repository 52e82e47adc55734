"""Looking inside a fitted network: its model, its input, its activations.

Shared by :mod:`skfashion.plotting` and
:class:`skfashion.callbacks.FeatureMapLogger`, so that both see the same
layers and compute activations the same way.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._estimator import KerasClassifierBase, check_rows

__all__ = [
    "FEATURE_MAP_ORDERS",
    "activations",
    "as_rows",
    "check_layer_names",
    "feature_map_layers",
    "features_layer",
    "final_estimator",
    "input_image",
    "model_and_input",
    "output_argmax",
    "resolve_layers",
    "select_channels",
]

# The orders in which feature maps can be shown; see select_channels.
FEATURE_MAP_ORDERS = ("index", "strongest")

# Layers whose output is a stack of 2-D feature maps, shown by default.
_FEATURE_MAP_LAYERS = (
    keras.layers.Conv2D,
    keras.layers.Conv2DTranspose,
    keras.layers.DepthwiseConv2D,
    keras.layers.SeparableConv2D,
    keras.layers.MaxPooling2D,
    keras.layers.AveragePooling2D,
)

# Layers that return their input unchanged at inference.
_IDENTITY_AT_INFERENCE = (
    keras.layers.Dropout,
    keras.layers.GaussianDropout,
    keras.layers.GaussianNoise,
    keras.layers.AlphaDropout,
    keras.layers.ActivityRegularization,
)


def final_estimator(estimator, *, fitted: bool = True) -> KerasClassifierBase:
    """The skfashion classifier at the end of ``estimator``, checked fitted.

    Parameters
    ----------
    estimator : KerasClassifierBase or Pipeline
        A skfashion classifier, or a Pipeline whose last step is one.
    fitted : bool, default=True
        Check that the classifier is fitted; False checks its type only.

    Returns
    -------
    classifier : KerasClassifierBase
        The classifier itself.

    Raises
    ------
    TypeError
        If ``estimator`` is neither.
    sklearn.exceptions.NotFittedError
        If the classifier is not fitted (and ``fitted`` is True).
    """
    final = estimator
    while isinstance(final, Pipeline):
        final = final.steps[-1][1]
    if not isinstance(final, KerasClassifierBase):
        raise TypeError(
            "Expected a fitted skfashion classifier (such as CNNClassifier) or a "
            f"Pipeline ending in one, got {type(final).__name__}."
        )
    if fitted:
        check_is_fitted(final)
    return final


def as_rows(images, n_features: int) -> np.ndarray:
    """Images in any usual shape, as 2-D rows of ``n_features`` pixels.

    One image may be a flat row of ``n_features_in_`` pixels, (h, w) or
    (h, w, c); several images are (n, n_features_in_), (n, h, w) or
    (n, h, w, c). Pixel values and types are kept as they are, since the
    steps of a Pipeline may expect raw values.
    """
    X = np.asarray(images)
    if X.size == n_features and X.ndim <= 3:
        return X.reshape(1, n_features)
    if X.ndim >= 2 and math.prod(X.shape[1:]) == n_features:
        return X.reshape(len(X), n_features)
    raise ValueError(
        f"Expected an image of {n_features} pixels, or a batch of them, as "
        f"the estimator was fitted on {n_features} features; got an array of "
        f"shape {X.shape}."
    )


def model_and_input(estimator, images) -> tuple[keras.Model, np.ndarray]:
    """The Keras model of ``estimator`` and ``images`` as its input rows.

    For a Pipeline, the images go through the ``transform`` of every step
    before the classifier, as they would in ``predict``.

    Parameters
    ----------
    estimator : KerasClassifierBase or Pipeline
        A fitted skfashion classifier, or a fitted Pipeline ending in one.
    images : array-like
        One image or several, in any shape :func:`as_rows` accepts.

    Returns
    -------
    model : keras.Model
        The classifier's trained network.
    rows : ndarray of shape (n_images, n_features) and dtype float32
        The model's input.
    """
    classifier = final_estimator(estimator)
    # A Pipeline's n_features_in_ is its first step's, when that one has it.
    n_features = getattr(estimator, "n_features_in_", classifier.n_features_in_)
    X = as_rows(images, n_features)
    feature_names = getattr(estimator, "feature_names_in_", None)
    if feature_names is not None:
        import pandas as pd  # fitted on a DataFrame, so pandas is installed

        X = pd.DataFrame(X, columns=feature_names)
    while isinstance(estimator, Pipeline):
        if len(estimator) > 1:
            X = estimator[:-1].transform(X)
        estimator = estimator[-1]
    X = check_rows(classifier, X)
    return classifier.model_, X


def feature_map_layers(model: keras.Model) -> list[str]:
    """The names of the convolution and pooling layers of ``model``.

    Raises
    ------
    ValueError
        If ``model`` has none.
    """
    names = [
        layer.name for layer in model.layers if isinstance(layer, _FEATURE_MAP_LAYERS)
    ]
    if not names:
        raise ValueError(
            f"The model {model.name!r} has no convolution layers, so it has no "
            "feature maps to show; a dense network such as ANNClassifier sees "
            "each image as a flat row. Use a CNNClassifier."
        )
    return names


def resolve_layers(model: keras.Model, layers=None) -> list[str]:
    """Checked layer names with feature maps: ``layers``, or the default ones.

    Parameters
    ----------
    model : keras.Model
        The network.
    layers : str, list of str or None, default=None
        Layer names; by default all convolution and pooling layers. Any
        layer whose output is (height, width, channels) may be named.

    Raises
    ------
    ValueError
        If a name is not a layer of ``model``, or names a layer without
        feature maps.
    """
    if layers is None:
        return feature_map_layers(model)
    names = [layers] if isinstance(layers, str) else list(layers)
    available = [layer.name for layer in model.layers]
    for name in names:
        if name not in available:
            raise ValueError(
                f"The model {model.name!r} has no layer {name!r}; its layers are "
                f"{available}."
            )
        if len(model.get_layer(name).output.shape) != 4:
            with_maps = [
                layer.name
                for layer in model.layers
                if len(getattr(layer.output, "shape", ())) == 4
            ]
            raise ValueError(
                f"The layer {name!r} of the model {model.name!r} gives no feature "
                "maps (its output is not height x width x channels); layers "
                f"that do: {with_maps}."
            )
    return names


def check_layer_names(model: keras.Model, names: list[str]) -> None:
    """Check that every name in ``names`` is a layer of ``model``.

    Raises
    ------
    ValueError
        For the first name that is not, listing the layers there are.
    """
    available = [layer.name for layer in model.layers]
    unknown = [name for name in names if name not in available]
    if unknown:
        raise ValueError(
            f"The model {model.name!r} has no layer {unknown[0]!r}; its layers "
            f"are {available}."
        )


def features_layer(model: keras.Model) -> str:
    """The name of the layer whose output the network's output layer receives.

    Layers that pass their input on unchanged at inference (dropout and
    noise layers) are skipped: for skfashion's CNN this is ``dense_1`` (the
    last dense layer, after its ReLU), for its ANN the last hidden block's
    activation (``relu_2`` for the default ANN). These are the features the
    softmax classifies.
    """
    producers = {id(layer.output): layer for layer in model.layers}
    layer = model.layers[-1]
    while True:
        source = producers[id(layer.input)]
        if not isinstance(source, _IDENTITY_AT_INFERENCE):
            return source.name
        layer = source


def activations(
    model: keras.Model, rows, layers: list[str], *, batch_size: int | None = None
) -> dict[str, np.ndarray]:
    """The outputs of ``layers`` for the input ``rows``, in inference mode.

    A forward pass through a Keras model that shares ``model``'s layers and
    weights and outputs the named layers; nothing is cached.

    Parameters
    ----------
    model : keras.Model
        A functional model.
    rows : array-like of shape (n_images, n_features)
        The model's input.
    layers : list of str
        Layer names.
    batch_size : int or None, default=None
        Pass this many rows at a time, which bounds the memory of the
        intermediate outputs (a CNN's first layers hold several times the
        input); None passes all rows at once.

    Returns
    -------
    activations : dict of str to ndarray
        Layer name to its output, of shape (n_images, ...).

    Raises
    ------
    ValueError
        If a name is not a layer of ``model``.
    """
    check_layer_names(model, layers)
    # The input as a tensor, not a list of one, or Keras warns on each call.
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    # Outputs as a dict: a list of one would come back as a bare tensor.
    outputs = {name: model.get_layer(name).output for name in layers}
    probe = keras.Model(inputs, outputs)
    rows = np.asarray(rows, dtype=np.float32)
    step = batch_size or max(1, len(rows))
    parts = {name: [] for name in layers}
    for start in range(0, max(1, len(rows)), step):
        values = probe(rows[start : start + step], training=False)
        for name in parts:  # each name once, even if listed twice
            parts[name].append(keras.ops.convert_to_numpy(values[name]))
    return {name: np.concatenate(parts[name]) for name in layers}


def select_channels(
    maps: np.ndarray, order: str = "index", max_maps: int | None = None
) -> np.ndarray:
    """The channels of one image's feature maps to show, in the order shown.

    Parameters
    ----------
    maps : ndarray of shape (height, width, channels)
        One layer's output for one image.
    order : {"index", "strongest"}, default="index"
        ``"index"``: channels 0, 1, 2, ... ``"strongest"``: by the mean of
        each map (the layer's output as it is, before any scaling for
        display), largest first; equal means in channel order.
    max_maps : int or None, default=None
        Keep at most this many (the first ones in that order); None keeps all.

    Returns
    -------
    channels : ndarray of int
        Channel indices into the last axis of ``maps``.
    """
    n_channels = maps.shape[-1]
    if order == "index":
        channels = np.arange(n_channels)
    elif order == "strongest":
        means = np.asarray(maps, dtype=np.float64).reshape(-1, n_channels).mean(axis=0)
        # A stable sort of the negated means: descending, ties by index.
        channels = np.argsort(-means, kind="stable")
    else:
        raise ValueError(
            f"Unknown order {order!r}; use one of {list(FEATURE_MAP_ORDERS)}."
        )
    return channels[:max_maps]


def output_argmax(model: keras.Model, rows) -> np.ndarray:
    """The index of the largest output of ``model`` for each input row.

    For a skfashion classifier, ``classes_[output_argmax(model, rows)]`` is
    what ``predict`` returns for those rows.
    """
    rows = np.asarray(rows, dtype=np.float32)
    outputs = keras.ops.convert_to_numpy(model(rows, training=False))
    return np.argmax(outputs, axis=-1)


def input_image(model: keras.Model, row) -> np.ndarray:
    """One input row as the (h, w, c) image the network sees.

    The shape is that of the network's first image-shaped layer (a CNN's
    ``Reshape``); without one, a square image if the row's length is a
    square, else a (1, length, 1) strip.
    """
    row = np.asarray(row)
    for layer in model.layers:
        shape = tuple(getattr(layer.output, "shape", ()))
        if len(shape) == 4:  # the first image-shaped layer
            if math.prod(shape[1:]) == row.size:
                return row.reshape(shape[1:])
            break
    side = math.isqrt(row.size)
    if side * side == row.size:
        return row.reshape(side, side, 1)
    return row.reshape(1, row.size, 1)

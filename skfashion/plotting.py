"""Plots of images, training curves and a CNN's feature maps.

matplotlib is imported only when a function is called, so that importing
skfashion never needs it. Each function returns its
:class:`matplotlib.figure.Figure` and draws into ``fig`` when given one
(a Figure or a SubFigure), else into a new pyplot figure.

For a confusion matrix, use scikit-learn's
:class:`~sklearn.metrics.ConfusionMatrixDisplay` with the class names::

    ConfusionMatrixDisplay.from_estimator(
        model, X_test, y_test, display_labels=FASHION_MNIST_CLASSES
    )
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _inspect

if TYPE_CHECKING:
    from matplotlib.figure import Figure, SubFigure

__all__ = ["plot_feature_maps", "plot_images", "plot_training_history"]

_MISTAKE_COLOR = "tab:red"


def _new_figure(fig, figsize):
    if fig is not None:
        return fig
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")


def _as_picture(array: np.ndarray) -> np.ndarray:
    """(h, w, 1) to (h, w), which imshow takes; (h, w) and (h, w, 3) as is."""
    if array.ndim == 3 and array.shape[-1] == 1:
        return array[..., 0]
    return array


def plot_feature_maps(
    estimator: Any,
    image: Any,
    layers: str | Sequence[str] | None = None,
    *,
    max_maps: int | None = 16,
    n_cols: int = 8,
    cmap: str = "gray",
    fig: Figure | SubFigure | None = None,
) -> Figure | SubFigure:
    """Show what a fitted CNN's layers compute for one image.

    The image is drawn first, as the network sees it (after the steps of a
    Pipeline), then one block of panels per layer, one panel per channel,
    titled by layer name and channel number (``"conv1 #0"``). Each panel is
    scaled to its own range of values.

    Parameters
    ----------
    estimator : CNNClassifier or Pipeline
        A fitted :class:`~skfashion.CNNClassifier`, or a fitted Pipeline
        ending in one, through whose preceding steps the image goes first.
    image : array-like
        One image, as the estimator takes it: a row of ``n_features_in_``
        pixels, or an (h, w) or (h, w, c) array.
    layers : str, list of str or None, default=None
        The layers to show; by default every convolution and pooling layer.
        Any layer with (height, width, channels) output can be named, for
        example ``"conv1_relu"``.
    max_maps : int or None, default=16
        Show at most this many channels (the first ones) of each layer; None
        shows all.
    n_cols : int, default=8
        Panels per row within a layer's block.
    cmap : str, default="gray"
        The colormap of the panels.
    fig : Figure or SubFigure, default=None
        Where to draw; by default a new figure.

    Returns
    -------
    fig : Figure or SubFigure
        The figure: its first axes show the input, the next ones the
        channels, layer by layer.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    ValueError
        If the network has no convolution layers, or ``layers`` names a
        layer it does not have (or one without feature maps).

    Examples
    --------
    >>> from skfashion.plotting import plot_feature_maps
    >>> fig = plot_feature_maps(model, X_test[0], layers="conv1")  # doctest: +SKIP
    """
    model, rows = _inspect.model_and_input(estimator, image)
    if len(rows) != 1:
        raise ValueError(
            f"plot_feature_maps shows one image; got {len(rows)}. Pass X[i], "
            "not X[i:j]."
        )
    names = _inspect.resolve_layers(model, layers)
    if max_maps is not None and max_maps < 1:
        raise ValueError(
            f"max_maps must be a positive integer or None, got {max_maps}."
        )
    outputs = _inspect.activations(model, rows, names)
    maps = {name: output[0][..., :max_maps] for name, output in outputs.items()}

    n_cols = max(1, min(n_cols, max(m.shape[-1] for m in maps.values())))
    block_rows = [math.ceil(m.shape[-1] / n_cols) for m in maps.values()]
    fig = _new_figure(fig, figsize=(1.4 * (n_cols + 1), 1.5 * sum(block_rows) + 0.3))
    grid = fig.add_gridspec(sum(block_rows), n_cols + 1)

    ax = fig.add_subplot(grid[0, 0])
    ax.imshow(_as_picture(_inspect.input_image(model, rows[0])), cmap=cmap)
    ax.set_title("input")
    ax.set_axis_off()

    top = 0
    for (name, stack), n_rows in zip(maps.items(), block_rows, strict=True):
        for channel in range(stack.shape[-1]):
            row, col = divmod(channel, n_cols)
            ax = fig.add_subplot(grid[top + row, 1 + col])
            ax.imshow(stack[..., channel], cmap=cmap)
            ax.set_title(f"{name} #{channel}", fontsize="small")
            ax.set_axis_off()
        top += n_rows
    return fig


def plot_training_history(
    estimator: Any, *, fig: Figure | SubFigure | None = None
) -> Figure | SubFigure:
    """Plot the accuracy and loss of each epoch, on training and validation data.

    Parameters
    ----------
    estimator : ANNClassifier, CNNClassifier or Pipeline
        A fitted skfashion classifier, or a fitted Pipeline ending in one.
        Validation curves appear when it was fitted with a
        ``validation_split``.
    fig : Figure or SubFigure, default=None
        Where to draw; by default a new figure.

    Returns
    -------
    fig : Figure or SubFigure
        The figure, with an "Accuracy" and a "Loss" axes (those that
        ``history_`` holds), each with a "train" and a "validation" line.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.

    Examples
    --------
    >>> from skfashion.plotting import plot_training_history
    >>> model = CNNClassifier(validation_split=0.1).fit(X, y)  # doctest: +SKIP
    >>> fig = plot_training_history(model)  # doctest: +SKIP
    """
    from matplotlib.ticker import MaxNLocator

    history = _inspect.final_estimator(estimator).history_
    metrics = [metric for metric in ("accuracy", "loss") if history.get(metric)]
    if not metrics:
        raise ValueError(
            "The estimator's history_ holds neither accuracy nor loss; it has "
            f"{sorted(history)}."
        )
    fig = _new_figure(fig, figsize=(5 * len(metrics), 3.5))
    axes = np.atleast_1d(fig.subplots(1, len(metrics)))
    for ax, metric in zip(axes, metrics, strict=True):
        for key, label in ((metric, "train"), (f"val_{metric}", "validation")):
            values = history.get(key)
            if values:
                epochs = np.arange(1, len(values) + 1)
                ax.plot(epochs, values, marker="o", markersize=3, label=label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(metric.capitalize())
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.legend()
    return fig


def plot_images(
    X: Any,
    y: Any = None,
    y_pred: Any = None,
    *,
    target_names: Sequence[str] | Mapping[Any, str] | None = None,
    image_shape: tuple[int, ...] | None = None,
    max_images: int = 32,
    n_cols: int = 8,
    cmap: str = "gray_r",
    fig: Figure | SubFigure | None = None,
) -> Figure | SubFigure:
    """Show images in a grid, titled by their true (and predicted) class.

    With ``y_pred``, each title reads ``"true: <class>"`` over
    ``"pred: <class>"``, and mistakes are marked: red title and frame.

    Parameters
    ----------
    X : array-like of shape (n_images, n_features), (n_images, h, w) or \
            (n_images, h, w, c)
        The images; flat rows of a square number of pixels (784 for
        Fashion-MNIST) are shown as squares.
    y : array-like of shape (n_images,), default=None
        The true labels; None leaves the images untitled.
    y_pred : array-like of shape (n_images,), default=None
        Predicted labels, for example ``model.predict(X)``.
    target_names : sequence or mapping of str, default=None
        The class names: indexed by the labels (a list of names for labels
        0, 1, ... such as ``fetch_fashion_mnist().target_names``, or a
        dictionary). By default the labels themselves are shown.
    image_shape : tuple of int, default=None
        The (h, w) or (h, w, c) of each image, needed for flat rows whose
        number of pixels is not a square.
    max_images : int, default=32
        Show at most the first this many images.
    n_cols : int, default=8
        Images per row.
    cmap : str, default="gray_r"
        The colormap; the default draws Fashion-MNIST's bright clothes dark
        on white.
    fig : Figure or SubFigure, default=None
        Where to draw; by default a new figure.

    Returns
    -------
    fig : Figure or SubFigure
        The figure, one axes per image.

    Examples
    --------
    >>> from skfashion import fetch_fashion_mnist
    >>> from skfashion.plotting import plot_images
    >>> data = fetch_fashion_mnist(subset="test")  # doctest: +SKIP
    >>> fig = plot_images(data.data[:16], data.target[:16],
    ...                   target_names=data.target_names)  # doctest: +SKIP
    """
    images = _as_images(np.asarray(X)[:max_images], image_shape)
    n = len(images)
    if n == 0:
        raise ValueError("plot_images needs at least one image; X is empty.")
    y = None if y is None else np.asarray(y)[:n]
    y_pred = None if y_pred is None else np.asarray(y_pred)[:n]
    if y_pred is not None and y is None:
        raise ValueError("y_pred needs the true labels y to compare with.")
    for labels, name in ((y, "y"), (y_pred, "y_pred")):
        if labels is not None and len(labels) != n:
            raise ValueError(f"{name} has {len(labels)} labels for {n} images.")

    def class_name(label):
        if target_names is None:
            return str(label)
        return str(target_names[label])

    n_cols = min(n_cols, n)
    n_rows = math.ceil(n / n_cols)
    height = 1.5 if y_pred is None else 1.8
    fig = _new_figure(fig, figsize=(1.5 * n_cols, height * n_rows))
    for i, image in enumerate(images):
        ax = fig.add_subplot(n_rows, n_cols, i + 1)
        ax.imshow(_as_picture(image), cmap=cmap)
        ax.set_xticks([])
        ax.set_yticks([])
        if y is None:
            continue
        if y_pred is None:
            ax.set_title(class_name(y[i]), fontsize="small")
            continue
        title = f"true: {class_name(y[i])}\npred: {class_name(y_pred[i])}"
        if y[i] == y_pred[i]:
            ax.set_title(title, fontsize="small")
        else:
            ax.set_title(title, fontsize="small", color=_MISTAKE_COLOR)
            for spine in ax.spines.values():
                spine.set_edgecolor(_MISTAKE_COLOR)
                spine.set_linewidth(2)
    return fig


def _as_images(X: np.ndarray, image_shape) -> np.ndarray:
    """(n, h, w) or (n, h, w, c) images from rows or images."""
    if image_shape is not None:
        return X.reshape(len(X), *image_shape)
    if X.ndim in (3, 4):
        return X
    if X.ndim == 2:
        side = math.isqrt(X.shape[1])
        if side * side == X.shape[1]:
            return X.reshape(len(X), side, side)
    raise ValueError(
        f"Cannot tell the image shape of X of shape {X.shape}: pass image_shape, "
        "or images of shape (n, h, w) or (n, h, w, c)."
    )

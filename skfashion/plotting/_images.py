"""plot_images: images in a grid, titled by their true (and predicted) class."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np

from .._param_validation import Interval, SequenceOf, validate_params
from ._common import MatplotlibFigure, as_picture, class_name, new_figure, title_panel

if TYPE_CHECKING:
    from matplotlib.figure import Figure, SubFigure

__all__ = ["plot_images"]


@validate_params(
    # cmap is checked where it is used, by matplotlib.
    {
        "X": ["array-like"],
        "y": ["array-like", None],
        "y_pred": ["array-like", None],
        "target_names": [None, Mapping, "array-like"],
        "image_shape": [
            None,
            SequenceOf(Interval(Integral, 1, None, closed="left"), lengths=(2, 3)),
        ],
        "max_images": [Interval(Integral, 1, None, closed="left")],
        "n_cols": [Interval(Integral, 1, None, closed="left")],
        "fig": [None, MatplotlibFigure()],
    }
)
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

    See Also
    --------
    sklearn.metrics.ConfusionMatrixDisplay : Which classes are confused.

    Examples
    --------
    >>> import numpy as np
    >>> from skfashion.plotting import plot_images
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(6, 784))  # 6 images of 28x28 pixels
    >>> y, y_pred = np.array([0, 1, 2, 0, 1, 2]), np.array([0, 1, 2, 0, 2, 2])
    >>> fig = plot_images(X, y, y_pred, target_names=["shirt", "shoe", "bag"])
    >>> fig.axes[4].get_title().splitlines()  # a mistake: title and frame in red
    ['true: shoe', 'pred: bag']
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

    n_cols = min(n_cols, n)
    n_rows = math.ceil(n / n_cols)
    height = 1.5 if y_pred is None else 1.8
    fig = new_figure(fig, figsize=(1.5 * n_cols, height * n_rows))
    for i, image in enumerate(images):
        ax = fig.add_subplot(n_rows, n_cols, i + 1)
        ax.imshow(as_picture(image), cmap=cmap)
        ax.set_xticks([])
        ax.set_yticks([])
        if y is None:
            continue
        if y_pred is None:
            ax.set_title(class_name(y[i], target_names), fontsize="small")
        else:
            title_panel(ax, y[i], y_pred[i], target_names)
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

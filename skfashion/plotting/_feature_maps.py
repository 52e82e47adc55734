"""plot_feature_maps: what a fitted CNN's layers compute for a few images."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np

from .._inspect import (
    FEATURE_MAP_ORDERS,
    activations,
    final_estimator,
    input_image,
    model_and_input,
    output_argmax,
    resolve_layers,
    select_channels,
)
from .._param_validation import Interval, SequenceOf, StrOptions, validate_params
from ._common import (
    MISTAKE_COLOR,
    MatplotlibFigure,
    as_picture,
    check_labels,
    class_title,
    new_figure,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure, SubFigure

__all__ = ["plot_feature_maps"]


@validate_params(
    # estimator and cmap are checked where they are used: by final_estimator
    # (a fitted skfashion classifier) and by matplotlib.
    {
        "X": ["array-like"],
        "y": ["array-like", Integral, str, None],  # a label for X[i]
        "layers": [None, str, SequenceOf(str, min_length=1)],
        "order": [StrOptions(FEATURE_MAP_ORDERS)],
        "max_maps": [Interval(Integral, 1, None, closed="left"), None],
        "n_cols": [Interval(Integral, 1, None, closed="left")],
        "target_names": [None, Mapping, "array-like"],
        "fig": [None, MatplotlibFigure()],
    }
)
def plot_feature_maps(
    estimator: Any,
    X: Any,
    y: Any = None,
    *,
    layers: str | Sequence[str] | None = None,
    order: str = "strongest",
    max_maps: int | None = 16,
    n_cols: int = 8,
    target_names: Sequence[str] | Mapping[Any, str] | None = None,
    cmap: str = "gray",
    fig: Figure | SubFigure | None = None,
) -> Figure | SubFigure:
    """Show what a fitted CNN's layers compute for one image or a few.

    Each image gets a block of panels, the blocks side by side: the image
    first, as the network sees it (after the steps of a Pipeline), then one
    group of panels per layer, one panel per channel, titled by layer name
    and channel number (``"conv1 #5"``). Each panel is scaled to its own
    range of values. A block is titled by the image's predicted class, or
    with ``y`` by its true class over it, mistakes in red as in
    :func:`plot_saliency`.

    With ``order="strongest"`` (the default) each layer shows the channels
    with the largest mean activation for that image, largest first, which
    is how the study that skfashion reproduces drew its feature maps: they
    are the maps that respond to the image, where the first channels may
    be nearly blank. As the titles name the channels, nothing is lost. Pass
    ``order="index"`` to show the same channels (0, 1, ...) for every image.

    Parameters
    ----------
    estimator : CNNClassifier or Pipeline
        A fitted :class:`~skfashion.CNNClassifier`, or a fitted Pipeline
        ending in one, through whose preceding steps the images go first.
    X : array-like
        One image or a few, as the estimator takes them: rows of
        ``n_features_in_`` pixels, or (h, w) or (h, w, c) images. One block
        per image: with several, a smaller ``max_maps`` keeps the figure
        legible.
    y : array-like of shape (n_images,), int, str or None, default=None
        The true labels, shown in the blocks' titles; for one image, its
        label.
    layers : str, list of str or None, default=None
        The layers to show; by default every convolution and pooling layer.
        Any layer with (height, width, channels) output can be named, for
        example ``"conv1_relu"``.
    order : {"strongest", "index"}, default="strongest"
        Which channels of each layer to show, in what order:
        ``"strongest"`` ranks them by the mean of each map (the layer's
        output, before the panels' scaling) for that image, largest first,
        equal means in channel order; ``"index"`` takes them in channel
        order.
    max_maps : int or None, default=16
        Show at most this many channels of each layer, the first in
        ``order``; None shows all.
    n_cols : int, default=8
        Panels per row within a layer's group.
    target_names : sequence or mapping of str, default=None
        The class names, indexed by the labels, as in :func:`plot_images`.
        By default the labels themselves are shown.
    cmap : str, default="gray"
        The colormap of the panels.
    fig : Figure or SubFigure, default=None
        Where to draw; by default a new figure.

    Returns
    -------
    fig : Figure or SubFigure
        The figure, with one :class:`~matplotlib.figure.SubFigure` per image
        (``fig.subfigs``), left to right. Its axes, ``fig.axes``, come block
        by block: the input, then the channels, layer by layer.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    ValueError
        If the network has no convolution layers, or ``layers`` names a
        layer it does not have (or one without feature maps); if ``X``
        does not hold images of ``n_features_in_`` pixels, or ``y`` has
        another length.

    See Also
    --------
    skfashion.callbacks.FeatureMapLogger : The same maps in TensorBoard,
        as training goes on.
    plot_saliency : Where the network looks to classify each image.

    Examples
    --------
    >>> import numpy as np
    >>> from skfashion import CNNClassifier
    >>> from skfashion.plotting import plot_feature_maps
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.random((60, 784)), np.arange(60) % 3
    >>> cnn = CNNClassifier(filters=(4, 8), epochs=1, random_state=0).fit(X, y)
    >>> fig = plot_feature_maps(cnn, X[0], layers="conv1", order="index")
    >>> [ax.get_title() for ax in fig.axes]  # the input, then conv1's 4 channels
    ['input', 'conv1 #0', 'conv1 #1', 'conv1 #2', 'conv1 #3']

    Three images, each with the 2 strongest maps of its 4 layers:

    >>> fig = plot_feature_maps(cnn, X[:3], y[:3], max_maps=2)
    >>> len(fig.subfigs), len(fig.axes)
    (3, 27)
    """
    model, rows = model_and_input(estimator, X)
    n_images = len(rows)  # at least 1: the classifier's input check says so
    y = check_labels(y, n_images)
    names = resolve_layers(model, layers)
    panels = _feature_map_panels(model, rows, names, order, max_maps)
    y_pred = final_estimator(estimator).classes_[output_argmax(model, rows)]

    # Every image shows as many channels of a layer, so the blocks match.
    counts = [len(channels) for channels, _ in panels[0].values()]
    n_cols = max(1, min(n_cols, max(counts)))
    group_rows = [math.ceil(count / n_cols) for count in counts]
    fig = new_figure(
        fig, figsize=(1.4 * (n_cols + 1) * n_images, 1.5 * sum(group_rows) + 0.6)
    )
    blocks = fig.subfigures(1, n_images, squeeze=False)[0]
    for i, (block, image_panels) in enumerate(zip(blocks, panels, strict=True)):
        grid = block.add_gridspec(sum(group_rows), n_cols + 1)
        ax = block.add_subplot(grid[0, 0])
        ax.imshow(as_picture(input_image(model, rows[i])), cmap=cmap)
        ax.set_title("input")
        ax.set_axis_off()
        top = 0
        for (name, (channels, maps)), n_rows in zip(
            image_panels.items(), group_rows, strict=True
        ):
            for k, channel in enumerate(channels):
                row, col = divmod(k, n_cols)
                ax = block.add_subplot(grid[top + row, 1 + col])
                ax.imshow(maps[..., k], cmap=cmap)
                ax.set_title(f"{name} #{channel}", fontsize="small")
                ax.set_axis_off()
            top += n_rows
        true = None if y is None else y[i]
        title, mistaken = class_title(true, y_pred[i], target_names)
        suptitle = block.suptitle(title)
        if mistaken:
            suptitle.set_color(MISTAKE_COLOR)
    return fig


def _feature_map_panels(
    model, rows, layers: list[str], order: str, max_maps: int | None
) -> list[dict[str, tuple[np.ndarray, np.ndarray]]]:
    """What :func:`plot_feature_maps` draws, in drawing order.

    One dict per input row: layer name -> (the channel indices shown, their
    maps of shape (h, w, n_shown)).
    """
    outputs = activations(model, rows, layers)
    panels = []
    for i in range(len(rows)):
        image_panels = {}
        for name, output in outputs.items():
            channels = select_channels(output[i], order, max_maps)
            image_panels[name] = (channels, output[i][..., channels])
        panels.append(image_panels)
    return panels

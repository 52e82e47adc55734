"""plot_saliency: where a fitted network looks to classify each image.

The maps themselves are computed by :mod:`skfashion._saliency`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

from .._inspect import final_estimator, input_image, model_and_input
from .._param_validation import Interval, StrOptions, validate_params
from .._saliency import METHODS, saliency_maps
from ._common import (
    MatplotlibFigure,
    as_picture,
    check_labels,
    new_figure,
    title_panel,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure, SubFigure

__all__ = ["plot_saliency"]


@validate_params(
    # estimator and cmap are checked where they are used: by final_estimator
    # (a fitted skfashion classifier) and by matplotlib.
    {
        "X": ["array-like"],
        "y": ["array-like", Integral, str, None],  # a label for X[i]
        "method": [StrOptions(METHODS)],
        "target_names": [None, Mapping, "array-like"],
        "n_cols": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, 1, closed="both")],
        "fig": [None, MatplotlibFigure()],
    }
)
def plot_saliency(
    estimator: Any,
    X: Any,
    y: Any = None,
    *,
    method: str = "gradcam",
    target_names: Sequence[str] | Mapping[Any, str] | None = None,
    n_cols: int = 8,
    cmap: str = "jet",
    alpha: float = 0.5,
    fig: Figure | SubFigure | None = None,
) -> Figure | SubFigure:
    """Show where a fitted network looks to classify each image.

    Each panel draws the image as the network sees it (after a Pipeline's
    earlier steps) in gray, and over it, semi-transparent, the saliency map
    of the predicted class: where a change of the image would change that
    class's score most. Both explain the class's score before the softmax
    (its logit), as Grad-CAM does:

    - ``method="gradcam"`` (Selvaraju et al., 2017), for a CNN: the feature
      maps of the last convolution, after its batch normalization (if any) and ReLU
      (``conv2_relu`` in the default :class:`~skfashion.CNNClassifier`),
      weighted by the mean gradient of the class score over each map,
      summed, kept where positive, and resized bilinearly to the image. It
      is as coarse as that layer (14x14 by default).
    - ``method="gradient"`` (Simonyan et al., 2014), for both classifiers:
      the absolute gradient of the class score with respect to each input
      pixel, at full resolution.

    Each map's colors span 0 to its own maximum. Titles read
    ``"pred: <class>"``, or with ``y`` ``"true: <class>"`` over it, mistakes
    marked as in :func:`plot_images`. The second image of each axes is the
    map: ``fig.axes[i].get_images()[1].get_array()``.

    Parameters
    ----------
    estimator : ANNClassifier, CNNClassifier or Pipeline
        A fitted skfashion classifier, or a fitted Pipeline ending in one,
        through whose preceding steps the images go first.
    X : array-like
        One image or several, as the estimator takes them: rows of
        ``n_features_in_`` pixels, or (h, w) or (h, w, c) images. One panel
        per image: pass a few.
    y : array-like of shape (n_images,), int, str or None, default=None
        The true labels, shown in the titles; for one image, its label.
    method : {"gradcam", "gradient"}, default="gradcam"
        The saliency method; ``"gradcam"`` needs a convolution layer.
    target_names : sequence or mapping of str, default=None
        The class names, indexed by the labels, as in :func:`plot_images`.
        By default the labels themselves are shown.
    n_cols : int, default=8
        Panels per row.
    cmap : str, default="jet"
        The colormap of the saliency maps.
    alpha : float, default=0.5
        The opacity of the saliency maps over the images.
    fig : Figure or SubFigure, default=None
        Where to draw; by default a new figure.

    Returns
    -------
    fig : Figure or SubFigure
        The figure, one axes per image, each with two images: the input and
        its saliency map.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    ValueError
        If ``method`` is unknown, or ``"gradcam"`` for a network without
        convolution layers; if ``X`` does not hold images of
        ``n_features_in_`` pixels, or ``y`` has another length.

    See Also
    --------
    plot_feature_maps : What each convolution layer computes for a few images.
    plot_images : Images with their true and predicted classes.

    Examples
    --------
    >>> import numpy as np
    >>> from skfashion import CNNClassifier
    >>> from skfashion.plotting import plot_saliency
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.random((32, 64)), np.arange(32) % 2  # 8x8 images
    >>> cnn = CNNClassifier(filters=(2,), dense_units=(4,), epochs=1,
    ...                     random_state=0).fit(X, y)
    >>> fig = plot_saliency(cnn, X[:3], y[:3], target_names=["odd", "even"])
    >>> len(fig.axes), fig.axes[0].get_images()[1].get_array().shape
    (3, (8, 8))
    """
    model, rows = model_and_input(estimator, X)
    n = len(rows)
    y = check_labels(y, n)
    maps, targets = saliency_maps(model, rows, method)
    y_pred = final_estimator(estimator).classes_[targets]

    n_cols = min(n_cols, n)
    n_rows = math.ceil(n / n_cols)
    fig = new_figure(fig, figsize=(1.6 * n_cols, 1.9 * n_rows))
    for i, row in enumerate(rows):
        ax = fig.add_subplot(n_rows, n_cols, i + 1)
        ax.imshow(as_picture(input_image(model, row)), cmap="gray")
        ax.imshow(maps[i], cmap=cmap, alpha=alpha, vmin=0)
        ax.set_xticks([])
        ax.set_yticks([])
        true = None if y is None else y[i]
        title_panel(ax, true, y_pred[i], target_names)
    return fig

"""plot_training_history: the accuracy and loss curves of a fitted classifier."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._inspect import final_estimator
from .._param_validation import validate_params
from ._common import MatplotlibFigure, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure, SubFigure

__all__ = ["plot_training_history"]


@validate_params(
    # estimator is checked where it is used, by final_estimator (a fitted
    # skfashion classifier).
    {"fig": [None, MatplotlibFigure()]}
)
def plot_training_history(
    estimator: Any, *, fig: Figure | SubFigure | None = None
) -> Figure | SubFigure:
    """Plot the accuracy and loss of each epoch, on training and validation data.

    The curves are those of the estimator's ``history_``: one point per
    epoch trained, including those of ``warm_start`` and ``partial_fit``.

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

    See Also
    --------
    skfashion.callbacks.TensorBoard : The same curves, and more, in
        TensorBoard.

    Examples
    --------
    >>> import numpy as np
    >>> from skfashion import ANNClassifier
    >>> from skfashion.plotting import plot_training_history
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.random((60, 784)), np.arange(60) % 3
    >>> ann = ANNClassifier(epochs=2, validation_split=0.2, random_state=0)
    >>> fig = plot_training_history(ann.fit(X, y))
    >>> [ax.get_title() for ax in fig.axes]
    ['Accuracy', 'Loss']
    """
    from matplotlib.ticker import MaxNLocator

    history = final_estimator(estimator).history_
    metrics = [metric for metric in ("accuracy", "loss") if history.get(metric)]
    if not metrics:
        raise ValueError(
            "The estimator's history_ holds neither accuracy nor loss; it has "
            f"{sorted(history)}."
        )
    fig = new_figure(fig, figsize=(5 * len(metrics), 3.5))
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

"""Drawing helpers shared by the plotting functions: figures, pictures, titles.

Nothing here imports matplotlib at module import: :func:`new_figure` imports
pyplot when it makes a figure, and :class:`MatplotlibFigure` looks for
matplotlib among the modules already imported.
"""

from __future__ import annotations

import sys

import numpy as np

from .._param_validation import Constraint

__all__ = [
    "MISTAKE_COLOR",
    "MatplotlibFigure",
    "as_picture",
    "check_labels",
    "class_name",
    "class_title",
    "mark_mistake",
    "new_figure",
    "title_panel",
]

# The color of a misclassified image's title and frame.
MISTAKE_COLOR = "tab:red"


class MatplotlibFigure(Constraint):
    """The ``fig`` of a plotting function: a matplotlib Figure or SubFigure.

    Checked without importing matplotlib: a figure can only exist once
    ``matplotlib.figure`` has been imported.
    """

    def is_satisfied_by(self, value) -> bool:
        figure = sys.modules.get("matplotlib.figure")
        return figure is not None and isinstance(value, figure.FigureBase)

    def __str__(self) -> str:
        return (
            "an instance of 'matplotlib.figure.Figure' or 'matplotlib.figure.SubFigure'"
        )


def new_figure(fig, figsize):
    """``fig`` if given, else a new pyplot figure with constrained layout."""
    if fig is not None:
        return fig
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")


def as_picture(array: np.ndarray) -> np.ndarray:
    """(h, w, 1) to (h, w), which imshow takes; (h, w) and (h, w, 3) as is."""
    if array.ndim == 3 and array.shape[-1] == 1:
        return array[..., 0]
    return array


def check_labels(y, n_images: int) -> np.ndarray | None:
    """``y`` as a 1-D array of one label per image (a scalar for one image).

    Raises
    ------
    ValueError
        If ``y`` has another length.
    """
    if y is None:
        return None
    y = np.atleast_1d(np.asarray(y))
    if len(y) != n_images:
        raise ValueError(f"y has {len(y)} labels for {n_images} images.")
    return y


def class_name(label, target_names) -> str:
    """The name of a class: ``target_names[label]``, or the label itself."""
    return str(label) if target_names is None else str(target_names[label])


def class_title(true, predicted, target_names) -> tuple[str, bool]:
    """``"pred: <class>"``, or ``"true: <class>"`` over it; and whether wrong."""
    title = f"pred: {class_name(predicted, target_names)}"
    if true is None:
        return title, False
    return f"true: {class_name(true, target_names)}\n{title}", true != predicted


def mark_mistake(ax) -> None:
    """Draw the frame of ``ax`` in red, thicker: a misclassified image."""
    for spine in ax.spines.values():
        spine.set_edgecolor(MISTAKE_COLOR)
        spine.set_linewidth(2)


def title_panel(ax, true, predicted, target_names) -> None:
    """Title one image's axes by its classes; a mistake in red, framed red."""
    title, mistaken = class_title(true, predicted, target_names)
    ax.set_title(title, fontsize="small")
    if mistaken:
        ax.title.set_color(MISTAKE_COLOR)
        mark_mistake(ax)

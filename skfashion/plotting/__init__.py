"""Plots of images, training curves, a CNN's feature maps and saliency maps.

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

from ._feature_maps import plot_feature_maps
from ._history import plot_training_history
from ._images import plot_images
from ._saliency import plot_saliency

__all__ = [
    "plot_feature_maps",
    "plot_images",
    "plot_saliency",
    "plot_training_history",
]

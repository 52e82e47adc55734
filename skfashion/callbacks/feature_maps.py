"""Feature maps of the convolution layers as TensorBoard images."""

from __future__ import annotations

import math
import os
from numbers import Integral

import numpy as np

from .. import _inspect
from .._param_validation import Interval, SequenceOf, StrOptions, check_parameters
from ._base import FitContextCallback

__all__ = ["FeatureMapLogger"]


class FeatureMapLogger(FitContextCallback):
    """Log the feature maps of a CNN's layers for a few images to TensorBoard.

    For each probe image and each layer, the layer's feature maps (up to
    ``max_maps`` channels, each scaled to [0, 1] on its own) are tiled into
    one grayscale image, tagged ``feature_maps/<layer>/image_<i>``: at the
    start of training (step 0, the initial weights) and after every
    ``every_n_epochs`` epochs (step = the number of completed epochs, as for
    :class:`TensorBoard`'s scalars). The probe images themselves are logged
    once, at step 0, as ``probe_images/image_<i>``. TensorBoard's Images tab
    then shows how the filters develop.

    The tiles carry no channel numbers, so by default (``order="index"``)
    each tile shows the same channel at every step, channels 0, 1, ... row
    by row: moving TensorBoard's step slider then shows one filter
    developing. ``order="strongest"`` tiles, at each step, the channels with
    the largest mean activation for that image, largest first, as the study
    that skfashion reproduces drew them; a tile's channel may then change
    from step to step (:func:`~skfashion.plotting.plot_feature_maps` names
    them).

    The callback holds only its parameters: its summary writer exists from
    the start to the end of a fit. So an estimator with this callback clones,
    pickles and runs in a grid search, and each fit writes to its own run
    folder under ``log_dir``, shared with the other skfashion callbacks of
    the fit. Training continued with ``warm_start`` or ``partial_fit`` goes
    on in the same run. Used directly in ``keras.Model.fit`` (with
    ``probe``), it writes into ``log_dir`` itself.

    Parameters
    ----------
    log_dir : str or path-like, default="runs"
        The folder under which each fit makes its run folder.
    layers : str, list of str or None, default=None
        The layers to log; by default every convolution and pooling layer.
        Any layer with (height, width, channels) output can be named, for
        example ``"conv1_relu"``.
    n_images : int, default=3
        Without ``probe``, log the first this many training images.
    every_n_epochs : int, default=1
        Log after every this many epochs.
    max_maps : int or None, default=16
        Tile at most this many channels of each layer, the first in
        ``order``; None tiles all.
    order : {"index", "strongest"}, default="index"
        Which channels to tile, in what order: ``"index"`` in channel order;
        ``"strongest"`` ranked by the mean of each map (the layer's output,
        before scaling) for that image at that step, largest first, equal
        means in channel order.
    probe : array-like or None, default=None
        The images to log, in the form the classifier itself receives them
        (after the steps of a Pipeline, for example scaled to [0, 1] by
        :class:`~skfashion.MinMax255`): rows of ``n_features_in_`` pixels or
        (n, h, w[, c]) arrays. By default the first ``n_images`` training
        images.

    See Also
    --------
    skfashion.plotting.plot_feature_maps : The same feature maps, in
        matplotlib.

    Examples
    --------
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from skfashion import CNNClassifier
    >>> from skfashion.callbacks import FeatureMapLogger
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.random((60, 784)), np.arange(60) % 3
    >>> model = CNNClassifier(
    ...     epochs=1, callbacks=[FeatureMapLogger("runs", n_images=2)]
    ... ).fit(X, y)
    >>> [run] = Path("runs").iterdir()
    >>> len(list(run.glob("events.out.tfevents.*")))  # the images, for TensorBoard
    1

    Then run ``tensorboard --logdir runs``.
    """

    _runtime = (
        *FitContextCallback._runtime,
        "_summary",
        "_writer",
        "_probe_rows",
        "_layer_names",
        "_started",
    )

    _parameter_constraints: dict = {
        "log_dir": [str, os.PathLike],
        "layers": [None, str, SequenceOf(str, min_length=1)],
        "n_images": [Interval(Integral, 1, None, closed="left")],
        "every_n_epochs": [Interval(Integral, 1, None, closed="left")],
        "max_maps": [Interval(Integral, 1, None, closed="left"), None],
        "order": [StrOptions(_inspect.FEATURE_MAP_ORDERS)],
        "probe": [None, "array-like"],
    }

    def __init__(
        self,
        log_dir="runs",
        layers=None,
        n_images=3,
        every_n_epochs=1,
        max_maps=16,
        order="index",
        probe=None,
    ):
        super().__init__()
        self.log_dir = log_dir
        self.layers = layers
        self.n_images = n_images
        self.every_n_epochs = every_n_epochs
        self.max_maps = max_maps
        self.order = order
        self.probe = probe

    # -------------------------------------------------------------- training
    def on_train_begin(self, logs=None):
        check_parameters(self)
        # The layers and images are checked before the writer exists, so a
        # mistake costs neither training time nor an empty run folder.
        self._layer_names = _inspect.resolve_layers(self.model, self.layers)
        if self.probe is not None:
            images = self.probe
        elif getattr(self, "_fit_X", None) is not None:
            images = np.asarray(self._fit_X)[: self.n_images]
        else:
            raise ValueError(
                "FeatureMapLogger has no images to log: pass probe=, or use it "
                "as a callback of a skfashion classifier, which gives it the "
                "training images."
            )
        n_features = self.model.inputs[0].shape[-1]
        self._probe_rows = _inspect.as_rows(images, n_features).astype(np.float32)
        # Imported here: tf.summary loads TensorBoard's protocol buffers,
        # which a fit without this callback does not need.
        import tensorflow as tf

        self._summary = tf.summary
        self._writer = tf.summary.create_file_writer(str(self._run_dir()))
        self._started = False

    def on_epoch_begin(self, epoch, logs=None):
        if not self._started and epoch == 0:
            # Only at the very start, not when training is continued: the
            # earlier fit has logged this run's step 0 already.
            with self._writer.as_default(step=0):
                for i, row in enumerate(self._probe_rows):
                    image = _unit_range(_inspect.input_image(self.model, row))
                    self._summary.image(f"probe_images/image_{i}", image[None])
            self._log_feature_maps(step=0)
        self._started = True

    def on_epoch_end(self, epoch, logs=None):
        step = epoch + 1
        if step % self.every_n_epochs == 0:
            self._log_feature_maps(step)

    def _log_feature_maps(self, step: int) -> None:
        outputs = _inspect.activations(self.model, self._probe_rows, self._layer_names)
        with self._writer.as_default(step=step):
            for name, output in outputs.items():
                for i, maps in enumerate(output):
                    channels = _inspect.select_channels(maps, self.order, self.max_maps)
                    grid = _tile_feature_maps(maps[..., channels])
                    self._summary.image(
                        f"feature_maps/{name}/image_{i}",
                        grid[None],
                        description=_DESCRIPTIONS[self.order],
                    )
        # Flushed each time, so that TensorBoard shows it while training goes on.
        self._writer.flush()

    def _close(self) -> None:
        writer = getattr(self, "_writer", None)
        if writer is not None:
            writer.close()
        self._writer = None


# Shown with each image in TensorBoard (the first step's text is kept).
_DESCRIPTIONS = {
    "index": "Channels 0, 1, ... of the layer, row by row, each scaled to [0, 1].",
    "strongest": (
        "The channels with the largest mean activation for this image at this "
        "step, largest first, row by row, each scaled to [0, 1]."
    ),
}


def _unit_range(array: np.ndarray) -> np.ndarray:
    """``array`` scaled to [0, 1]; a constant array becomes all zeros."""
    array = np.asarray(array, dtype=np.float32)
    low, high = array.min(), array.max()
    if high > low:
        return (array - low) / (high - low)
    return np.zeros_like(array)


def _tile_feature_maps(maps: np.ndarray) -> np.ndarray:
    """Feature maps of shape (h, w, channels) tiled into one (H, W, 1) image.

    Each map is scaled to [0, 1] on its own; the maps fill a near-square
    grid row by row, in the order of the last axis, separated by 1-pixel
    white lines.
    """
    maps = np.asarray(maps)
    height, width, n = maps.shape
    n_cols = math.ceil(math.sqrt(n))
    n_rows = math.ceil(n / n_cols)
    grid = np.ones(
        (n_rows * (height + 1) - 1, n_cols * (width + 1) - 1, 1), dtype=np.float32
    )
    for channel in range(n):
        row, col = divmod(channel, n_cols)
        top, left = row * (height + 1), col * (width + 1)
        grid[top : top + height, left : left + width, 0] = _unit_range(
            maps[..., channel]
        )
    return grid

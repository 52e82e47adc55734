"""TensorBoard's Projector: a layer's outputs for probe images, or its kernel."""

from __future__ import annotations

import hashlib
import math
import os
import warnings
from numbers import Integral

import numpy as np

from .. import _inspect
from .._estimator import check_rows
from .._param_validation import (
    Hint,
    Interval,
    SequenceOf,
    StrOptions,
    check_parameters,
)
from .._pipeline import n_training_rows
from ._base import FitContextCallback
from ._kernel_units import kernel_row_units

__all__ = ["EmbeddingProjector"]

# The Projector loads the sprite into a WebGL texture: at most 8192 pixels a
# side.
MAX_SPRITE_SIDE = 8192

_CONFIG_FILE = "projector_config.pbtxt"


class EmbeddingProjector(FitContextCallback):
    """Follow how the network groups probe images, in TensorBoard's Projector.

    The outputs of one layer (by default the softmax: the class
    probabilities) for a fixed sample of probe images are saved before
    training, as training goes on and at its end. Each of these snapshots
    is its own embedding in the Projector, named by the layer and the step,
    for example ``softmax@epoch_003``; its metadata give each point's true
    and predicted class, and the probe images are shown as thumbnails. Going
    through the snapshots shows the classes separate, from the random
    network to the trained one; coloring by ``correct`` shows the mistakes.

    The probe is a stratified sample of ``n_probe`` images from the
    validation rows (the last ``validation_split`` of the training data, as
    Keras takes them), or from the training data without a validation split.

    With ``source="weights"`` the snapshots show the layer's weights
    instead, as the Projector of Keras' ``embeddings_freq`` did: the rows
    of its kernel, one point per input unit, in as many dimensions as the
    layer has units, named ``softmax/kernel@epoch_003``. For the softmax
    layer these are the units of the layer below, each placed by the
    weights that tie it to the classes; the metadata name each unit (see
    ``source``). There are no probe images and no thumbnails.

    Files go to the ``projector`` run of the fit's run folder (see
    :class:`TensorBoard`): ``projector_config.pbtxt``, per snapshot a
    ``<name>.tsv`` of outputs and a ``<name>.metadata.tsv`` of labels, and
    one sprite image of the probe images; with ``source="weights"``, per
    snapshot a ``<layer>/kernel@<step>.tsv`` and one
    ``<layer>/kernel.metadata.tsv`` of unit names. Its event file (the
    snapshots' probe accuracy, or the kernel's size, as text) is what makes
    TensorBoard list the run. Several EmbeddingProjectors of one fit (one
    per layer, or one of each source) add to the same Projector.

    Parameters
    ----------
    log_dir : str or path-like, default="runs"
        The folder under which each fit makes its run folder (shared with the
        other skfashion callbacks of the same fit).
    layer : str, default="softmax"
        The name of the layer whose outputs (or kernel) are shown, for
        example ``"dense_1"`` for the features the classifier's last layer
        receives. Outputs with more than one axis per image are flattened.
    source : {"activations", "weights"}, default="activations"
        What the points are. ``"activations"``: the probe images, placed by
        the layer's outputs for them. ``"weights"``: the input units of the
        layer, each placed by its row of the layer's kernel (the weights
        from that unit to each of the layer's units), as in the original
        study. The layer needs a 2-D kernel, such as a Dense layer's; a
        convolution's 4-D kernel is refused when training starts (its
        filters are better seen in :class:`FeatureMapLogger` and the weight
        histograms of :class:`TensorBoard`). The metadata's ``unit`` column
        names each input unit after the layer that computes it, skipping
        activation, normalization and dropout layers: ``dense_1 #17``; for
        a Dense layer after a ``Flatten`` of feature maps, by channel and
        position, ``pool2 #5 (3, 2)`` being channel 5 at row 3, column 2
        (also in the ``channel``, ``row`` and ``column`` columns). The
        ``index`` column is the row's number in the kernel. ``n_probe``,
        ``probe``, ``target_names`` and ``sprite`` are not used.
    n_probe : int, default=300
        The number of probe images sampled from the training data.
    probe : tuple (X, y) or None, default=None
        The probe images and their labels, instead of a sample: ``X`` as the
        classifier receives it in ``fit`` (after the steps of a Pipeline).
        Pass it with ``partial_fit``, so that all calls show the same images.
    target_names : sequence or mapping of str, default=None
        The class names, indexed by the labels (a list of names for labels
        0, 1, ... such as ``fetch_fashion_mnist().target_names``, or a
        dictionary). By default the labels themselves are shown.
    every_n_epochs : int or None, default=1
        Take a snapshot every this many epochs; None takes none per epoch.
    every_n_batches : int or None, default=None
        Take a snapshot every this many batches. Snapshots are then named by
        the number of batches trained (``softmax@step_000120``), not epochs.
    sprite : bool, default=True
        Show the probe images as thumbnails. Needs image-shaped input: a
        CNNClassifier's ``image_shape_``, or a square number of pixels.

    See Also
    --------
    TensorBoard : The training curves and weight histograms.
    FeatureMapLogger : The feature maps of the convolution layers.

    Examples
    --------
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from skfashion import CNNClassifier
    >>> from skfashion.callbacks import EmbeddingProjector
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.random((60, 784)), np.arange(60) % 3
    >>> projector = EmbeddingProjector(
    ...     "runs", n_probe=6, target_names=["shirt", "shoe", "bag"]
    ... )
    >>> model = CNNClassifier(
    ...     epochs=1, validation_split=0.1, callbacks=[projector]
    ... ).fit(X, y)
    >>> [run] = Path("runs").iterdir()
    >>> (run / "projector" / "projector_config.pbtxt").is_file()
    True

    The study's view, the rows of the softmax layer's kernel, one point per
    unit of the layer below:

    >>> weights = EmbeddingProjector("runs", source="weights")
    >>> model = CNNClassifier(epochs=1, callbacks=[weights]).fit(X, y)

    Then run ``tensorboard --logdir runs`` and open the Projector tab.
    """

    _runtime = (
        *FitContextCallback._runtime,
        "_dir",
        "_writer",
        "_units",
        "_rows",
        "_labels",
        "_index",
        "_classes",
        "_sprite",
        "_started",
        "_epoch",
        "_step",
        "_steps_per_epoch",
        "_batches",
    )

    _parameter_constraints: dict = {
        "log_dir": [str, os.PathLike],
        "layer": [str],
        "source": [StrOptions(["activations", "weights"])],
        "n_probe": [Interval(Integral, 1, None, closed="left")],
        "probe": [
            None,
            SequenceOf("array-like", lengths=(2,)),
            Hint("array-like", "Pass the images with their labels: probe=(X, y)."),
        ],
        "target_names": [None, "array-like", dict],
        "every_n_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "every_n_batches": [Interval(Integral, 1, None, closed="left"), None],
        "sprite": ["boolean"],
    }

    def __init__(
        self,
        log_dir="runs",
        layer="softmax",
        source="activations",
        n_probe=300,
        probe=None,
        target_names=None,
        every_n_epochs=1,
        every_n_batches=None,
        sprite=True,
    ):
        super().__init__()
        self.log_dir = log_dir
        self.layer = layer
        self.source = source
        self.n_probe = n_probe
        self.probe = probe
        self.target_names = target_names
        self.every_n_epochs = every_n_epochs
        self.every_n_batches = every_n_batches
        self.sprite = sprite

    # -------------------------------------------------------------- training
    def on_train_begin(self, logs=None):
        check_parameters(self)
        _inspect.check_layer_names(self.model, [self.layer])
        if self.source == "weights":
            self._units = kernel_row_units(self.model, self.layer)
        else:
            self._rows, labels, self._index = self._probe_data()
            self._labels = [self._name(label) for label in labels]
            estimator = getattr(self, "_estimator", None)
            n_outputs = self.model.outputs[0].shape[-1]
            self._classes = getattr(estimator, "classes_", np.arange(n_outputs))
            self._sprite = self._sprite_settings()

        import tensorflow as tf

        self._dir = self._run_dir() / "projector"
        self._dir.mkdir(parents=True, exist_ok=True)
        self._writer = tf.summary.create_file_writer(str(self._dir))
        self._started = False
        self._step = None
        self._steps_per_epoch = (self.params or {}).get("steps")
        self._batches = 0

    def on_epoch_begin(self, epoch, logs=None):
        if not self._started:
            # Here, not in on_train_begin: only now is the first epoch known
            # (training may continue an earlier fit).
            self._started = True
            self._step = (
                epoch * (self._steps_per_epoch or 0) if self.every_n_batches else epoch
            )
            self._snapshot()
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        if not self.every_n_batches:
            return
        if self._steps_per_epoch:
            self._step = self._epoch * self._steps_per_epoch + batch + 1
        else:  # a data set of unknown length: count from this fit's start
            self._step = self._batches
        if self._step % self.every_n_batches == 0:
            self._snapshot()

    def on_epoch_end(self, epoch, logs=None):
        if not self.every_n_batches:
            self._step = epoch + 1
        if self.every_n_epochs and (epoch + 1) % self.every_n_epochs == 0:
            self._snapshot()

    def on_train_end(self, logs=None):
        if getattr(self, "_started", False):
            self._snapshot()  # the trained network, unless already taken
        super().on_train_end(logs)

    def _close(self) -> None:
        writer = getattr(self, "_writer", None)
        if writer is not None:
            writer.close()
        self._writer = None

    # -------------------------------------------------------------- the probe
    def _probe_data(self):
        """The probe's model input rows, labels and row numbers."""
        estimator = getattr(self, "_estimator", None)
        if self.probe is not None:
            X, y = self.probe
            index = np.arange(len(y))
        elif estimator is not None:
            X, y = self._fit_X, self._fit_y
            pool = np.arange(len(y))
            split = getattr(estimator, "validation_split", 0) or 0
            if split:
                # The rows Keras validates on: the last ones, before shuffling.
                pool = pool[n_training_rows(len(y), split) :]
            y = np.asarray(y)
            index = pool[_stratified_sample(y[pool], self.n_probe)]
            X, y = _rows(X, index), y[index]
        else:
            raise ValueError(
                "EmbeddingProjector has no probe images: pass probe=(X, y), or "
                "use it as a callback of a skfashion classifier, which gives "
                "it the training data."
            )
        y = np.asarray(y)
        if len(X) != len(y):
            raise ValueError(
                f"The probe has {len(X)} images but {len(y)} labels; pass "
                "probe=(X, y) with one label per image."
            )
        if y.ndim == 2:  # one-hot labels, as Keras takes them
            y = y.argmax(axis=1)
        if estimator is not None:
            rows = check_rows(estimator, X)
        else:
            rows = np.asarray(X, dtype=np.float32).reshape(len(y), -1)
        return rows, y, index

    def _name(self, label) -> str:
        name = label if self.target_names is None else self.target_names[label]
        # Tabs and line breaks would break the metadata file's columns.
        return " ".join(str(name).split())

    def _sprite_settings(self):
        """(file name, (h, w, c)) of the probe's sprite, or None for none."""
        if not self.sprite:
            return None
        n_images, n_features = self._rows.shape
        shape = getattr(getattr(self, "_estimator", None), "image_shape_", None)
        if shape is None:
            side = math.isqrt(n_features)
            shape = (side, side, 1) if side * side == n_features else None
        if shape is None or shape[-1] not in (1, 3):
            warnings.warn(
                f"EmbeddingProjector shows no thumbnails: the {n_features} "
                "features of an image are not a square grayscale or RGB image. "
                "Use a CNNClassifier with image_shape, or pass sprite=False.",
                stacklevel=2,
            )
            return None
        height, width = shape[:2]
        n_side = math.ceil(math.sqrt(n_images))
        if n_side * max(height, width) > MAX_SPRITE_SIDE:
            raise ValueError(
                f"{n_images} probe images of {height}x{width} pixels make a "
                f"sprite of {n_side * height}x{n_side * width} pixels, more "
                f"than the Projector's {MAX_SPRITE_SIDE}x{MAX_SPRITE_SIDE}: "
                "use fewer probe images, or sprite=False."
            )
        # Named after the images: a continued fit with another probe writes
        # its own sprite, and the earlier snapshots keep theirs.
        digest = hashlib.sha1(self._rows.tobytes()).hexdigest()[:8]
        return f"sprite_{digest}.png", tuple(shape)

    # ------------------------------------------------------------- snapshots
    def _snapshot(self) -> None:
        unit = "step" if self.every_n_batches else "epoch"
        width = 6 if self.every_n_batches else 3
        shown = f"{self.layer}/kernel" if self.source == "weights" else self.layer
        name = f"{shown}@{unit}_{self._step:0{width}d}"

        from google.protobuf import text_format
        from tensorboard.plugins import projector

        # Read each time, not kept: a fit that continues an earlier one
        # (warm_start, partial_fit) adds its snapshots to the earlier ones,
        # and other EmbeddingProjectors of the fit add theirs.
        config = projector.ProjectorConfig()
        config_file = self._dir / _CONFIG_FILE
        if config_file.exists():
            text_format.Parse(config_file.read_text(), config)
        if any(e.tensor_name == name for e in config.embeddings):
            return  # the end of training, if its last epoch took one already

        embedding = config.embeddings.add()
        embedding.tensor_name = name
        if self.source == "weights":
            tag, text = self._save_kernel(name, embedding)
        else:
            tag, text = self._save_activations(name, embedding)
        projector.visualize_embeddings(str(self._dir), config)

        import tensorflow as tf

        with self._writer.as_default(step=self._step):
            tf.summary.text(tag, text)
        self._writer.flush()

    def _save_kernel(self, name: str, embedding) -> tuple[str, str]:
        """Write the kernel's rows; return the text summary's tag and text."""
        # .numpy(), not keras.ops.convert_to_numpy: TensorFlow's __array__
        # makes NumPy 2 warn about its missing copy keyword.
        kernel = self.model.get_layer(self.layer).kernel.numpy()
        # Tensor names hold a "/", file names follow them into a folder per
        # layer (Keras layer names never hold one).
        tensor_file = self._dir / f"{name}.tsv"
        tensor_file.parent.mkdir(exist_ok=True)
        np.savetxt(tensor_file, kernel, fmt="%.6g", delimiter="\t")
        # The same units at every step: one metadata file for the layer.
        metadata = f"{self.layer}/kernel.metadata.tsv"
        columns, rows = self._units
        # A header row: the Projector needs one with more than one column.
        lines = ["\t".join(columns)] + ["\t".join(map(str, row)) for row in rows]
        (self._dir / metadata).write_text("\n".join(lines) + "\n", encoding="utf-8")

        embedding.tensor_path = f"{name}.tsv"
        embedding.tensor_shape.extend(kernel.shape)
        embedding.metadata_path = metadata
        n_rows, n_columns = kernel.shape
        text = (
            f"`{name}`: {n_rows} input units in {n_columns} dimensions, "
            f"mean absolute weight {np.abs(kernel).mean():.4g}"
        )
        return "kernel_snapshots", text

    def _save_activations(self, name: str, embedding) -> tuple[str, str]:
        """Write the probe's outputs; return the text summary's tag and text."""
        # The network's last layer gives the class probabilities.
        output_layer = self.model.layers[-1].name
        values = _inspect.activations(
            self.model, self._rows, [self.layer, output_layer]
        )
        outputs = values[self.layer].reshape(len(self._rows), -1)
        predicted = self._classes[np.argmax(values[output_layer], 1)]
        predicted = [self._name(label) for label in predicted]
        correct = [p == t for p, t in zip(predicted, self._labels, strict=True)]

        np.savetxt(self._dir / f"{name}.tsv", outputs, fmt="%.6g", delimiter="\t")
        # A header row: the Projector needs one with more than one column.
        columns = zip(self._labels, predicted, correct, self._index, strict=True)
        lines = ["label\tpredicted\tcorrect\tindex"] + [
            f"{t}\t{p}\t{'yes' if c else 'no'}\t{i}" for t, p, c, i in columns
        ]
        metadata = self._dir / f"{name}.metadata.tsv"
        metadata.write_text("\n".join(lines) + "\n", encoding="utf-8")

        embedding.tensor_path = f"{name}.tsv"
        embedding.tensor_shape.extend(outputs.shape)
        embedding.metadata_path = metadata.name
        if self._sprite is not None:
            file_name, shape = self._sprite
            if not (self._dir / file_name).exists():
                _save_sprite(self._dir / file_name, self._rows, shape)
            embedding.sprite.image_path = file_name
            embedding.sprite.single_image_dim.extend([shape[1], shape[0]])
        text = (
            f"`{name}`: {np.mean(correct):.1%} of the {len(correct)} probe "
            "images classified right"
        )
        return "snapshots", text


def _stratified_sample(y: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Positions of ``n`` rows of ``y``, its classes in proportion.

    Every class has a row if ``n`` allows, even one with a single row (where
    scikit-learn's stratified splitters refuse). The
    positions are sorted by class, so the sprite shows the classes in blocks.
    """
    _, codes = np.unique(y, return_inverse=True)
    codes = codes.ravel()
    if n >= len(y):
        chosen = np.arange(len(y))
    else:
        shuffled = np.random.default_rng(seed).permutation(len(y))
        counts = np.bincount(codes)
        # Each row's rank among the shuffled rows of its class, as a share of
        # the class: the n smallest shares take one row of every class, then
        # the classes in proportion.
        rank = np.empty(len(y))
        for code, count in enumerate(counts):
            rank[shuffled[codes[shuffled] == code]] = np.arange(count)
        share = rank / counts[codes]
        chosen = np.argsort(share[shuffled], kind="stable")[:n]
        chosen = shuffled[chosen]
    return chosen[np.lexsort((chosen, codes[chosen]))]


def _save_sprite(path, rows: np.ndarray, shape: tuple[int, int, int]) -> None:
    """The images tiled row by row into a square PNG, as the Projector takes it.

    Grayscale images are drawn dark on white, like skfashion's plots.
    """
    from matplotlib.image import imsave

    height, width, channels = shape
    images = rows.reshape(len(rows), height, width, channels).astype(np.float64)
    low, high = images.min(), images.max()
    images = (images - low) / (high - low) if high > low else np.zeros_like(images)
    if channels == 1:
        images = 1.0 - images
    n_side = math.ceil(math.sqrt(len(images)))
    blank = np.ones((n_side * n_side - len(images), *images.shape[1:]))
    grid = np.concatenate([images, blank]).reshape(
        n_side, n_side, height, width, channels
    )
    sprite = grid.transpose(0, 2, 1, 3, 4).reshape(
        n_side * height, n_side * width, channels
    )
    if channels == 1:
        imsave(path, sprite[..., 0], cmap="gray", vmin=0.0, vmax=1.0)
    else:
        imsave(path, sprite)


def _rows(X, index: np.ndarray):
    """The rows ``index`` of ``X``: a DataFrame's by position, or an array's."""
    if hasattr(X, "iloc"):
        return X.iloc[index]
    return np.asarray(X)[index]

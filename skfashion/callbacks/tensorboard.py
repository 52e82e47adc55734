"""Training curves, learning rate and weight histograms for TensorBoard."""

from __future__ import annotations

import warnings

import keras
import numpy as np

from ._base import FitContextCallback

__all__ = ["TensorBoard"]


class TensorBoard(FitContextCallback):
    """Log a fit to TensorBoard: losses, accuracies, learning rate, weights.

    Each fit of a skfashion classifier writes to its own run folder under
    ``log_dir``, named after the estimator, its non-default parameters and
    the time the fit started, so fits never overwrite each other and a grid
    search shows one run per fit. As in Keras, a run folder holds the
    ``train`` and ``validation`` runs:

    - ``epoch_loss`` and ``epoch_accuracy`` (also under ``validation`` with a
      ``validation_split``) and ``epoch_learning_rate``, once per epoch;
    - ``batch_loss`` and ``batch_accuracy`` every ``update_freq`` batches,
      if that is not ``"epoch"``;
    - one histogram per weight, tagged by the weight's full path (for
      example ``conv1/kernel`` and ``dense_1/kernel``), at the start and
      every ``histogram_freq`` epochs;
    - the network's conceptual graph and the estimator's parameters.

    Steps count completed epochs: the first epoch's results are at step 1,
    the initial weights at step 0. Batch steps count batches since the start
    of training. Training continued with ``warm_start`` or ``partial_fit``
    goes on in the same run, at the following steps.

    The callback holds only its parameters; its writers exist from the start
    to the end of a fit. Used directly in ``keras.Model.fit``, it writes into
    ``log_dir`` itself.

    Parameters
    ----------
    log_dir : str or path-like, default="runs"
        The folder under which each fit makes its run folder (shared with the
        other skfashion callbacks of the same fit). Point TensorBoard at it:
        ``tensorboard --logdir runs``.
    histogram_freq : int, default=1
        Log the weight histograms every this many epochs; 0 never does.
    write_graph : bool, default=True
        Log the network's layers for TensorBoard's Graphs tab (its
        "conceptual graph").
    update_freq : "epoch", "batch" or int, default="epoch"
        Log losses and accuracies per epoch only, or also every batch
        (``"batch"``) or every this many batches.

    See Also
    --------
    EmbeddingProjector : The network's outputs for probe images, in
        TensorBoard's Projector.
    keras.callbacks.TensorBoard : Keras' own, which writes every fit into
        the same ``log_dir``.

    Examples
    --------
    >>> from skfashion import CNNClassifier
    >>> from skfashion.callbacks import TensorBoard
    >>> model = CNNClassifier(validation_split=0.1, callbacks=[TensorBoard("runs")])
    >>> model.fit(X, y)  # doctest: +SKIP

    Then run ``tensorboard --logdir runs``.
    """

    _runtime = (
        *FitContextCallback._runtime,
        "_summary",
        "_writers",
        "_epoch",
        "_steps_per_epoch",
        "_batches",
        "_batch_freq",
    )

    def __init__(
        self, log_dir="runs", histogram_freq=1, write_graph=True, update_freq="epoch"
    ):
        super().__init__()
        self.log_dir = log_dir
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.update_freq = update_freq

    def _check_params(self) -> int | None:
        """Check the parameters; the batch logging interval, or None."""
        if not isinstance(self.histogram_freq, (int, np.integer)) or (
            self.histogram_freq < 0
        ):
            raise ValueError(
                "histogram_freq must be a non-negative integer (0 logs no "
                f"histograms), got {self.histogram_freq!r}."
            )
        if self.update_freq == "epoch":
            return None
        if self.update_freq == "batch":
            return 1
        if isinstance(self.update_freq, (int, np.integer)) and self.update_freq > 0:
            return int(self.update_freq)
        raise ValueError(
            'update_freq must be "epoch", "batch" or a positive number of '
            f"batches, got {self.update_freq!r}."
        )

    # -------------------------------------------------------------- training
    def on_train_begin(self, logs=None):
        self._batch_freq = self._check_params()
        # Imported here: tf.summary loads TensorBoard's protocol buffers,
        # which a fit without this callback does not need.
        import tensorflow as tf

        self._summary = tf.summary
        run = self._run_dir()
        # The validation writer is made only if there are validation results,
        # so that a fit without them has no empty validation run.
        self._writers = {"train": tf.summary.create_file_writer(str(run / "train"))}
        self._epoch = None
        self._steps_per_epoch = (self.params or {}).get("steps")
        self._batches = 0

    def on_epoch_begin(self, epoch, logs=None):
        if self._epoch is None and epoch == 0:
            # Only at the very start, not when training is continued: the
            # earlier fit has logged this run's step 0 already.
            self._log_start()
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        if self._batch_freq is None or not logs:
            return
        if self._steps_per_epoch:
            step = self._epoch * self._steps_per_epoch + batch + 1
        else:  # a data set of unknown length: count from this fit's start
            step = self._batches
        if step % self._batch_freq == 0:
            with self._writers["train"].as_default(step=step):
                for name, value in logs.items():
                    self._summary.scalar(f"batch_{name}", value)

    def on_epoch_end(self, epoch, logs=None):
        step = epoch + 1
        logs = dict(logs or {})
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        validation = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        learning_rate = _learning_rate(self.model)
        if learning_rate is not None:
            train["learning_rate"] = learning_rate
        self._scalars("train", train, step)
        if validation:
            self._scalars("validation", validation, step)
        if self.histogram_freq and step % self.histogram_freq == 0:
            self._histograms(step)
        # Flushed each epoch, so that TensorBoard shows it while training
        # goes on, and nothing of a finished epoch is lost if training fails.
        for writer in self._writers.values():
            writer.flush()

    def _close(self) -> None:
        for writer in getattr(self, "_writers", {}).values():
            writer.close()
        self._writers = {}

    # --------------------------------------------------------------- writing
    def _log_start(self):
        with self._writers["train"].as_default(step=0):
            if self.histogram_freq:
                self._histograms(0)
            if self.write_graph:
                _write_model_graph(self._summary, self.model)
            estimator = getattr(self, "_estimator", None)
            if estimator is not None:
                # Indented by 4: Markdown code, one parameter per line.
                text = "    " + repr(estimator).replace("\n", "\n    ")
                self._summary.text("estimator", text)

    def _scalars(self, run: str, values: dict, step: int):
        if run not in self._writers:
            import tensorflow as tf

            directory = self._run_dir() / run
            self._writers[run] = tf.summary.create_file_writer(str(directory))
        with self._writers[run].as_default(step=step):
            for name, value in values.items():
                self._summary.scalar(f"epoch_{name}", value)

    def _histograms(self, step: int):
        with self._writers["train"].as_default(step=step):
            for weight in self.model.weights:
                # The full path ("conv1/kernel"): the short name ("kernel")
                # is the same for every layer, so the histograms would mix.
                if keras.backend.is_float_dtype(weight.dtype):
                    self._summary.histogram(weight.path, weight.value)


def _learning_rate(model) -> float | None:
    """The optimizer's current learning rate (a schedule's current value)."""
    optimizer = getattr(model, "optimizer", None)
    # A LossScaleOptimizer (mixed precision) wraps the one with the rate.
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    if getattr(optimizer, "learning_rate", None) is None:
        return None
    # float(), not keras.ops.convert_to_numpy: a constant rate is a Keras
    # variable, whose conversion to NumPy warns under NumPy 2.
    return float(optimizer.learning_rate)


def _write_model_graph(summary, model) -> None:
    """The model's layers, for TensorBoard's "conceptual graph".

    What ``keras.callbacks.TensorBoard(write_graph=True)`` writes: the
    model's JSON, tagged ``keras``, for the ``graph_keras_model`` plugin.
    """
    from tensorboard.compat.proto.summary_pb2 import SummaryMetadata

    metadata = SummaryMetadata()
    metadata.plugin_data.plugin_name = "graph_keras_model"
    metadata.plugin_data.content = b"1"  # the plugin's format version
    try:
        config = model.to_json()
    except Exception as exc:  # a subclassed model without get_config
        warnings.warn(f"The model's graph is not logged: {exc}", stacklevel=2)
        return
    summary.write("keras", config, metadata=metadata.SerializeToString())
